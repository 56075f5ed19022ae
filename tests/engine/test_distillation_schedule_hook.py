"""DistillationScheduleHook: the distillation ramp and the student's initialisation."""
import copy
from types import SimpleNamespace

import pytest
import torch
from mmengine.logging import MMLogger
from mmseg.registry import HOOKS, MODELS


def fake_runner(model, iteration=0):
    return SimpleNamespace(model=model, iter=iteration,
                           logger=MMLogger.get_instance('hook_test'))


@pytest.fixture
def loaded_student(tiny_edc):
    """``loaded_student(tmp_path, **extra)``: the tiny student (``extra`` added to its
    config) with its teacher loaded from a random checkpoint; student and teacher."""
    def build(tmp_path, **extra):
        teacher = tiny_edc.save_random_teacher(tmp_path / 'teacher.pth')
        student = MODELS.build(tiny_edc.model_cfg(
            teacher_checkpoint=tmp_path / 'teacher.pth', **extra))
        student.init_weights()
        return student, teacher
    return build


def test_schedule_delay_then_linear_ramp():
    hook = HOOKS.build(dict(type='DistillationScheduleHook', delay_iters=2, ramp_iters=4))
    # iterations 0-1 delayed; then (i - 2 + 1) / 4 until it reaches 1
    assert [hook.distill_scale(i) for i in range(8)] == [0, 0, 0.25, 0.5, 0.75, 1, 1, 1]
    assert HOOKS.build(dict(type='DistillationScheduleHook')).distill_scale(0) == 1.0
    with pytest.raises(ValueError):
        HOOKS.build(dict(type='DistillationScheduleHook', ramp_iters=-1))
    with pytest.raises(ValueError, match='min_shared_fraction'):
        HOOKS.build(dict(type='DistillationScheduleHook', min_shared_fraction=1.5))


def test_sets_the_students_scale_every_iteration(loaded_student, tmp_path):
    student, _ = loaded_student(tmp_path)
    hook = HOOKS.build(dict(type='DistillationScheduleHook', delay_iters=1, ramp_iters=2))
    hook.before_train(fake_runner(student))
    hook.before_train_iter(fake_runner(student, iteration=0), 0)
    assert student.distill_scale == 0.0
    hook.before_train_iter(fake_runner(student, iteration=1), 1)
    assert student.distill_scale == 0.5          # (1 - 1 + 1) / 2


def test_needs_a_model_with_a_teacher(tiny_edc):
    hook = HOOKS.build(dict(type='DistillationScheduleHook'))
    with pytest.raises(ValueError, match='needs a model with a teacher'):
        hook.before_train(fake_runner(MODELS.build(tiny_edc.model_cfg())))


def test_student_can_start_from_the_teacher_weights(loaded_student, tmp_path):
    student, trained_teacher = loaded_student(tmp_path)
    own_before = student.cloud_removal_head.conv_out.weight.clone()
    hook = HOOKS.build(dict(type='DistillationScheduleHook',
                            init_student_from_teacher=True))
    hook.before_train(fake_runner(student, iteration=5))       # resumed: untouched
    assert not torch.equal(student.decode_head.conv_seg.weight,
                           trained_teacher.decode_head.conv_seg.weight)
    hook.before_train(fake_runner(student))
    teacher_state = trained_teacher.state_dict()
    for key, value in student.state_dict().items():
        if key in teacher_state and teacher_state[key].shape == value.shape:
            assert torch.equal(value, teacher_state[key]), key
    assert torch.equal(student.cloud_removal_head.conv_out.weight, own_before)
    assert student.backbone.fusions[1].reliability is not None       # student's own part


def test_a_teacher_sharing_few_tensors_cannot_initialise_the_student(
        tiny_edc, loaded_student, tmp_path):
    # A student with wider streams shares no backbone or decoder tensor shape with the
    # teacher, so far fewer than half of its tensors would be copied.
    wide = copy.deepcopy(tiny_edc.model_cfg()['backbone'])
    wide['stream_cfg']['embed_dims'] = (16, 32, 64, 128)
    student, _ = loaded_student(tmp_path, backbone=wide)
    hook = HOOKS.build(dict(type='DistillationScheduleHook',
                            init_student_from_teacher=True))
    with pytest.raises(ValueError, match=r'shares only \d+ of the student\'s \d+ tensors'):
        hook.before_train(fake_runner(student))
    HOOKS.build(dict(type='DistillationScheduleHook', init_student_from_teacher=True,
                     min_shared_fraction=0)).before_train(fake_runner(student))
