"""An optimizer constructor that leaves frozen parameters out of the optimizer."""
from collections import Counter

from mmengine.logging import print_log
from mmengine.optim import DefaultOptimWrapperConstructor
from mmseg.registry import OPTIM_WRAPPER_CONSTRUCTORS

from mmseg_edc.utils.checkpoint import bare_model


def frozen_parameter_summary(model):
    """One line saying which parameters are frozen, or None when none are.

    Args:
        model (nn.Module): the model (wrappers looked through).

    Returns:
        str | None: ``'<n> frozen tensors (<m> parameters) left out of the
        optimizer: teacher 397, ...'``, per top-level module.
    """
    frozen = [(name, p) for name, p in bare_model(model).named_parameters()
              if not p.requires_grad]
    if not frozen:
        return None
    by_module = Counter(name.split('.', 1)[0] for name, _ in frozen)
    numel = sum(p.numel() for _, p in frozen)
    parts = ', '.join(f'{module} {count}' for module, count in by_module.items())
    return (f'{len(frozen)} frozen tensors ({numel:,} parameters) left out of the '
            f'optimizer: {parts}')


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class TrainableParamsOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """``DefaultOptimWrapperConstructor`` restricted to parameters that require grad.

    A frozen teacher (or any frozen part) then never enters the optimizer: no state,
    no weight decay, no entry in its parameter groups. ``paramwise_cfg`` works as in
    the default constructor.

    The default constructor logs a warning for every frozen tensor it meets
    (``<name> is skipped since its requires_grad=False``: 397 for the teacher of the
    EDC-small student, 1021 for EDC-base's). Here a module none of whose parameters (its children's
    included) requires grad is skipped as a whole before the default constructor
    walks it, and one summary line is logged instead
    (:func:`frozen_parameter_summary`). Only a frozen tensor whose module also owns
    trainable tensors directly (say a frozen bias next to a trained weight) still
    reaches the default constructor and gets its warning.
    """

    def __init__(self, optim_wrapper_cfg, paramwise_cfg=None):
        # A non-empty paramwise_cfg routes every parameter through add_params, where
        # frozen ones are dropped; bypass_duplicate keeps the default lr/wd.
        super().__init__(optim_wrapper_cfg,
                         paramwise_cfg or dict(bypass_duplicate=False))

    def __call__(self, model):
        optim_wrapper = super().__call__(model)
        summary = frozen_parameter_summary(model)
        if summary is not None:
            print_log(f'{type(self).__name__}: {summary}', logger='current')
        return optim_wrapper

    def add_params(self, params, module, prefix='', is_dcn_module=None):
        # the default constructor calls self.add_params for every child module, so a
        # frozen subtree is left out here before it is walked (and warned about)
        if not any(p.requires_grad for p in module.parameters()):
            return
        super().add_params(params, module, prefix, is_dcn_module)
