"""Registered hooks."""
from .distillation_teacher_hook import DistillationTeacherHook
from .nonfinite_guard_hook import NonFiniteGuardHook, NonFiniteTrainingError

__all__ = ['DistillationTeacherHook', 'NonFiniteGuardHook', 'NonFiniteTrainingError']
