"""Convert WHU-OPT-SAR scenes into cloudy/cloud-free tiles that ``WHUOptSARDataset`` reads.

Output under ``out_dir`` (``T`` = tile size)::

    optical_clear/<key>.tif    uint8 4 x T x T   R, G, B, NIR: the scene window as stored
    optical_cloudy/<key>.tif   uint8 4 x T x T   synthetic clouds over optical_clear
    sar/<key>.tif              uint8 1 x T x T
    label/<key>.tif            uint8 1 x T x T   raw codes 0..70 (255 past the scene edge)
    cloud_mask/<key>.tif       uint8 1 x T x T   1 = cloud
    splits/train.txt, splits/val.txt, splits/test.txt    one tile key per line
    whu_opt_sar_tiles.json     parameters, scenes per split, tile counts, cloud cover

A tile key is ``<scene>_y<row>_x<col>``, the scene id and the pixel offset of the tile's
top-left corner (4 digits, zero-padded). Labels keep the raw codes, so the 7- or 8-class
protocol is chosen when loading. Tiles carry no georeferencing (the dataset has none).

Splits: the official ``train`` scenes minus a scene-level validation hold-out (a seeded
draw or a given list, :func:`select_val_scenes`) give ``train`` and ``val``; the official
``test`` scenes give ``test``. Whole scenes are held out, never patches.

Clouds (every split, so val/test are deterministic and come with their masks): the recipe
of :func:`mmseg_edc.synthesis.synthesize_clouds` on the tile scaled to [0, 1] (DN / 255),
with the cover drawn uniformly from ``cover_range`` (default 10-90 %), cloud tint
:data:`CLOUD_TINT` and a generator seeded from ``(seed, tile key)``
(:func:`tile_cloud_rng`): the same seed and tile always give the same bytes, whatever the
scene order or worker count. On padded tiles the clouds are drawn over the whole tile and
then cleared past the scene edge (cloudy image 0, mask 0); the recorded cover counts
scene pixels only.

Safety: nothing is written until the split file, every listed scene and every file header
have been checked. Tiles are written into a hidden staging folder next to ``out_dir``
(``.<name>.<host>.<pid>.partial``, :func:`mmseg_edc.io.partial_path`) that is renamed into
place only when the whole conversion succeeded; any error (Ctrl-C and SIGTERM included)
removes it, so a failed run leaves no partial output, and the folder of a killed process
is removed by the next conversion into the same ``out_dir``. Folders and files get the
user's normal permissions (the umask). ``out_dir`` must be new or empty, or hold an
earlier conversion (its ``whu_opt_sar_tiles.json``), which is replaced only with
``overwrite=True``. ``out_dir`` may not contain the inputs nor lie in a scene folder.
"""
import hashlib
import json
import os
import os.path as osp
import shutil
import tempfile
import time
import warnings
from contextlib import ExitStack
from typing import NamedTuple, Tuple

import numpy as np
import rasterio
from rasterio.errors import NotGeoreferencedWarning, RasterioError
from rasterio.windows import Window

from mmseg_edc.io import RasterReadError, partial_path, remove_stale_partials
from mmseg_edc.synthesis import (DEFAULT_COVER_RANGE, check_cover_range,
                                 synthesize_clouds_random_cover)
from mmseg_edc.utils.parallel import map_in_processes

from .scene_layout import (CLOUD_TINT, SCENE_FOLDERS, SPLIT_FILE_NAME, check_scenes_present,
                     inspect_scene, read_official_split, select_val_scenes)
from .tile_layout import (MANIFEST, OUTPUT_FOLDERS, SPLIT_FOLDER, SPLITS, TILE_SUFFIX,
                          split_list_path)
from .tiling import axis_offsets, cut_tile, tile_key

IMAGE_FILL = 0
LABEL_FILL = 255
#: Spawn-key stream of the per-tile cloud generators (the hold-out draw uses another).
CLOUD_STREAM = 2
DEFAULT_VAL_SCENES = 8


def tile_cloud_rng(seed, key):
    """The generator of one tile's clouds, from the global seed and the tile key.

    The key is hashed (SHA-256, not Python's salted ``hash``) into the spawn key of a
    ``numpy.random.SeedSequence``, so the stream is the same on every machine and run.
    """
    words = np.frombuffer(hashlib.sha256(key.encode()).digest(), dtype='<u4')
    return np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(CLOUD_STREAM, *(int(w) for w in words))))


class TilingOptions(NamedTuple):
    """How every scene is cut and clouded."""
    tile_size: int
    stride: int
    edge: str
    seed: int
    cover_range: Tuple[float, float]


def _write_tile(path, bands):
    """Write ``C x T x T`` uint8 ``bands`` as an LZW GeoTIFF without georeferencing."""
    count, height, width = bands.shape
    with rasterio.open(path, 'w', driver='GTiff', width=width, height=height,
                       count=count, dtype='uint8', compress='lzw',
                       interleave='pixel' if count > 1 else 'band') as dst:
        dst.write(bands)


def _read_rows(src, path, scene, y0, tile_size):
    """Rows ``y0 .. y0 + T`` (fewer at the bottom edge) of every band: ``C x h x W``."""
    height = min(tile_size, src.height - y0)
    try:
        return src.read(window=Window(0, y0, src.width, height))
    except RasterioError as error:
        raise RasterReadError(f'cannot read rows {y0}..{y0 + height} of {path} '
                              f'(scene {scene}): {error}') from error


def _cloudy_tile(clear, key, valid, options):
    """Clouds over one ``4 x T x T`` uint8 tile; cleared past the scene edge.

    Returns:
        tuple: cloudy uint8 ``4 x T x T``, mask uint8 ``1 x T x T`` (1 = cloud) and the
        cover over the ``valid = (h, w)`` scene pixels.
    """
    layer = synthesize_clouds_random_cover(
        clear.transpose(1, 2, 0) / np.float32(255), tile_cloud_rng(options.seed, key),
        options.cover_range, band_tint=CLOUD_TINT)
    cloudy = np.rint(layer.cloudy * 255).astype(np.uint8).transpose(2, 0, 1)
    mask = layer.mask.astype(np.uint8)[None]
    h, w = valid
    for array in (cloudy, mask):
        array[:, h:, :] = IMAGE_FILL
        array[:, :, w:] = IMAGE_FILL
    return np.ascontiguousarray(cloudy), mask, float(mask[0, :h, :w].mean())


def _convert_scene(job):
    """Write every tile of one scene under ``staging``; return ``[(key, cover)]``."""
    info, staging, options = job
    size = options.tile_size
    height, width = info.shape
    rows_at = axis_offsets(height, size, options.stride, options.edge)
    cols_at = axis_offsets(width, size, options.stride, options.edge)
    tiles = []
    with warnings.catch_warnings(), ExitStack() as stack:
        warnings.simplefilter('ignore', NotGeoreferencedWarning)
        sources = {}
        for modality, path in info.paths.items():
            try:
                sources[modality] = stack.enter_context(rasterio.open(path))
            except RasterioError as error:
                raise RasterReadError(f'cannot open {path} (scene {info.scene}): '
                                      f'{error}') from error
        for y0 in rows_at:
            rows = {m: _read_rows(src, info.paths[m], info.scene, y0, size)
                    for m, src in sources.items()}
            for x0 in cols_at:
                key = tile_key(info.scene, y0, x0)
                clear = cut_tile(rows['optical'], x0, size, IMAGE_FILL)
                valid = (min(size, height - y0), min(size, width - x0))
                cloudy, mask, cover = _cloudy_tile(clear, key, valid, options)
                arrays = dict(clear=clear, img=cloudy, cloud_mask=mask,
                              sar=cut_tile(rows['sar'], x0, size, IMAGE_FILL),
                              seg_map=cut_tile(rows['label'], x0, size, LABEL_FILL))
                for modality, array in arrays.items():
                    _write_tile(osp.join(staging, OUTPUT_FOLDERS[modality],
                                         key + TILE_SUFFIX), array)
                tiles.append((key, cover))
    return tiles


def _check_apart_from_inputs(out_dir, src_root, official_split):
    """Refuse an output folder that holds the inputs or lies in a scene folder."""
    out = osp.realpath(out_dir)
    for path in (src_root, official_split):
        real = osp.realpath(path)
        if real == out or real.startswith(out + os.sep):
            raise ValueError(f'output folder {out_dir} would contain the input {path}; '
                             'choose a folder outside the dataset')
    for folder in SCENE_FOLDERS.values():
        real = osp.realpath(osp.join(src_root, folder))
        if out == real or out.startswith(real + os.sep):
            raise ValueError(f'output folder {out_dir} lies in the input scene folder '
                             f'{real}; choose a folder outside it')


def _check_out_dir(out_dir, overwrite):
    """Allow a new or empty folder, or an earlier conversion with ``overwrite``."""
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise NotADirectoryError(f'output {out_dir} exists and is not a folder')
    if not (osp.isdir(out_dir) and os.listdir(out_dir)):
        return
    if not osp.isfile(osp.join(out_dir, MANIFEST)):
        raise FileExistsError(
            f'output folder {out_dir} is not empty and holds no earlier conversion '
            f'({MANIFEST} missing); refusing to write into it, choose a new or empty '
            'folder')
    if not overwrite:
        raise FileExistsError(f'output folder {out_dir} holds an earlier conversion; pass '
                              'overwrite=True (--overwrite) to replace it')


def _publish(staging, out_dir):
    """Move the finished staging folder to ``out_dir``, replacing what was there."""
    previous = None
    if osp.isdir(out_dir):
        if os.listdir(out_dir):
            previous = tempfile.mkdtemp(prefix=f'.{osp.basename(out_dir)}.replaced-',
                                        dir=osp.dirname(out_dir))
            os.replace(out_dir, previous)
        else:
            os.rmdir(out_dir)
    os.rename(staging, out_dir)
    if previous:
        shutil.rmtree(previous)


def _cover_summary(covers):
    covers = np.asarray(covers)
    return dict(mean=round(float(covers.mean()), 4), min=round(float(covers.min()), 4),
                max=round(float(covers.max()), 4))


def _write_outputs(staging, scenes_by_split, infos, options, workers, progress):
    """Tile every scene into ``staging`` and write the split lists; tiles per split."""
    for folder in OUTPUT_FOLDERS.values():
        os.makedirs(osp.join(staging, folder))
    os.makedirs(osp.join(staging, SPLIT_FOLDER))
    jobs = [(infos[scene], staging, options)
            for split in SPLITS for scene in scenes_by_split[split]]
    results = map_in_processes(_convert_scene, jobs, workers, progress)
    by_scene = {job[0].scene: tiles for job, tiles in zip(jobs, results)}
    tiles = {}
    for split in SPLITS:
        tiles[split] = [t for scene in scenes_by_split[split] for t in by_scene[scene]]
        with open(osp.join(staging, split_list_path(split)), 'w') as f:
            f.writelines(f'{key}\n' for key, _ in tiles[split])
    return tiles


def convert_whu_opt_sar(src_root, out_dir, split_file=None, tile_size=256,
                        stride=None, edge='shift', val_scenes=DEFAULT_VAL_SCENES, seed=0,
                        cover_range=DEFAULT_COVER_RANGE, workers=1, overwrite=False,
                        progress=False):
    """Tile WHU-OPT-SAR and synthesise its clouds (see the module docstring).

    Args:
        src_root (str): the dataset as distributed (``optical/``, ``sar/``, ``lbl/``).
        out_dir (str): output folder: new, empty, or an earlier conversion (then
            ``overwrite`` is needed).
        split_file (str, optional): the official split file; default
            ``<src_root>/The division of the dataset.txt``.
        tile_size (int): tile side in pixels.
        stride (int, optional): step between tiles, ``1 .. tile_size``; default
            ``tile_size`` (no overlap).
        edge (str): last tile of a row or column ``'shift'``-ed inward onto the scene
            edge, or ``'pad'``-ded past it (image 0, label 255).
        val_scenes (int | list[str]): number of training scenes held out for validation
            (seeded draw) or the scene ids.
        seed (int): seed of the hold-out draw and of every tile's clouds.
        cover_range (tuple[float, float]): bounds of the uniform cloud-cover draw.
        workers (int): scenes converted in parallel (the output does not depend on it).
        overwrite (bool): replace an earlier conversion in ``out_dir``.
        progress (bool): show a progress bar over the scenes (stderr).

    Returns:
        dict: the manifest written to ``whu_opt_sar_tiles.json`` (parameters, ``scenes``
        and ``tiles`` counts and ``cloud_cover`` mean/min/max per split), plus
        ``out_dir`` and ``seconds``.

    Raises:
        FileNotFoundError: the split file or a file of a listed scene is missing.
        RasterReadError: an input file is unreadable, truncated, or of the wrong format.
        FileExistsError, NotADirectoryError, ValueError: the output folder may not be
            written, or a parameter is invalid.
    """
    start = time.perf_counter()
    stride = tile_size if stride is None else stride
    if tile_size < 1 or workers < 1 or seed < 0:
        raise ValueError(f'need tile_size >= 1, workers >= 1 and seed >= 0; got '
                         f'{tile_size}, {workers}, {seed}')
    axis_offsets(tile_size, tile_size, stride, edge)   # checks stride before any I/O
    options = TilingOptions(tile_size, stride, edge, seed, check_cover_range(cover_range))
    src_root, out_dir = osp.abspath(src_root), osp.abspath(out_dir)
    split_file = osp.abspath(split_file or osp.join(src_root, SPLIT_FILE_NAME))

    official = read_official_split(split_file)
    _check_apart_from_inputs(out_dir, src_root, split_file)
    _check_out_dir(out_dir, overwrite)
    all_scenes = official['train'] + official['test']
    check_scenes_present(src_root, all_scenes, split_file)
    val = select_val_scenes(official['train'], val_scenes, seed)
    scenes_by_split = dict(train=[s for s in official['train'] if s not in val],
                           val=[s for s in official['train'] if s in val],
                           test=official['test'])
    infos = {scene: inspect_scene(src_root, scene) for scene in all_scenes}
    for info in infos.values():
        try:
            for side in info.shape:
                axis_offsets(side, tile_size, stride, edge)
        except ValueError as error:
            raise ValueError(f'scene {info.scene} ({info.shape[0]} x {info.shape[1]}): '
                             f'{error}') from error

    os.makedirs(osp.dirname(out_dir), exist_ok=True)
    remove_stale_partials(out_dir)
    staging = partial_path(out_dir)
    os.mkdir(staging)
    try:
        tiles = _write_outputs(staging, scenes_by_split, infos, options, workers,
                               progress)
        manifest = dict(
            converter='mmseg_edc.datasets.whu_opt_sar.convert_whu_opt_sar',
            source=src_root, split_file=split_file, tile_size=tile_size,
            stride=stride, edge=edge, seed=seed, cover_range=list(options.cover_range),
            cover_distribution='uniform', cloud_tint=list(CLOUD_TINT),
            folders=OUTPUT_FOLDERS, val_scenes=val,
            scene_shapes={s: list(i.shape) for s, i in infos.items()},
            scenes={k: len(v) for k, v in scenes_by_split.items()},
            tiles={k: len(v) for k, v in tiles.items()},
            cloud_cover={k: _cover_summary([c for _, c in v]) for k, v in tiles.items()})
        with open(osp.join(staging, MANIFEST), 'w') as f:
            json.dump(manifest, f, indent=2)
        _publish(staging, out_dir)
    finally:
        if osp.isdir(staging):
            shutil.rmtree(staging)
    return dict(manifest, out_dir=out_dir, seconds=round(time.perf_counter() - start, 2))
