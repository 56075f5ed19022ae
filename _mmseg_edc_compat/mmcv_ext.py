"""A stand-in for mmcv's compiled operators when only ``mmcv-lite`` is installed.

mmsegmentation 1.2.2 imports ``mmcv.ops`` unconditionally, and ``mmcv.ops`` loads the
compiled extension ``mmcv._ext``, which ``mmcv-lite`` does not ship. The finder below
sits last on ``sys.meta_path``, so it is asked only after every regular finder found
no compiled ``mmcv._ext``; it then supplies :class:`MissingCompiledOps`, a module whose
every operator raises ``NotImplementedError`` when called. Imports succeed, the
pure-PyTorch parts of mmcv and mmseg run, and only compiled operators (DCN, PSA, nms,
...) fail, at call time, saying how to get them. With a compiled mmcv installed the
finder is never reached for ``mmcv._ext``.
"""
import importlib.machinery
import sys
import types

EXT_MODULE_NAME = 'mmcv._ext'


class MissingCompiledOps(types.ModuleType):
    """Stand-in for ``mmcv._ext``: any attribute is a callable that raises."""

    def __getattr__(self, op_name):
        if op_name.startswith('__'):
            raise AttributeError(op_name)

        def unavailable(*args, **kwargs):
            raise NotImplementedError(
                f'mmcv operator {op_name!r} needs the compiled mmcv package; '
                'mmcv-lite is installed. Install full mmcv (built with CUDA '
                'for GPU operators) instead of mmcv-lite to use it.')

        unavailable.__name__ = op_name
        return unavailable


class CompiledOpsPlaceholderFinder:
    """Meta-path finder and loader of :class:`MissingCompiledOps` as ``mmcv._ext``.

    Must be the last entry of ``sys.meta_path``: it answers for ``mmcv._ext`` only,
    and only the finders before it can find a compiled one.
    """

    def find_spec(self, fullname, path=None, target=None):
        if fullname != EXT_MODULE_NAME:
            return None
        return importlib.machinery.ModuleSpec(fullname, self, origin=__name__)

    def create_module(self, spec):
        return MissingCompiledOps(spec.name)

    def exec_module(self, module):
        module.__file__ = __file__


def compiled_mmcv_available():
    """True when a real, compiled ``mmcv._ext`` is imported or importable.

    Imports ``mmcv`` (not ``mmcv._ext``) to look; False when mmcv is not installed.
    """
    import importlib.util  # not at module level: start-up imports this module
    existing = sys.modules.get(EXT_MODULE_NAME)
    if existing is not None:
        return not isinstance(existing, MissingCompiledOps)
    if importlib.util.find_spec('mmcv') is None:
        return False
    spec = importlib.util.find_spec(EXT_MODULE_NAME)
    return spec is not None and not isinstance(spec.loader, CompiledOpsPlaceholderFinder)
