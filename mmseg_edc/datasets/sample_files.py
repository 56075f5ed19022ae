"""Checking every file a dataset lists when it is built (docs/design.md §12.3).

A dataset is built before iteration 1 (the validation set too: mmengine builds the
validation loop before training starts), so a missing, truncated or mismatched file
anywhere in a split is reported then, not when the loader first reaches it. Per
sample, from the headers alone (rasterio opens each file; no pixel is read):

* every modality file exists and is readable (``.npy`` masks by their header);
* GeoTIFFs are complete (their pixel blocks end within the file);
* band counts are those of the pipeline's ``LoadOpticalSARTile`` (``bands``; 1 for
  the label and a raster mask), dtypes those declared by its ``RadiometricScale``
  (``dtypes``, and an integer type that can reach the top of its range);
* every modality lies with the optical image by the loader's own grid rule
  (:func:`mmseg_edc.io.check_modality_grid`).

All problems are collected and raised as one error that lists them (the first
:data:`MAX_LISTED_PROBLEMS`) and counts them; a progress bar is shown for lists of
:data:`PROGRESS_MIN_SAMPLES` samples or more.
"""
import os.path as osp
import sys
from typing import NamedTuple, Optional

import rasterio
from mmengine.dist import is_main_process
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from mmseg_edc.io import (GridMismatchError, RasterReadError, check_modality_grid,
                          read_cloud_mask_header, read_raster_header)

from .transforms.loading import LOADED_FIELDS, ON_OPTICAL_GRID, LoadOpticalSARTile
from .transforms.radiometric import RadiometricScale, RadiometricUnitsError

#: Problems listed in the error; the rest are counted.
MAX_LISTED_PROBLEMS = 20
#: Sample lists at least this long show a progress bar while their files are checked.
PROGRESS_MIN_SAMPLES = 500
#: What a header check can find wrong with a file.
FILE_PROBLEMS = (RasterReadError, GridMismatchError, RadiometricUnitsError)


class SampleFilesError(OSError):
    """Files a dataset lists are unreadable or not as its pipeline expects."""


class FileExpectations(NamedTuple):
    """What the pipeline expects of the files: its loader (band counts) and its
    scaling (dtypes); either may be absent (then not checked)."""
    loader: Optional[LoadOpticalSARTile] = None
    scaling: Optional[RadiometricScale] = None

    @classmethod
    def from_pipeline(cls, transforms):
        """The first ``LoadOpticalSARTile`` and ``RadiometricScale`` of a pipeline."""
        def first(kind):
            return next((t for t in transforms if isinstance(t, kind)), None)
        return cls(first(LoadOpticalSARTile), first(RadiometricScale))


def _header(key, path_key, path, expected):
    """The north-up grid of one file after checking its header."""
    if path_key == 'cloud_mask_path':
        header = read_cloud_mask_header(path, key)
    else:
        bands = expected.loader.expected_bands(path_key) if expected.loader else None
        header = read_raster_header(path, bands, key)
    if expected.scaling is not None:
        expected.scaling.check_stored_dtype(LOADED_FIELDS[path_key], header.dtype, path,
                                            key)
    return header.grid.north_up()[0]


def sample_file_problems(key, paths, expected, read_headers=True):
    """What is wrong with the files of one sample.

    Args:
        key (str): the sample key.
        paths (dict[str, tuple[str, str]]): data-info path key (``img_path``, ...)
            -> ``(modality name, path)``.
        expected (FileExpectations): band counts and dtypes to check.
        read_headers (bool): check the headers and grids, not only existence.

    Returns:
        tuple[list[str], int]: one message per problem (each naming the sample and
        the file), and how many of them are missing files.
    """
    problems, missing, grids = [], 0, {}
    for path_key, (modality, path) in paths.items():
        if not osp.isfile(path):
            problems.append(f'sample {key}: {modality} file {path} does not exist')
            missing += 1
        elif read_headers:
            try:
                grids[path_key] = _header(key, path_key, path, expected)
            except FILE_PROBLEMS as error:
                problems.append(str(error))
    if 'img_path' in grids:
        for path_key, grid in grids.items():
            if path_key == 'img_path':
                continue
            try:
                check_modality_grid(grids['img_path'], grid, paths['img_path'][1],
                                    paths[path_key][1], key,
                                    same_grid=path_key in ON_OPTICAL_GRID)
            except GridMismatchError as error:
                problems.append(str(error))
    return problems, missing


def verify_sample_files(samples, description, expected=FileExpectations(),
                        read_headers=True):
    """Check every file of every sample; raise one error listing all problems.

    Args:
        samples (list[tuple[str, dict]]): ``(sample key, {path key: (modality,
            path)})``, as :func:`sample_file_problems` takes them.
        description (str): where the list came from, for the error message.
        expected (FileExpectations): band counts and dtypes to check.
        read_headers (bool): False checks only that the files exist (for huge
            datasets on slow storage).

    Raises:
        FileNotFoundError: files are missing and nothing else is wrong.
        SampleFilesError: files are unreadable, truncated or not as configured
            (missing files, if any, are listed too).
    """
    show_progress = read_headers and len(samples) >= PROGRESS_MIN_SAMPLES and \
        is_main_process()
    if show_progress:
        print_log(f'checking the files of {len(samples)} samples in {description} '
                  '(verify_files=False skips this)', logger='current')
        bar = ProgressBar(len(samples), file=sys.stdout)
    problems, missing, bad_samples = [], 0, 0
    with rasterio.Env():        # one GDAL environment, not one per file opened
        for key, paths in samples:
            found, absent = sample_file_problems(key, paths, expected, read_headers)
            problems += found
            missing += absent
            bad_samples += bool(found)
            if show_progress:
                bar.update()
    if show_progress:
        bar.file.write('\n')
    if not problems:
        return
    listed = '\n'.join(f'  {problem}' for problem in problems[:MAX_LISTED_PROBLEMS])
    more = len(problems) - MAX_LISTED_PROBLEMS
    listed += f'\n  ... and {more} more' if more > 0 else ''
    if missing == len(problems):
        raise FileNotFoundError(
            f'{missing} modality file(s) missing in {description} '
            f'({bad_samples} of {len(samples)} samples):\n{listed}')
    raise SampleFilesError(
        f'{len(problems)} problem(s) with the files of {bad_samples} of {len(samples)} '
        f'samples in {description} ({missing} missing file(s)):\n{listed}')
