"""The converted WHU-OPT-SAR tile layout: what the converter writes and the dataset reads.

Under the output folder, for a tile key ``<scene>_y<row>_x<col>``::

    optical_clear/<key>.tif, optical_cloudy/<key>.tif, sar/<key>.tif, label/<key>.tif,
    cloud_mask/<key>.tif
    splits/train.txt, splits/val.txt, splits/test.txt    one tile key per line
    whu_opt_sar_tiles.json                                the conversion's manifest
"""

#: dataset modality -> output folder; every tile of every split has all five.
OUTPUT_FOLDERS = dict(clear='optical_clear', img='optical_cloudy', sar='sar',
                      seg_map='label', cloud_mask='cloud_mask')
TILE_SUFFIX = '.tif'
SPLITS = ('train', 'val', 'test')
SPLIT_FOLDER = 'splits'
MANIFEST = 'whu_opt_sar_tiles.json'


def split_list_path(split):
    """Path of a split's tile list relative to the output folder."""
    return f'{SPLIT_FOLDER}/{split}.txt'
