import os
import time
from types import SimpleNamespace

import pytest
import torch
from edc_toys import model_cfg
from mmengine.logging import MMLogger
from mmengine.runner import save_checkpoint
from mmseg.registry import HOOKS, MODELS

from mmseg_edc.engine.hooks.distillation_teacher_hook import resolve_teacher_checkpoint


def tiny_student():
    return MODELS.build(model_cfg(teacher=True))


def fake_runner(model, iteration=0):
    return SimpleNamespace(model=model, iter=iteration,
                           logger=MMLogger.get_instance('hook_test'))


def test_schedule_delay_then_linear_ramp():
    hook = HOOKS.build(dict(type='DistillationTeacherHook', checkpoint='x.pth',
                            delay_iters=2, ramp_iters=4))
    assert [hook.distill_scale(i) for i in range(8)] == [0, 0, 0.25, 0.5, 0.75, 1, 1, 1]
    assert HOOKS.build(dict(type='DistillationTeacherHook', checkpoint='x')
                       ).distill_scale(0) == 1.0
    with pytest.raises(ValueError):
        HOOKS.build(dict(type='DistillationTeacherHook', checkpoint='x', ramp_iters=-1))


def test_resolves_work_dirs(tmp_path):
    (tmp_path / 'iter_4.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_4.pth'))
    assert resolve_teacher_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_4.pth')
    (tmp_path / 'best_mIoU_iter_2.pth').write_bytes(b'')
    time.sleep(0.01)
    (tmp_path / 'best_mIoU_iter_3.pth').write_bytes(b'')
    assert resolve_teacher_checkpoint(str(tmp_path)).endswith('best_mIoU_iter_3.pth')
    with pytest.raises(FileNotFoundError, match='nowhere.*train the teacher'):
        resolve_teacher_checkpoint(str(tmp_path / 'nowhere'))


def test_loads_teacher_strictly_and_sets_the_scale(tmp_path):
    student = tiny_student()
    trained_teacher, path = trained_teacher_checkpoint(tmp_path)
    hook = HOOKS.build(dict(type='DistillationTeacherHook', checkpoint=path,
                            delay_iters=1, ramp_iters=2))
    runner = fake_runner(student)
    hook.before_train(runner)
    for key, value in trained_teacher.state_dict().items():
        assert torch.equal(student.teacher.model.state_dict()[key], value), key
    hook.before_train_iter(fake_runner(student, iteration=0), 0)
    assert student.distill_scale == 0.0
    hook.before_train_iter(fake_runner(student, iteration=1), 1)
    assert student.distill_scale == 0.5

    state = trained_teacher.state_dict()
    state.pop('decode_head.conv_seg.weight')
    save_checkpoint(dict(state_dict=state), path)
    with pytest.raises(KeyError, match='missing keys.*decode_head.conv_seg.weight'):
        hook.before_train(runner)
    os.remove(path)
    with pytest.raises(FileNotFoundError, match='teacher.pth'):
        hook.before_train(runner)


def test_needs_a_model_with_a_teacher():
    hook = HOOKS.build(dict(type='DistillationTeacherHook', checkpoint='x.pth'))
    with pytest.raises(RuntimeError, match='needs a model with a teacher'):
        hook.before_train(fake_runner(MODELS.build(model_cfg())))


def trained_teacher_checkpoint(tmp_path):
    """A teacher with random (non-initial) weights, saved as a checkpoint."""
    from mmseg_edc.models.segmentors import build_teacher_model
    teacher = build_teacher_model(model_cfg(teacher=True)['teacher'])
    for p in teacher.parameters():
        p.data.normal_()
    path = str(tmp_path / 'teacher.pth')
    save_checkpoint(dict(state_dict=teacher.state_dict()), path)
    return teacher, path


def test_student_can_start_from_the_teacher_weights(tmp_path):
    student = tiny_student()
    trained_teacher, path = trained_teacher_checkpoint(tmp_path)
    own_before = student.cloud_removal_head.conv_out.weight.clone()
    hook = HOOKS.build(dict(type='DistillationTeacherHook', checkpoint=path,
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
