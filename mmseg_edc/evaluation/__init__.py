"""Registered metrics: segmentation over cloud subsets and cloud-removal quality."""
from .cloud_aware_iou_metric import CloudAwareIoUMetric
from .cloud_removal_metric import CloudRemovalMetric

__all__ = ['CloudAwareIoUMetric', 'CloudRemovalMetric']
