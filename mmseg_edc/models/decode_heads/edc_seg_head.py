"""Semantic-segmentation head of EDC: a U-Net over the fused pyramid."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmseg.models.decode_heads.decode_head import BaseDecodeHead
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from ...evaluation.pixel_fields import cloud_mask_to_grid
from ..utils import conv_channels_last, decoded_size, full_precision
from .unet_decoder import UNetDecoder


def cloudy_label_pixels(batch_data_samples: SampleList) -> Tensor:
    """``B x h x w`` float, 1 where a label pixel lies under cloud.

    Each sample's ``gt_cloud_mask`` (``1 x H x W``, input grid) is taken to its
    ``gt_sem_seg`` grid by the metrics' own :func:`cloud_mask_to_grid`.

    Raises:
        KeyError: a sample has no cloud mask (naming it).
    """
    masks = []
    for sample in batch_data_samples:
        if 'gt_cloud_mask' not in sample:
            raise KeyError('cloudy_pixel_weight needs gt_cloud_mask in every training '
                           f'sample; {sample.metainfo.get("img_path", "a sample")} has '
                           'none (a cloud mask in the dataset or SynthesizeClouds)')
        masks.append(cloud_mask_to_grid(sample.gt_cloud_mask.data[0],
                                        sample.gt_sem_seg.data.shape[-2:]))
    return torch.stack(masks).float()


class CloudyPixelWeights:
    """A pixel sampler for mmseg's ``loss_by_feat``: weight ``w`` on cloudy label pixels,
    1 elsewhere, times an inner sampler's weights (if any).

    Args:
        weight (float): ``w``.
        cloudy (Tensor): ``B x h x w``, 1 = cloudy label pixel.
        inner: the head's own pixel sampler, or None.
    """

    def __init__(self, weight: float, cloudy: Tensor, inner=None):
        self.weight, self.cloudy, self.inner = weight, cloudy, inner

    def sample(self, seg_logits: Tensor, seg_label: Tensor) -> Tensor:
        """``B x h x w`` weights for ``seg_label`` (``B x 1 x h x w``)."""
        weights = 1 + (self.weight - 1) * self.cloudy.to(seg_logits)
        if self.inner is not None:
            weights = weights * self.inner.sample(seg_logits, seg_label)
        return weights


@MODELS.register_module()
class EDCSegHead(BaseDecodeHead):
    """U-Net decoder over ``CM^Fuse`` then ``conv3x3(16 -> num_classes)``.

    The logits come out at the decoded (full input) resolution. Training resizes them to
    the label grid with mmseg's ``loss_by_feat``: bilinear with ``align_corners=False``
    samples each label pixel at its centre, which is the right geometry for labels on a
    coarser grid covering the same ground (M3M-CR: 300 px image / 90 px label, 160 / 48
    for crops); pixels labelled ``ignore_index`` (255, also the label padding) are
    ignored by the loss. ``predict`` decodes straight to the size
    ``predict_by_feat`` resizes to, so that resize is the identity.

    Args:
        in_channels (Sequence[int]): channels of the selected levels, shallow to deep.
        num_classes (int): number of classes.
        decoder_channels (Sequence[int]): U-Net block widths; the last one is the
            distillation feature's channel count.
        in_index (Sequence[int]): levels of the input tuple to decode.
        dropout_ratio (float): dropout before the classifier (none in CloudSeg's
            head, docs/design.md §5.2).
        norm_cfg (dict): norm of the decoder convs.
        loss_decode (dict | list[dict]): cross-entropy averaged over the non-ignored
            pixels by default (as PyTorch's ``ignore_index`` does; mmseg's own default
            would also count ignored pixels in the denominator).
        cloudy_pixel_weight (float): [ours] weight of a label pixel under cloud in the
            loss (the cloud mask sampled to the label grid by nearest neighbour, as
            ``CloudAwareIoUMetric`` does); clear pixels weigh 1. The loss stays mmseg's:
            the weighted sum over the non-ignored pixels divided by their count. 1.0
            (default) leaves the loss as it is and needs no cloud mask.
        **kwargs: the rest of ``BaseDecodeHead``'s arguments (``ignore_index``,
            ``align_corners``, ...).

    Shapes: ``inputs`` tuple of ``B x in_channels[i] x H/2**(i+2) x W/2**(i+2)`` ->
    logits ``B x num_classes x H x W``.
    """

    def __init__(self, in_channels: Sequence[int] = (64, 128, 256, 512), *,
                 num_classes: int, decoder_channels: Sequence[int] = (256, 128, 64, 32, 16),
                 in_index: Sequence[int] = (0, 1, 2, 3), dropout_ratio: float = 0.0,
                 norm_cfg: dict = dict(type='BN'),
                 loss_decode=dict(type='CrossEntropyLoss', use_sigmoid=False,
                                  loss_weight=1.0, avg_non_ignore=True),
                 cloudy_pixel_weight: float = 1.0, **kwargs):
        super().__init__(list(in_channels), decoder_channels[-1], num_classes=num_classes,
                         in_index=list(in_index), input_transform='multiple_select',
                         dropout_ratio=dropout_ratio, norm_cfg=norm_cfg,
                         loss_decode=loss_decode, **kwargs)
        self.decoder = UNetDecoder(self.in_channels, decoder_channels, norm_cfg=norm_cfg,
                                   act_cfg=self.act_cfg)
        self.conv_seg = nn.Conv2d(self.channels, self.out_channels, 3, padding=1)
        if cloudy_pixel_weight <= 0:
            raise ValueError(f'cloudy_pixel_weight must be > 0, got {cloudy_pixel_weight}')
        self.cloudy_pixel_weight = cloudy_pixel_weight

    def forward_with_features(self, inputs: Tuple[Tensor, ...],
                              output_size: Optional[Sequence[int]] = None
                              ) -> Tuple[Tensor, Tensor]:
        """Logits and the decoder's last feature (the distillation feature).

        Args:
            inputs (tuple[Tensor]): the pyramid.
            output_size (Sequence[int] | None): ``(H, W)`` to decode to; None gives the
                stride-4 level's size x 4.

        Returns:
            tuple[Tensor, Tensor]: logits ``B x num_classes x H x W`` and feature
            ``B x decoder_channels[-1] x H x W``.
        """
        feature = self.decoder_feature(inputs, output_size)
        return self.cls_seg(feature), feature

    def decoder_feature(self, inputs: Tuple[Tensor, ...],
                        output_size: Optional[Sequence[int]] = None) -> Tensor:
        """The decoder's last feature alone (what a teacher gives its student; no
        classifier), ``B x decoder_channels[-1] x H x W``; see
        :meth:`forward_with_features`."""
        return self.decoder(self._transform_inputs(inputs), output_size)

    def cls_seg(self, feat: Tensor) -> Tensor:
        """Dropout, then the classifier conv in fp32 even under autocast: logits rounded
        to bf16 flip the labels of pixels with close classes (docs/design.md §8.4);
        channels-last on CPU (:func:`~mmseg_edc.models.utils.conv_channels_last`).
        ``B x C_f x H x W -> B x num_classes x H x W``."""
        if self.dropout is not None:
            feat = self.dropout(feat)
        with full_precision(feat):
            return conv_channels_last(self.conv_seg, feat.float())

    def forward(self, inputs: Tuple[Tensor, ...],
                output_size: Optional[Sequence[int]] = None) -> Tensor:
        """Logits ``B x num_classes x H x W``; see :meth:`forward_with_features`."""
        return self.forward_with_features(inputs, output_size)[0]

    def loss(self, inputs: Tuple[Tensor, ...], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> dict:
        """Decode to the padded input size, then mmseg's ``loss_by_feat``."""
        seg_logits = self.forward(inputs, decoded_size(batch_data_samples[0].metainfo))
        return self.loss_by_feat(seg_logits, batch_data_samples)

    def loss_by_feat(self, seg_logits: Tensor, batch_data_samples: SampleList) -> dict:
        """mmseg's ``loss_by_feat``, with cloudy label pixels weighted
        ``cloudy_pixel_weight`` (times the pixel sampler's weights, if one is set)."""
        if self.cloudy_pixel_weight == 1.0:
            return super().loss_by_feat(seg_logits, batch_data_samples)
        sampler = self.sampler
        self.sampler = CloudyPixelWeights(
            self.cloudy_pixel_weight, cloudy_label_pixels(batch_data_samples), sampler)
        try:
            return super().loss_by_feat(seg_logits, batch_data_samples)
        finally:
            self.sampler = sampler

    def predict(self, inputs: Tuple[Tensor, ...], batch_img_metas: List[dict],
                test_cfg: ConfigType) -> Tensor:
        """Logits at the size ``predict_by_feat`` expects (window, padded or image)."""
        seg_logits = self.forward(inputs, decoded_size(batch_img_metas[0]))
        return self.predict_by_feat(seg_logits, batch_img_metas)
