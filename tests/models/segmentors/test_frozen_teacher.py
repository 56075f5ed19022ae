"""The teacher's one owner: built from model.teacher, loaded strictly by init_weights."""
import os
import time

import pytest
import torch
from edc_toys import model_cfg, save_random_teacher
from mmengine.runner import save_checkpoint
from mmseg.registry import MODELS

from mmseg_edc.models.segmentors import resolve_teacher_checkpoint


def test_resolves_work_dirs(tmp_path):
    (tmp_path / 'iter_4.pth').write_bytes(b'')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'iter_4.pth'))
    assert resolve_teacher_checkpoint(str(tmp_path)) == str(tmp_path / 'iter_4.pth')
    (tmp_path / 'best_mIoU_iter_2.pth').write_bytes(b'')
    time.sleep(0.01)
    (tmp_path / 'best_mIoU_iter_3.pth').write_bytes(b'')
    assert resolve_teacher_checkpoint(str(tmp_path)).endswith('best_mIoU_iter_3.pth')
    with pytest.raises(FileNotFoundError,
                       match='nowhere.*train the teacher.*model.teacher.checkpoint'):
        resolve_teacher_checkpoint(str(tmp_path / 'nowhere'))


def test_init_weights_loads_the_teacher_strictly(tmp_path):
    path = tmp_path / 'teacher.pth'
    trained = save_random_teacher(path)
    student = MODELS.build(model_cfg(teacher_checkpoint=path))
    assert student.teacher.loaded_from is None
    student.init_weights()
    assert student.teacher.loaded_from == str(path)
    for key, value in trained.state_dict().items():
        assert torch.equal(student.teacher.model.state_dict()[key], value), key

    state = trained.state_dict()
    state.pop('decode_head.conv_seg.weight')
    save_checkpoint(dict(state_dict=state), str(path))
    with pytest.raises(KeyError, match='missing keys.*decode_head.conv_seg.weight'):
        MODELS.build(model_cfg(teacher_checkpoint=path)).init_weights()
    os.remove(path)
    with pytest.raises(FileNotFoundError, match='teacher.pth'):
        MODELS.build(model_cfg(teacher_checkpoint=path)).init_weights()


def test_an_unloaded_teacher_refuses_to_distil(tmp_path):
    save_random_teacher(tmp_path / 'teacher.pth')
    student = MODELS.build(model_cfg(teacher_checkpoint=tmp_path / 'teacher.pth'))
    from edc_toys import make_batch
    data = student.data_preprocessor(make_batch(), True)
    with pytest.raises(RuntimeError, match='has no trained weights.*init_weights'):
        student(**data, mode='loss')


def test_teacher_entry_is_validated(tmp_path):
    with pytest.raises(ValueError, match='model.teacher must be dict'):
        MODELS.build(model_cfg(teacher=dict(config='t.py'),
                               distill_loss=dict(type='MaskedFeatureDistillationLoss')))
    save_random_teacher(tmp_path / 'teacher.pth')
    cfg = model_cfg(teacher_checkpoint=tmp_path / 'teacher.pth')
    cfg['teacher']['model']['bands'] = dict(optical=4, sar=1)
    with pytest.raises(ValueError, match='teacher .* reads bands'):
        MODELS.build(cfg)


def scored_teacher(path, score):
    """A random teacher saved as after a validation scoring ``score`` mIoU."""
    from mmengine.logging import HistoryBuffer
    teacher = save_random_teacher(path)
    buffer = HistoryBuffer()
    buffer.update(score)
    save_checkpoint(dict(state_dict=teacher.state_dict(),
                         message_hub=dict(log_scalars={'val/mIoU': buffer})), str(path))


def test_a_teacher_below_the_floor_is_refused(tmp_path):
    path = tmp_path / 'teacher.pth'
    scored_teacher(path, 68.2)                         # a teacher collapsed on a class
    cfg = model_cfg(teacher_checkpoint=path)
    cfg['teacher']['min_val_miou'] = 80.0
    with pytest.raises(ValueError, match=r'validation mIoU 68.20, below '
                                         r'model.teacher.min_val_miou=80.0'):
        MODELS.build(cfg).init_weights()
    scored_teacher(path, 89.7)
    student = MODELS.build(cfg)
    student.init_weights()
    assert student.teacher.loaded_from == str(path)
    save_random_teacher(path)                          # no validation recorded
    with pytest.raises(ValueError, match='records no validation mIoU'):
        MODELS.build(cfg).init_weights()
    cfg['teacher']['min_val_miou'] = None              # no floor: not checked
    MODELS.build(cfg).init_weights()
