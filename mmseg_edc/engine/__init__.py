"""Training-loop pieces: hooks and the optimizer constructor."""
from .hooks import DistillationTeacherHook
from .optim_constructor import TrainableParamsOptimWrapperConstructor

__all__ = ['DistillationTeacherHook', 'TrainableParamsOptimWrapperConstructor']
