"""WHU-OPT-SAR: the distributed scene layout, the tiling converter and the tile dataset."""
from .converter import convert_whu_opt_sar, tile_cloud_rng
from .dataset import WHUOptSARDataset
from .scene_layout import (CLOUD_TINT, SPLIT_FILE_NAME, SceneInfo, inspect_scene,
                           read_official_split, select_val_scenes)
from .tile_layout import MANIFEST, OUTPUT_FOLDERS, SPLITS, split_list_path
from .tiling import EDGE_MODES, axis_offsets, cut_tile, tile_key

__all__ = [
    'convert_whu_opt_sar', 'WHUOptSARDataset', 'read_official_split', 'select_val_scenes',
    'inspect_scene', 'SceneInfo', 'axis_offsets', 'cut_tile', 'tile_key', 'tile_cloud_rng',
    'split_list_path', 'EDGE_MODES', 'CLOUD_TINT', 'SPLIT_FILE_NAME', 'OUTPUT_FOLDERS',
    'SPLITS', 'MANIFEST'
]
