"""Course content: YAML files in git, parsed safely, validated against typed models.

The content layer knows the *shape* of a course (lessons, quizzes, exams), never its subject.
"""

from mesolearn.content.errors import ContentIssue
from mesolearn.content.loader import Course, Module, load_course

__all__ = ["ContentIssue", "Course", "Module", "load_course"]
