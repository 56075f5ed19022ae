"""Visualisation of optical-SAR samples and predictions."""
from .hooks import OpticalSARVisualizationHook
from .panel import render_sample_panel

__all__ = ['OpticalSARVisualizationHook', 'render_sample_panel']
