"""What a trainee has done: lesson visits, module status, best scores."""

from mesolearn.progress.tracker import LessonReading, ModuleProgress, Progress

__all__ = ["LessonReading", "ModuleProgress", "Progress"]
