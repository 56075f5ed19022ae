"""Registered hooks."""
from .distillation_teacher_hook import DistillationTeacherHook

__all__ = ['DistillationTeacherHook']
