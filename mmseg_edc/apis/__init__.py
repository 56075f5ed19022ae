"""Inference APIs: one optical-SAR pair (``init_optical_sar_model``,
``inference_optical_sar``), whole-scene segmentation of optical-SAR GeoTIFFs, inference
models."""
from .config_data import config_test_pipeline, dataset_classes_and_palette
from .large_scene_inference import SceneSegmenter, label_agreement
from .model_building import build_inference_model, strip_teacher
from .optical_sar_inference import (inference_optical_sar, init_optical_sar_model,
                                    pack_optical_sar_pair)
from .scene_outputs import AtomicOutputs, SceneWriter, colour_table
from .scene_reader import SceneReader, SceneWindow
from .windows import (StripAccumulator, WindowRow, band_capacity, finished_until,
                      plan_window_rows)

__all__ = [
    'init_optical_sar_model', 'inference_optical_sar', 'pack_optical_sar_pair',
    'config_test_pipeline', 'SceneSegmenter', 'dataset_classes_and_palette',
    'label_agreement',
    'build_inference_model', 'strip_teacher', 'AtomicOutputs', 'SceneWriter',
    'colour_table', 'SceneReader', 'SceneWindow', 'StripAccumulator', 'WindowRow',
    'band_capacity', 'finished_until', 'plan_window_rows'
]
