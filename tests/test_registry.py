"""Every name mmseg_edc registers builds from a config dict in mmseg's scope."""
from mmengine.registry import init_default_scope
import torch
from mmseg.registry import (DATASETS, HOOKS, METRICS, MODELS, OPTIM_WRAPPER_CONSTRUCTORS,
                            OPTIM_WRAPPERS, TRANSFORMS, VISUALIZERS)

import mmseg_edc  # noqa: F401

BANDS = dict(optical=4, sar=2)
TINY_STREAM = dict(type='EDCHybridStream', embed_dims=(8, 16, 32, 64), depths=(1, 1, 1, 1),
                   num_heads=(2, 2), pos_mlp_hidden=8)

OURS = {
    TRANSFORMS: [
        dict(type='LoadOpticalSARTile', bands=BANDS),
        dict(type='LoadOpticalSARArrays', bands=BANDS),
        dict(type='RadiometricScale', ranges=dict(img=[(0, 10000)])),
        dict(type='MultiModalRandomCrop', crop_size=160),
        dict(type='MultiModalRandomFlip'),
        dict(type='MultiModalRandomRotate90'),
        dict(type='SynthesizeClouds', band_tint=(1.0, 0.96, 0.92, 1.06)),
        dict(type='PackOpticalSARInputs'),
    ],
    MODELS: [
        dict(type='OpticalSARDataPreProcessor', bands=BANDS, mean=[0] * 6, std=[1] * 6),
        dict(type='DCHF', channels=16, with_cross_modal=False),
        dict(type='DCHFNeck', in_channels=[4, 8, 16, 32]),
        dict(type='EDCSegHead', in_channels=[4, 8, 16, 32], num_classes=6),
        dict(type='CloudRemovalHead', in_channels=[4, 8, 16, 32], out_channels=4),
        dict(type='CloudWeightedCharbonnierLoss'),
        dict(type='MaskedFeatureDistillationLoss'),
        dict(type='ReliabilitySupervisionLoss'),
        dict(type='ClassWeightedCrossEntropyLoss', class_weight=[1.0, 2.0]),
        dict(type='EDCBackbone', bands=BANDS, stream_cfg=TINY_STREAM),
        dict(TINY_STREAM, in_channels=4),
        dict(type='EDCStreamAdapter', in_channels=4, backbone=dict(
            type='MixVisionTransformer', embed_dims=8, num_layers=[1, 1, 1, 1],
            num_heads=[1, 1, 1, 1])),
        dict(type='TokenLayoutMixVisionTransformer', embed_dims=8, num_layers=[1, 1, 1, 1],
             num_heads=[1, 1, 1, 1]),
        dict(type='OpticalSAREncoderDecoder', bands=BANDS,
             data_preprocessor=dict(type='OpticalSARDataPreProcessor'),
             backbone=dict(type='EDCBackbone', stream_cfg=TINY_STREAM),
             decode_head=dict(type='FCNHead', in_index=3, channels=8, num_classes=6)),
        dict(type='TwoStreamBackbone', bands=BANDS, optical=dict(
            type='ResNetV1c', depth=18, base_channels=8, stem_channels=8, num_stages=2,
            out_indices=(0, 1), strides=(1, 2), dilations=(1, 1))),
        dict(type='OpticalSARTTAModel', module=dict(
            type='OpticalSAREncoderDecoder', bands=BANDS,
            data_preprocessor=dict(type='OpticalSARDataPreProcessor'),
            backbone=dict(type='EDCBackbone', stream_cfg=TINY_STREAM),
            decode_head=dict(type='FCNHead', in_index=3, channels=8, num_classes=6))),
        dict(type='EDCSegmentor', bands=BANDS,
             backbone=dict(type='EDCBackbone', stream_cfg=TINY_STREAM),
             decode_head=dict(type='EDCSegHead', num_classes=6)),
    ],
    METRICS: [dict(type='CloudAwareIoUMetric'), dict(type='CloudRemovalMetric')],
    HOOKS: [dict(type='OpticalSARVisualizationHook'),
            dict(type='DistillationScheduleHook'),
            dict(type='ClassCountCheckHook'),
            dict(type='StrictCheckpointHook', left_out=['teacher']),
            dict(type='NonFiniteGuardHook', action='skip'),
            dict(type='ExactResumeHook')],
    OPTIM_WRAPPER_CONSTRUCTORS: [dict(
        type='TrainableParamsOptimWrapperConstructor',
        optim_wrapper_cfg=dict(type='OptimWrapper', optimizer=dict(type='Adam')))],
    OPTIM_WRAPPERS: [dict(type='AutocastOptimWrapper', optimizer=torch.optim.SGD(
        [torch.nn.Parameter(torch.zeros(1))], lr=0.1))],
}


def test_every_registered_name_builds():
    init_default_scope('mmseg')
    VISUALIZERS.build(dict(type='SegLocalVisualizer', name='registry_test'))
    for registry, cfgs in OURS.items():
        for cfg in cfgs:
            obj = registry.build(dict(cfg))
            assert type(obj).__name__ == cfg['type']


def test_all_our_names_are_listed_here():
    """Nothing registered by the package is missing from the build test above."""
    listed = {cfg['type'] for cfgs in OURS.values() for cfg in cfgs}
    ours = set()
    for registry in (TRANSFORMS, MODELS, METRICS, HOOKS, DATASETS,
                     OPTIM_WRAPPER_CONSTRUCTORS, OPTIM_WRAPPERS):
        for name, cls in registry.module_dict.items():
            if cls.__module__.startswith('mmseg_edc'):
                ours.add(name)
    datasets = {n for n, c in DATASETS.module_dict.items()
                if c.__module__.startswith('mmseg_edc')}
    assert datasets == {'M3MCRDataset', 'OpticalSARSegDataset', 'WHUOptSARDataset'}
    assert ours - datasets == listed
