"""Segment a whole optical-SAR scene window by window and write GeoTIFFs.

Example::

    python tools/large_scene_inference.py \\
        configs/edc/edc_edc-base_1xb32-30e_m3mcr-160x160.py work_dirs/edc/best.pth \\
        --optical scene_planet.tif --sar scene_s1.tif --out scene_classes.tif \\
        --window 512 --overlap 128 --batch-size 4 --device cuda --amp \\
        --confidence scene_confidence.tif --clear-image scene_clear.tif \\
        --quicklook scene_classes.png

The SAR raster may have another resolution (it is resampled onto the optical grid,
nearest neighbour); both must share a CRS and overlap. Outputs appear only when the
whole scene is done. Prints a JSON summary (size, windows, seconds, pixels/s).
"""
import argparse
import json

from mmengine.config import DictAction

import mmseg_edc  # noqa: F401  (compat fixes, registration)
from mmseg_edc.apis import SceneSegmenter
from mmseg_edc.utils import add_debug_flag, config_argument, run_tool


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', type=config_argument,
                        help='model config file or packaged config name (its test '
                        'pipeline gives the radiometric scaling)')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--optical', required=True, help='optical GeoTIFF')
    parser.add_argument('--sar', required=True, help='SAR GeoTIFF (same CRS)')
    parser.add_argument('--out', required=True, help='class-map GeoTIFF to write')
    parser.add_argument('--window', type=int, default=512,
                        help='window side in pixels (shrinks to a smaller scene)')
    parser.add_argument('--overlap', type=int, default=128,
                        help='overlap of neighbouring windows in pixels')
    parser.add_argument('--batch-size', type=int, default=4, help='windows per batch')
    parser.add_argument('--device', default='cpu', help="'cpu', 'cuda', 'cuda:1', ...")
    parser.add_argument('--amp', action='store_true',
                        help='autocast: float16 on CUDA, bfloat16 on CPU')
    parser.add_argument('--confidence', help='also write the max-softmax GeoTIFF')
    parser.add_argument('--confidence-dtype', choices=['float32', 'uint8'],
                        default='float32', help='uint8 stores percent (scale 0.01)')
    parser.add_argument('--clear-image', help='also write the cloud-removed GeoTIFF '
                        '(models with a cloud-removal head)')
    parser.add_argument('--quicklook', help='also write a colour PNG of the class map')
    parser.add_argument('--quicklook-size', type=int, default=1024,
                        help='longest side of the quick-look PNG')
    parser.add_argument('--block-size', type=int, default=256,
                        help='GeoTIFF tile side of the outputs (multiple of 16)')
    parser.add_argument('--gdal-cache-mb', type=int, default=64,
                        help="GDAL's block cache in MB")
    parser.add_argument('--no-progress', action='store_true', help='no progress bar')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        help='override config entries')
    return add_debug_flag(parser).parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    cfg_options = args.cfg_options or {}
    segmenter = SceneSegmenter.from_files(args.config, args.checkpoint, args.device,
                                          args.amp, cfg_options)
    summary = segmenter.segment(
        args.optical, args.sar, args.out, window=args.window, overlap=args.overlap,
        batch_size=args.batch_size, confidence=args.confidence,
        confidence_dtype=args.confidence_dtype, clear_image=args.clear_image,
        quicklook=args.quicklook, quicklook_size=args.quicklook_size,
        block_size=args.block_size, gdal_cache_mb=args.gdal_cache_mb,
        progress=not args.no_progress)
    print(json.dumps(summary, indent=2))
    return summary


if __name__ == '__main__':
    run_tool(main)
