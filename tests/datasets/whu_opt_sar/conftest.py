"""Fixtures: a writable mini WHU-OPT-SAR and one shared conversion (see whu_scenes)."""
import pytest
from whu_scenes import make_distributed_layout

from mmseg_edc.datasets.whu_opt_sar import convert_whu_opt_sar


@pytest.fixture
def whu_root(tmp_path):
    """A writable mini WHU-OPT-SAR in the distributed layout."""
    return make_distributed_layout(tmp_path / 'whu-opt-sar')


@pytest.fixture(scope='session')
def converted(tmp_path_factory):
    """One conversion shared read-only: tiles of 100 px, stride 100, 2 val scenes, seed 5.

    Returns the converter's summary (``out_dir`` is the tile folder).
    """
    base = tmp_path_factory.mktemp('whu')
    root = make_distributed_layout(base / 'whu-opt-sar')
    return convert_whu_opt_sar(str(root), str(base / 'tiles'), tile_size=100,
                               val_scenes=2, seed=5)
