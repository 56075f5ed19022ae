"""Training-loop pieces: hooks, optimizer constructor and wrapper."""
from .autocast_optim_wrapper import AutocastOptimWrapper
from .hooks import (DistillationScheduleHook, ExactResumeHook, NonFiniteGuardHook,
                    NonFiniteTrainingError, StrictCheckpointHook)
from .optim_constructor import TrainableParamsOptimWrapperConstructor

__all__ = [
    'AutocastOptimWrapper', 'DistillationScheduleHook', 'ExactResumeHook',
    'NonFiniteGuardHook', 'NonFiniteTrainingError', 'StrictCheckpointHook',
    'TrainableParamsOptimWrapperConstructor'
]
