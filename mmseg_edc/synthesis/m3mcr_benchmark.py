"""Write the generated default benchmark in exactly the M3M-CR layout and formats.

Tree under ``out_dir`` (docs/design.md §12.1)::

    train/ and test/, each with, per sample <season>_<aoi>_p_<k>:
      planet_cloudfree_<season>/planet_cloudfree_<season>_<aoi>/..._p_<k>.tif  uint16 4 x 300 x 300
      planet_cloudy_<season>/planet_cloudy_<season>_<aoi>/..._p_<k>.tif        uint16 4 x 300 x 300
      S1_<season>/S1_<season>_<aoi>/..._p_<k>.tif                              float64 2 x 90 x 90
      landcover_<season>/landcover_<season>_<aoi>/..._p_<k>.tif                uint8 1 x 90 x 90
      cloudmask_<season>/cloudmask_<season>_<aoi>/..._p_<k>.npy                bool 300 x 300
    train.csv, test.csv   no header; cloudfree, cloudy, S1, landcover, cloudmask paths
                          relative to the split folder; CRLF line ends (as published)
    generated_benchmark.json   how the tree was made (seed, counts, summary)

Optical: B, G, R, NIR reflectance x 10000 at 3 m, nodata 0 (never produced: values are
1..10000). SAR: VV, VH in dB at 10 m, no nodata. Labels: WorldCover codes at 10 m.
Each area (aoi) is a 3-column block of 900 m patches in one UTM zone (EPSG 326xx or
327xx); the optical origin is shifted from the 10 m origin by (-2 or -1 m east,
0-2 m north), as in the real data, so both footprints are 900 m wide and agree within
2 m. Samples are grouped ``PATCHES_PER_AOI`` to an area; areas cycle through the four
seasons; test areas never appear in train.

Determinism: area styles and geography are seeded by ``(seed, split, aoi)`` and each
tile by ``(seed, split, index)`` (``numpy.random.SeedSequence`` spawn keys), so tiles
are independent of each other and of the worker count: the same seed writes
byte-identical files. Each cloud cover is drawn uniformly in [0, 0.9].

Safety: every file is written under a temporary name and renamed into place. A folder
that is not empty is used only when it holds an earlier generation (its
``generated_benchmark.json``); a complete one is replaced only with ``overwrite=True``,
an interrupted one is simply regenerated. Files of the earlier generation that the new
one does not write are removed; nothing else in the folder is touched.
"""
import csv
import json
import os
import os.path as osp
import time
from dataclasses import dataclass

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.transform import Affine

from mmseg_edc.io import write_atomically
from mmseg_edc.utils.parallel import map_in_processes

from .clouds import synthesize_clouds
from .landcover_scene import (LABEL_PIXEL_M, OPTICAL_PIXEL_M, SEASONS, WORLDCOVER_CODES,
                              draw_area_style, synthesize_scene)

SPLITS = ('train', 'test')
PATCHES_PER_AOI = 5
MARKER = 'generated_benchmark.json'
#: Columns of the split CSVs, in order, and the folder prefix of each modality.
MODALITIES = ('planet_cloudfree', 'planet_cloudy', 'S1', 'landcover', 'cloudmask')
#: Relative cloud brightness in B, G, R, NIR (thick clouds in the real samples).
CLOUD_TINT = (0.92, 0.96, 1.0, 1.06)
MAX_CLOUD_COVER = 0.9
_SPLIT_CODE = dict(train=0, test=1)
_PATCH_COLUMNS = 3


@dataclass(frozen=True)
class TileSpec:
    """Where one sample sits: split, index in the split, season, aoi id, patch id."""

    split: str
    index: int
    aoi_index: int
    season: str
    aoi: int
    patch: int

    @property
    def key(self):
        return f'{self.season}_{self.aoi}_p_{self.patch}'

    def relative_paths(self):
        """The five paths of the sample relative to the split folder, CSV order."""
        paths = []
        for modality in MODALITIES:
            ext = 'npy' if modality == 'cloudmask' else 'tif'
            group = f'{modality}_{self.season}'
            paths.append(f'{group}/{group}_{self.aoi}/{group}_{self.aoi}_p_{self.patch}.{ext}')
        return paths


def tile_layout(num_train, num_test):
    """All samples of a generation, train first.

    Args:
        num_train (int): number of train samples.
        num_test (int): number of test samples.

    Returns:
        list[TileSpec]: train aois are numbered from 1, test aois follow them.
    """
    specs = []
    first_aoi = 1
    for split, count in zip(SPLITS, (num_train, num_test)):
        for index in range(count):
            aoi_index = index // PATCHES_PER_AOI
            specs.append(TileSpec(split=split, index=index, aoi_index=aoi_index,
                                  season=SEASONS[aoi_index % len(SEASONS)],
                                  aoi=first_aoi + aoi_index,
                                  patch=index % PATCHES_PER_AOI + 1))
        first_aoi += -(-count // PATCHES_PER_AOI)
    return specs


def _rng(seed, spec, kind):
    """Generator seeded by (seed, split, kind, aoi index or tile index)."""
    number = spec.aoi_index if kind == 0 else spec.index
    return np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(_SPLIT_CODE[spec.split], kind, number)))


def _area(seed, spec):
    """Area style, CRS, 10 m origin of the area's first patch and optical offset (m)."""
    rng = _rng(seed, spec, 0)
    style = draw_area_style(rng, spec.season)
    zone = int(rng.integers(1, 61))
    south = bool(rng.random() < 0.3)
    crs = CRS.from_epsg((32700 if south else 32600) + zone)
    easting = 10.0 * rng.integers(25_000, 70_000)
    northing = 10.0 * (rng.integers(200_000, 950_000) if south
                       else rng.integers(100_000, 700_000))
    offset = (float(rng.choice([-2.0, -1.0])), float(rng.choice([0.0, 1.0, 2.0])))
    return style, crs, (easting, northing), offset


def _write_geotiff(path, bands, crs, transform, nodata=None):
    """Write ``bands`` (C, H, W) as an LZW GeoTIFF with pixel-is-area georeferencing."""
    count, height, width = bands.shape
    profile = dict(driver='GTiff', width=width, height=height, count=count,
                   dtype=bands.dtype.name, crs=crs, transform=transform, nodata=nodata,
                   compress='lzw', interleave='pixel' if count > 1 else 'band')

    def write(tmp):
        with rasterio.open(tmp, 'w', **profile) as dst:
            dst.write(bands)
            dst.update_tags(AREA_OR_POINT='Area')
    write_atomically(path, write)


def _write_npy(path, array):
    def write(tmp):
        with open(tmp, 'wb') as f:
            np.save(f, array)
    write_atomically(path, write)


def _to_dn(reflectance):
    """float (H, W, C) reflectance -> uint16 (C, H, W) x 10000, kept off nodata 0."""
    dn = np.clip(np.rint(reflectance * 10000.0), 1, 10000).astype(np.uint16)
    return np.ascontiguousarray(dn.transpose(2, 0, 1))


def generate_tile(seed, spec):
    """Synthesize one sample's arrays and georeferencing (no file I/O).

    Args:
        seed (int): generation seed.
        spec (TileSpec): the sample.

    Returns:
        dict: ``clear`` and ``cloudy`` uint16 (4, 300, 300), ``sar`` float64
        (2, 90, 90), ``labels`` uint8 (1, 90, 90), ``mask`` bool (300, 300), ``crs``,
        ``optical_transform``, ``label_transform`` and ``cover`` (float).
    """
    style, crs, (easting, northing), offset = _area(seed, spec)
    column, row = (spec.patch - 1) % _PATCH_COLUMNS, (spec.patch - 1) // _PATCH_COLUMNS
    x0 = easting + column * 90 * LABEL_PIXEL_M
    y0 = northing - row * 90 * LABEL_PIXEL_M
    rng = _rng(seed, spec, 1)
    scene = synthesize_scene(rng, style, optical_offset=offset)
    clouds = synthesize_clouds(scene.reflectance, rng, rng.uniform(0.0, MAX_CLOUD_COVER),
                               band_tint=CLOUD_TINT)
    return dict(
        clear=_to_dn(scene.reflectance), cloudy=_to_dn(clouds.cloudy),
        sar=np.ascontiguousarray(scene.sar_db.transpose(2, 0, 1)),
        labels=scene.labels[None], mask=clouds.mask, crs=crs, cover=clouds.cover,
        optical_transform=Affine(OPTICAL_PIXEL_M, 0.0, x0 + offset[0],
                                 0.0, -OPTICAL_PIXEL_M, y0 + offset[1]),
        label_transform=Affine(LABEL_PIXEL_M, 0.0, x0, 0.0, -LABEL_PIXEL_M, y0))


def _write_tile(args):
    """Generate and write one sample; return its cover and label code counts."""
    out_dir, seed, spec = args
    tile = generate_tile(seed, spec)
    split_dir = osp.join(out_dir, spec.split)
    clear, cloudy, sar, labels, mask = (osp.join(split_dir, p)
                                        for p in spec.relative_paths())
    _write_geotiff(clear, tile['clear'], tile['crs'], tile['optical_transform'], nodata=0)
    _write_geotiff(cloudy, tile['cloudy'], tile['crs'], tile['optical_transform'], nodata=0)
    _write_geotiff(sar, tile['sar'], tile['crs'], tile['label_transform'])
    _write_geotiff(labels, tile['labels'], tile['crs'], tile['label_transform'])
    _write_npy(mask, tile['mask'])
    return spec.split, tile['cover'], np.bincount(tile['labels'].ravel(), minlength=256)


def _layout_files(out_dir, num_train, num_test):
    files = {osp.join(out_dir, f'{split}.csv') for split in SPLITS}
    for spec in tile_layout(num_train, num_test):
        files.update(osp.join(out_dir, spec.split, p) for p in spec.relative_paths())
    return files


def _prepare_out_dir(out_dir, overwrite, num_train, num_test):
    """Check that ``out_dir`` may be written; remove stale files of an old generation."""
    if osp.exists(out_dir) and not osp.isdir(out_dir):
        raise NotADirectoryError(f'generate_m3mcr_benchmark: {out_dir} is not a folder')
    if osp.isdir(out_dir) and os.listdir(out_dir):
        marker = osp.join(out_dir, MARKER)
        if not osp.isfile(marker):
            raise FileExistsError(
                f'generate_m3mcr_benchmark: {out_dir} is not empty and holds no '
                f'generated benchmark ({MARKER} missing); refusing to write into it, '
                f'choose an empty or new folder')
        with open(marker) as f:
            previous = json.load(f)
        if previous.get('complete') and not overwrite:
            raise FileExistsError(
                f'generate_m3mcr_benchmark: {out_dir} already holds a generated '
                f'benchmark (seed {previous.get("seed")}); pass overwrite=True '
                f'(--overwrite) to replace it')
        stale = _layout_files(out_dir, previous['num_train'], previous['num_test'])
        for path in sorted(stale - _layout_files(out_dir, num_train, num_test)):
            if osp.isfile(path):
                os.remove(path)
    os.makedirs(out_dir, exist_ok=True)


def _write_json(path, content):
    def write(tmp):
        with open(tmp, 'w') as f:
            json.dump(content, f, indent=2)
    write_atomically(path, write)


def _write_csv(path, rows):
    def write(tmp):
        with open(tmp, 'w', newline='') as f:
            csv.writer(f, lineterminator='\r\n').writerows(rows)
    write_atomically(path, write)


def generate_m3mcr_benchmark(out_dir, num_train=200, num_test=60, seed=0, workers=1,
                             overwrite=False, progress=False):
    """Generate the benchmark under ``out_dir`` (see the module docstring).

    Args:
        out_dir (str): output folder; must be new, empty or an earlier generation.
        num_train (int): train samples (>= 1).
        num_test (int): test samples (>= 1).
        seed (int): generation seed (>= 0).
        workers (int): processes writing tiles in parallel (results do not depend
            on it).
        overwrite (bool): replace a complete earlier generation.
        progress (bool): show a progress bar on stderr, one step per written sample.

    Returns:
        dict: ``out_dir``, ``seed``, ``num_train``, ``num_test``, ``splits`` (per split:
        ``csv`` path, ``num_samples``, ``cloud_cover`` mean/min/max), ``label_fractions``
        (WorldCover code -> share of label pixels), ``seconds``.
    """
    if num_train < 1 or num_test < 1 or seed < 0 or workers < 1:
        raise ValueError(
            f'generate_m3mcr_benchmark: need num_train >= 1, num_test >= 1, seed >= 0, '
            f'workers >= 1; got {num_train}, {num_test}, {seed}, {workers}')
    start = time.perf_counter()
    out_dir = osp.abspath(out_dir)
    _prepare_out_dir(out_dir, overwrite, num_train, num_test)
    params = dict(generator='mmseg_edc.synthesis.generate_m3mcr_benchmark', seed=seed,
                  num_train=num_train, num_test=num_test)
    _write_json(osp.join(out_dir, MARKER), dict(params, complete=False))

    specs = tile_layout(num_train, num_test)
    jobs = [(out_dir, seed, spec) for spec in specs]
    results = map_in_processes(_write_tile, jobs, workers, progress, chunksize=4)

    splits = {}
    for split in SPLITS:
        rows = [spec.relative_paths() for spec in specs if spec.split == split]
        csv_path = osp.join(out_dir, f'{split}.csv')
        _write_csv(csv_path, rows)
        covers = np.array([cover for s, cover, _ in results if s == split])
        splits[split] = dict(csv=csv_path, num_samples=len(rows), cloud_cover=dict(
            mean=round(float(covers.mean()), 4), min=round(float(covers.min()), 4),
            max=round(float(covers.max()), 4)))
    counts = np.sum([c for _, _, c in results], axis=0)
    fractions = {code: round(float(counts[code] / counts.sum()), 4)
                 for code in WORLDCOVER_CODES if counts[code]}
    summary = dict(params, out_dir=out_dir, splits=splits, label_fractions=fractions)
    _write_json(osp.join(out_dir, MARKER),
                dict(params, complete=True, splits={
                    k: dict(v, csv=osp.basename(v['csv'])) for k, v in splits.items()},
                     label_fractions={str(k): v for k, v in fractions.items()}))
    summary['seconds'] = round(time.perf_counter() - start, 2)
    return summary
