"""Data loader workers that leave the cores to the computation of a CPU-only run.

On a machine without a GPU the training (or test) computation runs on every core: its
OpenMP threads split each operation and meet at a barrier after it. Data loader workers
forked from the same process compete for those cores, and each time a worker runs, one
compute thread waits for its core while the others wait for it at the barrier, so a
batch that costs a worker about 30 ms of CPU costs the computation several times that.
Two settings take the workers out of its way:

- the forked workers run at the lowest priority (niceness +19): they then run mostly
  while the main process is in single-threaded Python, and when they fall behind, the
  main process waits for the batch and leaves them the cores;
- batches are shared as named shared-memory files (``torch.multiprocessing`` sharing
  strategy ``'file_system'``) instead of file descriptors, each of which the main
  process has to fetch from a thread of the worker (32 tensors to a batch here), which
  at low priority answers late.

Batches are the same either way: priority changes when a worker runs, the sharing
strategy how a tensor reaches the main process, neither what is computed. Measured on
the EDC-small teacher (2 cores, 2 threads, 2 workers, batches of 8 from warm tile
caches, docs/design.md §8.3): 0.30 s per iteration from batches read beforehand, 0.40 s
from the workers as they were, 0.32 s with both settings.
"""
import os

import torch
import torch.multiprocessing

#: Environment variable setting the niceness increment of forked workers; ``0`` leaves
#: them (and the sharing strategy) as they are, on any machine.
NICENESS_ENVIRONMENT = 'MMSEG_EDC_WORKER_NICENESS'
#: The increment used on machines without CUDA (the lowest priority from niceness 0).
CPU_ONLY_NICENESS = 19
#: The ``torch.multiprocessing`` sharing strategy used with lowered workers.
SHARING_STRATEGY = 'file_system'

_fork_state = dict(niceness=0, registered=False)


def _lower_child_priority():
    if _fork_state['niceness']:
        os.nice(_fork_state['niceness'])


def worker_niceness() -> int:
    """The niceness increment for forked workers: :data:`NICENESS_ENVIRONMENT` if set,
    else :data:`CPU_ONLY_NICENESS` without CUDA and 0 with it (workers feeding a GPU
    keep their priority).

    Raises:
        ValueError: the environment variable is not an integer from 0 to 39.
    """
    text = os.environ.get(NICENESS_ENVIRONMENT)
    if text is None:
        return 0 if torch.cuda.is_available() else CPU_ONLY_NICENESS
    try:
        niceness = int(text)
    except ValueError:
        niceness = -1
    if not 0 <= niceness <= 39:
        raise ValueError(f'{NICENESS_ENVIRONMENT} must be an integer from 0 to 39 (a '
                         f'niceness increment; 0 keeps the priority), got {text!r}')
    return niceness


def background_loader_workers(niceness=None) -> int:
    """Run the processes this one forks from now on (data loader workers under the
    ``'fork'`` start method, mmseg's and this package's default) at ``niceness`` above
    this process's, and share tensors between processes by file name
    (:data:`SHARING_STRATEGY`). This process keeps its own priority.

    With ``niceness`` 0 nothing is changed; calling again replaces the increment (the
    sharing strategy stays). POSIX only; elsewhere nothing is done.

    Args:
        niceness (int | None): the increment, 0 to 39 (the kernel caps the result at
            19); None: :func:`worker_niceness`.

    Returns:
        int: the increment now applied to forked processes.

    Raises:
        ValueError: ``niceness`` (or its environment variable) is out of range.
    """
    if niceness is None:
        niceness = worker_niceness()
    elif not 0 <= niceness <= 39:
        raise ValueError(f'niceness must be from 0 to 39, got {niceness}')
    if not hasattr(os, 'register_at_fork'):
        return 0
    _fork_state['niceness'] = niceness
    if niceness:
        if not _fork_state['registered']:
            os.register_at_fork(after_in_child=_lower_child_priority)
            _fork_state['registered'] = True
        torch.multiprocessing.set_sharing_strategy(SHARING_STRATEGY)
    return niceness
