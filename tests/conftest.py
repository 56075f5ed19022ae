"""Shared test helpers: the real M3M-CR fixtures and a small GeoTIFF writer."""
import os
import os.path as osp
import shutil
import subprocess
import warnings

import numpy as np
import pytest
import rasterio
# before any test module imports mmseg: registers the package, applies the compat fixes
import mmseg_edc  # noqa: F401
from rasterio.crs import CRS
from rasterio.errors import NotGeoreferencedWarning
from rasterio.transform import from_origin

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
#: The real samples; MMSEG_EDC_FIXTURES overrides the default ``../shared/fixtures``.
FIXTURES = os.environ.get('MMSEG_EDC_FIXTURES',
                          osp.join(ROOT, '..', 'shared', 'fixtures'))
UTM = CRS.from_epsg(32646)


@pytest.fixture(autouse=True, scope='session')
def mmseg_scope():
    """Make ``mmseg`` the default registry scope."""
    from mmengine.registry import init_default_scope
    init_default_scope('mmseg')


@pytest.fixture(scope='session')
def m3mcr_fixture_root():
    """Read-only root of the two real M3M-CR samples."""
    root = osp.join(FIXTURES, 'M3M-CR')
    if not osp.isdir(root):
        pytest.skip(f'real M3M-CR fixtures not found at {root} (set MMSEG_EDC_FIXTURES)')
    return root


@pytest.fixture
def m3mcr_copy(m3mcr_fixture_root, tmp_path):
    """A writable copy of the real M3M-CR samples."""
    return shutil.copytree(m3mcr_fixture_root, tmp_path / 'M3M-CR')


def write_geotiff(path, array, pixel_size=3.0, origin=(760299.0, 3150000.0), crs=UTM,
                  nodata=None, transform=None):
    """Write an ``H x W x C`` (or ``H x W``) array as a GeoTIFF: north-up from
    ``origin`` (top left) and ``pixel_size``, or on ``transform`` when given (the
    identity with ``crs=None`` writes no georeferencing at all)."""
    array = np.asarray(array)
    if array.ndim == 2:
        array = array[..., None]
    os.makedirs(osp.dirname(str(path)) or '.', exist_ok=True)
    profile = dict(driver='GTiff', height=array.shape[0], width=array.shape[1],
                   count=array.shape[2], dtype=array.dtype, nodata=nodata,
                   crs=crs, transform=transform if transform is not None else
                   from_origin(*origin, pixel_size, pixel_size))
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', NotGeoreferencedWarning)
        with rasterio.open(path, 'w', **profile) as dst:
            dst.write(np.moveaxis(array, -1, 0))
    return str(path)


@pytest.fixture
def geotiff_writer():
    return write_geotiff


@pytest.fixture
def dead_pid():
    """The id of a process that has exited (and was reaped), so is not running."""
    child = subprocess.Popen(['true'])
    child.wait()
    return child.pid
