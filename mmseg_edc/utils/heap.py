"""glibc heap settings that stop a training loop from faulting its memory in anew.

PyTorch's CPU tensors come from glibc's ``malloc``. A block above the mmap threshold
is mapped on allocation and unmapped on ``free``, and free memory above the trim
threshold at the top of the heap goes back to the system; both thresholds start small
(128 KiB) and adapt only partly. A training iteration allocates and frees the same
activation maps (several MB each) over and over, so each iteration touches fresh pages,
which the kernel faults in and zeroes. Measured on the EDC-small teacher (150
iterations, 2 threads; docs/design.md §8.3): 5.7-6.0 M minor page faults and 16.6-18.7 s
of system time, against 1.2 M and 6.1-6.7 s with blocks up to 32 MiB served from the heap
and freed memory kept, and iterations about 10 % faster. The peak memory is what the
process reaches anyway; only its release back to the system is deferred.
"""
import ctypes
import ctypes.util
import os
import platform

#: ``mallopt`` parameters (glibc's ``malloc.h``).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
#: glibc's largest accepted mmap threshold on 64-bit systems (4 MiB x sizeof(long)).
MAX_MMAP_THRESHOLD = 32 * 1024 ** 2
#: Environment variables by which a user sets these thresholds; any of them set
#: leaves the process as it is.
MALLOC_ENVIRONMENT = ('MALLOC_TRIM_THRESHOLD_', 'MALLOC_MMAP_THRESHOLD_')


def is_glibc() -> bool:
    """Whether this process runs on Linux with glibc (whose ``mallopt`` this sets)."""
    return platform.system() == 'Linux' and platform.libc_ver()[0] == 'glibc'


def keep_heap_memory(trim_threshold: int = 1024 ** 3,
                     mmap_threshold: int = MAX_MMAP_THRESHOLD) -> bool:
    """Serve blocks up to ``mmap_threshold`` bytes from the heap and keep up to
    ``trim_threshold`` bytes of free heap for reuse (glibc ``mallopt``).

    Applies to this process and to the processes it forks later (data loader
    workers). Does nothing outside glibc or when the user set ``MALLOC_*`` thresholds
    (:data:`MALLOC_ENVIRONMENT`). ``mallopt`` takes a C ``int``: both values must be
    below 2 GiB (checked everywhere, ``ValueError`` otherwise).

    Returns:
        bool: whether both settings were applied.
    """
    if not 0 <= trim_threshold < 2 ** 31 or not 0 <= mmap_threshold <= MAX_MMAP_THRESHOLD:
        raise ValueError(f'mallopt thresholds out of range: trim {trim_threshold}, '
                         f'mmap {mmap_threshold} (at most {MAX_MMAP_THRESHOLD})')
    if not is_glibc() or any(name in os.environ for name in MALLOC_ENVIRONMENT):
        return False
    libc = ctypes.CDLL(ctypes.util.find_library('c'))
    return bool(libc.mallopt(M_MMAP_THRESHOLD, int(mmap_threshold))
                and libc.mallopt(M_TRIM_THRESHOLD, int(trim_threshold)))
