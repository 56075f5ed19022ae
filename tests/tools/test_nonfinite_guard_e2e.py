"""Through tools/train.py: a NaN loss stops training with an error and no checkpoint.

A subprocess on the tiny generated benchmark, as a user runs the tool.
"""
import glob
import os
import os.path as osp
import subprocess
import sys

from test_train_test_e2e import ROOT, options, tiny_benchmark  # noqa: F401

# a stock mmseg EncoderDecoder
REFERENCE = osp.join(
    ROOT, 'configs', 'references',
    'upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160.py')


def test_nan_loss_stops_training_without_checkpoints(tiny_benchmark,  # noqa: F811
                                                     tmp_path):
    # a zero std divides the first band by 0: inf/NaN inputs, NaN loss at iteration 1
    work_dir = str(tmp_path / 'work')
    env = dict(os.environ, PYTHONPATH=ROOT, OMP_NUM_THREADS='2')
    result = subprocess.run(
        [sys.executable, 'tools/train.py', REFERENCE, '--work-dir', work_dir,
         *options(tiny_benchmark, 4), 'default_hooks.checkpoint.interval=1',
         'model.data_preprocessor.mean=[0,0,0,0,0,0]',
         'model.data_preprocessor.std=[0,1,1,1,1,1]'],
        cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert ('non-finite training at iteration 1: loss=nan, decode.loss_ce=nan'
            in result.stderr)
    assert '; lr 0.002; the optimizer step was not taken' in result.stderr
    assert glob.glob(osp.join(work_dir, '**', '*.pth'), recursive=True) == []
