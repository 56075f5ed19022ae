"""Import hooks that let mmseg run on this project's stack in any Python process.

``mmseg_edc_compat.pth``, installed into site-packages with the package, calls
:func:`install` when the interpreter starts; ``import mmseg_edc`` calls it again
(idempotent), which covers runs from a source tree that is only on ``PYTHONPATH``.
It adds two entries to ``sys.meta_path`` and imports nothing but the standard library,
so interpreter start-up stays as fast as without it:

- :class:`~.mmcv_ext.CompiledOpsPlaceholderFinder`, last in ``sys.meta_path``: when no
  other finder finds a compiled ``mmcv._ext`` (``mmcv-lite``), it supplies a
  placeholder whose operators raise when called, so ``import mmseg.models`` works;
- :class:`~.post_import.PostImportHooks`, first in ``sys.meta_path``: right after
  ``mmengine.runner.checkpoint`` is imported, :func:`.checkpoints.configure` makes
  mmengine load local checkpoints with torch's ``weights_only=True`` and an allow-list
  of exactly the types mmengine writes into its own checkpoints.

This package is separate from ``mmseg_edc`` because importing ``mmseg_edc`` imports
torch and mmseg, which the start-up hook must not do.
"""
import importlib
import sys

from .mmcv_ext import CompiledOpsPlaceholderFinder
from .post_import import PostImportHooks

#: the module whose import configures checkpoint loading
CHECKPOINT_MODULE = 'mmengine.runner.checkpoint'


def configure_checkpoint_loading(checkpoint_module):
    """Post-import callback of :data:`CHECKPOINT_MODULE` (imports torch lazily)."""
    return importlib.import_module(f'{__name__}.checkpoints').configure(checkpoint_module)


def installed_finder(finder_type):
    """The instance of ``finder_type`` on ``sys.meta_path``, or None."""
    return next((f for f in sys.meta_path if isinstance(f, finder_type)), None)


def install():
    """Put both hooks on ``sys.meta_path`` unless they are there (idempotent).

    When mmengine's checkpoint module is already imported, checkpoint loading is
    configured at once.
    """
    if installed_finder(CompiledOpsPlaceholderFinder) is None:
        sys.meta_path.append(CompiledOpsPlaceholderFinder())
    if installed_finder(PostImportHooks) is None:
        hooks = PostImportHooks()
        hooks.register(CHECKPOINT_MODULE, configure_checkpoint_loading)
        sys.meta_path.insert(0, hooks)
    if CHECKPOINT_MODULE in sys.modules:
        configure_checkpoint_loading(sys.modules[CHECKPOINT_MODULE])
