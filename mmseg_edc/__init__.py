"""mmseg_edc: cloud-robust optical-SAR land-cover segmentation for MMSegmentation 1.x.

Importing the package applies the compatibility fixes of :mod:`mmseg_edc.compat`
(before anything imports ``mmseg.models``; an installed package has them active from
interpreter start-up already, so this call is idempotent) and registers every module,
dataset, transform, metric and hook of the package into mmseg's own registries.
"""
from .compat import apply_compat_fixes

apply_compat_fixes()

from . import datasets, engine, evaluation, models, visualization  # noqa: E402,F401
from .version import __version__  # noqa: E402,F401
