"""Stock transforms that would move or recolour only part of a sample are refused."""
import pytest
from mmcv.transforms import RandomFlip
from mmseg.registry import TRANSFORMS

from mmseg_edc.datasets import OpticalSARSegDataset
from mmseg_edc.datasets.transforms.pipeline_guard import check_multimodal_pipeline

LOAD = dict(type='LoadOpticalSARTile', bands=dict(optical=4, sar=2))


def built(*cfgs):
    return [TRANSFORMS.build(dict(cfg)) for cfg in cfgs]


@pytest.mark.parametrize('stock, advice', [
    (dict(type='RandomFlip', prob=0.5), 'RandomFlip: use MultiModalRandomFlip'),
    (dict(type='RandomCrop', crop_size=(64, 64)), 'RandomCrop: use MultiModalRandomCrop'),
    (dict(type='RandomRotate', prob=0.5, degree=20), 'use MultiModalRandomRotate90'),
    (dict(type='Resize', scale=(64, 64)), 'Resize: has no multi-modal replacement'),
    (dict(type='PhotoMetricDistortion'), 'must not run on SAR'),
])
def test_stock_transforms_after_the_loader_are_refused(stock, advice):
    with pytest.raises(ValueError, match=f'MyData: .*{advice}'):
        check_multimodal_pipeline(built(LOAD, stock), 'MyData')


def test_every_refused_transform_is_listed_and_wrappers_are_opened():
    pipeline = built(LOAD, dict(type='RandomApply', transforms=[
        dict(type='RandomFlip', prob=1.0)]), dict(type='RandomCrop', crop_size=(8, 8)))
    with pytest.raises(ValueError, match='RandomFlip: .*; RandomCrop: '):
        check_multimodal_pipeline(pipeline, 'MyData')


def test_multimodal_transforms_and_declared_subclasses_pass():
    class FlipEveryField(RandomFlip):
        handles_image_fields = True

    check_multimodal_pipeline(built(
        LOAD, dict(type='MultiModalRandomCrop', crop_size=30),
        dict(type='MultiModalRandomFlip'), dict(type='MultiModalRandomRotate90'),
        dict(type='PackOpticalSARInputs')) + [FlipEveryField(prob=0.5)], 'MyData')
    # before the loader there is only one image: stock transforms are the user's business
    check_multimodal_pipeline(built(dict(type='RandomFlip', prob=0.5), LOAD), 'MyData')


def test_the_dataset_refuses_such_a_pipeline_when_built(tmp_path):
    with pytest.raises(ValueError, match='OpticalSARSegDataset: .*RandomFlip'):
        OpticalSARSegDataset(
            data_root=str(tmp_path), lazy_init=True,
            modalities=dict(img=dict(folder='i', suffix='.tif'),
                            sar=dict(folder='s', suffix='.tif')),
            metainfo=dict(classes=('a', 'b')),
            pipeline=[LOAD, dict(type='RandomFlip', prob=0.5)])
