"""Registered hooks."""
from .class_count_check_hook import ClassCountCheckHook
from .distillation_schedule_hook import DistillationScheduleHook
from .exact_resume_hook import ExactResumeHook
from .nonfinite_guard_hook import NonFiniteGuardHook, NonFiniteTrainingError
from .strict_checkpoint_hook import StrictCheckpointHook

__all__ = [
    'ClassCountCheckHook', 'DistillationScheduleHook', 'ExactResumeHook',
    'NonFiniteGuardHook', 'NonFiniteTrainingError', 'StrictCheckpointHook'
]
