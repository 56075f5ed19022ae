"""Run independent jobs in worker processes, in order, with mmengine's progress bar."""
import sys
from concurrent.futures import ProcessPoolExecutor

from mmengine.utils import ProgressBar


def map_in_processes(function, jobs, workers=1, progress=False, chunksize=1):
    """``[function(job) for job in jobs]``, computed in ``workers`` processes.

    Results come back in the order of ``jobs`` whatever the worker count. On an error
    the jobs not yet started are cancelled and the running ones finish before the
    error propagates (so the caller may then remove what they wrote).

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
    pool = ProcessPoolExecutor(max_workers=workers) if workers > 1 else None
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
