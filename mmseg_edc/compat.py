"""Compatibility of mmsegmentation 1.2.2 with this project's stack (README, "Installation").

Two problems stop mmsegmentation 1.2.2 from running on a pure-Python install
(``mmcv-lite``) with ``torch >= 2.6``:

1. ``mmcv-lite`` ships no compiled ``mmcv._ext``, yet ``mmseg`` imports ``mmcv.ops``
   unconditionally. A meta-path finder placed after all others supplies a
   placeholder ``mmcv._ext`` only when no compiled one is found; its operators raise
   ``NotImplementedError`` when called (DCN, PSA, nms, ...), with a message saying how
   to get them. A compiled mmcv (GPU users) is always found first.
2. ``torch >= 2.6`` loads with ``weights_only=True`` by default, which rejects the
   objects mmengine 0.10.7 stores in its own checkpoints (resume, ``load_from``,
   mmseg's ``tools/test.py``). Loading stays ``weights_only=True``: right after
   ``mmengine.runner.checkpoint`` is imported, exactly the types mmengine writes
   (``HistoryBuffer`` and its statistics methods, numeric numpy arrays, scalars and
   dtypes) are allowed with ``torch.serialization.add_safe_globals``, and mmengine's
   local loader is replaced by one that passes ``weights_only=True`` and refuses
   anything else with :class:`UnsafeCheckpointError`, naming the file and what to
   do. Nothing changes on torch < 2.6 or when another local loader was registered.

Both fixes live in the top-level package ``_mmseg_edc_compat`` (standard library only
at import time), which the installed ``mmseg_edc_compat.pth`` activates in every
Python process of the environment when it starts, before anything imports mmseg:
mmseg's own tools (``print_config.py``, ``train.py``, ``test.py``), ``mmseg.apis``
and user scripts need no extra import. ``import mmseg_edc`` calls
:func:`apply_compat_fixes` as well, which is idempotent and covers a source tree used
through ``PYTHONPATH`` without installation.
"""
import importlib
import importlib.util

import _mmseg_edc_compat
from _mmseg_edc_compat import checkpoints
from _mmseg_edc_compat.checkpoints import UnsafeCheckpointError
from _mmseg_edc_compat.mmcv_ext import MissingCompiledOps, compiled_mmcv_available

__all__ = ['apply_compat_fixes', 'compiled_mmcv_available', 'MissingCompiledOps',
           'UnsafeCheckpointError']


def apply_compat_fixes():
    """Install both fixes in this process (idempotent).

    Returns:
        dict: ``mmcv_ext_placeholder`` (whether ``mmcv._ext`` is the placeholder) and
        ``safe_checkpoints`` (whether mmengine's local loader is the safe one).

    Raises:
        ImportError: mmcv is not installed at all.
    """
    if importlib.util.find_spec('mmcv') is None:
        raise ImportError(
            'mmseg_edc needs mmcv, which is not installed: on CPU install '
            '"mmseg_edc[mmcv-lite]" (or mmcv-lite>=2.0.0rc4,<2.2.0); with a GPU, '
            'full mmcv built for your torch and CUDA (README, "Installation").')
    _mmseg_edc_compat.install()
    checkpoint_module = importlib.import_module(_mmseg_edc_compat.CHECKPOINT_MODULE)
    return dict(mmcv_ext_placeholder=not compiled_mmcv_available(),
                safe_checkpoints=checkpoints.configure(checkpoint_module))
