"""Data preprocessor for packed optical-SAR inputs with pixel targets on two grids."""
import math

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.models.data_preprocessor import SegDataPreProcessor
from mmseg.registry import MODELS

from ..structures import MODALITY_ORDER, BandLayout

#: Pixel targets on the image grid and the value their padding takes. The cloud-free
#: image is padded with 0 reflectance and the cloud mask with 0 (clear); losses that
#: must ignore the padded border read ``padding_size`` from the metainfo.
IMAGE_GRID_TARGETS = dict(gt_clear_img=0, gt_cloud_mask=0)


def _pad_bottom_right(tensor, height, width, value):
    """Pad a ``C x h x w`` tensor at the bottom and right to ``C x height x width``."""
    pad_h, pad_w = height - tensor.shape[-2], width - tensor.shape[-1]
    if pad_h == 0 and pad_w == 0:
        return tensor
    return F.pad(tensor, (0, pad_w, 0, pad_h), value=value)


@MODELS.register_module()
class OpticalSARDataPreProcessor(SegDataPreProcessor):
    """Normalise every input channel and pad the inputs and all pixel targets together.

    Compared with mmseg's ``SegDataPreProcessor`` it

    - knows the band layout of the packed ``[optical; SAR]`` inputs (``bands``, the
      dataset base's declaration) and checks every batch against it: each sample's
      ``bands`` metainfo (written by ``PackOpticalSARInputs``) must equal it;
    - keeps only the channels of ``input_modalities``: an optical-only model reads the
      same packed data with ``input_modalities=('optical',)``;
    - can blank whole modalities (``blank_modalities=('sar',)``): set to 0 after
      normalisation, i.e. to their mean, so the model keeps its inputs but receives no
      information from them (the optical-only ablation of a fusion model);
    - checks that ``mean``/``std`` give one value per kept channel and never reorders
      channels (no BGR/RGB step);
    - pads, in training, not only ``gt_sem_seg`` but every pixel target
      (``gt_clear_img``, ``gt_cloud_mask``), each with its own padding value;
    - keeps a label on a coarser grid aligned: an image padded from ``H`` to ``H'``
      rows has its ``h``-row label padded to ``ceil(H' * h / H)`` rows (exact whenever
      the padded size maps to whole label pixels, e.g. 320 px -> 96 px for M3M-CR's
      300 px image over a 90 px label), so the decode head's resize of logits to the
      label shape keeps every label pixel over the same ground.

    Padding is always at the bottom and right; ``padding_size`` (``[left, right, top,
    bottom]``), ``img_shape`` and ``pad_shape`` are written to the metainfo as mmseg
    does. At test time targets stay unpadded (metrics compare them with un-padded
    predictions) and inputs are padded only when ``test_cfg`` asks for it.

    Args:
        bands (dict): ``dict(optical=C_opt, sar=C_sar)`` of the packed inputs (an
            ``OpticalSAREncoderDecoder`` fills it in from ``model.bands``).
        input_modalities (Sequence[str]): modalities the model sees, in packing order.
        blank_modalities (Sequence[str]): modalities (among ``input_modalities``) set
            to 0 after normalisation.
        mean, std (Sequence[float] | None): one value per kept channel, applied as
            ``(x - mean) / std``; None leaves the values as ``RadiometricScale`` made
            them.
        size, size_divisor, pad_val, seg_pad_val, batch_augments, test_cfg: as in
            ``SegDataPreProcessor``.

    Shapes: ``data['inputs']`` list of ``(C_opt + C_sar) x H_i x W_i`` ->
    ``N x C x H' x W'`` with ``C`` the band count of ``input_modalities``.
    """

    def __init__(self, bands, input_modalities=MODALITY_ORDER, blank_modalities=(),
                 mean=None, std=None, size=None, size_divisor=None, pad_val=0,
                 seg_pad_val=255, batch_augments=None, test_cfg=None):
        super().__init__(mean=mean, std=std, size=size, size_divisor=size_divisor,
                         pad_val=pad_val, seg_pad_val=seg_pad_val,
                         batch_augments=batch_augments, test_cfg=test_cfg)
        self.bands = BandLayout.from_config(bands, 'data_preprocessor.bands')
        self.input_modalities = tuple(input_modalities)
        self.input_channels = self.bands.channels(self.input_modalities,
                                                  'data_preprocessor.input_modalities')
        outside = [m for m in blank_modalities if m not in self.input_modalities]
        if outside:
            raise ValueError(f'data_preprocessor.blank_modalities {tuple(blank_modalities)} '
                             f'must be among input_modalities {self.input_modalities}')
        self.blank_channels = [self.input_channels.index(c) for c in self.bands.channels(
            blank_modalities, 'data_preprocessor.blank_modalities')]
        if self._enable_normalize and self.mean.shape[0] != len(self.input_channels):
            seen = ', '.join(f'{m} {getattr(self.bands, m)}' for m in self.input_modalities)
            raise ValueError(
                f'{type(self).__name__}: mean/std give {self.mean.shape[0]} values but '
                f'the model sees {len(self.input_channels)} channels ({seen}); give one '
                'per channel, optical bands first')

    def check_band_layout(self, data_samples):
        """Every sample's packed ``bands`` (metainfo) must be this preprocessor's."""
        for sample in data_samples or []:
            packed = sample.metainfo.get('bands')
            if packed is not None and dict(packed) != self.bands.as_dict():
                raise ValueError(
                    f'sample {sample.metainfo.get("sample_key")!r} was packed with bands '
                    f'{dict(packed)} but the model expects {self.bands.as_dict()} '
                    '(model.bands); the dataset base and the model must declare the same '
                    'bands')

    def _select_and_normalise(self, inputs):
        expected = self.bands.total
        for x in inputs:
            if x.shape[0] != expected:
                raise ValueError(f'{type(self).__name__}: inputs have {x.shape[0]} '
                                 f'channels, bands {self.bands.as_dict()} give {expected}')
        if len(self.input_channels) != expected:
            inputs = [x[self.input_channels] for x in inputs]
        inputs = [x.float() for x in inputs]
        if self._enable_normalize:
            inputs = [(x - self.mean) / self.std for x in inputs]
        if self.blank_channels:
            inputs = [x.index_fill(0, x.new_tensor(self.blank_channels, dtype=torch.long),
                                   0.0) for x in inputs]
        return inputs

    def _padded_size(self, shapes, size, size_divisor):
        height = max(s[0] for s in shapes)
        width = max(s[1] for s in shapes)
        if size is not None:
            height, width = max(height, size[0]), max(width, size[1])
        if size_divisor is not None:
            height = math.ceil(height / size_divisor) * size_divisor
            width = math.ceil(width / size_divisor) * size_divisor
        return height, width

    def _pad_sample_targets(self, sample, image_shape, height, width):
        if 'gt_sem_seg' in sample:
            label = sample.gt_sem_seg.data
            label_h = math.ceil(height * label.shape[-2] / image_shape[0])
            label_w = math.ceil(width * label.shape[-1] / image_shape[1])
            sample.gt_sem_seg = PixelData(data=_pad_bottom_right(
                label, label_h, label_w, self.seg_pad_val))
        for name, value in IMAGE_GRID_TARGETS.items():
            if name in sample:
                target = getattr(sample, name)
                if target.data.shape[-2:] != image_shape:
                    raise ValueError(
                        f'{name} of sample {sample.metainfo.get("sample_key")!r} is '
                        f'{tuple(target.data.shape[-2:])}, expected the image grid '
                        f'{tuple(image_shape)}.')
                setattr(sample, name, PixelData(
                    data=_pad_bottom_right(target.data, height, width, value)))

    def stack_and_pad(self, inputs, data_samples, size, size_divisor,
                      pad_targets):
        """Pad every input (and optionally every pixel target) to one batch size.

        Args:
            inputs (list[Tensor]): ``C x H_i x W_i`` normalised inputs.
            data_samples (list[SegDataSample] | None): samples updated in place.
            size (tuple[int, int] | None): minimum padded ``(H, W)``.
            size_divisor (int | None): padded sides are multiples of it.
            pad_targets (bool): pad the pixel targets too (training).

        Returns:
            Tensor: ``N x C x H' x W'`` batch.
        """
        shapes = [tuple(x.shape[-2:]) for x in inputs]
        height, width = self._padded_size(shapes, size, size_divisor)
        padded = []
        for i, (x, shape) in enumerate(zip(inputs, shapes)):
            padded.append(_pad_bottom_right(x, height, width, self.pad_val))
            if data_samples is None:
                continue
            sample = data_samples[i]
            if pad_targets:
                self._pad_sample_targets(sample, shape, height, width)
            padding = [0, width - shape[1], 0, height - shape[0]]
            sample.set_metainfo(dict(
                img_shape=shape, pad_shape=(height, width),
                padding_size=padding, img_padding_size=padding))
        return torch.stack(padded, dim=0)

    def forward(self, data, training=False):
        data = self.cast_data(data)
        data_samples = data.get('data_samples')
        self.check_band_layout(data_samples)
        inputs = self._select_and_normalise(data['inputs'])
        if training:
            if data_samples is None:
                raise ValueError('training needs data_samples with the targets')
            batch = self.stack_and_pad(inputs, data_samples, self.size,
                                       self.size_divisor, pad_targets=True)
            if self.batch_augments is not None:
                batch, data_samples = self.batch_augments(batch, data_samples)
        elif self.test_cfg:
            batch = self.stack_and_pad(inputs, data_samples,
                                       self.test_cfg.get('size'),
                                       self.test_cfg.get('size_divisor'),
                                       pad_targets=False)
        else:
            if len({tuple(x.shape) for x in inputs}) > 1:
                raise ValueError(
                    'inputs of one test batch differ in size '
                    f'({sorted({tuple(x.shape) for x in inputs})}); use batch size '
                    '1 or set test_cfg=dict(size_divisor=...) to pad them.')
            batch = torch.stack(inputs, dim=0)
        return dict(inputs=batch, data_samples=data_samples)
