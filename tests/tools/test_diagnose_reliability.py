"""tools/analysis_tools/diagnose_reliability.py on a generated validation split."""
import json
import math

from mmengine.config import Config
from mmengine.runner import save_checkpoint

from mmseg_edc.apis import build_inference_model
from mmseg_edc.synthesis import generate_m3mcr_benchmark
from mmseg_edc.utils.packaged import config_path

STUDENT = 'edc_edc-small-no-teacher_1xb8-400it_generated-m3mcr-160x160'


def test_auc_per_stage_and_panels(tool_runs, tmp_path):
    data = str(tmp_path / 'data')
    generate_m3mcr_benchmark(data, num_train=1, num_val=1, num_test=1, seed=4)
    checkpoint = str(tmp_path / 'student.pth')
    model = build_inference_model(Config.fromfile(config_path(STUDENT)).model)
    save_checkpoint(dict(state_dict=model.state_dict()), checkpoint)
    tool = tool_runs.load('tools/analysis_tools/diagnose_reliability.py')
    out = tmp_path / 'diag' / 'reliability.json'
    report = tool.main([STUDENT, checkpoint, '--panels', '1', '--out', str(out),
                        '--cfg-options', f'val_dataloader.dataset.data_root={data}'])
    # the student's four fusion blocks each have a reliability map
    assert sorted(report['roc_auc']) == ['stage1', 'stage2', 'stage3', 'stage4']
    assert all(math.isnan(v) or 0 <= v <= 1 for v in report['roc_auc'].values())
    with open(out) as f:
        assert json.load(f)['samples'] == 1
    assert len(list((tmp_path / 'diag').glob('reliability_*.png'))) == 1
