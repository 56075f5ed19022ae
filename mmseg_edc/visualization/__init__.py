"""Visualisation of optical-SAR samples and predictions."""
from .hooks import OpticalSARVisualizationHook
from .panel import legend_entries, render_legend, render_sample_panel
from .sample_panel import render_data_sample

__all__ = ['OpticalSARVisualizationHook', 'legend_entries', 'render_legend',
           'render_sample_panel', 'render_data_sample']
