"""EDCBackbone: stage loop, pyramids, switches, registry and segmentor integration."""
import math

import pytest
import torch
from mmengine.registry import init_default_scope
from mmseg.registry import MODELS
from torch import nn

from mmseg_edc.models.backbones.edc_backbone import EDCBackbone
from mmseg_edc.models.fusion.dchf import DCHFOutput  # also registers DCHF

BANDS = dict(optical=4, sar=2)
TINY_STREAM = dict(type='EDCHybridStream', embed_dims=(8, 16, 32, 64), depths=(1, 1, 2, 1),
                   num_heads=(2, 4), pos_mlp_hidden=16)
TINY = dict(bands=BANDS, stream_cfg=TINY_STREAM)


@MODELS.register_module(name='EDCTestToyFusion', force=True)
class ToyFusion(nn.Module):
    """Stand-in fusion: ``fused = 1x1 conv of [opt; sar; cm]``, streams get ``+ fused``."""

    def __init__(self, channels, with_cross_modal, use_reliability=True, write_back=True):
        super().__init__()
        self.with_cross_modal = with_cross_modal
        self.use_reliability = use_reliability
        self.mix = nn.Conv2d(channels * (3 if with_cross_modal else 2), channels, 1)

    def forward(self, opt, sar, cm=None):
        assert (cm is not None) == self.with_cross_modal
        inputs = [opt, sar] + ([cm] if cm is not None else [])
        fused = self.mix(torch.cat(inputs, dim=1))
        reliability = torch.sigmoid(fused.mean(1, keepdim=True)) if self.use_reliability \
            else None
        return DCHFOutput(opt=opt + fused, sar=sar + fused, fused=fused,
                          reliability=reliability)


def tiny_backbone(fusion='EDCTestToyFusion', bands=BANDS, stream=None, **kwargs):
    """The tiny backbone; ``stream`` overrides entries of the stream config."""
    torch.manual_seed(0)
    return EDCBackbone(bands=bands, stream_cfg=dict(TINY_STREAM, **(stream or {})),
                       fusion_cfg=dict(type=fusion), **kwargs)


def expected_shapes(batch, height, width, channels=TINY_STREAM['embed_dims']):
    """Native strides 4, 8, 16, 32, each rounding up (a 3x3 stride-2 conv, padding 1)."""
    return [(batch, c, math.ceil(height / 2 ** (i + 2)), math.ceil(width / 2 ** (i + 2)))
            for i, c in enumerate(channels)]


@pytest.mark.parametrize('height, width', [(160, 160), (150, 170), (97, 129), (33, 65)])
@pytest.mark.parametrize('optical, sar', [(4, 2), (3, 1)])
def test_pyramid_shapes(height, width, optical, sar):
    backbone = tiny_backbone(bands=dict(optical=optical, sar=sar)).eval()
    with torch.no_grad():
        outs = backbone(torch.randn(2, optical + sar, height, width))
    assert isinstance(outs, tuple)
    assert [tuple(o.shape) for o in outs] == expected_shapes(2, height, width)


def test_forward_is_the_fused_pyramid_of_forward_streams():
    backbone = tiny_backbone(fusion='DCHF').eval()
    x = torch.randn(1, 6, 70, 90)
    with torch.no_grad():
        outs = backbone(x)
        streams = backbone.forward_streams(x)
    assert set(streams) == {'optical', 'sar', 'fused', 'reliability'}
    assert all(len(v) == 4 for v in streams.values())
    for fused, again in zip(outs, streams['fused']):
        assert torch.equal(fused, again)
    for key in ('optical', 'sar'):
        assert [tuple(m.shape) for m in streams[key]] == expected_shapes(1, 70, 90)
    assert [tuple(a.shape) for a in streams['reliability']] == expected_shapes(
        1, 70, 90, channels=(1, 1, 1, 1))


def test_stage_loop_wiring():
    """Stage 1 fuses two streams; later stages take Opt, SAR and CM^Fuse of the stage
    before, and the CM stream has neither stem nor stage 1."""
    backbone = tiny_backbone()
    assert [f.with_cross_modal for f in backbone.fusions] == [False, True, True, True]
    assert 'stage1' not in backbone.cm_stream.stages
    calls = []
    for name in ('optical_stream', 'sar_stream', 'cm_stream'):
        stream = getattr(backbone, name)
        original = stream.forward_stage

        def spy(index, x, _name=name, _original=original, **kwargs):
            calls.append((_name, index, x))
            return _original(index, x, **kwargs)
        stream.forward_stage = spy
    with torch.no_grad():
        streams = backbone.eval().forward_streams(torch.randn(1, 6, 64, 64))
    inputs = {(name, index): x for name, index, x in calls}
    assert ('cm_stream', 0) not in inputs
    for index in range(1, 4):
        assert inputs[('optical_stream', index)] is streams['optical'][index - 1]
        assert inputs[('sar_stream', index)] is streams['sar'][index - 1]
        assert inputs[('cm_stream', index)] is streams['fused'][index - 1]


def test_input_channel_check():
    with pytest.raises(ValueError, match='channels'):
        tiny_backbone()(torch.randn(1, 5, 32, 32))


def test_without_carrier_tokens():
    backbone = tiny_backbone(stream=dict(use_carrier_tokens=False)).eval()
    assert backbone.optical_stream.stages['stage3'].body.tokenizer is None
    with torch.no_grad():
        outs = backbone(torch.randn(1, 6, 97, 129))
    assert [tuple(o.shape) for o in outs] == expected_shapes(1, 97, 129)
    assert sum(p.numel() for p in backbone.parameters()) < sum(
        p.numel() for p in tiny_backbone().parameters())


def fitted_and_fixed(**kwargs):
    """The tiny DCHF backbone with fitted and with fixed windows, the same weights."""
    fitted = tiny_backbone(fusion='DCHF', stream=dict(window_partition='fitted'),
                           **kwargs).eval()
    fixed = tiny_backbone(fusion='DCHF', stream=dict(window_partition='fixed'),
                          **kwargs).eval()
    fixed.load_state_dict(fitted.state_dict())
    return fitted, fixed


@pytest.mark.parametrize('height, width', [(224, 224), (224, 448)])
def test_window_partitions_agree_at_multiples_of_7(height, width):
    """224 px: stages 3 and 4 are 14 x 14 and 7 x 7 (x 28 and 14 at 448), whole 7 x 7
    windows, so the fitted and the fixed layout are the same computation."""
    fitted, fixed = fitted_and_fixed(reliability_weighted_carriers=True)
    x = torch.randn(1, 6, height, width)
    with torch.no_grad():
        a, b = fitted.forward_streams(x), fixed.forward_streams(x)
    for key in ('optical', 'sar', 'fused', 'reliability'):
        assert all(torch.equal(m, n) for m, n in zip(a[key], b[key])), key


def test_window_partitions_differ_where_fixed_windows_pad():
    """160 px: stage 3 is 10 x 10, two windows of 5 per side fitted, one padded 14 x 14
    map fixed; the pyramids agree up to stage 2 only."""
    fitted, fixed = fitted_and_fixed()
    x = torch.randn(1, 6, 160, 160)
    with torch.no_grad():
        a, b = fitted(x), fixed(x)
    assert torch.equal(a[1], b[1]) and not torch.allclose(a[2], b[2], atol=1e-3)
    assert [o.shape for o in a] == [o.shape for o in b]


def test_gradients_reach_all_three_streams():
    backbone = tiny_backbone(fusion='DCHF').train()
    streams = backbone.forward_streams(torch.randn(2, 6, 64, 80))
    sum(m.mean() for key in ('fused', 'optical', 'sar') for m in streams[key]).backward()
    for name in ('optical_stream', 'sar_stream', 'cm_stream', 'fusions'):
        module = getattr(backbone, name)
        missing = [n for n, p in module.named_parameters() if p.grad is None]
        assert not missing, f'{name}: {missing}'
        assert any(p.grad.abs().sum() > 0 for p in module.parameters())


def test_teacher_fusion_gives_no_reliability():
    backbone = EDCBackbone(fusion_cfg=dict(type='DCHF', use_reliability=False), **TINY)
    with torch.no_grad():
        streams = backbone.eval().forward_streams(torch.randn(1, 6, 64, 64))
    assert streams['reliability'] == [None] * 4


def test_reliability_weighted_carriers_switch():
    plain = tiny_backbone().eval()
    weighted = tiny_backbone(reliability_weighted_carriers=True).eval()
    weighted.load_state_dict(plain.state_dict())
    x = torch.randn(1, 6, 128, 96)
    with torch.no_grad():
        a, b = plain(x), weighted(x)
    assert torch.equal(a[1], b[1]) and not torch.allclose(a[2], b[2])
    with pytest.raises(ValueError):
        tiny_backbone(stream=dict(use_carrier_tokens=False),
                      reliability_weighted_carriers=True)


@pytest.mark.parametrize('backbone_cfg, rounding', [
    (dict(type='MixVisionTransformer', embed_dims=8, num_layers=[1, 1, 1, 1],
          num_heads=[1, 2, 4, 8], sr_ratios=[4, 2, 1, 1]), math.ceil),
    (dict(type='mmpretrain.ConvNeXt', arch=dict(depths=[1, 1, 1, 1],
                                                channels=[8, 16, 32, 64]),
          out_indices=[0, 1, 2, 3], gap_before_final_norm=False), math.floor),
])
def test_adapter_streams(backbone_cfg, rounding):
    backbone = EDCBackbone(bands=BANDS,
                           stream_cfg=dict(type='EDCStreamAdapter', backbone=backbone_cfg),
                           fusion_cfg=dict(type='DCHF')).eval()
    assert backbone.channels == (8, 16, 32, 64)
    with torch.no_grad():
        outs = backbone(torch.randn(1, 6, 97, 129))
    assert [tuple(o.shape) for o in outs] == [
        (1, c, rounding(97 / 2 ** (i + 2)), rounding(129 / 2 ** (i + 2)))
        for i, c in enumerate((8, 16, 32, 64))]
    with pytest.raises(ValueError):
        EDCBackbone(bands=BANDS,
                    stream_cfg=dict(type='EDCStreamAdapter', backbone=backbone_cfg),
                    reliability_weighted_carriers=True)


def test_builds_from_config_dict():
    init_default_scope('mmseg')
    backbone = MODELS.build(dict(type='EDCBackbone', fusion_cfg=dict(type='DCHF'), **TINY))
    assert isinstance(backbone, EDCBackbone)
    backbone.init_weights()


def test_drops_into_encoder_decoder_with_uper_head():
    init_default_scope('mmseg')
    backbone = tiny_backbone('DCHF')
    assert backbone.out_channels == (8, 16, 32, 64)       # what UPerHead's in_channels is
    model = MODELS.build(dict(
        type='EncoderDecoder',
        backbone=dict(type='EDCBackbone', fusion_cfg=dict(type='DCHF'), **TINY),
        decode_head=dict(type='UPerHead', in_channels=list(backbone.out_channels),
                         in_index=[0, 1, 2, 3], channels=16, num_classes=3,
                         pool_scales=(1, 2), norm_cfg=dict(type='BN'),
                         loss_decode=dict(type='CrossEntropyLoss'))))
    with torch.no_grad():
        logits = model.eval()(torch.randn(1, 6, 96, 80), mode='tensor')
    assert logits.shape == (1, 3, 24, 20)


def test_edc_base_parameter_count():
    """FasterViT-0-sized streams + four DCHF blocks (the last without the unused SAR
    write-back): about 99.6 M parameters; the two U-Net decoders add about 6.3 M."""
    backbone = EDCBackbone(bands=BANDS)
    count = sum(p.numel() for p in backbone.parameters())
    assert 98e6 < count < 101e6
    fusion = sum(p.numel() for p in backbone.fusions.parameters())
    assert count - fusion == pytest.approx(92.15e6, rel=0.01)


@pytest.mark.parametrize('final_write_back,uses_last_optical', [(('opt',), True), ((), False)])
def test_every_parameter_gets_a_gradient(final_write_back, uses_last_optical):
    """No parameter without a gradient (DDP without find_unused_parameters)."""
    backbone = tiny_backbone('DCHF', final_write_back=final_write_back,
                             stream=dict(drop_path_rate=0.0))
    streams = backbone.forward_streams(torch.rand(2, 6, 40, 40))
    loss = sum(f.sum() for f in streams['fused'])
    if uses_last_optical:
        loss = loss + sum(o.sum() for o in streams['optical'])
    loss.backward()
    unused = [n for n, p in backbone.named_parameters() if p.grad is None]
    assert unused == []
    assert backbone.fusions[-1].sar_write_back is None


def test_out_indices_select_the_returned_stages():
    backbone = tiny_backbone('DCHF', out_indices=(1, 3)).eval()
    assert backbone.out_channels == (16, 64)
    x = torch.randn(1, 6, 64, 64)
    with torch.no_grad():
        outs = backbone(x)
        fused = backbone.forward_streams(x)['fused']
    assert len(outs) == 2
    assert torch.equal(outs[0], fused[1]) and torch.equal(outs[1], fused[3])
    with pytest.raises(ValueError, match='out_indices'):
        tiny_backbone(out_indices=(4,))


def test_an_inherited_pretrained_checkpoint_is_refused_with_advice():
    with pytest.raises(ValueError, match='stream_cfg.init_cfg.*model.pretrained=None'):
        tiny_backbone(pretrained='open-mmlab://resnet50_v1c')


def test_bands_are_validated():
    with pytest.raises(ValueError, match='positive band count'):
        tiny_backbone(bands=dict(optical=4))
    with pytest.raises(ValueError, match='unknown'):
        tiny_backbone(bands=dict(optical=4, sar=2, lidar=1))
