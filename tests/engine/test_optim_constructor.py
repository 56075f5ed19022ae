"""TrainableParamsOptimWrapperConstructor: frozen parts stay out of the optimizer and
are reported in one log line, not mmengine's one warning per frozen tensor."""
import logging

import pytest
from edc_toys import model_cfg, save_random_teacher
from mmengine.logging import MMLogger
from mmengine.optim import DefaultOptimWrapperConstructor
from mmseg.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS

OPTIM_WRAPPER = dict(type='OptimWrapper', optimizer=dict(type='Adam', lr=1e-3))


class Records(logging.Handler):
    def __init__(self):
        super().__init__(logging.DEBUG)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture
def log_messages():
    """Messages logged to mmengine's current logger during the test."""
    logger = MMLogger.get_current_instance()
    handler = Records()
    logger.addHandler(handler)
    yield handler.messages
    logger.removeHandler(handler)


@pytest.fixture(scope='module')
def student(tmp_path_factory):
    """The tiny student with its frozen teacher loaded."""
    path = tmp_path_factory.mktemp('teacher') / 'teacher.pth'
    save_random_teacher(path)
    model = MODELS.build(model_cfg(teacher_checkpoint=path))
    model.init_weights()
    return model


def build(paramwise_cfg=None):
    return OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='TrainableParamsOptimWrapperConstructor', optim_wrapper_cfg=OPTIM_WRAPPER,
        paramwise_cfg=paramwise_cfg))


def skipped(messages):
    return [m for m in messages if 'is skipped since its requires_grad=False' in m]


def test_one_summary_line_instead_of_a_warning_per_frozen_tensor(student, log_messages):
    frozen = [p for p in student.teacher.parameters()]
    assert frozen and not any(p.requires_grad for p in frozen)
    # where the warnings come from: the default constructor's add_params, one per
    # frozen tensor, whenever a paramwise_cfg routes parameters through it
    DefaultOptimWrapperConstructor(OPTIM_WRAPPER, dict(bypass_duplicate=False))(student)
    assert len(skipped(log_messages)) == len(frozen)
    log_messages.clear()

    optim_wrapper = build()(student)
    numel = sum(p.numel() for p in frozen)
    assert skipped(log_messages) == []
    assert [m for m in log_messages if 'frozen' in m] == [
        f'TrainableParamsOptimWrapperConstructor: {len(frozen)} frozen tensors '
        f'({numel:,} parameters) left out of the optimizer: teacher {len(frozen)}']
    optimised = {id(p) for group in optim_wrapper.optimizer.param_groups
                 for p in group['params']}
    assert optimised == {id(p) for p in student.parameters() if p.requires_grad}


def test_every_frozen_part_counted_and_paramwise_cfg_kept(student, log_messages):
    head = student.decode_head.conv_seg
    head.requires_grad_(False)
    try:
        optim_wrapper = build(dict(custom_keys={'backbone': dict(lr_mult=0.1)}))(student)
    finally:
        head.requires_grad_(True)
    teacher = len(list(student.teacher.parameters()))
    summaries = [m for m in log_messages if 'frozen tensors' in m]
    assert len(summaries) == 1 and skipped(log_messages) == []
    assert summaries[0].endswith(f'left out of the optimizer: decode_head 2, '
                                 f'teacher {teacher}')
    assert f'{teacher + 2} frozen tensors' in summaries[0]     # conv_seg weight, bias
    groups = optim_wrapper.optimizer.param_groups
    optimised = {id(p) for group in groups for p in group['params']}
    assert not optimised & {id(head.weight), id(head.bias)}
    backbone = {id(p) for p in student.backbone.parameters()}
    assert all(group['lr'] == pytest.approx(1e-4) for group in groups
               if id(group['params'][0]) in backbone)


def test_nothing_frozen_nothing_logged(log_messages):
    build()(MODELS.build(model_cfg()))
    assert not [m for m in log_messages if 'frozen' in m]
