"""The process's global random number generators, captured and restored as one value.

Training draws from four generators: Python's ``random`` (mmcv/mmseg transforms),
NumPy's global ``np.random`` (our transforms, cloud synthesis), torch's CPU generator
(drop path, dropout, CPU initialisation) and, on CUDA, one generator per device.
"""
import random

import numpy as np
import torch


def capture_random_states():
    """A copy of every global generator's state.

    Returns:
        dict: ``python`` (``random.getstate()``), ``numpy`` (``np.random.get_state()``),
        ``torch`` (uint8 CPU tensor), ``cuda`` (list of uint8 tensors, one per visible
        device, or None when CUDA is not initialised in this process).
    """
    cuda_in_use = torch.cuda.is_available() and torch.cuda.is_initialized()
    return dict(python=random.getstate(),
                numpy=np.random.get_state(),
                torch=torch.get_rng_state(),
                cuda=torch.cuda.get_rng_state_all() if cuda_in_use else None)


def restore_random_states(states):
    """Put every generator back to ``states`` (from :func:`capture_random_states`).

    Tensors may come back on another device (mmengine resumes with
    ``map_location`` = the training device); they are moved to the CPU first.

    Raises:
        RuntimeError: the states hold CUDA generators for a different number of
            devices than this process sees.
    """
    random.setstate(states['python'])
    np.random.set_state(states['numpy'])
    torch.set_rng_state(states['torch'].cpu())
    cuda = states.get('cuda')
    if cuda is not None and torch.cuda.is_available():
        if len(cuda) != torch.cuda.device_count():
            raise RuntimeError(
                f'the saved random states cover {len(cuda)} CUDA device(s), this '
                f'process sees {torch.cuda.device_count()}; resume with the same '
                'visible devices (CUDA_VISIBLE_DEVICES) to restore them')
        torch.cuda.set_rng_state_all([state.cpu() for state in cuda])
