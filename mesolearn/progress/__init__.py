"""What a trainee has done: lesson visits, module status, best scores."""

from mesolearn.progress.tracker import ModuleProgress, Progress

__all__ = ["ModuleProgress", "Progress"]
