"""Seeded synthetic data: fractal noise, clouds, land-cover scenes, generated benchmarks."""
from .clouds import (DEFAULT_COVER_RANGE, MASK_THRESHOLD, CloudLayer, check_cover_range,
                     synthesize_clouds, synthesize_clouds_random_cover)
from .fractal_noise import spectral_noise
from .landcover_scene import (CLASS_SIGNATURES, WORLDCOVER_CODES, AreaStyle,
                              ClassSignature, Scene, draw_area_style, synthesize_scene)
from .m3mcr_benchmark import generate_m3mcr_benchmark, generate_tile, tile_layout

__all__ = [
    'spectral_noise', 'synthesize_clouds', 'synthesize_clouds_random_cover',
    'check_cover_range', 'DEFAULT_COVER_RANGE', 'CloudLayer', 'MASK_THRESHOLD',
    'CLASS_SIGNATURES', 'WORLDCOVER_CODES', 'ClassSignature', 'AreaStyle', 'Scene',
    'draw_area_style', 'synthesize_scene', 'generate_m3mcr_benchmark', 'generate_tile',
    'tile_layout'
]
