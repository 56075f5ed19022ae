"""Loader workers at low priority on CPU-only machines, read from real forked workers."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

from mmseg_edc.utils import loader_workers

pytestmark = pytest.mark.skipif(not hasattr(os, 'register_at_fork'), reason='POSIX only')

#: A fresh interpreter (the settings are process-wide): the niceness each forked data
#: loader worker reports, after background_loader_workers(*ARGS) with CUDA as given.
PROBE = textwrap.dedent("""
    import json, os, sys
    import torch
    import torch.multiprocessing
    from torch.utils.data import DataLoader, Dataset
    from mmseg_edc.utils.loader_workers import background_loader_workers

    class WorkerNiceness(Dataset):
        def __len__(self):
            return 2

        def __getitem__(self, index):
            return torch.tensor([os.nice(0)])

    torch.cuda.is_available = lambda: CUDA
    applied = [background_loader_workers(*args) for args in ARGS]
    loader = DataLoader(WorkerNiceness(), batch_size=1, num_workers=2,
                        multiprocessing_context='fork')
    print(json.dumps(dict(applied=applied, parent=os.nice(0),
                          workers=[int(batch) for batch in loader],
                          strategy=torch.multiprocessing.get_sharing_strategy())))
""")


def probe(cuda=False, args=((),), environment=None):
    env = {k: v for k, v in os.environ.items() if k != loader_workers.NICENESS_ENVIRONMENT}
    env.update(environment or {})
    code = PROBE.replace('CUDA', repr(cuda)).replace('ARGS', repr(list(args)))
    result = subprocess.run([sys.executable, '-c', code], env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_without_cuda_workers_run_at_the_lowest_priority_and_share_by_file_name():
    report = probe(cuda=False)
    assert report['applied'] == [loader_workers.CPU_ONLY_NICENESS]
    assert report['workers'] == [min(report['parent'] + 19, 19)] * 2
    assert report['strategy'] == loader_workers.SHARING_STRATEGY


def test_with_cuda_or_when_switched_off_workers_keep_their_priority():
    with_cuda = probe(cuda=True)
    for report in (with_cuda,
                   probe(environment={loader_workers.NICENESS_ENVIRONMENT: '0'}),
                   probe(args=[(5,), (0,)])):
        assert report['applied'][-1] == 0
        assert report['workers'] == [report['parent']] * 2
    assert with_cuda['strategy'] == 'file_descriptor'


def test_the_environment_sets_the_increment_even_with_cuda():
    report = probe(cuda=True, environment={loader_workers.NICENESS_ENVIRONMENT: '3'})
    assert report['applied'] == [3]
    assert report['workers'] == [min(report['parent'] + 3, 19)] * 2


@pytest.mark.parametrize('text', ['-1', '40', 'low'])
def test_bad_increments_are_refused(monkeypatch, text):
    monkeypatch.setenv(loader_workers.NICENESS_ENVIRONMENT, text)
    with pytest.raises(ValueError, match=f'{loader_workers.NICENESS_ENVIRONMENT}.*{text}'):
        loader_workers.worker_niceness()
    with pytest.raises(ValueError, match='from 0 to 39'):
        loader_workers.background_loader_workers(40)
