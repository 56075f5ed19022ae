"""Fixtures of the inference tests: tiny georeferenced optical-SAR scenes, a config file
and a checkpoint for the large-scene inference tests (a 3 m optical grid over a 10 m SAR
grid, as M3M-CR)."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.runner import save_checkpoint
from rasterio.crs import CRS

from mmseg_edc.apis import build_inference_model

CONFIG_TEMPLATE = """default_scope = 'mmseg'
custom_imports = dict(imports=['mmseg_edc'], allow_failed_imports=False)
model = {model!r}
ranges = dict(img=[(0, 10000)], clear_img=[(0, 10000)], sar=[(-25, 0), (-32.5, 0)])
test_pipeline = [
    dict(type='LoadOpticalSARTile', bands=dict(optical=4, sar=2)),
    dict(type='RadiometricScale', ranges=ranges),
    dict(type='PackOpticalSARInputs'),
]
test_dataloader = dict(dataset=dict(
    type='OpticalSARSegDataset',
    metainfo=dict(classes={classes!r}, palette={palette!r}),
    pipeline=test_pipeline))
"""


class LargeScene:
    """Scenes, configs and checkpoints of the toy EDC model for whole-scene inference."""

    UTM = CRS.from_epsg(32646)
    ORIGIN = (760299.0, 3150000.0)
    CLASSES = ('water', 'forest', 'urban')
    PALETTE = [[0, 100, 200], [0, 100, 0], [250, 0, 0]]
    #: optical rows/cols set to 0 in every band (the optical file's nodata value)
    NODATA_ROWS, NODATA_COLS = slice(0, 12), slice(0, 20)

    def __init__(self, tiny_edc):
        self.tiny_edc = tiny_edc

    def write_scene(self, write_geotiff, folder, height=150, width=200, sar_crs=UTM,
                    sar_origin=ORIGIN, seed=0):
        """Write, with the ``geotiff_writer`` fixture, an optical ``height x width`` scene
        (uint16, 4 bands, 3 m, nodata 0 in a corner) and SAR on the 10 m grid over the
        same extent (float32 dB, 2 bands).

        Returns:
            tuple[str, str]: optical and SAR paths.
        """
        rng = np.random.default_rng(seed)
        rows, cols = np.mgrid[:height, :width]
        pattern = np.sin(rows / 9.0) * np.cos(cols / 13.0)
        optical = 3000 + 2500 * pattern[..., None] + rng.normal(0, 300, (height, width, 4))
        optical = np.clip(optical, 1, 10000).astype(np.uint16)
        optical[self.NODATA_ROWS, self.NODATA_COLS] = 0
        sar_shape = (height * 3 // 10, width * 3 // 10)      # the extent in 10 m pixels
        sar = rng.uniform(-30, 0, (*sar_shape, 2)).astype(np.float32)
        optical_path = write_geotiff(osp.join(folder, 'optical.tif'), optical, 3.0,
                                     origin=self.ORIGIN, nodata=0)
        sar_path = write_geotiff(osp.join(folder, 'sar.tif'), sar, 10.0, origin=sar_origin,
                                 crs=sar_crs)
        return optical_path, sar_path

    def write_config(self, path, with_cr=True):
        """Write a test config of the toy model (3 classes) to ``path``; its path."""
        with open(path, 'w') as f:
            f.write(CONFIG_TEMPLATE.format(model=self.tiny_edc.model_cfg(with_cr=with_cr),
                                           classes=self.CLASSES, palette=self.PALETTE))
        return str(path)

    def build_toy_model(self, with_cr=True, seed=0):
        """The toy EDC model (the tiny EDC of ``tiny_edc``) for inference, initialised
        from ``seed``."""
        torch.manual_seed(seed)
        return build_inference_model(self.tiny_edc.model_cfg(with_cr=with_cr))

    def write_checkpoint(self, path, model):
        """Save ``model`` with the classes and palette in its meta; the path."""
        save_checkpoint(dict(state_dict=model.state_dict(),
                             meta=dict(dataset_meta=dict(classes=self.CLASSES,
                                                         palette=self.PALETTE))), str(path))
        return str(path)


@pytest.fixture(scope='session')
def large_scene(tiny_edc):
    """Scenes, configs and checkpoints for whole-scene inference (:class:`LargeScene`)."""
    return LargeScene(tiny_edc)
