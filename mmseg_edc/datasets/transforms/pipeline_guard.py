"""Refuse stock mmcv/mmseg transforms that would silently break a multi-modal sample.

After ``LoadOpticalSARTile`` a sample holds several arrays on the optical grid
(``results['image_fields']``: optical, SAR, cloud-free optical, cloud mask) and the
label on its own, possibly coarser grid (``results['seg_fields']``). Stock geometric
transforms move ``img`` and the label only: the SAR image, the cloud-free image and the
mask stay where they were, and training goes on, on misaligned data. Stock photometric
transforms assume 8-bit RGB and are wrong for SAR and 16-bit multispectral arrays. Both
are refused when the dataset is built, with the replacement named.

A transform class that applies itself to every field of ``image_fields`` and
``seg_fields`` declares ``handles_image_fields = True`` (as the ``MultiModal*``
transforms do) and is accepted whatever it subclasses.
"""
from typing import Iterator

from mmcv.transforms import (CenterCrop, Pad, RandomChoiceResize, RandomGrayscale,
                             RandomResize, Resize)
from mmcv.transforms import RandomFlip as MMCVRandomFlip
from mmseg.datasets.transforms import (CLAHE, AdjustGamma, Albu, PhotoMetricDistortion,
                                       RandomCrop, RandomCutOut, RandomMosaic,
                                       RandomRotate, RandomRotFlip, Rerange,
                                       ResizeShortestEdge, ResizeToMultiple, RGB2Gray)

from .loading import LoadOpticalSARTile

_NO_RESAMPLING = ('has no multi-modal replacement: labels live on their own grid and '
                  'resampling would interpolate SAR and labels; resample the data '
                  'offline, or crop with MultiModalRandomCrop')
_NOT_FOR_SAR = ('assumes 8-bit RGB and must not run on SAR or 16-bit multispectral '
                'arrays; scale with RadiometricScale instead')

#: stock transform class -> what to use instead.
REFUSED = {
    MMCVRandomFlip: 'use MultiModalRandomFlip',
    RandomCrop: 'use MultiModalRandomCrop (keeps the label grid aligned)',
    CenterCrop: 'use MultiModalRandomCrop',
    RandomRotate: 'use MultiModalRandomRotate90 (right angles only, no interpolation)',
    RandomRotFlip: 'use MultiModalRandomRotate90 and MultiModalRandomFlip',
    Pad: "the data preprocessor pads every modality (set size or size_divisor)",
    Resize: _NO_RESAMPLING,
    RandomResize: _NO_RESAMPLING,
    RandomChoiceResize: _NO_RESAMPLING,
    ResizeToMultiple: _NO_RESAMPLING,
    ResizeShortestEdge: _NO_RESAMPLING,
    RandomMosaic: 'has no multi-modal replacement',
    RandomCutOut: 'has no multi-modal replacement',
    PhotoMetricDistortion: _NOT_FOR_SAR,
    CLAHE: _NOT_FOR_SAR,
    AdjustGamma: _NOT_FOR_SAR,
    RGB2Gray: _NOT_FOR_SAR,
    RandomGrayscale: _NOT_FOR_SAR,
    Rerange: _NOT_FOR_SAR,
    Albu: _NOT_FOR_SAR,
}


def flatten(transforms) -> Iterator:
    """Every transform of a pipeline in order, wrappers opened (``Compose``,
    ``TestTimeAug``, ``RandomApply``, ``RandomChoice``, ...: whatever holds
    ``subroutines`` or ``transforms``)."""
    for transform in transforms:
        inner = getattr(transform, 'subroutines', None)
        if inner is None:
            inner = getattr(transform, 'transforms', None)
        if inner is None:
            yield transform
        else:
            yield from flatten(inner if isinstance(inner, (list, tuple)) else [inner])


def check_multimodal_pipeline(transforms, dataset: str) -> None:
    """Refuse stock single-image transforms placed after ``LoadOpticalSARTile``.

    Args:
        transforms (Iterable[callable]): the built pipeline.
        dataset (str): the dataset, named in the error.

    Raises:
        ValueError: naming every refused transform and its replacement.
    """
    loaded = False
    problems = []
    for transform in flatten(transforms):
        if isinstance(transform, LoadOpticalSARTile):
            loaded = True
            continue
        if not loaded or getattr(transform, 'handles_image_fields', False):
            continue
        for refused, advice in REFUSED.items():
            if isinstance(transform, refused):
                problems.append(f'{type(transform).__name__}: {advice}')
                break
    if problems:
        raise ValueError(
            f'{dataset}: the pipeline moves or recolours only part of each optical-SAR '
            'sample (the SAR image, cloud-free image and cloud mask would stay behind): '
            + '; '.join(problems))
