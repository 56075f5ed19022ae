"""Two CPU processes (gloo, tools/dist_train.sh) agree with one process at the same
global batch; --amp trains with bfloat16 autocast on CPU (both with any GPU hidden, so
a GPU machine tests the same paths) and with float16 loss-scaled AMP on CUDA.

Batch statistics differ between one batch of 2 and two batches of 1, so the model
uses GroupNorm here; crops are off so both runs see the same pixels.
"""
import os.path as osp
import random
import subprocess
import sys

import pytest
import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
GROUP_NORM = """_base_ = ['{base}']
norm_cfg = dict(type='GN', num_groups=4, requires_grad=True)
model = dict(backbone=dict(norm_cfg=norm_cfg), decode_head=dict(norm_cfg=norm_cfg))
train_dataloader = dict(dataset=dict(pipeline=[
    dict(type='LoadOpticalSARTile', bands=dict(optical=4, sar=2)),
    dict(type='RadiometricScale', ranges=dict(img=[(0, 10000)], sar=[(-25, 0), (-32.5, 0)])),
    dict(type='PackOpticalSARInputs')]))
optim_wrapper = dict(_delete_=True, type='OptimWrapper',
                     optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
"""


def final_state(work_dir, iters):
    return torch.load(osp.join(work_dir, f'iter_{iters}.pth'),
                      weights_only=False)['state_dict']


def test_two_gloo_processes_match_one_process(reference_config, cfg_options, tool_runs,
                                              tiny_benchmark, tmp_path):
    config = tmp_path / 'gn.py'
    config.write_text(GROUP_NORM.format(base=reference_config))
    single, dist = str(tmp_path / 'single'), str(tmp_path / 'dist')
    tool_runs.run('tools/train.py', str(config), '--work-dir', single,
                  *cfg_options(tiny_benchmark, 3), 'train_dataloader.batch_size=2',
                  hide_cuda=True)
    env = dict(tool_runs.env(hide_cuda=True), PYTHON=sys.executable, OMP_NUM_THREADS='1',
               PORT=str(random.randint(20000, 40000)))
    result = subprocess.run(
        ['bash', 'tools/dist_train.sh', str(config), '2', '--work-dir', dist,
         *cfg_options(tiny_benchmark, 3), 'train_dataloader.batch_size=1'],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-5000:]
    assert 'nccl -> gloo' in result.stdout + result.stderr
    one, two = final_state(single, 3), final_state(dist, 3)
    assert one.keys() == two.keys()
    for key in one:         # tolerance: |a - b| <= 1e-5 + 1e-3 |b| per weight
        torch.testing.assert_close(two[key], one[key], rtol=1e-3, atol=1e-5, msg=key)


def test_amp_on_cpu_trains_with_bfloat16(reference_config, cfg_options, tool_runs,
                                         tiny_benchmark, tmp_path):
    work_dir = str(tmp_path / 'amp')
    log = tool_runs.run('tools/train.py', reference_config, '--work-dir', work_dir, '--amp',
                        *cfg_options(tiny_benchmark, 2), hide_cuda=True)
    assert 'bfloat16 autocast on CPU' in log
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    dumped = open(osp.join(work_dir, osp.basename(reference_config))).read()
    assert "type='AutocastOptimWrapper'" in dumped


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs a CUDA device')
def test_amp_on_cuda_trains_with_loss_scaled_float16(reference_config, cfg_options,
                                                     tool_runs, tiny_benchmark, tmp_path):
    work_dir = str(tmp_path / 'amp')
    log = tool_runs.run('tools/train.py', reference_config, '--work-dir', work_dir, '--amp',
                        *cfg_options(tiny_benchmark, 2))
    assert 'autocast on CPU' not in log
    checkpoint = torch.load(osp.join(work_dir, 'iter_2.pth'), weights_only=False)
    assert 'loss_scaler' in checkpoint['optimizer']     # AmpOptimWrapper's dynamic scale
    dumped = open(osp.join(work_dir, osp.basename(reference_config))).read()
    assert "type='AmpOptimWrapper'" in dumped and "dtype='float16'" in dumped
