"""Run a context around every call of chosen submodules, for the analysis tools.

Forward hooks see only calls through ``module(...)``; EDC runs some modules through
other methods (``EDCBackbone.forward_streams``, ``EDCSegHead.forward_with_features``
and ``decoder_feature``, a stream's ``forward_stage``, ``FrozenTeacher.features``), so
:class:`ModuleScopes` wraps those too. A module already inside its own scope opens no second one.
"""
from collections import defaultdict
from typing import Callable, ContextManager, Optional

import torch.nn as nn

#: Methods other than ``forward`` through which modules are run.
ENTRY_METHODS = ('forward_streams', 'forward_with_features', 'decoder_feature',
                 'forward_stage', 'features')


class ModuleScopes:
    """Enter ``scope(name)`` on every call of the modules ``select`` accepts.

    Args:
        model (nn.Module): the model.
        select (Callable[[str, nn.Module], bool]): which ``(name, module)`` to scope.
        scope (Callable[[str], ContextManager]): the context for module ``name``.
        transform (Callable | None): applied to every positional argument of a scoped
            call (e.g. casting tensors to fp32).

    Use :meth:`remove` to take the hooks and wrappers off again.
    """

    def __init__(self, model: nn.Module, select: Callable[[str, nn.Module], bool],
                 scope: Callable[[str], ContextManager],
                 transform: Optional[Callable] = None):
        self.scope = scope
        self.transform = transform
        self.open = defaultdict(list)
        self.handles = []
        self.wrapped = []
        for name, module in model.named_modules():
            if not select(name, module):
                continue
            self.handles.append(module.register_forward_pre_hook(
                lambda module, args, name=name: self._enter(name, args)))
            self.handles.append(module.register_forward_hook(
                lambda module, args, output, name=name: self._exit(name)))
            for method in ENTRY_METHODS:
                if callable(getattr(module, method, None)):
                    setattr(module, method, self._wrap(name, getattr(module, method)))
                    self.wrapped.append((module, method))

    def _enter(self, name, args):
        context = None
        if not self.open[name]:
            context = self.scope(name)
            context.__enter__()
        self.open[name].append(context)
        if self.transform is not None:
            return tuple(self.transform(arg) for arg in args)
        return None

    def _exit(self, name):
        context = self.open[name].pop()
        if context is not None:
            context.__exit__(None, None, None)

    def _wrap(self, name, method):
        def wrapped(*args, **kwargs):
            args = self._enter(name, args) or args
            try:
                return method(*args, **kwargs)
            finally:
                self._exit(name)
        return wrapped

    def remove(self):
        for handle in self.handles:
            handle.remove()
        for module, method in self.wrapped:
            delattr(module, method)
