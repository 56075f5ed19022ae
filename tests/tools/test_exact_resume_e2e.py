"""Through tools/train.py: a resumed run ends bit-identical to the uninterrupted one.

Subprocesses on the tiny generated benchmark, as a user runs the tool.
"""
import os.path as osp

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# drop path 0.1 and random 160 x 160 crops: the run draws random numbers every batch
EDC = osp.join(ROOT, 'configs', 'edc',
               'upernet_edc-small_1xb8-400it_generated-m3mcr-160x160.py')


def test_resume_is_bit_exact(cfg_options, tool_runs, tiny_benchmark, tmp_path):
    # No seed in the config (as for the M3M-CR and WHU-OPT-SAR configs): each run
    # draws one, and --resume must take the checkpoint's. Validation at 2 and 4: the
    # uninterrupted run validates between its iteration-2 checkpoint and batch 3.
    args = [*cfg_options(tiny_benchmark, 4), 'train_cfg.val_interval=2',
            'randomness.seed=None']
    whole, resumed = str(tmp_path / 'whole'), str(tmp_path / 'resumed')
    log = tool_runs.run('tools/train.py', EDC, '--work-dir', whole, '--resume-or-start',
                        *args)
    assert 'no checkpoint in' in log and 'starting a new run' in log
    log = tool_runs.run('tools/train.py', EDC, '--work-dir', resumed,
                        '--resume', osp.join(whole, 'iter_2.pth'), *args)
    assert 'restored before its next batch (bit-exact resume)' in log
    one, two = (torch.load(osp.join(d, 'iter_4.pth'), weights_only=False)
                for d in (whole, resumed))
    assert one['meta']['seed'] == two['meta']['seed']
    assert one['state_dict'].keys() == two['state_dict'].keys()
    for key, value in one['state_dict'].items():
        assert torch.equal(value, two['state_dict'][key]), key
