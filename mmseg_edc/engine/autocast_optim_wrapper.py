"""Mixed precision without loss scaling: bfloat16 autocast on any device, CPU included.

mmengine's ``AmpOptimWrapper`` refuses to run without an accelerator (it is built
around float16 and a ``GradScaler``). bfloat16 has float32's exponent range, so it
needs no loss scaling; this wrapper only runs the forward pass and the loss under
``torch.autocast`` on the model's device.
"""
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmseg.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class AutocastOptimWrapper(OptimWrapper):
    """``OptimWrapper`` whose ``optim_context`` autocasts to ``dtype`` (bfloat16).

    Args:
        dtype (str): ``'bfloat16'`` (float16 needs loss scaling: use mmengine's
            ``AmpOptimWrapper`` on CUDA for it).
        **kwargs: ``OptimWrapper``'s arguments.
    """

    def __init__(self, dtype='bfloat16', **kwargs):
        if dtype != 'bfloat16':
            raise ValueError(f'AutocastOptimWrapper supports bfloat16 only, got {dtype!r}; '
                             'use AmpOptimWrapper for float16 (CUDA)')
        super().__init__(**kwargs)
        self.cast_dtype = torch.bfloat16

    @contextmanager
    def optim_context(self, model):
        device = next(model.parameters()).device.type
        with super().optim_context(model), torch.autocast(device_type=device,
                                                          dtype=self.cast_dtype):
            yield
