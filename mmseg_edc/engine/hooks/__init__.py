"""Registered hooks."""
from .distillation_teacher_hook import DistillationTeacherHook
from .exact_resume_hook import ExactResumeHook
from .nonfinite_guard_hook import NonFiniteGuardHook, NonFiniteTrainingError

__all__ = [
    'DistillationTeacherHook', 'ExactResumeHook', 'NonFiniteGuardHook',
    'NonFiniteTrainingError'
]
