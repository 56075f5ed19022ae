"""StepRunner: trains a recipe through tools/train.py once, then tests its checkpoint."""
import json
import os
import os.path as osp

from mmseg_edc.experiments import StepRunner
from mmseg_edc.experiments.steps import DONE_MARKER
from mmseg_edc.synthesis import generate_m3mcr_benchmark

REFERENCE = 'upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160'


def test_a_finished_training_is_not_run_again(tmp_path, monkeypatch):
    monkeypatch.setenv('OMP_NUM_THREADS', '2')
    data = str(tmp_path / 'data')
    generate_m3mcr_benchmark(data, num_train=2, num_val=1, num_test=1, seed=3)
    loaders = [f'{loader}.dataset.data_root={data}' for loader in
               ('train_dataloader', 'val_dataloader', 'test_dataloader')]
    small = ['train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
             'train_dataloader.persistent_workers=False', 'train_cfg.max_iters=2',
             'train_cfg.val_interval=100', 'param_scheduler=[]']
    evaluation = ['test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False']
    runner = StepRunner(str(tmp_path / 'work'), train_options=loaders + small + evaluation,
                        test_options=loaders + evaluation)
    seconds = runner.train_chain([REFERENCE])
    work_dir = runner.work_dir(REFERENCE)
    with open(osp.join(work_dir, DONE_MARKER)) as f:
        assert json.load(f)['seconds'] == round(seconds, 1)
    checkpoint = osp.join(work_dir, 'iter_2.pth')
    written = os.stat(checkpoint).st_mtime_ns
    assert runner.train_chain([REFERENCE]) == round(seconds, 1)      # from the marker
    assert os.stat(checkpoint).st_mtime_ns == written                # nothing retrained
    metrics = runner.test(REFERENCE)
    assert 0 <= metrics['mIoU'] <= 100 and 'cloudy.mIoU' in metrics
    assert osp.isdir(osp.join(work_dir, 'test'))
