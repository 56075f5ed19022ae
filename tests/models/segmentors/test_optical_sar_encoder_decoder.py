"""OpticalSAREncoderDecoder: one band declaration filled into every part that needs it."""
import pytest
import torch
from mmseg.registry import MODELS

BANDS = dict(optical=4, sar=2)
TINY_STREAM = dict(type='EDCHybridStream', embed_dims=(8, 16, 32, 64), depths=(1, 1, 1, 1),
                   num_heads=(2, 2), pos_mlp_hidden=8)


def resnet_model(**extra):
    cfg = dict(type='OpticalSAREncoderDecoder', bands=BANDS,
               data_preprocessor=dict(type='OpticalSARDataPreProcessor'),
               backbone=dict(type='ResNetV1c', depth=18, base_channels=8,
                             stem_channels=8, num_stages=2, out_indices=(1,),
                             strides=(1, 2), dilations=(1, 1)),
               decode_head=dict(type='FCNHead', in_channels=16, channels=8,
                                num_convs=1, num_classes=3, in_index=0))
    cfg.update(extra)
    return MODELS.build(cfg)


def test_stock_backbone_gets_the_input_channels_of_its_modalities():
    fusion = resnet_model()
    assert fusion.backbone.stem[0].in_channels == 6            # 4 optical + 2 SAR
    assert fusion.data_preprocessor.input_channels == list(range(6))
    optical = resnet_model(input_modalities=('optical',))
    assert optical.backbone.stem[0].in_channels == 4
    assert optical.data_preprocessor.input_channels == [0, 1, 2, 3]
    with torch.no_grad():
        logits = optical.eval()(torch.rand(1, 6, 32, 32)[:, :4], mode='tensor')
    assert logits.shape[1] == 3


def test_edc_backbone_gets_the_bands_and_heads_its_widths():
    model = MODELS.build(dict(
        type='OpticalSAREncoderDecoder', bands=dict(optical=13, sar=2),
        data_preprocessor=dict(type='OpticalSARDataPreProcessor'),
        backbone=dict(type='EDCBackbone', stream_cfg=TINY_STREAM, out_indices=(2, 3)),
        decode_head=dict(type='UPerHead', in_index=[0, 1], channels=8, num_classes=3,
                         pool_scales=(1, 2))))
    assert model.backbone.bands.as_dict() == dict(optical=13, sar=2)
    assert model.decode_head.in_channels == [32, 64]         # stages 3 and 4 of the tiny
    assert model.data_preprocessor.bands.optical == 13


@pytest.mark.parametrize('override, where', [
    (dict(data_preprocessor=dict(type='OpticalSARDataPreProcessor',
                                 bands=dict(optical=3, sar=2))),
     r"model.data_preprocessor.bands is \{'optical': 3, 'sar': 2\}"),
    (dict(backbone=dict(type='ResNetV1c', depth=18, in_channels=5)),
     'model.backbone.in_channels is 5'),
])
def test_a_conflicting_explicit_value_names_both(override, where):
    with pytest.raises(ValueError, match=where + '.* derives'):
        resnet_model(**override)


def test_head_widths_that_disagree_with_the_backbone_are_refused():
    with pytest.raises(ValueError, match=r'model.decode_head.in_channels is \[8, 8\] but the '
                                         r'model derives \[32, 64\]'):
        MODELS.build(dict(
            type='OpticalSAREncoderDecoder', bands=BANDS,
            data_preprocessor=dict(type='OpticalSARDataPreProcessor'),
            backbone=dict(type='EDCBackbone', stream_cfg=TINY_STREAM, out_indices=(2, 3)),
            decode_head=dict(type='UPerHead', in_channels=[8, 8], in_index=[0, 1],
                             channels=8, num_classes=3, pool_scales=(1, 2))))
