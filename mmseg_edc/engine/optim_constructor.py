"""An optimizer constructor that leaves frozen parameters out of the optimizer."""
from mmengine.optim import DefaultOptimWrapperConstructor
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TrainableParamsOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` restricted to parameters that require grad.

    A frozen teacher (or any frozen part) then never enters the optimizer: no state,
    no weight decay, no entry in its parameter groups. ``paramwise_cfg`` works as in
    the default constructor.
    """

    def __init__(self, optim_wrapper_cfg, paramwise_cfg=None):
        # A non-empty paramwise_cfg routes every parameter through add_params,
        # where frozen ones are dropped; bypass_duplicate keeps the default lr/wd.
        super().__init__(optim_wrapper_cfg,
                         paramwise_cfg or dict(bypass_duplicate=False))

    def add_params(self, params, module, prefix='', is_dcn_module=None):
        super().add_params(params, module, prefix, is_dcn_module)
        params[:] = [group for group in params
                     if all(p.requires_grad for p in group['params'])]
