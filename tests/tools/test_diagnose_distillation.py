"""tools/analysis_tools/diagnose_distillation.py on a generated validation split."""
import json

STUDENT = 'edc_edc-small_1xb8-400it_generated-m3mcr-160x160'
TEACHER = 'edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160'


def test_clear_and_cloudy_pixels_are_compared_apart(tool_runs, tiny_benchmark,
                                                    untrained_checkpoint, tmp_path):
    data = tiny_benchmark
    checkpoints = {name: untrained_checkpoint(name) for name in (STUDENT, TEACHER)}
    tool = tool_runs.load('tools/analysis_tools/diagnose_distillation.py')
    out = tmp_path / 'distillation.json'
    report = tool.main([STUDENT, checkpoints[STUDENT], '--out', str(out), '--cfg-options',
                        f'val_dataloader.dataset.data_root={data}',
                        f'model.teacher.checkpoint={checkpoints[TEACHER]}',
                        'model.teacher.min_val_miou=None'])
    assert report['teacher'] == checkpoints[TEACHER]
    # the 160 x 160 window of the one validation tile, split by its cloud mask
    assert report['clear']['pixels'] + report['cloudy']['pixels'] == 160 * 160
    for region in ('clear', 'cloudy'):
        stats = report[region]
        assert stats['feature_mse'] >= 0
        assert all(0 <= stats[k] <= 100 for k in ('label_agreement', 'student_accuracy',
                                                   'teacher_accuracy'))
    with open(out) as f:
        assert json.load(f)['crop'] == 160


def test_region_statistics_by_hand(tool_runs):
    import torch
    tool = tool_runs.load('tools/analysis_tools/diagnose_distillation.py')
    # a 1 x 4 x 4 window, its left half cloudy; labels on a 2 x 2 grid
    cloudy = torch.zeros(1, 4, 4, dtype=torch.bool)
    cloudy[..., :2] = True
    teacher_feat = torch.zeros(1, 3, 4, 4)
    student_feat = teacher_feat + 2.0 * cloudy[:, None]     # error 4 under clouds only
    teacher_logits = torch.zeros(1, 2, 4, 4)
    teacher_logits[:, 1] = 1.0                               # teacher: class 1 everywhere
    student_logits = teacher_logits.clone()
    student_logits[:, 0] += 2.0 * cloudy                     # student: class 0 under clouds
    labels = torch.tensor([[[0, 1], [255, 1]]])              # left column cloudy
    stats = tool.RegionStats()
    stats.update(student_feat, teacher_feat, student_logits, teacher_logits, cloudy, labels)
    report = stats.compute()
    assert report['clear'] == dict(pixels=8, feature_mse=0.0, label_agreement=100.0,
                                   student_accuracy=100.0, teacher_accuracy=100.0)
    # cloudy: one labelled label pixel (class 0): the student is right, the teacher not
    assert report['cloudy'] == dict(pixels=8, feature_mse=4.0, label_agreement=0.0,
                                    student_accuracy=100.0, teacher_accuracy=0.0)
