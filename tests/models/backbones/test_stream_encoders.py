"""Native hybrid stream and the staged-backbone adapter, one stage at a time."""
import math

import pytest
import torch
from mmseg.registry import MODELS

from mmseg_edc.models.backbones.stream_encoders import EDCHybridStream, EDCStreamAdapter

TINY = dict(embed_dims=(8, 16, 32, 64), depths=(1, 1, 2, 1), num_heads=(2, 4),
            pos_mlp_hidden=16)
TINY_MIT = dict(type='MixVisionTransformer', embed_dims=8, num_layers=[1, 1, 1, 1],
                num_heads=[1, 2, 4, 8], sr_ratios=[4, 2, 1, 1])
TINY_CONVNEXT = dict(type='mmpretrain.ConvNeXt',
                     arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 32, 64]),
                     out_indices=[0, 1, 2, 3], gap_before_final_norm=False)


def run_all_stages(stream, x):
    maps = []
    for index in range(4):
        x = stream.forward_stage(index, x)
        maps.append(x)
    return maps


@pytest.mark.parametrize('height, width', [(64, 64), (50, 70), (33, 17)])
def test_native_stream_strides_use_ceil(height, width):
    stream = EDCHybridStream(in_channels=3, **TINY).eval()
    with torch.no_grad():
        maps = run_all_stages(stream, torch.randn(1, 3, height, width))
    for index, (feature, channels) in enumerate(zip(maps, TINY['embed_dims'])):
        stride = 2 ** (index + 2)
        assert feature.shape == (1, channels, math.ceil(height / stride),
                                 math.ceil(width / stride))


def test_stream_without_stem_starts_at_stage_2():
    stream = EDCHybridStream(first_stage=1, **TINY)
    assert set(stream.stages) == {'stage2', 'stage3', 'stage4'}
    with pytest.raises(IndexError):
        stream.forward_stage(0, torch.randn(1, 3, 32, 32))
    assert stream.forward_stage(1, torch.randn(1, 8, 9, 9)).shape == (1, 16, 5, 5)
    with pytest.raises(ValueError):
        EDCHybridStream(first_stage=0, **TINY)


def test_native_stream_default_is_fastervit0_sized():
    stream = EDCHybridStream(in_channels=3)
    stage3 = stream.stages['stage3'].body
    stage4 = stream.stages['stage4'].body
    assert len(stage3.blocks) == 6 and stage3.carrier_tokens == 2
    assert stage3.blocks[0].carrier_block.attn.num_heads == 8
    assert len(stage4.blocks) == 5 and stage4.tokenizer is None
    assert stage4.blocks[0].block.attn.num_heads == 16
    assert stage4.blocks[-1].block.drop_path.drop_prob == pytest.approx(0.2)
    assert len(stream.stages['stage1'].body) == 2 and len(stream.stages['stage2'].body) == 3


def test_native_stream_init_weights():
    stream = EDCHybridStream(in_channels=3, **TINY)
    stream.init_weights()
    linear = stream.stages['stage4'].body.blocks[0].block.mlp[0]
    assert linear.weight.std() < 0.03 and torch.count_nonzero(linear.bias) == 0


@pytest.mark.parametrize('cfg, strides', [
    (TINY_MIT, 'ceil'), (TINY_CONVNEXT, 'floor')])
def test_adapter_runs_stages(cfg, strides):
    stream = MODELS.build(dict(type='EDCStreamAdapter', backbone=cfg, in_channels=5))
    assert stream.channels == (8, 16, 32, 64)
    height, width = 67, 45
    with torch.no_grad():
        maps = run_all_stages(stream.eval(), torch.randn(1, 5, height, width))
    rounding = math.ceil if strides == 'ceil' else math.floor
    for index, feature in enumerate(maps):
        stride = 2 ** (index + 2)
        assert feature.shape == (1, stream.channels[index], rounding(height / stride),
                                 rounding(width / stride))


def test_adapter_matches_the_whole_backbone():
    """Stage by stage, the adapter computes what the wrapped backbone's forward does."""
    stream = EDCStreamAdapter(TINY_MIT, in_channels=3).eval()
    x = torch.randn(1, 3, 40, 48)
    with torch.no_grad():
        expected = stream.backbone(x)
        for got, want in zip(run_all_stages(stream, x), expected):
            assert torch.allclose(got, want, atol=1e-6)


@pytest.mark.parametrize('cfg', [TINY_MIT, TINY_CONVNEXT])
def test_adapter_drops_stages_before_first_stage(cfg):
    full = EDCStreamAdapter(cfg, in_channels=3)
    cm = EDCStreamAdapter(cfg, first_stage=1)
    assert sum(p.numel() for p in cm.parameters()) < sum(
        p.numel() for p in full.parameters())
    with pytest.raises(IndexError):
        cm.forward_stage(0, torch.randn(1, 3, 32, 32))
    assert cm.forward_stage(1, torch.randn(1, 8, 8, 8)).shape == (1, 16, 4, 4)


def test_adapter_projects_to_other_widths():
    stream = EDCStreamAdapter(TINY_CONVNEXT, in_channels=2, out_channels=(8, 24, 32, 40))
    assert set(stream.input_projections) == {'stage3'}
    assert set(stream.output_projections) == {'stage2', 'stage4'}
    maps = run_all_stages(stream, torch.randn(2, 2, 64, 64))
    assert [m.shape[1] for m in maps] == [8, 24, 32, 40]


def test_adapter_rejects_unknown_backbones():
    with pytest.raises(KeyError, match='cannot split'):
        EDCStreamAdapter(dict(type='ResNetV1c', depth=18), in_channels=3)
