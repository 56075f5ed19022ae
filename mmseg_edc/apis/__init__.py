"""Inference APIs: whole-scene segmentation of optical-SAR GeoTIFFs."""
from .large_scene_inference import (SceneSegmenter, dataset_classes_and_palette,
                                    label_agreement)
from .scene_outputs import AtomicOutputs, SceneWriter, colour_table
from .scene_reader import SceneReader, SceneWindow
from .windows import (StripAccumulator, WindowRow, band_capacity, blend_weights,
                      finished_until, plan_window_rows, taper)

__all__ = [
    'SceneSegmenter', 'dataset_classes_and_palette', 'label_agreement',
    'AtomicOutputs', 'SceneWriter', 'colour_table', 'SceneReader', 'SceneWindow',
    'StripAccumulator', 'WindowRow', 'band_capacity', 'blend_weights',
    'finished_until', 'plan_window_rows', 'taper'
]
