"""mmseg's own wheel-shipped tools and APIs run our configs with no extra import.

Each run is a plain subprocess of the test environment's interpreter: no
``PYTHONPATH``, started outside the repository, nothing imported first. What makes
mmseg work is the compatibility layer that the installed package activates at
interpreter start-up (``mmseg_edc_compat.pth``, see ``mmseg_edc/compat.py``), and the
configs' ``custom_imports``. The config is the no-teacher EDC variant: an EDC
student with a cloud-removal head and no teacher, so it trains on its own, and its
one evaluator scores segmentation and the cloud-free image; training and testing use
it with tiny stream widths, in a config file that inherits it as a user's would.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import mmseg
import pytest
import torch
from test_edc_teacher_student_e2e import CR_HEAD, write_config
from test_train_test_e2e import ROOT, options, tiny_benchmark  # noqa: F401

MMSEG_TOOLS = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools')
CONFIG = osp.join(ROOT, 'configs', 'edc', 'ablations',
                  'edc_edc-small-no-teacher_1xb8-400it_generated-m3mcr-160x160.py')


def run_plain(args, cwd):
    """``python ARGS`` in ``cwd`` with the test environment minus ``PYTHONPATH``."""
    env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
    env['OMP_NUM_THREADS'] = '2'
    return subprocess.run([sys.executable, *args], cwd=cwd, env=env,
                          capture_output=True, text=True)


def succeeded(result):
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result.stdout + result.stderr


@pytest.fixture(scope='module')
def outside(tmp_path_factory):
    """A working directory outside the repository, with the start-up hook checked.

    The hook must be installed in this environment, from this checkout (``make
    install``, i.e. ``pip install -e .``), or the runs below would test another copy.
    """
    cwd = tmp_path_factory.mktemp('outside')
    found = succeeded(run_plain(['-c', (
        'import sys; hook = sys.modules.get("_mmseg_edc_compat"); '
        'print(hook.__file__ if hook else "not active")')], cwd)).strip()
    if not found.startswith(osp.join(ROOT, '')):
        pytest.fail(f'the start-up hook of this checkout is not active in {sys.executable} '
                    f'(found: {found}); install the package from {ROOT} with `make install` '
                    '(pip install -e .)')
    return str(cwd)


def test_print_config_and_mmseg_apis(outside):
    log = succeeded(run_plain([osp.join(MMSEG_TOOLS, 'misc', 'print_config.py'), CONFIG],
                              outside))
    assert "type='CloudAwareIoUMetric'" in log and 'cloud_removal=dict(data_range=1.0)' in log
    log = succeeded(run_plain(['-c', (
        'from mmseg.apis import init_model; import sys; '
        'print(type(sys.modules["mmcv._ext"]).__name__)')], outside))
    assert 'MissingCompiledOps' in log


def test_mmseg_train_then_test_with_out(outside, tiny_benchmark, tmp_path):  # noqa: F811
    config = write_config(tmp_path / 'tiny.py', CONFIG, CR_HEAD)
    work_dir = str(tmp_path / 'work')
    succeeded(run_plain([osp.join(MMSEG_TOOLS, 'train.py'), config, '--work-dir', work_dir,
                         *options(tiny_benchmark, 2), 'val_cfg=None', 'val_dataloader=None',
                         'val_evaluator=None'],
                        outside))
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    out_dir = str(tmp_path / 'preds')
    log = succeeded(run_plain([osp.join(MMSEG_TOOLS, 'test.py'), config, checkpoint,
                               '--work-dir', work_dir, '--out', out_dir,
                               *options(tiny_benchmark, 2)], outside))
    assert 'Loads checkpoint by local backend' in log
    metrics = [json.loads(line) for path in glob.glob(osp.join(work_dir, '*', '*.json'))
               for line in open(path) if 'cr/PSNR' in line]
    assert metrics
    assert {'mIoU', 'clear.mIoU', 'cloudy.mIoU', 'cr/PSNR', 'cr/SSIM'} <= set(metrics[-1])
    assert len(glob.glob(osp.join(out_dir, '*.png'))) == 2   # the 2 test tiles


class RunsAShellCommand:
    """A pickle payload: unpickling calls ``os.system(command)``."""

    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_mmseg_test_refuses_a_checkpoint_that_runs_code(outside, tiny_benchmark,  # noqa: F811
                                                        tmp_path):
    marker = tmp_path / 'payload_ran'
    checkpoint = str(tmp_path / 'evil.pth')
    torch.save(dict(state_dict={}, meta=RunsAShellCommand(f'touch {marker}')), checkpoint)
    result = run_plain([osp.join(MMSEG_TOOLS, 'test.py'), CONFIG, checkpoint,
                        '--work-dir', str(tmp_path / 'work'), *options(tiny_benchmark, 2)],
                       outside)
    assert result.returncode != 0
    assert f'UnsafeCheckpointError: refused to load checkpoint {checkpoint}' in result.stderr
    assert not marker.exists()
