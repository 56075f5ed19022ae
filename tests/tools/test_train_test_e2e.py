"""tools/train.py -> checkpoint -> --resume -> tools/test.py on a generated dataset.

Runs the tools as a user would (subprocesses), on a tiny generated benchmark and the
tiny early-fusion reference config cut to a few iterations.
"""
import glob
import json
import os.path as osp

import torch

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_train_resume_test(reference_config, cfg_options, tool_runs, tiny_benchmark,
                           tmp_path):
    work_dir = str(tmp_path / 'work')
    tool_runs.run('tools/train.py', reference_config, '--work-dir', work_dir,
                  *cfg_options(tiny_benchmark, 2))
    first = osp.join(work_dir, 'iter_2.pth')
    assert osp.isfile(first)
    assert torch.load(first, weights_only=False)['meta']['iter'] == 2

    log = tool_runs.run('tools/train.py', reference_config, '--work-dir', work_dir,
                        '--resume', *cfg_options(tiny_benchmark, 4))
    assert 'resumed epoch: 0, iter: 2' in log.lower() or 'resumed' in log.lower()
    resumed = torch.load(osp.join(work_dir, 'iter_4.pth'), weights_only=False)
    assert resumed['meta']['iter'] == 4

    # a test needs only the test split: the training files are not there
    out_dir, show_dir = str(tmp_path / 'preds'), str(tmp_path / 'panels')
    log = tool_runs.run('tools/test.py', reference_config, osp.join(work_dir, 'iter_4.pth'),
                        '--work-dir', work_dir, '--out', out_dir, '--show-dir', show_dir,
                        *cfg_options(tiny_benchmark, 4),
                        f'train_dataloader.dataset.data_root={tmp_path / "absent"}')
    assert 'cloudy' in log
    metrics = [json.loads(line) for path in glob.glob(
        osp.join(work_dir, '*', '*.json')) for line in open(path) if 'mIoU' in line]
    assert metrics and 0 <= metrics[-1]['mIoU'] <= 100
    assert len(glob.glob(osp.join(out_dir, '*.png'))) == 2
    panels = glob.glob(osp.join(show_dir, '**', '*.png'), recursive=True)
    assert len(panels) == 2
    assert all(osp.basename(panel).startswith('test_') and panel.endswith('_0.png')
               for panel in panels)

    # flip test-time augmentation: three views per tile, merged into one prediction
    tta_dir = str(tmp_path / 'tta')
    log = tool_runs.run('tools/test.py', reference_config, osp.join(work_dir, 'iter_4.pth'),
                        '--work-dir', tta_dir, '--tta', '--show-dir',
                        str(tmp_path / 'tta_panels'), *cfg_options(tiny_benchmark, 4))
    tta_metrics = [json.loads(line) for path in glob.glob(
        osp.join(tta_dir, '*', '*.json')) for line in open(path) if 'mIoU' in line]
    assert tta_metrics and 'cloudy.mIoU' in tta_metrics[-1]
    assert len(glob.glob(osp.join(tmp_path, 'tta_panels', '**', '*.png'),
                         recursive=True)) == 2


def test_dchf_neck_under_two_stock_streams_trains(cfg_options, tool_runs, tiny_benchmark,
                                                  tmp_path):
    config = osp.join(ROOT, 'configs', 'edc', 'upernet-dchf-neck_r18-tiny-two-stream_'
                      '1xb8-600it_generated-m3mcr-160x160.py')
    work_dir = str(tmp_path / 'work')
    log = tool_runs.run('tools/train.py', config, '--work-dir', work_dir,
                        *cfg_options(tiny_benchmark, 2))
    assert 'decode.loss_ce' in log and osp.isfile(osp.join(work_dir, 'iter_2.pth'))
    state = torch.load(osp.join(work_dir, 'iter_2.pth'), weights_only=False)['state_dict']
    assert any(k.startswith('neck.fusions.3.reliability') for k in state)
    assert state['backbone.sar_backbone.stem.0.weight'].shape[1] == 2     # the 2 SAR bands


def test_mmseg_own_train_tool_runs_our_config(reference_config, cfg_options, tool_runs,
                                              tiny_benchmark, tmp_path):
    import mmseg
    mmseg_train = osp.join(osp.dirname(mmseg.__file__), '.mim', 'tools', 'train.py')
    work_dir = str(tmp_path / 'work')
    tool_runs.run(mmseg_train, reference_config, '--work-dir', work_dir,
                  *cfg_options(tiny_benchmark, 2))
    assert osp.isfile(osp.join(work_dir, 'iter_2.pth'))
