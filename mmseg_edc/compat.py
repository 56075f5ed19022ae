"""Compatibility fixes for the pinned OpenMMLab stack (see the README, "Installation").

Two problems stop mmsegmentation 1.2.2 from running on a pure-Python install
(``mmcv-lite``) with ``torch >= 2.6``:

1. ``mmcv-lite`` ships no compiled ``mmcv._ext``, yet ``mmseg`` imports ``mmcv.ops``
   unconditionally. :func:`install_mmcv_ext_placeholder` registers a module under that
   name whose every attribute is a function raising ``NotImplementedError`` when called,
   so the imports succeed and only the compiled operators (DCN, PSA, nms, ...) fail, at
   call time, with a message saying how to get them.
2. ``torch >= 2.6`` loads with ``weights_only=True`` by default, which rejects the
   objects mmengine 0.10.7 stores in its own checkpoints (resume, ``load_from``,
   ``tools/test.py``). :func:`allow_full_local_checkpoints` re-registers mmengine's
   local-file checkpoint loader with ``weights_only=False``.

Both functions are idempotent and do nothing where they are not needed: a compiled
mmcv, an older torch, or an mmengine whose local loader already passes ``weights_only``.
They must run before anything imports ``mmseg.models``; ``mmseg_edc/__init__.py`` calls
:func:`apply_compat_fixes` first thing.
"""
import importlib.machinery
import importlib.util
import inspect
import os.path as osp
import sys
import types

import torch

EXT_MODULE_NAME = 'mmcv._ext'


class _MissingCompiledOps(types.ModuleType):
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


def compiled_mmcv_available():
    """True when a real, compiled ``mmcv._ext`` can be imported."""
    existing = sys.modules.get(EXT_MODULE_NAME)
    if existing is not None:
        return not isinstance(existing, _MissingCompiledOps)
    return importlib.util.find_spec(EXT_MODULE_NAME) is not None


def install_mmcv_ext_placeholder():
    """Register the ``mmcv._ext`` stand-in unless a compiled mmcv exists.

    Returns:
        bool: whether the placeholder is in place after the call.
    """
    if compiled_mmcv_available():
        return False
    if EXT_MODULE_NAME not in sys.modules:
        module = _MissingCompiledOps(EXT_MODULE_NAME)
        module.__spec__ = importlib.machinery.ModuleSpec(
            EXT_MODULE_NAME, loader=None, origin='mmseg_edc.compat')
        module.__file__ = __file__
        sys.modules[EXT_MODULE_NAME] = module
    return True


def _torch_defaults_to_weights_only():
    major, minor = (int(p) for p in torch.__version__.split('.')[:2])
    return (major, minor) >= (2, 6)


def _load_local_checkpoint(filename, map_location):
    """mmengine's local loader, trusting the file as mmengine itself did before
    torch 2.6 (checkpoints written by mmengine hold more than tensors)."""
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    return torch.load(filename, map_location=map_location, weights_only=False)


def allow_full_local_checkpoints():
    """Make mmengine load its own local checkpoints on torch >= 2.6.

    Returns:
        bool: whether the patched loader is registered after the call.
    """
    from mmengine.runner.checkpoint import CheckpointLoader
    current = CheckpointLoader._schemes.get('')
    if current is _load_local_checkpoint:
        return True
    if not _torch_defaults_to_weights_only():
        return False
    if current is not None and 'weights_only' in inspect.getsource(current):
        return False
    CheckpointLoader.register_scheme(
        prefixes='', loader=_load_local_checkpoint, force=True)
    return True


def apply_compat_fixes():
    """Apply both fixes; returns which of them are active."""
    return dict(
        mmcv_ext_placeholder=install_mmcv_ext_placeholder(),
        full_local_checkpoints=allow_full_local_checkpoints())
