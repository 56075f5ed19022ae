"""Speed, peak memory and whole-image agreement of large-scene inference, as JSON.

Generates georeferenced synthetic scenes (optical: uint16, 4 bands, 3 m, with a
nodata strip; SAR: float32 dB, 2 bands, 10 m over the same ground) of each requested
side into a temporary folder, then segments each scene with
:class:`mmseg_edc.apis.SceneSegmenter` in a separate subprocess, so that each peak
resident memory (``ru_maxrss`` of the child) belongs to one scene size. The ratio of
the largest to the smallest scene's peak shows whether memory stays bounded by the
window batch (the target is at most 1.2 for 8192 vs 2048). Batches hold windows of
one window row, so compare scenes whose ``largest_batch`` is the same (with 512 / 128
windows and batch 4, sides from 1536 up): a scene one window wide runs batches of 1.

Agreement: one more child segments a scene small enough for whole-image inference
both window by window and in one forward pass of the config's test pipeline
(:meth:`SceneSegmenter.predict_whole`), and reports the fraction of equal labels.

Without a checkpoint the model keeps its random initialisation (seeded), which is
enough for speed and memory. Teachers are never built (inference model only).

Examples::

    # a quick check (small scenes)
    python tools/analysis_tools/benchmark_large_scene.py --sizes 512 1024
    # the README numbers (about 4.5 GB of temporary files; run on a quiet machine)
    python tools/analysis_tools/benchmark_large_scene.py --sizes 2048 8192
"""
import argparse
import json
import os
import os.path as osp
import platform
import resource
import subprocess
import sys
import tempfile

import numpy as np
import rasterio
from rasterio.crs import CRS
from rasterio.transform import from_origin

from mmseg_edc.apis.windows import plan_window_rows
from mmseg_edc.io import write_file_atomically
from mmseg_edc.utils import USER_ERROR_STATUS, add_debug_flag, run_tool

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(
    ROOT, 'configs', 'edc', 'edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py')
OPTICAL_PIXEL, SAR_PIXEL = 3.0, 10.0
ORIGIN = (760299.0, 3150000.0)
CRS_UTM = CRS.from_epsg(32646)
#: optical columns at the left edge stored as nodata (0 in every band)
NODATA_COLUMNS = 32
STRIP_ROWS = 256


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help='model config (default: the small generated-benchmark EDC)')
    parser.add_argument('--checkpoint', help='checkpoint (default: random weights)')
    parser.add_argument('--sizes', type=int, nargs='+', default=[2048, 8192],
                        help='square scene sides in optical pixels')
    parser.add_argument('--agreement-size', type=int, default=640,
                        help='side of the scene compared with whole-image inference '
                        '(multiple of 10; 0 skips)')
    parser.add_argument('--window', type=int, default=512)
    parser.add_argument('--overlap', type=int, default=128)
    parser.add_argument('--batch-size', type=int, default=4)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--amp', action='store_true')
    parser.add_argument('--threads', type=int, default=os.cpu_count(),
                        help='torch CPU threads in each child')
    parser.add_argument('--work-dir', help='keep the scenes and outputs here '
                        '(default: a temporary folder, removed afterwards)')
    parser.add_argument('--out', help='also write the JSON report to this file')
    parser.add_argument('--child', help=argparse.SUPPRESS)
    return add_debug_flag(parser).parse_args(argv)


def synthetic_optical_rows(top, rows, width, seed):
    """``4 x rows x width`` uint16 reflectance x 10000: smooth fields plus noise."""
    y, x = np.mgrid[top:top + rows, :width].astype(np.float32)
    rng = np.random.default_rng(seed + top)
    bands = []
    for band in range(4):
        field = np.sin(y / (37.0 + 11 * band)) * np.cos(x / (53.0 - 7 * band))
        bands.append(3000 + 2500 * field + rng.normal(0, 300, field.shape))
    optical = np.clip(np.stack(bands), 1, 10000).astype(np.uint16)
    optical[:, :, :NODATA_COLUMNS] = 0
    return optical


def write_synthetic_scene(folder, side, seed=0):
    """Write ``optical.tif`` (``side`` x ``side``, 3 m) and ``sar.tif`` (10 m, same
    ground) in strips; returns both paths."""
    os.makedirs(folder, exist_ok=True)
    optical_path, sar_path = osp.join(folder, 'optical.tif'), osp.join(folder, 'sar.tif')
    common = dict(driver='GTiff', crs=CRS_UTM, tiled=True, blockxsize=256,
                  blockysize=256, compress='deflate', BIGTIFF='IF_SAFER')
    with rasterio.open(optical_path, 'w', width=side, height=side, count=4,
                       dtype='uint16', nodata=0,
                       transform=from_origin(*ORIGIN, OPTICAL_PIXEL, OPTICAL_PIXEL),
                       **common) as dst:
        for top in range(0, side, STRIP_ROWS):
            rows = min(STRIP_ROWS, side - top)
            dst.write(synthetic_optical_rows(top, rows, side, seed),
                      window=((top, top + rows), (0, side)))
    sar_side = int(np.ceil(side * OPTICAL_PIXEL / SAR_PIXEL))
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[:sar_side, :sar_side].astype(np.float32)
    vv = -12 + 6 * np.sin(y / 13.0) * np.cos(x / 17.0) + rng.normal(0, 1.5, y.shape)
    sar = np.stack([vv, vv - 7 + rng.normal(0, 1.0, y.shape)]).astype(np.float32)
    with rasterio.open(sar_path, 'w', width=sar_side, height=sar_side, count=2,
                       dtype='float32',
                       transform=from_origin(*ORIGIN, SAR_PIXEL, SAR_PIXEL),
                       **common) as dst:
        dst.write(sar)
    return optical_path, sar_path


def peak_rss_mb():
    """Peak resident memory of this process so far (Linux reports kB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(job):
    """Inside a child: segment one scene (and compare with whole-image inference when
    ``job['agreement']``); print one JSON line."""
    import torch

    import mmseg_edc  # noqa: F401  (compat fixes, registration)
    from mmseg_edc.apis import SceneSegmenter, label_agreement

    torch.set_num_threads(job['threads'])
    torch.manual_seed(0)
    segmenter = SceneSegmenter.from_files(job['config'], job['checkpoint'],
                                          job['device'], job['amp'])
    model_rss = peak_rss_mb()
    summary = segmenter.segment(job['optical'], job['sar'], job['out'],
                                window=job['window'], overlap=job['overlap'],
                                batch_size=job['batch_size'], progress=False)
    result = dict(side=job['side'], seconds=summary['seconds'],
                  pixels_per_s=summary['pixels_per_s'], windows=summary['windows'],
                  peak_rss_mb=peak_rss_mb(), rss_after_model_build_mb=model_rss)
    if job['agreement']:
        with rasterio.open(job['out']) as src:
            labels = src.read(1)
        reference = segmenter.predict_whole(job['optical'], job['sar'])[0]
        result['agreement'] = label_agreement(labels, reference)
    print(json.dumps(result))


def launch(job, debug=False):
    """Run one job in a fresh interpreter; returns its JSON result.

    A known user error in the child (a wrong checkpoint, a bad config) ends this tool
    with the child's one ``error:`` line; ``debug`` passes ``--debug`` on.
    """
    env = dict(os.environ, OMP_NUM_THREADS=str(job['threads']),
               PYTHONPATH=os.pathsep.join(filter(None, [ROOT,
                                                        os.environ.get('PYTHONPATH')])))
    completed = subprocess.run(
        [sys.executable, osp.abspath(__file__), '--child', json.dumps(job),
         *(['--debug'] if debug else [])],
        cwd=ROOT, env=env, capture_output=True, text=True)
    if completed.returncode == USER_ERROR_STATUS:
        print(completed.stderr.rstrip().splitlines()[-1], file=sys.stderr)
        raise SystemExit(USER_ERROR_STATUS)
    if completed.returncode != 0:
        raise RuntimeError(f'benchmark child for a {job["side"]} px scene failed:\n'
                           f'{completed.stderr[-4000:]}')
    return json.loads(completed.stdout.strip().splitlines()[-1])


def benchmark(args, folder):
    base_job = dict(config=osp.abspath(args.config),
                    checkpoint=args.checkpoint and osp.abspath(args.checkpoint),
                    window=args.window, overlap=args.overlap,
                    batch_size=args.batch_size, device=args.device, amp=args.amp,
                    threads=args.threads, agreement=False)
    scenes = {}
    for side in args.sizes:
        optical, sar = write_synthetic_scene(osp.join(folder, str(side)), side)
        scenes[str(side)] = launch(dict(
            base_job, side=side, optical=optical, sar=sar,
            out=osp.join(folder, str(side), 'classes.tif')), args.debug)
        windows_per_row = len(plan_window_rows(side, side, args.window,
                                               args.overlap)[0].lefts)
        scenes[str(side)]['largest_batch'] = min(args.batch_size, windows_per_row)
    report = dict(scenes=scenes)
    smallest, largest = str(min(args.sizes)), str(max(args.sizes))
    if smallest != largest:
        report[f'peak_rss_ratio_{largest}/{smallest}'] = (
            scenes[largest]['peak_rss_mb'] / scenes[smallest]['peak_rss_mb'])
    if args.agreement_size:
        side = args.agreement_size
        optical, sar = write_synthetic_scene(osp.join(folder, 'agreement'), side)
        result = launch(dict(base_job, side=side, optical=optical, sar=sar,
                             out=osp.join(folder, 'agreement', 'classes.tif'),
                             agreement=True), args.debug)
        report['agreement_with_whole_image'] = dict(
            side=side, fraction_equal_labels=result['agreement'])
    return report


def main(argv=None):
    args = parse_args(argv)
    if args.child:
        run_child(json.loads(args.child))
        return None
    if args.agreement_size % 10:
        raise ValueError('--agreement-size must be a multiple of 10 (3 m optical and '
                         f'10 m SAR then cover the same ground), got '
                         f'{args.agreement_size}')
    settings = dict(config=osp.relpath(args.config, ROOT), checkpoint=args.checkpoint,
                    window=args.window, overlap=args.overlap,
                    batch_size=args.batch_size, device=args.device, amp=args.amp,
                    threads=args.threads, cpu=platform.processor() or platform.machine())
    if args.work_dir:
        report = benchmark(args, args.work_dir)
    else:
        with tempfile.TemporaryDirectory(prefix='large_scene_benchmark_') as folder:
            report = benchmark(args, folder)
    report = dict(settings=settings, **report)
    text = json.dumps(report, indent=2)
    print(text)
    if args.out:
        write_file_atomically(args.out, text + '\n')
    return report


if __name__ == '__main__':
    run_tool(main)
