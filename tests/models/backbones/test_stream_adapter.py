"""The staged-backbone adapter (MiT, ConvNeXt), one stage at a time."""
import math

import pytest
import torch
from mmseg.registry import MODELS

from mmseg_edc.models.backbones.stream_adapter import EDCStreamAdapter

TINY_MIT = dict(type='MixVisionTransformer', embed_dims=8, num_layers=[1, 1, 1, 1],
                num_heads=[1, 2, 4, 8], sr_ratios=[4, 2, 1, 1])
TINY_CONVNEXT = dict(type='mmpretrain.ConvNeXt',
                     arch=dict(depths=[1, 1, 1, 1], channels=[8, 16, 32, 64]),
                     out_indices=[0, 1, 2, 3], gap_before_final_norm=False)


@pytest.mark.parametrize('cfg, strides', [
    (TINY_MIT, 'ceil'), (TINY_CONVNEXT, 'floor')])
def test_adapter_runs_stages(cfg, strides, run_all_stages):
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


def test_adapter_matches_the_whole_backbone(run_all_stages):
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


def test_adapter_projects_to_other_widths(run_all_stages):
    stream = EDCStreamAdapter(TINY_CONVNEXT, in_channels=2, out_channels=(8, 24, 32, 40))
    assert set(stream.input_projections) == {'stage3'}
    assert set(stream.output_projections) == {'stage2', 'stage4'}
    maps = run_all_stages(stream, torch.randn(2, 2, 64, 64))
    assert [m.shape[1] for m in maps] == [8, 24, 32, 40]


def test_adapter_rejects_unknown_backbones():
    with pytest.raises(KeyError, match='cannot split'):
        EDCStreamAdapter(dict(type='ResNetV1c', depth=18), in_channels=3)
