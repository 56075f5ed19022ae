"""Training-loop pieces: hooks, optimizer constructor and wrapper."""
from .autocast_optim_wrapper import AutocastOptimWrapper
from .hooks import (DistillationTeacherHook, ExactResumeHook, NonFiniteGuardHook,
                    NonFiniteTrainingError)
from .optim_constructor import TrainableParamsOptimWrapperConstructor

__all__ = [
    'AutocastOptimWrapper', 'DistillationTeacherHook', 'ExactResumeHook',
    'NonFiniteGuardHook', 'NonFiniteTrainingError',
    'TrainableParamsOptimWrapperConstructor'
]
