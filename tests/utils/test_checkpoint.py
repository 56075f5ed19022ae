"""Strict checkpoint loading: any missing, unexpected or reshaped weight is refused."""
from types import SimpleNamespace

import pytest
import torch
import torch.nn as nn
from mmengine.config import Config
from mmengine.runner import save_checkpoint

from mmseg_edc.engine import StrictCheckpointHook
from mmseg_edc.utils.checkpoint import (CheckpointMismatchError, check_checkpoint_fits,
                                        load_checkpoint_strictly)


class Toy(nn.Module):
    """conv (2 weights) + BN (5 tensors) + head (2 weights) [+ a teacher]."""

    def __init__(self, classes=3, teacher=None):
        super().__init__()
        self.conv = nn.Conv2d(4, 8, 3)
        self.bn = nn.BatchNorm2d(8)
        self.head = nn.Conv2d(8, classes, 1)
        self.teacher = teacher


def weights(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def test_a_checkpoint_of_the_same_model_fits():
    torch.manual_seed(0)
    source = weights(Toy())
    check_checkpoint_fits(Toy(), dict(state_dict=source), 'same.pth')
    wrapped = {f'module.{k}': v for k, v in source.items()}    # saved from a DDP model
    check_checkpoint_fits(Toy(), wrapped, 'bare-state-dict.pth')
    old = {k: v for k, v in source.items() if not k.endswith('num_batches_tracked')}
    check_checkpoint_fits(Toy(), dict(state_dict=old), 'old-bn.pth')


def test_another_model_is_refused_with_counts_and_keys():
    other = weights(Toy(classes=7))
    del other['bn.weight']
    other.update({f'extra.{i}': torch.zeros(1) for i in range(7)})
    with pytest.raises(CheckpointMismatchError) as error:
        check_checkpoint_fits(Toy(), dict(state_dict=other), 'other.pth')
    message = str(error.value)
    assert message.startswith('checkpoint other.pth does not fit the model Toy')
    assert 'missing keys (1): bn.weight;' in message
    # 7 unexpected keys: the first 5 named, then an ellipsis
    assert 'unexpected keys (7): extra.0, extra.1, extra.2, extra.3, extra.4, ...;' in message
    assert ('shape mismatches (2): head.bias (checkpoint (7,), model (3,)), head.weight '
            '(checkpoint (7, 8, 1, 1), model (3, 8, 1, 1))') in message
    assert '\n' not in message


def test_teacher_weights_are_not_compared_and_left_out_parts_are_ignored():
    student = weights(Toy())                      # a student checkpoint: no teacher
    with_teacher = weights(Toy(teacher=nn.Linear(2, 2)))
    assert len(with_teacher) == len(student) + 2
    for checkpoint in (student, with_teacher):
        check_checkpoint_fits(Toy(teacher=nn.Linear(2, 2)), dict(state_dict=checkpoint),
                              'student.pth')
    # a model built without its teacher does not expect one in the checkpoint either
    with pytest.raises(CheckpointMismatchError,
                       match=r'unexpected keys \(2\): teacher.bias, teacher.weight$'):
        check_checkpoint_fits(Toy(), dict(state_dict=with_teacher), 'x')
    check_checkpoint_fits(Toy(), dict(state_dict=with_teacher), 'x', left_out=['teacher'])
    with_aux = dict(student, **{'auxiliary_head.weight': torch.zeros(2)})
    with pytest.raises(CheckpointMismatchError, match=r'unexpected keys \(1\)'):
        check_checkpoint_fits(Toy(), dict(state_dict=with_aux), 'aux.pth')
    check_checkpoint_fits(Toy(), dict(state_dict=with_aux), 'aux.pth',
                          left_out=['auxiliary_head'])


def test_load_strictly_loads_a_fit_and_leaves_the_model_alone_otherwise(tmp_path):
    torch.manual_seed(0)
    trained = Toy()
    path = str(tmp_path / 'toy.pth')
    save_checkpoint(dict(state_dict=trained.state_dict(), meta=dict(epoch=3)), path)
    model = Toy()
    assert load_checkpoint_strictly(model, path)['meta'] == dict(epoch=3)
    for key, value in trained.state_dict().items():
        assert torch.equal(model.state_dict()[key], value)

    other = Toy(classes=5)
    before = weights(other)
    with pytest.raises(CheckpointMismatchError, match='shape mismatches'):
        load_checkpoint_strictly(other, path)
    for key, value in before.items():
        assert torch.equal(other.state_dict()[key], value)


def test_hook_checks_what_the_runner_loads():
    runner = SimpleNamespace(model=Toy(), cfg=Config(dict(load_from='work/iter_4.pth')))
    hook = StrictCheckpointHook(left_out=['teacher'])
    hook.after_load_checkpoint(runner, dict(state_dict=weights(Toy())))
    with pytest.raises(CheckpointMismatchError, match='checkpoint work/iter_4.pth does'):
        hook.after_load_checkpoint(runner, dict(state_dict=weights(Toy(classes=2))))
