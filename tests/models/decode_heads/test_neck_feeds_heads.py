"""DCHFNeck with return_streams feeds both EDC heads (registry names are built in
tests/test_registry.py)."""
from mmseg.registry import MODELS


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
