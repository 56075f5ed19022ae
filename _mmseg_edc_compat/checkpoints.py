"""Safe loading of mmengine checkpoints with ``torch >= 2.6``.

torch 2.6 made ``torch.load(weights_only=True)`` the default: unpickling is limited to
tensors, containers and an allow-list of types, so a checkpoint cannot run code while
it is loaded. mmengine 0.10.7's local loader calls ``torch.load`` without
``weights_only``, and its own checkpoints (resume, ``load_from``, mmseg's
``tools/test.py``) hold a few objects beyond the default allow-list. Found by listing
the globals of checkpoints written by mmengine's ``CheckpointHook`` for this
project's models (``torch.serialization.get_unsafe_globals_in_checkpoint``):

- ``mmengine.logging.HistoryBuffer`` (the message hub's logged scalars), whose
  statistics methods (``min``, ``max``, ``current``, ``mean``) are pickled as
  ``builtins.getattr(HistoryBuffer, name)``;
- numpy arrays, numpy scalars (``eta`` in the runtime info) and their dtypes:
  ``numpy.ndarray``, ``numpy.dtype``, ``numpy._core.multiarray._reconstruct`` and
  ``scalar`` (``numpy.core.multiarray`` when written with numpy 1.x).

:func:`configure` allows exactly these with ``torch.serialization.add_safe_globals``
(numeric dtypes only, no object arrays; ``builtins.getattr`` stands for
:func:`history_buffer_statistic`, which returns those four methods and nothing else)
and registers :func:`load_from_local` as mmengine's local loader: it passes
``weights_only=True`` and turns a refusal into :class:`UnsafeCheckpointError`, which
names the file and what to do.
"""
import os.path as osp
import pickle

import numpy as np
import torch
from mmengine.logging import HistoryBuffer

#: the statistics HistoryBuffer registers by default (``_set_default_statistics``)
HISTORY_BUFFER_STATISTICS = ('min', 'max', 'current', 'mean')

#: numpy scalar types whose arrays, scalars and dtypes may be unpickled
NUMERIC_TYPES = (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16,
                 np.uint32, np.uint64, np.float16, np.float32, np.float64)


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds objects that only a full (unsafe) unpickling could load."""


def history_buffer_statistic(owner, name):
    """Unpickles ``builtins.getattr(HistoryBuffer, name)`` for the default statistics.

    Registered under the name ``builtins.getattr`` for ``weights_only`` loading, so
    a checkpoint gets these four methods and no other attribute of anything.
    """
    if owner is HistoryBuffer and name in HISTORY_BUFFER_STATISTICS:
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'getattr({getattr(owner, "__qualname__", type(owner).__qualname__)}, {name!r}) '
        'is not allowed; only the statistics methods of mmengine\'s HistoryBuffer are')


def mmengine_checkpoint_globals():
    """The allow-list entries for mmengine's checkpoints, as ``add_safe_globals`` takes them."""
    numpy_core = np._core if hasattr(np, '_core') else np.core
    entries = [HistoryBuffer, (history_buffer_statistic, 'builtins.getattr'),
               np.ndarray, np.dtype]
    entries += [type(np.dtype(scalar_type)) for scalar_type in NUMERIC_TYPES]
    for name in ('_reconstruct', 'scalar'):   # numpy 2 and numpy 1 module paths
        rebuild = getattr(numpy_core.multiarray, name)
        entries += [(rebuild, f'{module}.multiarray.{name}')
                    for module in ('numpy._core', 'numpy.core')]
    return entries


def torch_defaults_to_weights_only():
    """True for torch >= 2.6, whose ``torch.load`` defaults to ``weights_only=True``."""
    major, minor = (int(part) for part in torch.__version__.split('.')[:2])
    return (major, minor) >= (2, 6)


def refusal_message(filename, error):
    """Why ``filename`` was refused and what the user can do about it."""
    try:
        unsafe = sorted(torch.serialization.get_unsafe_globals_in_checkpoint(filename))
    except (ValueError, RuntimeError, OSError):
        unsafe = []
    reason = (f'it references {", ".join(unsafe)}' if unsafe else
              str(error).partition('WeightsUnpickler error:')[2].partition(
                  'Check the documentation')[0].strip() or str(error))
    return (
        f'refused to load checkpoint {filename}: it holds objects other than tensors '
        'and the types mmengine writes into its own checkpoints, and unpickling them '
        f'could run arbitrary code ({reason}). Load only checkpoints you trust. If '
        'you trust this file, re-save its weights once: ckpt = torch.load(path, '
        "weights_only=False); torch.save({'state_dict': ckpt['state_dict']}, "
        "'weights.pth'), and load weights.pth; or allow the type you checked with "
        'torch.serialization.add_safe_globals([...]) before loading.')


def load_from_local(filename, map_location):
    """mmengine's local-file loader with ``weights_only=True`` and a clear refusal.

    Named as mmengine's own, whose log line ("Loads checkpoint by local backend")
    takes the loader's name after ``load_from_``.

    Args:
        filename (str): checkpoint path (``~`` expanded).
        map_location: as in ``torch.load``.

    Raises:
        FileNotFoundError: no such file.
        UnsafeCheckpointError: the file needs more than the allow-list.
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'{filename} can not be found.')
    try:
        return torch.load(filename, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as error:
        raise UnsafeCheckpointError(refusal_message(filename, error)) from error


def configure(checkpoint_module):
    """Allow mmengine's checkpoint types and register the safe local loader.

    Does nothing on torch < 2.6 (which loads everything, as mmengine expects) or
    when another local loader than mmengine's own was registered.

    Args:
        checkpoint_module (module): ``mmengine.runner.checkpoint``.

    Returns:
        bool: whether :func:`load_from_local` is mmengine's local loader.
    """
    registry = checkpoint_module.CheckpointLoader
    current = registry._schemes.get('')
    if current is load_from_local:
        return True
    if not torch_defaults_to_weights_only() or current is not checkpoint_module.load_from_local:
        return False
    torch.serialization.add_safe_globals(mmengine_checkpoint_globals())
    registry.register_scheme(prefixes='', loader=load_from_local, force=True)
    return True
