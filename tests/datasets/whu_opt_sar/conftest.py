"""Fixtures: mini WHU-OPT-SAR scenes in exactly the distributed layout, a writable copy
and one shared conversion.

Seven scenes of 200 x 300 px (one of them a pixel narrower: 200 x 299), 8-bit GeoTIFFs
without georeferencing, and ``The division of the dataset.txt`` with CRLF line ends, a
``train:`` section, a blank line and a ``test:`` section.
"""
import os
import warnings

import numpy as np
import pytest
import rasterio
from rasterio.errors import NotGeoreferencedWarning

from mmseg_edc.datasets.whu_opt_sar import convert_whu_opt_sar


class WHUScenes:
    """The mini scenes: their names and shape, and how to write and read them."""

    TRAIN_SCENES = ('NH49E001013', 'NH49E001015', 'NH49E002013', 'NH49E002015',
                    'NH49E003013')
    TEST_SCENES = ('NH49E001014', 'NH49E001017')
    NARROW_SCENE = 'NH49E001015'
    SCENE_SHAPE = (200, 300)
    #: the distributed label codes: 0 background, 10 farmland ... 70 others
    CODES = np.array([0, 10, 20, 30, 40, 50, 60, 70], np.uint8)

    @staticmethod
    def write_plain_tiff(path, bands):
        """Write ``C x H x W`` uint8 bands as a GeoTIFF without georeferencing."""
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', NotGeoreferencedWarning)
            with rasterio.open(path, 'w', driver='GTiff', width=bands.shape[2],
                               height=bands.shape[1], count=bands.shape[0],
                               dtype=bands.dtype) as dst:
                dst.write(bands)

    def scene_arrays(self, scene):
        """The optical ``4 x H x W``, SAR ``1 x H x W`` and label ``1 x H x W`` of a
        scene."""
        rng = np.random.default_rng(int(scene[-6:]))
        height, width = self.SCENE_SHAPE
        width -= scene == self.NARROW_SCENE
        return dict(
            optical=rng.integers(20, 180, (4, height, width), dtype=np.uint8),
            sar=rng.integers(0, 256, (1, height, width), dtype=np.uint8),
            lbl=rng.choice(self.CODES, (1, height, width)))

    @staticmethod
    def read_tiff(path):
        """The ``C x H x W`` pixels of a GeoTIFF (georeferenced or not)."""
        with warnings.catch_warnings():
            warnings.simplefilter('ignore', NotGeoreferencedWarning)
            with rasterio.open(path) as src:
                return src.read()

    def write_split_file(self, root, train=None, test=None):
        """Write the official split file (all scenes unless ``train``/``test``) under
        ``root``; return its path."""
        train = self.TRAIN_SCENES if train is None else train
        test = self.TEST_SCENES if test is None else test
        lines = (['train:'] + [f'{s}.tif' for s in train] + [''] + ['test:']
                 + [f'{s}.tif' for s in test])
        path = root / 'The division of the dataset.txt'
        path.write_bytes(('\r\n'.join(lines) + '\r\n').encode())
        return path

    def make_distributed_layout(self, root):
        """Write every scene and the split file under ``root``; return ``root``."""
        for scene in self.TRAIN_SCENES + self.TEST_SCENES:
            for folder, bands in self.scene_arrays(scene).items():
                self.write_plain_tiff(str(root / folder / f'{scene}.tif'), bands)
        self.write_split_file(root)
        return root


@pytest.fixture(scope='session')
def whu_scenes():
    """The mini WHU-OPT-SAR scenes (:class:`WHUScenes`)."""
    return WHUScenes()


@pytest.fixture
def whu_root(whu_scenes, tmp_path):
    """A writable mini WHU-OPT-SAR in the distributed layout."""
    return whu_scenes.make_distributed_layout(tmp_path / 'whu-opt-sar')


@pytest.fixture(scope='session')
def converted(whu_scenes, tmp_path_factory):
    """One conversion shared read-only: tiles of 100 px, stride 100, 2 val scenes, seed 5.

    Returns the converter's summary (``out_dir`` is the tile folder).
    """
    base = tmp_path_factory.mktemp('whu')
    root = whu_scenes.make_distributed_layout(base / 'whu-opt-sar')
    return convert_whu_opt_sar(str(root), str(base / 'tiles'), tile_size=100,
                               val_scenes=2, seed=5)
