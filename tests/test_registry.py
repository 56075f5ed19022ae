"""Every name mmseg_edc registers builds from a config dict in mmseg's scope."""
from mmengine.registry import init_default_scope
from mmseg.registry import DATASETS, HOOKS, METRICS, MODELS, TRANSFORMS, VISUALIZERS

import mmseg_edc  # noqa: F401

OURS = {
    TRANSFORMS: [
        dict(type='LoadOpticalSARTile'),
        dict(type='RadiometricScale', ranges=dict(img=[(0, 10000)])),
        dict(type='MultiModalRandomCrop', crop_size=160),
        dict(type='MultiModalRandomFlip'),
        dict(type='MultiModalRandomRotate90'),
        dict(type='PackOpticalSARInputs'),
    ],
    MODELS: [
        dict(type='OpticalSARDataPreProcessor', mean=[0] * 6, std=[1] * 6),
        dict(type='DCHF', channels=16, with_cross_modal=False),
        dict(type='DCHFNeck', in_channels=[4, 8, 16, 32]),
        dict(type='EDCSegHead', in_channels=[4, 8, 16, 32], num_classes=6),
        dict(type='CloudRemovalHead', in_channels=[4, 8, 16, 32], out_channels=4),
        dict(type='CloudWeightedCharbonnierLoss'),
        dict(type='MaskedFeatureDistillationLoss'),
    ],
    METRICS: [dict(type='CloudAwareIoUMetric'), dict(type='CloudRemovalMetric')],
    HOOKS: [dict(type='OpticalSARVisualizationHook')],
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
    for registry in (TRANSFORMS, MODELS, METRICS, HOOKS, DATASETS):
        for name, cls in registry.module_dict.items():
            if cls.__module__.startswith('mmseg_edc'):
                ours.add(name)
    datasets = {n for n, c in DATASETS.module_dict.items()
                if c.__module__.startswith('mmseg_edc')}
    assert datasets == {'M3MCRDataset', 'OpticalSARSegDataset'}
    assert ours - datasets == listed
