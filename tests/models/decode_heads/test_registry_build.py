"""Every module of the fusion, neck, head and loss packages builds from a config dict."""
import torch
from mmseg.registry import MODELS

CFGS = [
    dict(type='DCHF', channels=16, with_cross_modal=False),
    dict(type='DCHFNeck', in_channels=[4, 8, 16, 32]),
    dict(type='EDCSegHead', in_channels=[4, 8, 16, 32], num_classes=6),
    dict(type='CloudRemovalHead', in_channels=[4, 8, 16, 32], out_channels=4),
    dict(type='CloudWeightedCharbonnierLoss'),
    dict(type='MaskedFeatureDistillationLoss'),
]


def test_every_module_builds_from_a_config_dict():
    for cfg in CFGS:
        module = MODELS.build(dict(cfg))
        assert type(module).__name__ == cfg['type']
        assert isinstance(module, torch.nn.Module)


def test_neck_feeds_both_heads(pyramid):
    neck = MODELS.build(dict(type='DCHFNeck', in_channels=[4, 8, 16, 32],
                             fusion_cfg=dict(type='DCHF', reduction=4),
                             return_streams=True))
    seg = MODELS.build(dict(type='EDCSegHead', in_channels=[4, 8, 16, 32], num_classes=6,
                            decoder_channels=(16, 8, 8, 4, 4)))
    cr = MODELS.build(dict(type='CloudRemovalHead', in_channels=[4, 8, 16, 32],
                           out_channels=4, in_index=(4, 5, 6, 7),
                           decoder_channels=(16, 8, 8, 4, 4), refine_channels=8))
    features = neck(pyramid(64, 64) + pyramid(64, 64, seed=1))
    assert seg(features).shape == (2, 6, 64, 64)
    assert cr(features).shape == (2, 4, 64, 64)
