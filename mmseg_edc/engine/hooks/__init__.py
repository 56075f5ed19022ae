"""Registered hooks."""
from .distillation_schedule_hook import DistillationScheduleHook
from .strict_checkpoint_hook import StrictCheckpointHook

__all__ = ['DistillationScheduleHook', 'StrictCheckpointHook']
