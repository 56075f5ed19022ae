"""Mini WHU-OPT-SAR scenes in exactly the distributed layout, written into tmp folders.

Seven scenes of 200 x 300 px (one of them a pixel narrower: 200 x 299), 8-bit GeoTIFFs
without georeferencing, and ``The division of the dataset.txt`` with CRLF line ends, a
``train:`` section, a blank line and a ``test:`` section.
"""
import os
import warnings

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning

TRAIN_SCENES = ('NH49E001013', 'NH49E001015', 'NH49E002013', 'NH49E002015',
                'NH49E003013')
TEST_SCENES = ('NH49E001014', 'NH49E001017')
NARROW_SCENE = 'NH49E001015'
SCENE_SHAPE = (200, 300)
CODES = np.array([0, 10, 20, 30, 40, 50, 60, 70], np.uint8)


def write_plain_tiff(path, bands):
    """Write ``C x H x W`` uint8 bands as a GeoTIFF without georeferencing."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', NotGeoreferencedWarning)
        with rasterio.open(path, 'w', driver='GTiff', width=bands.shape[2],
                           height=bands.shape[1], count=bands.shape[0],
                           dtype=bands.dtype) as dst:
            dst.write(bands)


def scene_arrays(scene):
    """The optical ``4 x H x W``, SAR ``1 x H x W`` and label ``1 x H x W`` of a scene."""
    rng = np.random.default_rng(int(scene[-6:]))
    height, width = SCENE_SHAPE
    width -= scene == NARROW_SCENE
    return dict(
        optical=rng.integers(20, 180, (4, height, width), dtype=np.uint8),
        sar=rng.integers(0, 256, (1, height, width), dtype=np.uint8),
        lbl=rng.choice(CODES, (1, height, width)))


def read_tiff(path):
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', NotGeoreferencedWarning)
        with rasterio.open(path) as src:
            return src.read()


def write_split_file(root, train=TRAIN_SCENES, test=TEST_SCENES):
    lines = (['train:'] + [f'{s}.tif' for s in train] + [''] + ['test:']
             + [f'{s}.tif' for s in test])
    path = root / 'The division of the dataset.txt'
    path.write_bytes(('\r\n'.join(lines) + '\r\n').encode())
    return path


def make_distributed_layout(root):
    """Write every scene and the split file under ``root``; return ``root``."""
    for scene in TRAIN_SCENES + TEST_SCENES:
        for folder, bands in scene_arrays(scene).items():
            write_plain_tiff(str(root / folder / f'{scene}.tif'), bands)
    write_split_file(root)
    return root
