import os
import subprocess
import sys

import pytest

from mmseg_edc.utils.heap import MALLOC_ENVIRONMENT, is_glibc, keep_heap_memory

#: Holds twenty 10 MiB maps at once, frees them, four times (an iteration's activations
#: in small), and prints the minor page faults the last three rounds took with glibc's
#: defaults and after keep_heap_memory().
FAULTS_SCRIPT = '''
import resource, torch
from mmseg_edc.utils.heap import keep_heap_memory

def faults_of_rounds():
    faults = []
    for _ in range(4):
        start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
        maps = [torch.ones(10 * 1024 ** 2 // 4) for _ in range(20)]
        del maps
        faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start)
    return sum(faults[1:])

before = faults_of_rounds()
applied = keep_heap_memory()
print(applied, before, faults_of_rounds())
'''


@pytest.mark.skipif(not is_glibc(), reason='glibc malloc only')
def test_reallocated_maps_stop_faulting_their_pages_in():
    env = {k: v for k, v in os.environ.items() if not k.startswith('MALLOC_')}
    out = subprocess.run([sys.executable, '-c', FAULTS_SCRIPT], capture_output=True,
                         text=True, env=env, check=True).stdout.split()
    applied, before, after = out[0] == 'True', int(out[1]), int(out[2])
    round_pages = 20 * 10 * 1024 ** 2 // 4096
    assert applied
    assert before >= 2 * round_pages     # glibc's defaults: the freed maps go back
    assert after < round_pages // 2      # now they are reused


def test_user_thresholds_and_bad_values(monkeypatch):
    for name in MALLOC_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('MALLOC_TRIM_THRESHOLD_', '131072')
    assert keep_heap_memory() is False   # the user's setting stands
    with pytest.raises(ValueError, match='mallopt thresholds'):
        keep_heap_memory(trim_threshold=4 * 1024 ** 3)
