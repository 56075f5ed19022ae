import os
import subprocess
import sys

import pytest

from mmseg_edc.utils.heap import MALLOC_ENVIRONMENT, is_glibc, keep_heap_memory

#: Holds twenty 10 MiB maps at once, frees them, four times (an iteration's activations
#: in small), and prints whether keep_heap_memory() applied (called first when the
#: argument is 'kept') and the minor page faults of the last three rounds.
FAULTS_SCRIPT = '''
import resource, sys, torch
from mmseg_edc.utils.heap import keep_heap_memory

applied = sys.argv[1] == 'kept' and keep_heap_memory()
faults = []
for _ in range(4):
    start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    maps = [torch.ones(10 * 1024 ** 2 // 4) for _ in range(20)]
    del maps
    faults.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start)
print(applied, sum(faults[1:]))
'''


def faults_of_rounds(mode, **malloc_environment):
    env = {k: v for k, v in os.environ.items() if not k.startswith('MALLOC_')}
    env.update(malloc_environment)
    out = subprocess.run([sys.executable, '-c', FAULTS_SCRIPT, mode], capture_output=True,
                         text=True, env=env, check=True).stdout.split()
    return out[0] == 'True', int(out[1])


@pytest.mark.skipif(not is_glibc(), reason='glibc malloc only')
def test_reallocated_maps_stop_faulting_their_pages_in():
    # glibc's starting mmap threshold (128 KiB), held fixed: its dynamic raise after a
    # free makes the default's faults vary from run to run (one to three rounds' worth)
    _, before = faults_of_rounds('defaults', MALLOC_MMAP_THRESHOLD_='131072')
    applied, after = faults_of_rounds('kept')
    round_pages = 20 * 10 * 1024 ** 2 // 4096
    assert applied
    assert before >= 2 * round_pages     # the freed maps go back to the system
    assert after < round_pages // 2      # now they are reused


def test_user_thresholds_and_bad_values(monkeypatch):
    for name in MALLOC_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('MALLOC_TRIM_THRESHOLD_', '131072')
    assert keep_heap_memory() is False   # the user's setting stands
    with pytest.raises(ValueError, match='mallopt thresholds'):
        keep_heap_memory(trim_threshold=4 * 1024 ** 3)
