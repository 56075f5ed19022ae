"""Training-loop pieces: hooks, optimizer constructor and wrapper."""
from .autocast_optim_wrapper import AutocastOptimWrapper
from .hooks import DistillationTeacherHook
from .optim_constructor import TrainableParamsOptimWrapperConstructor

__all__ = [
    'AutocastOptimWrapper', 'DistillationTeacherHook',
    'TrainableParamsOptimWrapperConstructor'
]
