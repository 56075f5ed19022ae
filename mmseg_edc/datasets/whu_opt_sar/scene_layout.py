"""WHU-OPT-SAR (Li et al., JAG 2022) as distributed: scene files, official split, hold-out.

Layout under the dataset root (docs/design.md §12.1)::

    optical/<scene>.tif   4 bands R, G, B, NIR, uint8, about 5556 x 3704 (sizes vary)
    sar/<scene>.tif       1 band, uint8, same size
    lbl/<scene>.tif       1 band, uint8 codes 0 background, 10 farmland, 20 city,
                          30 village, 40 water, 50 forest, 60 road, 70 others
    The division of the dataset.txt   "train:" then one "<scene>.tif" per line, a blank
                                      line, "test:" then its scenes (CRLF line ends)

No georeferencing is published: the three files of a scene share a pixel grid, which is
checked by shape only.
"""
import os.path as osp
import warnings
from typing import Dict, NamedTuple, Tuple

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioError

from mmseg_edc.io import RasterReadError

#: modality -> folder under the dataset root.
SCENE_FOLDERS = dict(optical='optical', sar='sar', label='lbl')
#: Band count of each modality.
SCENE_BANDS = dict(optical=4, sar=1, label=1)
SCENE_SUFFIX = '.tif'
SPLIT_FILE_NAME = 'The division of the dataset.txt'
OFFICIAL_SPLITS = ('train', 'test')
#: Relative cloud brightness in the optical band order R, G, B, NIR (slightly rising to
#: longer wavelengths, as thick clouds look in PlanetScope's B, G, R, NIR samples).
CLOUD_TINT = (1.0, 0.96, 0.92, 1.06)
#: Spawn-key stream of the validation hold-out draw (tile clouds use another stream).
VAL_STREAM = 1


class SceneInfo(NamedTuple):
    """One scene: its id, pixel shape ``(H, W)`` and a path per modality."""
    scene: str
    shape: Tuple[int, int]
    paths: Dict[str, str]


def read_official_split(path):
    """Parse ``The division of the dataset.txt`` (LF or CRLF, optional UTF-8 BOM).

    A line ``<name>:`` opens a section (``train`` or ``test``); every other non-empty
    line is a scene file name of the current section, ``.tif`` optional.

    Returns:
        dict[str, list[str]]: ``{'train': [scene ids], 'test': [scene ids]}`` in file
        order.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: an unknown section, a name before any section, a scene listed
            twice, or an empty section; the message gives the file and line number.
    """
    if not osp.isfile(path):
        raise FileNotFoundError(f'WHU-OPT-SAR split file {path} does not exist')
    with open(path, encoding='utf-8-sig', newline='') as f:
        lines = f.read().splitlines()
    splits = {name: [] for name in OFFICIAL_SPLITS}
    where = {}
    section = None
    for number, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line:
            continue
        if line.endswith(':'):
            section = line[:-1].strip().lower()
            if section not in splits:
                raise ValueError(f'{path} line {number}: unknown section {line!r}, '
                                 f'expected one of {[s + ":" for s in OFFICIAL_SPLITS]}')
            continue
        if section is None:
            raise ValueError(f'{path} line {number}: scene {line!r} comes before the '
                             '"train:" or "test:" line')
        scene = line[:-len(SCENE_SUFFIX)] if line.lower().endswith(SCENE_SUFFIX) else line
        if scene in where:
            raise ValueError(f'{path} line {number}: scene {scene} is already listed on '
                             f'line {where[scene]}')
        where[scene] = number
        splits[section].append(scene)
    empty = [name for name, scenes in splits.items() if not scenes]
    if empty:
        raise ValueError(f'{path}: no scenes listed under {", ".join(empty)}')
    return splits


def scene_paths(root, scene):
    """``{modality: path}`` of one scene's optical, SAR and label files."""
    return {m: osp.join(root, folder, scene + SCENE_SUFFIX)
            for m, folder in SCENE_FOLDERS.items()}


def check_scenes_present(root, scenes, split_file):
    """Raise ``FileNotFoundError`` naming every listed scene with a missing file."""
    missing = [(scene, path) for scene in scenes
               for path in scene_paths(root, scene).values() if not osp.isfile(path)]
    if missing:
        listed = '\n'.join(f'  scene {scene}: {path}' for scene, path in missing)
        raise FileNotFoundError(
            f'{split_file} lists scenes whose files are missing under {root}:\n{listed}')


def inspect_scene(root, scene):
    """Open the three files of a scene (headers only) and check they fit together.

    Returns:
        SceneInfo: the scene id, its ``(H, W)`` and its paths.

    Raises:
        RasterReadError: a file is not a readable raster, has the wrong band count or
            is not 8-bit (expected vs actual in the message).
        ValueError: the SAR or label size differs from the optical one.
    """
    paths = scene_paths(root, scene)
    shapes = {}
    for modality, path in paths.items():
        try:
            with warnings.catch_warnings():
                warnings.simplefilter('ignore', NotGeoreferencedWarning)
                with rasterio.open(path) as src:
                    count, dtypes, shape = src.count, set(src.dtypes), (src.height,
                                                                        src.width)
        except RasterioError as error:
            raise RasterReadError(
                f'cannot read {modality} file {path} (scene {scene}): {error}') from error
        if count != SCENE_BANDS[modality] or dtypes != {'uint8'}:
            raise RasterReadError(
                f'{modality} file {path} (scene {scene}) has {count} band(s) of '
                f'{sorted(dtypes)}; expected {SCENE_BANDS[modality]} band(s) of uint8')
        shapes[modality] = shape
    for modality, shape in shapes.items():
        if shape != shapes['optical']:
            raise ValueError(
                f'scene {scene}: {paths[modality]} is {shape[0]} x {shape[1]} (H x W) but '
                f'{paths["optical"]} is {shapes["optical"][0]} x {shapes["optical"][1]}')
    return SceneInfo(scene, shapes['optical'], paths)


def select_val_scenes(train_scenes, val_scenes, seed):
    """The scene-level validation hold-out, taken from the training scenes.

    Args:
        train_scenes (list[str]): the official training scenes.
        val_scenes (int | list[str]): how many scenes to draw (seeded, without
            replacement, from the sorted training scenes), or the scenes themselves.
        seed (int): seed of the draw.

    Returns:
        list[str]: the validation scenes, sorted. Whole scenes are held out, never
        patches, so no validation tile has a training neighbour.
    """
    train = sorted(train_scenes)
    if isinstance(val_scenes, int):
        if not 1 <= val_scenes < len(train):
            raise ValueError(f'val_scenes must be between 1 and {len(train) - 1} (there '
                             f'are {len(train)} training scenes), got {val_scenes}')
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(VAL_STREAM,)))
        return sorted(str(s) for s in rng.choice(train, size=val_scenes, replace=False))
    chosen = sorted(set(val_scenes))
    outside = [s for s in chosen if s not in set(train)]
    if outside:
        raise ValueError(f'val_scenes must be training scenes; not in the training '
                         f'split: {outside}')
    if not chosen or len(chosen) == len(train):
        raise ValueError(f'val_scenes must hold out at least one and leave at least one '
                         f'of the {len(train)} training scenes, got {len(chosen)}')
    return chosen
