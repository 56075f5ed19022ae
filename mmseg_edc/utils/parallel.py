"""Run independent jobs in worker processes, in order, with mmengine's progress bar."""
import sys
from concurrent.futures import ProcessPoolExecutor

from mmengine.utils import ProgressBar
from threadpoolctl import threadpool_limits


def single_threaded_native_pools():
    """Limit this process's BLAS and OpenMP thread pools to one thread each.

    The initializer of :func:`map_in_processes`' workers: the processes already use
    every core, and a BLAS library that also starts a thread per core in each of them
    oversubscribes the machine (its idle threads spin): on 2 cores, generating the
    default benchmark with 2 workers took 21.6 s with numpy's OpenBLAS at 2 threads
    per worker and 12.2 s at one, with byte-identical files.
    """
    threadpool_limits(limits=1)


def map_in_processes(function, jobs, workers=1, progress=False, chunksize=1):
    """``[function(job) for job in jobs]``, computed in ``workers`` processes.

    Results come back in the order of ``jobs`` whatever the worker count. On an error
    the jobs not yet started are cancelled and the running ones finish before the
    error propagates (so the caller may then remove what they wrote). Each worker
    process runs its BLAS and OpenMP libraries on one thread
    (:func:`single_threaded_native_pools`); ``workers=1`` leaves this process's
    thread pools as they are.

    Args:
        function (Callable): a picklable module-level function of one job.
        jobs (Sequence): its arguments.
        workers (int): processes; 1 runs the jobs in this process.
        progress (bool): show mmengine's ``ProgressBar`` on stderr (stdout stays
            free for the tools' reports), one step per finished job.
        chunksize (int): jobs sent to a worker at a time.

    Returns:
        list: the results.
    """
    bar = ProgressBar(len(jobs), file=sys.stderr) if progress else None
    pool = ProcessPoolExecutor(max_workers=workers,
                               initializer=single_threaded_native_pools) \
        if workers > 1 else None
    try:
        results = []
        mapped = pool.map(function, jobs, chunksize=chunksize) if pool else map(
            function, jobs)
        for result in mapped:
            results.append(result)
            if bar is not None:
                bar.update()
        if bar is not None:
            bar.file.write('\n')
        return results
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
