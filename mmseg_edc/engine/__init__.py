"""Training-loop pieces: hooks, optimizer constructor and wrapper."""
from .autocast_optim_wrapper import AutocastOptimWrapper
from .hooks import DistillationTeacherHook, StrictCheckpointHook
from .optim_constructor import TrainableParamsOptimWrapperConstructor

__all__ = [
    'AutocastOptimWrapper', 'DistillationTeacherHook', 'StrictCheckpointHook',
    'TrainableParamsOptimWrapperConstructor'
]
