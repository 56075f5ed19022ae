"""tools/analysis_tools/diagnose_reliability.py on a generated validation split."""
import json
import math

STUDENT = 'edc_edc-small-no-teacher_1xb8-400it_generated-m3mcr-160x160'


def test_auc_per_stage_and_panels(tool_runs, tiny_benchmark, untrained_checkpoint,
                                  tmp_path):
    data = tiny_benchmark
    checkpoint = untrained_checkpoint(STUDENT)
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
