"""Training-loop pieces: hooks, optimizer constructor and wrapper."""
from .autocast_optim_wrapper import AutocastOptimWrapper
from .hooks import (ClassCountCheckHook, DistillationScheduleHook, ExactResumeHook,
                    NonFiniteGuardHook, NonFiniteTrainingError, StrictCheckpointHook)
from .optim_constructor import TrainableParamsOptimWrapperConstructor

__all__ = [
    'AutocastOptimWrapper', 'ClassCountCheckHook', 'DistillationScheduleHook',
    'ExactResumeHook', 'NonFiniteGuardHook', 'NonFiniteTrainingError',
    'StrictCheckpointHook', 'TrainableParamsOptimWrapperConstructor'
]
