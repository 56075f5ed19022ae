import copy

import pytest
import torch
from mmengine.config import ConfigDict
from mmengine.optim import OptimWrapper
from mmengine.runner import load_checkpoint, save_checkpoint
from mmseg.registry import MODELS, OPTIM_WRAPPER_CONSTRUCTORS


from mmseg_edc.models.segmentors.edc_segmentor import sliding_windows

def test_loss_train_val_and_tensor_modes(tiny_edc):
    model = MODELS.build(tiny_edc.model_cfg())
    data = model.data_preprocessor(tiny_edc.make_batch(), True)
    losses = model(**data, mode='loss')
    assert {'decode.loss_ce', 'decode.acc_seg', 'cr.loss_cr'} <= set(losses)
    optim = OptimWrapper(torch.optim.SGD(model.parameters(), lr=0.01))
    before = model.cloud_removal_head.conv_out.weight.clone()
    log_vars = model.train_step(tiny_edc.make_batch(), optim)
    assert torch.isfinite(log_vars['loss'])
    assert not torch.equal(before, model.cloud_removal_head.conv_out.weight)

    model.eval()
    outputs = model.val_step(tiny_edc.make_batch())
    assert outputs[0].pred_sem_seg.shape == (12, 12)         # the label grid
    assert outputs[0].pred_clear_img.shape == (40, 40)       # the image, un-padded
    assert outputs[0].pred_clear_img.data.shape[0] == 4
    data = model.data_preprocessor(tiny_edc.make_batch(), False)
    logits, clear = model(**data, mode='tensor')
    assert logits.shape == (2, 3, 40, 40) and clear.shape == (2, 4, 40, 40)   # no test padding


def test_slide_inference_carries_the_reconstruction_and_matches_whole(tiny_edc):
    model = MODELS.build(tiny_edc.model_cfg()).eval()
    batch = tiny_edc.make_batch(batch=1, size=(64, 64), label=(20, 20))
    whole = model.test_step(batch)[0]
    model.test_cfg = ConfigDict(mode='slide', crop_size=(64, 64), stride=(32, 32))
    slide = model.test_step(batch)[0]
    torch.testing.assert_close(slide.seg_logits.data, whole.seg_logits.data)
    torch.testing.assert_close(slide.pred_clear_img.data, whole.pred_clear_img.data)
    model.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32), stride=(16, 16))
    windows = model.test_step(batch)[0]
    assert windows.pred_clear_img.shape == (64, 64) and windows.pred_sem_seg.shape == (20, 20)


def test_sliding_windows_cover_like_mmseg():
    windows = list(sliding_windows(300, 300, (160, 160), (80, 80)))
    assert len(windows) == 9
    assert windows[-1] == (140, 300, 140, 300)
    assert list(sliding_windows(50, 70, (160, 160), (80, 80))) == [(0, 50, 0, 70)]


def test_no_cloud_removal_branch(tiny_edc):
    model = MODELS.build(tiny_edc.model_cfg(with_cr=False))
    losses = model(**model.data_preprocessor(tiny_edc.make_batch(), True), mode='loss')
    assert not any(k.startswith('cr.') for k in losses)
    model.eval()
    assert 'pred_clear_img' not in model.val_step(tiny_edc.make_batch())[0]


@pytest.fixture
def student_with_teacher(tiny_edc):
    """``student_with_teacher(tmp_path)``: a tiny student whose teacher is loaded (as the
    Runner does, by init_weights)."""
    def build(tmp_path):
        path = tmp_path / 'teacher.pth'
        if not path.exists():
            tiny_edc.save_random_teacher(path)
        model = MODELS.build(tiny_edc.model_cfg(teacher_checkpoint=path))
        model.init_weights()
        return model
    return build


def test_teacher_is_frozen_unsaved_and_outside_the_optimizer(tiny_edc, student_with_teacher,
                                                             tmp_path):
    model = student_with_teacher(tmp_path)
    teacher_params = set(map(id, model.teacher.parameters()))
    assert all(not p.requires_grad for p in model.teacher.parameters())
    model.train()
    assert not model.teacher.training and not model.teacher.model.backbone.training
    assert not any(k.startswith('teacher') for k in model.state_dict())

    constructor = OPTIM_WRAPPER_CONSTRUCTORS.build(dict(
        type='TrainableParamsOptimWrapperConstructor',
        optim_wrapper_cfg=dict(type='OptimWrapper',
                               optimizer=dict(type='Adam', lr=1e-3))))
    optim = constructor(model)
    in_optimizer = {id(p) for g in optim.optimizer.param_groups for p in g['params']}
    assert not in_optimizer & teacher_params
    assert in_optimizer == {id(p) for p in model.parameters() if p.requires_grad}

    teacher_before = copy.deepcopy(model.teacher.model.state_dict())
    # the student reads only the teacher's decoder feature: its classifier never runs
    model.teacher.model.decode_head.conv_seg.register_forward_hook(
        lambda *_: pytest.fail('the teacher classified'))
    log_vars = model.train_step(tiny_edc.make_batch(), optim)
    assert 'distill.loss_distill' in log_vars and log_vars['distill.loss_distill'] > 0
    for key, value in model.teacher.model.state_dict().items():
        assert torch.equal(value, teacher_before[key]), key     # BN stats included

    model.distill_scale = 0.0
    losses = model(**model.data_preprocessor(tiny_edc.make_batch(), True), mode='loss')
    assert losses['distill.loss_distill'].item() == 0.0

    # a student checkpoint loads for inference without the teacher, and back into
    # a student without complaints about the (absent) teacher weights
    path = str(tmp_path / 'student.pth')
    save_checkpoint(dict(state_dict=model.state_dict()), path)
    load_checkpoint(MODELS.build(tiny_edc.model_cfg()), path, strict=True)
    load_checkpoint(MODELS.build(tiny_edc.model_cfg(
        teacher_checkpoint=tmp_path / 'teacher.pth')), path, strict=True)


def test_teacher_sees_the_cloud_free_image_normalised(tiny_edc, student_with_teacher,
                                                      tmp_path):
    model = student_with_teacher(tmp_path)
    data = model.data_preprocessor(tiny_edc.make_batch(size=(32, 32)), True)
    teacher_inputs = model.with_cloud_free_optical(data['inputs'], data['data_samples'])
    clear = data['data_samples'][1].gt_clear_img.data
    torch.testing.assert_close(teacher_inputs[1, :4], (clear - 0.5) / 0.25)
    torch.testing.assert_close(teacher_inputs[:, 4:], data['inputs'][:, 4:])


def test_teacher_checkpoint_errors_name_the_keys(student_with_teacher, tmp_path):
    model = student_with_teacher(tmp_path)
    good = copy.deepcopy(model.teacher.model.state_dict())
    model.teacher.load_checkpoint_weights(good, 'good.pth')
    missing = {k: v for k, v in good.items() if not k.startswith('decode_head.conv_seg')}
    with pytest.raises(KeyError, match=r'bad.pth does not match the teacher model of '
                                       r'model.teacher.model: missing keys \(2\): '
                                       r'decode_head.conv_seg.bias'):
        model.teacher.load_checkpoint_weights(missing, 'bad.pth')
    wrong = dict(good, **{'decode_head.conv_seg.bias': torch.zeros(5), 'extra.w': torch.ones(1)})
    with pytest.raises(KeyError, match=r'unexpected keys \(1\): extra.w.*shape mismatches '
                                       r'\(1\): decode_head.conv_seg.bias \(checkpoint \(5,\)'):
        model.teacher.load_checkpoint_weights(wrong, 'bad.pth')


def test_config_errors(tiny_edc):
    with pytest.raises(ValueError, match='distill_loss needs a teacher'):
        MODELS.build(dict(tiny_edc.model_cfg(),
                          distill_loss=dict(type='MaskedFeatureDistillationLoss')))
    with pytest.raises(ValueError, match='takes no neck'):
        MODELS.build(dict(tiny_edc.model_cfg(),
                          neck=dict(type='DCHFNeck', in_channels=[8, 16, 32, 64])))


def test_cloud_free_optical_input_for_the_teacher(tiny_edc):
    model = MODELS.build(tiny_edc.model_cfg(with_cr=False, optical_input='cloud_free'))
    batch = tiny_edc.make_batch()
    losses = model(**model.data_preprocessor(batch, True), mode='loss')
    assert torch.isfinite(losses['decode.loss_ce'])
    model.eval()
    reference = model.val_step(batch)[0].seg_logits.data
    for sample, inputs in zip(batch['data_samples'], batch['inputs']):
        inputs[:4] = 0.0              # the cloudy image is not looked at
    torch.testing.assert_close(model.val_step(batch)[0].seg_logits.data, reference)
    del batch['data_samples'][0].gt_clear_img
    with pytest.raises(KeyError, match='gt_clear_img'):
        model.val_step(batch)


def test_tapered_slide_blending_keeps_whole_results_for_one_window_and_differs_otherwise(
        tiny_edc):
    model = MODELS.build(tiny_edc.model_cfg()).eval()
    batch = tiny_edc.make_batch(batch=1, size=(64, 64), label=(20, 20))
    model.test_cfg = ConfigDict(mode='slide', crop_size=(64, 64), stride=(32, 32),
                                blend='taper')
    one_window = model.test_step(batch)[0]
    model.test_cfg = ConfigDict(mode='whole')
    torch.testing.assert_close(one_window.pred_clear_img.data,
                               model.test_step(batch)[0].pred_clear_img.data)
    outputs = {}
    for blend in ('mean', 'taper'):
        for clear_blend in ('mean', 'taper'):
            model.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32), stride=(16, 16),
                                        blend=blend, clear_blend=clear_blend)
            result = model.test_step(batch)[0]
            outputs[blend, clear_blend] = (result.seg_logits.data,
                                           result.pred_clear_img.data)
    # each output follows its own setting, independently of the other's
    torch.testing.assert_close(outputs['mean', 'mean'][0], outputs['mean', 'taper'][0])
    torch.testing.assert_close(outputs['mean', 'taper'][1], outputs['taper', 'taper'][1])
    assert not torch.allclose(outputs['mean', 'mean'][0], outputs['taper', 'mean'][0])
    assert not torch.allclose(outputs['mean', 'mean'][1], outputs['mean', 'taper'][1])
    # defaults: the protocol's mean for the logits, the taper for the reconstruction
    model.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32), stride=(16, 16))
    default = model.test_step(batch)[0]
    torch.testing.assert_close(default.seg_logits.data, outputs['mean', 'taper'][0])
    torch.testing.assert_close(default.pred_clear_img.data, outputs['mean', 'taper'][1])
    model.test_cfg = ConfigDict(mode='slide', crop_size=(32, 32), stride=(16, 16),
                                clear_blend='gauss')
    with pytest.raises(ValueError, match='clear_blend'):
        model.test_step(batch)


def test_a_teacher_without_distill_loss_only_initialises(tiny_edc, tmp_path):
    tiny_edc.save_random_teacher(tmp_path / 'teacher.pth')
    cfg = tiny_edc.model_cfg(teacher_checkpoint=tmp_path / 'teacher.pth')
    cfg['distill_loss'] = None
    model = MODELS.build(cfg)
    model.init_weights()
    assert model.teacher is not None
    model.teacher.features = None             # would fail if the teacher ran
    losses = model(**model.data_preprocessor(tiny_edc.make_batch(), True), mode='loss')
    assert not any(k.startswith('distill.') for k in losses)


def test_reliability_supervision_adds_its_loss_and_trains_the_maps(tiny_edc):
    cfg = tiny_edc.model_cfg()
    cfg['reliability_loss'] = dict(type='ReliabilitySupervisionLoss', loss_weight=1.0)
    model = MODELS.build(cfg)
    data = model.data_preprocessor(tiny_edc.make_batch(), True)
    losses = model(**data, mode='loss')
    assert losses['reliability.loss_reliability'] > 0
    reliability_conv = model.backbone.fusions[1].reliability.conv.weight
    reliability_conv.grad = None
    losses['reliability.loss_reliability'].backward()
    assert reliability_conv.grad.abs().sum() > 0


def test_the_auxiliary_head_reads_the_stream_it_is_given(tiny_edc):
    cfg = tiny_edc.model_cfg(auxiliary_stream='sar', auxiliary_head=dict(
        type='FCNHead', in_index=2, channels=8, num_convs=1, concat_input=False,
        num_classes=3, loss_decode=dict(type='CrossEntropyLoss', loss_weight=0.4,
                                        avg_non_ignore=True)))
    model = MODELS.build(cfg)
    data = model.data_preprocessor(tiny_edc.make_batch(), True)
    streams, aux_inputs = [], []
    forward_streams, aux_forward = model.backbone.forward_streams, model.auxiliary_head.forward
    model.backbone.forward_streams = lambda x: streams.append(forward_streams(x)) or streams[-1]
    model.auxiliary_head.forward = lambda x: aux_inputs.append(x) or aux_forward(x)
    losses = model(**data, mode='loss')
    assert losses['aux.loss_ce'] > 0
    assert aux_inputs == [streams[0]['sar']]
    with pytest.raises(ValueError, match='auxiliary_stream'):
        MODELS.build(tiny_edc.model_cfg(auxiliary_stream='cm'))


def test_sar_reaches_the_decoder_where_the_reliability_map_is_low(tiny_edc):
    """``sar_to_decoder``: the decoder reads ``F_i + (1 - A_i) SAR_i``, checked pixel by
    pixel; the same weights give other logits than with the fused maps alone, and no
    parameter is added."""
    torch.manual_seed(0)
    plain = MODELS.build(tiny_edc.model_cfg()).eval()
    model = MODELS.build(tiny_edc.model_cfg(sar_to_decoder=True)).eval()
    shapes = {k: v.shape for k, v in plain.state_dict().items()}
    assert {k: v.shape for k, v in model.state_dict().items()} == shapes   # no new tensor
    model.load_state_dict(plain.state_dict())
    data = model.data_preprocessor(tiny_edc.make_batch(), False)
    streams, decoder_inputs = [], []
    forward_streams, decode = (model.backbone.forward_streams,
                               model.decode_head.forward_with_features)
    model.backbone.forward_streams = lambda x: streams.append(forward_streams(x)) or streams[-1]
    model.decode_head.forward_with_features = \
        lambda x, size: decoder_inputs.append(x) or decode(x, size)
    with torch.no_grad():
        logits, _ = model(**data, mode='tensor')
        plain_logits, _ = plain(**data, mode='tensor')
    for level, fused, sar, a in zip(decoder_inputs[0], streams[0]['fused'],
                                    streams[0]['sar'], streams[0]['reliability']):
        y, x = level.shape[-2] - 1, 0
        expected = fused[1, :, y, x] + (1 - a[1, 0, y, x].item()) * sar[1, :, y, x]
        assert torch.allclose(level[1, :, y, x], expected, atol=1e-6)
        assert 0 < a[1, 0, y, x] < 1
    assert not torch.allclose(logits, plain_logits)

    teacher = MODELS.build(dict(tiny_edc.teacher_model_cfg(), sar_to_decoder=True))
    with pytest.raises(ValueError, match='no reliability map'):
        teacher(**data, mode='tensor')
