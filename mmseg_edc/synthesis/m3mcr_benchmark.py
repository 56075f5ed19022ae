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
    splits/train.csv, splits/val.csv, splits/holdout.json
                          the validation areas held out of train/ (as
                          tools/dataset_converters/m3mcr_val_split.py writes them)
    generated_benchmark.json   how the tree was made (seed, counts, summary)

Optical: B, G, R, NIR reflectance x 10000 at 3 m, nodata 0 (never produced: values are
1..10000). SAR: VV, VH in dB at 10 m, no nodata. Labels: WorldCover codes at 10 m.
Each area (aoi) is a 3-column block of 900 m patches in one UTM zone (EPSG 326xx or
327xx); the optical origin is shifted from the 10 m origin by (-2 or -1 m east,
0-2 m north), as in the real data, so both footprints are 900 m wide and agree within
2 m. Samples are grouped ``PATCHES_PER_AOI`` to an area; areas cycle through the four
seasons; test areas never appear in train. ``num_val`` more areas are written into
``train/`` (listed in ``train.csv`` like the rest, as M3M-CR's train split would hold
them) and held out as the validation split by whole areas; they are numbered after the
test areas, so adding them changes no train or test file.

Determinism: area styles and geography are seeded by ``(seed, split, aoi)`` and each
tile by ``(seed, split, index)`` (``numpy.random.SeedSequence`` spawn keys), so tiles
are independent of each other and of the worker count: the same seed writes
byte-identical files. Each cloud cover is drawn uniformly in ``cover_range`` (default
0-90 %); the clouds' shapes come from the same random numbers whatever the range, so
a generation with the same seed and another range (e.g. 60-95 %, the heavy-cloud test
data, ``splits=('test',)``) has the same scenes under heavier clouds.

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

from mmseg_edc.datasets.m3mcr_splits import (SUMMARY, TRAIN_LIST, VAL_LIST,
                                             write_m3mcr_val_split)
from mmseg_edc.io import write_atomically
from mmseg_edc.utils.parallel import map_in_processes

from .clouds import check_cover_range, synthesize_clouds
from .landcover_scene import (LABEL_PIXEL_M, OPTICAL_PIXEL_M, SEASONS, WORLDCOVER_CODES,
                              draw_area_style, synthesize_scene)

SPLITS = ('train', 'val', 'test')
#: the folder each split is written to: validation areas live in train/, as in M3M-CR
SPLIT_FOLDERS = dict(train='train', val='train', test='test')
PATCHES_PER_AOI = 5
MARKER = 'generated_benchmark.json'
#: Columns of the split CSVs, in order, and the folder prefix of each modality.
MODALITIES = ('planet_cloudfree', 'planet_cloudy', 'S1', 'landcover', 'cloudmask')
#: Relative cloud brightness in B, G, R, NIR (thick clouds in the real samples).
CLOUD_TINT = (0.92, 0.96, 1.0, 1.06)
DEFAULT_COVER_RANGE = (0.0, 0.9)
_SPLIT_CODE = dict(train=0, test=1, val=2)
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

    @property
    def folder(self):
        return SPLIT_FOLDERS[self.split]

    def relative_paths(self):
        """The five paths of the sample relative to the split folder, CSV order."""
        paths = []
        for modality in MODALITIES:
            ext = 'npy' if modality == 'cloudmask' else 'tif'
            group = f'{modality}_{self.season}'
            paths.append(f'{group}/{group}_{self.aoi}/{group}_{self.aoi}_p_{self.patch}.{ext}')
        return paths


def tile_layout(num_train, num_test, num_val=0):
    """All samples of a generation: train, then test, then validation.

    Args:
        num_train (int): number of train samples.
        num_test (int): number of test samples.
        num_val (int): number of validation samples (whole areas held out of train/).

    Returns:
        list[TileSpec]: train aois are numbered from 1, test aois follow them, then
        validation aois.
    """
    specs = []
    first_aoi = 1
    for split, count in (('train', num_train), ('test', num_test), ('val', num_val)):
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


def generate_tile(seed, spec, cover_range=DEFAULT_COVER_RANGE):
    """Synthesize one sample's arrays and georeferencing (no file I/O).

    Args:
        seed (int): generation seed.
        spec (TileSpec): the sample.
        cover_range (tuple[float, float]): the cloud cover is drawn uniformly in it.

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
    clouds = synthesize_clouds(scene.reflectance, rng, rng.uniform(*cover_range),
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
    out_dir, seed, spec, cover_range = args
    tile = generate_tile(seed, spec, cover_range)
    split_dir = osp.join(out_dir, spec.folder)
    clear, cloudy, sar, labels, mask = (osp.join(split_dir, p)
                                        for p in spec.relative_paths())
    _write_geotiff(clear, tile['clear'], tile['crs'], tile['optical_transform'], nodata=0)
    _write_geotiff(cloudy, tile['cloudy'], tile['crs'], tile['optical_transform'], nodata=0)
    _write_geotiff(sar, tile['sar'], tile['crs'], tile['label_transform'])
    _write_geotiff(labels, tile['labels'], tile['crs'], tile['label_transform'])
    _write_npy(mask, tile['mask'])
    return spec.split, tile['cover'], np.bincount(tile['labels'].ravel(), minlength=256)


def _written_specs(counts, splits):
    """The samples a generation writes: the layout of all ``counts`` (split ->
    samples; so area numbers do not depend on which splits are written), filtered to
    ``splits``."""
    return [spec for spec in tile_layout(counts['train'], counts['test'], counts['val'])
            if spec.split in splits]


def _layout_files(out_dir, counts, splits):
    """Every file a generation of ``counts`` restricted to ``splits`` writes."""
    specs = _written_specs(counts, splits)
    files = {osp.join(out_dir, f'{spec.folder}.csv') for spec in specs}
    if any(spec.split == 'val' for spec in specs):
        files.update(osp.join(out_dir, p) for p in (TRAIN_LIST, VAL_LIST, SUMMARY))
    for spec in specs:
        files.update(osp.join(out_dir, spec.folder, p) for p in spec.relative_paths())
    return files


def _prepare_out_dir(out_dir, overwrite, counts, splits):
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
        stale = _layout_files(out_dir, {split: previous.get(f'num_{split}', 0)
                                        for split in SPLITS},
                              previous.get('splits_written', ('train', 'test')))
        for path in sorted(stale - _layout_files(out_dir, counts, splits)):
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
                             overwrite=False, progress=False, num_val=40,
                             cover_range=DEFAULT_COVER_RANGE,
                             splits=('train', 'val', 'test')):
    """Generate the benchmark under ``out_dir`` (see the module docstring).

    Args:
        out_dir (str): output folder; must be new, empty or an earlier generation.
        num_train (int): train samples.
        num_test (int): test samples.
        seed (int): generation seed (>= 0).
        workers (int): processes writing tiles in parallel (results do not depend
            on it).
        overwrite (bool): replace a complete earlier generation.
        progress (bool): show a progress bar on stderr, one step per written sample.
        num_val (int): validation samples, whole areas written into ``train/`` and held
            out (``splits/``); 0 writes none.
        cover_range (tuple[float, float]): the cloud cover of each sample is drawn
            uniformly in it (0 <= lo <= hi <= 1).
        splits (Sequence[str]): the splits to write (``'train'``, ``'val'``,
            ``'test'``). The samples are laid out for all the counts, whichever splits
            are written, so ``splits=('test',)`` with the same seed and counts and
            another ``cover_range`` gives the same test scenes under other clouds.

    Returns:
        dict: ``out_dir``, ``seed``, ``num_train``, ``num_val``, ``num_test`` (as asked),
        ``splits_written``, ``cover_range``, ``splits`` (per written split:
        ``num_samples``, ``cloud_cover``
        mean/min/max), ``label_fractions`` (WorldCover code -> share of label pixels),
        ``seconds``.
    """
    unknown = sorted(set(splits) - set(SPLITS))
    counts = dict(train=num_train, val=num_val, test=num_test)
    if unknown or seed < 0 or workers < 1 or num_val < 0 or any(
            counts[split] < 1 for split in ('train', 'test') if split in splits):
        raise ValueError(
            f'generate_m3mcr_benchmark: need splits from {SPLITS} (got {tuple(splits)}), '
            f'num_train >= 1 and num_test >= 1 for the splits written, num_val >= 0 (got '
            f'{num_train}, {num_test}, {num_val}), seed >= 0, workers >= 1 (got {seed}, '
            f'{workers})')
    cover_range = check_cover_range(cover_range)
    start = time.perf_counter()
    out_dir = osp.abspath(out_dir)
    splits = tuple(split for split in SPLITS if split in splits)
    _prepare_out_dir(out_dir, overwrite, counts, splits)
    params = dict(generator='mmseg_edc.synthesis.generate_m3mcr_benchmark', seed=seed,
                  **{f'num_{split}': counts[split] for split in SPLITS},
                  splits_written=list(splits), cover_range=list(cover_range))
    _write_json(osp.join(out_dir, MARKER), dict(params, complete=False))

    specs = _written_specs(counts, splits)
    jobs = [(out_dir, seed, spec, cover_range) for spec in specs]
    results = map_in_processes(_write_tile, jobs, workers, progress, chunksize=4)

    split_summaries = {}
    for split in (split for split in splits if counts[split]):
        covers = np.array([cover for s, cover, _ in results if s == split])
        split_summaries[split] = dict(num_samples=int(counts[split]), cloud_cover=dict(
            mean=round(float(covers.mean()), 4), min=round(float(covers.min()), 4),
            max=round(float(covers.max()), 4)))
    for folder in sorted({SPLIT_FOLDERS[split] for split in splits}):
        _write_csv(osp.join(out_dir, f'{folder}.csv'),
                   [spec.relative_paths() for spec in specs if spec.folder == folder])
    if any(spec.split == 'val' for spec in specs):
        train_folder = [spec for spec in specs if spec.folder == 'train']
        write_m3mcr_val_split(
            out_dir, [spec.relative_paths() for spec in train_folder],
            [spec.key for spec in train_folder],
            val_areas=sorted({str(spec.aoi) for spec in specs if spec.split == 'val'}),
            overwrite=True)
    label_counts = np.sum([c for _, _, c in results], axis=0)
    fractions = {code: round(float(label_counts[code] / label_counts.sum()), 4)
                 for code in WORLDCOVER_CODES if label_counts[code]}
    summary = dict(params, out_dir=out_dir, splits=split_summaries,
                   label_fractions=fractions)
    _write_json(osp.join(out_dir, MARKER),
                dict(params, complete=True, splits=split_summaries,
                     label_fractions={str(k): v for k, v in fractions.items()}))
    summary['seconds'] = round(time.perf_counter() - start, 2)
    return summary
