"""Registered hooks."""
from .distillation_teacher_hook import DistillationTeacherHook
from .strict_checkpoint_hook import StrictCheckpointHook

__all__ = ['DistillationTeacherHook', 'StrictCheckpointHook']
