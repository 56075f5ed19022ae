"""tools/train.py -> checkpoint -> --resume -> tools/test.py on a generated dataset.

Runs the tools as a user would (subprocesses), on a tiny generated benchmark and the
tiny early-fusion reference config cut to a few iterations.
"""
import glob
import json
import os
import os.path as osp
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIG = osp.join(
    ROOT, 'configs', 'references',
    'upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160.py')


def run_tool(*args):
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='2')
    result = subprocess.run([sys.executable, *args], cwd=ROOT, env=env,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    return result.stdout + result.stderr


@pytest.fixture(scope='module')
def tiny_benchmark(tmp_path_factory):
    from mmseg_edc.synthesis import generate_m3mcr_benchmark
    root = tmp_path_factory.mktemp('generated') / 'm3mcr'
    generate_m3mcr_benchmark(str(root), num_train=4, num_val=1, num_test=2, seed=1)
    return str(root)


def options(data_root, max_iters):
    return [
        '--cfg-options',
        *[f'{loader}.dataset.data_root={data_root}' for loader in
          ('train_dataloader', 'val_dataloader', 'test_dataloader')],
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
        f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters}',
        'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
        'param_scheduler=[]',
    ]


def test_train_resume_test(tiny_benchmark, tmp_path):
    work_dir = str(tmp_path / 'work')
    run_tool('tools/train.py', CONFIG, '--work-dir', work_dir,
             *options(tiny_benchmark, 2))
    first = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(first)
    assert torch.load(first, weights_only=False)['meta']['iter'] == 2

    log = run_tool('tools/train.py', CONFIG, '--work-dir', work_dir, '--resume',
                   *options(tiny_benchmark, 4))
    assert 'resumed epoch: 0, iter: 2' in log.lower() or 'resumed' in log.lower()
    resumed = torch.load(osp.join(work_dir, 'iter_4.pth'), weights_only=False)
    assert resumed['meta']['iter'] == 4

    out_dir, show_dir = str(tmp_path / 'preds'), str(tmp_path / 'panels')
    log = run_tool('tools/test.py', CONFIG, osp.join(work_dir, 'iter_4.pth'),
                   '--work-dir', work_dir, '--out', out_dir, '--show-dir', show_dir,
                   *options(tiny_benchmark, 4))
    assert 'cloudy' in log
    metrics = [json.loads(line) for path in glob.glob(
        osp.join(work_dir, '*', '*.json')) for line in open(path) if 'mIoU' in line]
    assert metrics and 0 <= metrics[-1]['mIoU'] <= 100
    assert len(glob.glob(osp.join(out_dir, '*.png'))) == 2
    panels = glob.glob(osp.join(show_dir, '**', '*.png'), recursive=True)
    assert len(panels) == 2

    # flip test-time augmentation: three views per tile, merged into one prediction
    tta_dir = str(tmp_path / 'tta')
    log = run_tool('tools/test.py', CONFIG, osp.join(work_dir, 'iter_4.pth'),
                   '--work-dir', tta_dir, '--tta', '--show-dir', str(tmp_path / 'tta_panels'),
                   *options(tiny_benchmark, 4))
    tta_metrics = [json.loads(line) for path in glob.glob(
        osp.join(tta_dir, '*', '*.json')) for line in open(path) if 'mIoU' in line]
    assert tta_metrics and 'cloudy.mIoU' in tta_metrics[-1]
    assert len(glob.glob(osp.join(tmp_path, 'tta_panels', '**', '*.png'),
                         recursive=True)) == 2


def test_dchf_neck_under_two_stock_streams_trains(tiny_benchmark, tmp_path):
    config = osp.join(ROOT, 'configs', 'edc', 'upernet-dchf-neck_r18-tiny-two-stream_'
                      '1xb8-600it_generated-m3mcr-160x160.py')
    work_dir = str(tmp_path / 'work')
    log = run_tool('tools/train.py', config, '--work-dir', work_dir,
                   *options(tiny_benchmark, 2))
    assert 'decode.loss_ce' in log and osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    state = torch.load(osp.join(work_dir, 'iter_2.pth'), weights_only=False)['state_dict']
    assert any(k.startswith('neck.fusions.3.reliability') for k in state)
    assert state['backbone.sar_backbone.stem.0.weight'].shape[1] == 2     # the 2 SAR bands


def test_mmseg_own_train_tool_runs_our_config(tiny_benchmark, tmp_path):
    import mmseg
    mmseg_train = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools', 'train.py')
    work_dir = str(tmp_path / 'work')
    run_tool(mmseg_train, CONFIG, '--work-dir', work_dir,
             *options(tiny_benchmark, 2))
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
