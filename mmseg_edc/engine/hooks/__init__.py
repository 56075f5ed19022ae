"""Registered hooks."""
from .distillation_schedule_hook import DistillationScheduleHook

__all__ = ['DistillationScheduleHook']
