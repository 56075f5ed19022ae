"""map_in_processes: results in job order, single-threaded native pools in workers."""
import os

import numpy  # noqa: F401  (loads numpy's BLAS, so that its pool is reported)
import pytest
from threadpoolctl import threadpool_info

from mmseg_edc.utils.parallel import map_in_processes


def report_threads(job):
    """The job, its process and the thread count of every BLAS/OpenMP pool there."""
    return job, os.getpid(), {pool['filepath']: pool['num_threads']
                              for pool in threadpool_info()}


def fail_on_three(job):
    if job == 3:
        raise ValueError(f'job {job} failed')
    return job


def test_workers_return_results_in_job_order_with_one_thread_per_native_pool():
    reports = map_in_processes(report_threads, list(range(8)), workers=2, chunksize=3)
    assert [job for job, _, _ in reports] == list(range(8))
    assert os.getpid() not in {pid for _, pid, _ in reports}
    pools = [threads for _, _, threads in reports]
    assert all(pools), 'no BLAS or OpenMP pool reported in a worker'
    assert {count for threads in pools for count in threads.values()} == {1}


def test_one_worker_runs_in_this_process_and_keeps_its_pools():
    _, _, here = report_threads(None)
    reports = map_in_processes(report_threads, [5, 6], workers=1)
    assert [(job, pid) for job, pid, _ in reports] == [(5, os.getpid()), (6, os.getpid())]
    assert reports[0][2] == here


def test_a_failing_job_raises_in_the_caller():
    with pytest.raises(ValueError, match='job 3 failed'):
        map_in_processes(fail_on_three, list(range(6)), workers=2)
