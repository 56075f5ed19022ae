"""Training-loop pieces: hooks, optimizer constructor and wrapper."""
from .autocast_optim_wrapper import AutocastOptimWrapper
from .hooks import DistillationTeacherHook, NonFiniteGuardHook, NonFiniteTrainingError
from .optim_constructor import TrainableParamsOptimWrapperConstructor

__all__ = [
    'AutocastOptimWrapper', 'DistillationTeacherHook', 'NonFiniteGuardHook',
    'NonFiniteTrainingError', 'TrainableParamsOptimWrapperConstructor'
]
