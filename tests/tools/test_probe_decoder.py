"""tools/analysis_tools/probe_decoder.py on a generated validation split."""
import json

import pytest

TEACHER = 'edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160'


def test_one_probe_per_decoder_block_and_the_models_own_iou(
        tool_runs, tiny_benchmark, untrained_checkpoint, tmp_path):
    data = tiny_benchmark
    checkpoint = untrained_checkpoint(TEACHER)
    tool = tool_runs.load('tools/analysis_tools/probe_decoder.py')
    out = tmp_path / 'probe.json'
    options = ['--cfg-options', f'val_dataloader.dataset.data_root={data}']
    report = tool.main([TEACHER, checkpoint, '--out', str(out), *options])
    # EDC-small's segmentation decoder: five U-Net blocks (64, 32, 16, 16, 16 channels)
    assert list(report['probe_iou']) == ['block1 (64 ch)', 'block2 (32 ch)',
                                         'block3 (16 ch)', 'block4 (16 ch)',
                                         'block5 (16 ch)']
    classes = ['forest', 'rangeland', 'agriculture', 'urban', 'barren', 'water']
    assert all(list(ious) == classes for ious in report['probe_iou'].values())
    assert list(report['model_iou']) == classes
    # a 150 px window of a 300 px tile with a 90 px label grid: 45 x 45 label pixels
    assert report['labelled_pixels'] <= 45 * 45
    with open(out) as f:
        assert json.load(f)['crop'] == 150
    with pytest.raises(ValueError, match='whole label pixels'):
        tool.main([TEACHER, checkpoint, '--crop', '125', *options])   # 37.5 label px
