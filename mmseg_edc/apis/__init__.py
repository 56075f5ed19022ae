"""Inference APIs: whole-scene segmentation of optical-SAR GeoTIFFs, inference models."""
from .large_scene_inference import (SceneSegmenter, dataset_classes_and_palette,
                                    label_agreement)
from .model_building import build_inference_model, strip_teacher
from .scene_outputs import AtomicOutputs, SceneWriter, colour_table
from .scene_reader import SceneReader, SceneWindow
from .windows import (StripAccumulator, WindowRow, band_capacity, finished_until,
                      plan_window_rows)

__all__ = [
    'SceneSegmenter', 'dataset_classes_and_palette', 'label_agreement',
    'build_inference_model', 'strip_teacher', 'AtomicOutputs', 'SceneWriter',
    'colour_table', 'SceneReader', 'SceneWindow', 'StripAccumulator', 'WindowRow',
    'band_capacity', 'finished_until', 'plan_window_rows'
]
