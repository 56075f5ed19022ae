"""EDC segmentor: segmentation + cloud removal + teacher-guided distillation."""
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmengine.structures import PixelData
from mmseg.registry import MODELS
from mmseg.utils import add_prefix
from torch import Tensor

from ...utils.windows import blend_weights, sliding_windows
from ..utils import decoded_size, padding_valid_mask
from .frozen_teacher import FrozenTeacher
from .optical_sar_encoder_decoder import OpticalSAREncoderDecoder, fill_or_check

#: Pyramids of ``EDCBackbone.forward_streams`` an auxiliary head can read.
AUXILIARY_STREAMS = ('fused', 'optical', 'sar')
#: How overlapping slide-inference windows are combined (see ``slide_inference``).
BLEND_MODES = ('mean', 'taper')


def undo_padding_and_flip(tensor, img_meta):
    """Remove the batch padding of one sample and undo its test-time flip.

    Args:
        tensor (Tensor): ``1 x C x H_pad x W_pad``.
        img_meta (dict): the sample's metainfo (``img_padding_size`` or
            ``padding_size`` as ``[left, right, top, bottom]``, ``flip``,
            ``flip_direction``).

    Returns:
        Tensor: ``1 x C x H x W``.
    """
    left, right, top, bottom = img_meta.get(
        'img_padding_size', img_meta.get('padding_size', [0] * 4))
    height, width = tensor.shape[-2:]
    tensor = tensor[..., top:height - bottom, left:width - right]
    if img_meta.get('flip'):
        tensor = tensor.flip(dims=(3,) if img_meta['flip_direction'] == 'horizontal'
                             else (2,))
    return tensor


@MODELS.register_module()
class EDCSegmentor(OpticalSAREncoderDecoder):
    """The EDC student (or teacher) on mmseg's ``EncoderDecoder``.

    ``inputs`` is the packed ``B x (C_opt + C_sar) x H x W`` batch (cloudy optical,
    then SAR). The backbone's ``forward_streams`` gives the fused pyramid, decoded by
    ``decode_head`` (segmentation), and the optical pyramid, decoded by
    ``cloud_removal_head`` into the cloud-free image. With a teacher, the student's
    decoder feature is pulled towards the teacher's on cloud-free pixels
    (docs/design.md §6).

    Losses: ``decode.loss_*`` (segmentation), ``cr.loss_*`` (cloud removal),
    ``distill.loss_*`` (distillation) and, when configured, ``reliability.loss_*``
    (the reliability maps against the cloud mask), each weighted in its own config.

    Prediction writes ``pred_sem_seg`` / ``seg_logits`` (taken to ``ori_shape``, the
    label grid) and ``pred_clear_img`` (``C_opt x H x W`` on the input grid, padding
    and flips undone, in the units of ``gt_clear_img``, i.e. after
    ``RadiometricScale``). Whole and slide inference both carry the reconstruction.

    Args:
        bands (dict): ``dict(optical=C_opt, sar=C_sar)``; filled into the data
            preprocessor, the backbone and the cloud-removal head's ``out_channels``
            (see :class:`OpticalSAREncoderDecoder`).
        backbone (dict): a backbone with ``forward_streams(x)`` returning lists
            ``optical`` and ``fused`` and a ``channels`` attribute (``EDCBackbone``).
            The heads' ``in_channels`` default to its four stage widths.
        decode_head (dict): segmentation head with ``forward_with_features``
            (``EDCSegHead``).
        cloud_removal_head (dict, optional): ``CloudRemovalHead``; None drops the
            branch (ablation, and the teacher).
        teacher (dict, optional): ``dict(config=<the teacher's training config>,
            checkpoint=<its checkpoint file or work dir>)``: the frozen teacher, built
            here and loaded strictly by ``init_weights()`` (every training run, resume
            included); never saved with the student. Override the weights with
            ``--cfg-options model.teacher.checkpoint=PATH``.
        optical_input (str): ``'cloudy'`` (the student) or ``'cloud_free'``: the
            optical channels are replaced by ``gt_clear_img`` in training and
            prediction (how the teacher is trained and evaluated).
        distill_loss (dict, optional): e.g. ``MaskedFeatureDistillationLoss``; needs a
            teacher. A teacher without it is only there to initialise the student
            (``DistillationScheduleHook(init_student_from_teacher=True)``; the
            no-distillation ablation) and never runs.
        auxiliary_stream (str): [ours] the pyramid mmseg's ``auxiliary_head`` (training
            only) reads: ``'fused'`` (default, the fused maps ``F_i``: the
            segmentation decoder's input unless ``sar_to_decoder``),
            ``'sar'`` or ``'optical'`` (that stream after its write-back; deep
            supervision of one modality, docs/design.md §6.11).
        reliability_loss (dict, optional): [ours] e.g. ``ReliabilitySupervisionLoss``:
            the backbone's reliability maps ``A_i`` are pulled towards the clear share
            of their cells (docs/design.md §6.11); needs a fusion that builds ``A``.
        sar_to_decoder (bool): [ours] the segmentation decoder reads
            ``F_i + (1 - A_i) * SAR_i`` at every level instead of the fused map
            ``F_i``: the SAR stream reaches the decoder directly where the reliability
            map judges the optical input unreliable (docs/design.md §6.11). Adds no
            parameters; needs a fusion that builds ``A``.
        **kwargs: ``EncoderDecoder``'s arguments (``data_preprocessor``,
            ``train_cfg``, ``test_cfg``, ``auxiliary_head``, ``init_cfg``, ...).
    """

    def __init__(self, bands: dict, backbone: dict, decode_head: dict,
                 data_preprocessor: Optional[dict] = None,
                 cloud_removal_head: Optional[dict] = None,
                 teacher: Optional[dict] = None, distill_loss: Optional[dict] = None,
                 optical_input: str = 'cloudy', reliability_loss: Optional[dict] = None,
                 auxiliary_stream: str = 'fused', sar_to_decoder: bool = False,
                 **kwargs):
        if kwargs.get('neck') is not None:
            raise ValueError('EDCSegmentor fuses inside its backbone and takes no neck; '
                             'use DCHFNeck with a plain EncoderDecoder instead')
        if distill_loss is not None and teacher is None:
            raise ValueError('EDCSegmentor: distill_loss needs a teacher')
        if optical_input not in ('cloudy', 'cloud_free'):
            raise ValueError("optical_input must be 'cloudy' or 'cloud_free', got "
                             f'{optical_input!r}')
        if auxiliary_stream not in AUXILIARY_STREAMS:
            raise ValueError(f'auxiliary_stream must be one of {AUXILIARY_STREAMS}, got '
                             f'{auxiliary_stream!r}')
        super().__init__(bands=bands, backbone=backbone, decode_head=decode_head,
                         data_preprocessor=data_preprocessor, **kwargs)
        self.optical_input = optical_input
        self.auxiliary_stream = auxiliary_stream
        self.sar_to_decoder = sar_to_decoder
        self.cloud_removal_head = None
        if cloud_removal_head is not None:
            cloud_removal_head = fill_or_check(cloud_removal_head, 'out_channels',
                                               self.bands.optical,
                                               'model.cloud_removal_head')
            self.cloud_removal_head = MODELS.build(self.with_level_widths(
                cloud_removal_head, 'model.cloud_removal_head'))
        self.teacher = None if teacher is None else FrozenTeacher(teacher)
        if self.teacher is not None and self.teacher.model.bands != self.bands:
            raise ValueError(f'the teacher ({self.teacher.source}) reads bands '
                             f'{self.teacher.model.bands.as_dict()}, the student '
                             f'{self.bands.as_dict()}')
        self.distill_loss = None if distill_loss is None else MODELS.build(distill_loss)
        self.reliability_loss = (None if reliability_loss is None
                                 else MODELS.build(reliability_loss))
        #: multiplier of the distillation loss, scheduled by DistillationScheduleHook.
        self.distill_scale = 1.0

    def head_level_widths(self):
        """The heads decode every stage of ``forward_streams``: its four widths."""
        return self.backbone.channels

    @property
    def optical_channels(self) -> int:
        return self.bands.optical

    def decode_streams(self, inputs: Tensor, batch_img_metas: List[dict],
                       with_reconstruction: bool = True):
        """Run the backbone once and both heads.

        Returns:
            tuple: seg logits ``B x K x H x W``, decoder feature ``B x C_f x H x W``
            and the reconstruction ``B x C_opt x H x W`` (None without the branch or
            when not asked for), all at the decoded size of the metainfo.
        """
        streams = self.backbone.forward_streams(inputs)
        size = decoded_size(batch_img_metas[0]) or tuple(inputs.shape[-2:])
        logits, feature = self.decode_head.forward_with_features(
            self.segmentation_pyramid(streams), size)
        clear = None
        if with_reconstruction and self.cloud_removal_head is not None:
            clear = self.cloud_removal_head(streams['optical'], size)
        return logits, feature, clear, streams

    def segmentation_pyramid(self, streams: dict) -> List[Tensor]:
        """What the segmentation decoder reads: the fused maps ``F_i`` or, with
        ``sar_to_decoder``, ``F_i + (1 - A_i) * SAR_i`` (each ``B x C_i x H_i x W_i``,
        ``A_i`` ``B x 1 x H_i x W_i``)."""
        if not self.sar_to_decoder:
            return streams['fused']
        if any(a is None for a in streams['reliability']):
            raise ValueError('sar_to_decoder weighs the SAR stream by 1 - A, but the '
                             'backbone\'s fusion builds no reliability map A at some '
                             'stage (use_reliability=False, the teacher variant)')
        return [fused + (1 - reliability) * sar for fused, sar, reliability in
                zip(streams['fused'], streams['sar'], streams['reliability'])]

    def with_cloud_free_optical(self, inputs: Tensor, data_samples) -> Tensor:
        """The student batch with the cloud-free image in place of the cloudy one.

        ``gt_clear_img`` is normalised with the optical channels' mean/std of the
        data preprocessor, as the cloudy image was. This is the teacher's input.
        """
        if data_samples is None or not all('gt_clear_img' in s for s in data_samples):
            raise KeyError('the cloud-free optical input needs gt_clear_img in every '
                           'data sample (a clear_path for every sample)')
        clear = torch.stack([s.gt_clear_img.data for s in data_samples]).to(inputs)
        channels = self.optical_channels
        preprocessor = self.data_preprocessor
        if getattr(preprocessor, '_enable_normalize', False):
            clear = (clear - preprocessor.mean[:channels]) / preprocessor.std[:channels]
        return torch.cat([clear, inputs[:, channels:]], dim=1)

    def _optical_source(self, inputs: Tensor, data_samples) -> Tensor:
        if self.optical_input == 'cloud_free':
            return self.with_cloud_free_optical(inputs, data_samples)
        return inputs

    def loss(self, inputs: Tensor, data_samples) -> dict:
        inputs = self._optical_source(inputs, data_samples)
        metas = [s.metainfo for s in data_samples]
        logits, feature, _, streams = self.decode_streams(
            inputs, metas, with_reconstruction=False)
        losses = add_prefix(self.decode_head.loss_by_feat(logits, data_samples), 'decode')
        if self.with_auxiliary_head:
            losses.update(self._auxiliary_head_forward_train(
                streams[self.auxiliary_stream], data_samples))
        if self.cloud_removal_head is not None:
            losses.update(add_prefix(self.cloud_removal_head.loss(
                streams['optical'], data_samples, self.train_cfg), 'cr'))
        if self.distill_loss is not None:
            losses.update(add_prefix(
                self._distillation_loss(inputs, data_samples, feature), 'distill'))
        if self.reliability_loss is not None:
            losses[f'reliability.{self.reliability_loss.loss_name}'] = \
                self.reliability_loss(streams['reliability'],
                                      self._cloud_mask(data_samples, inputs),
                                      padding_valid_mask(data_samples, inputs.shape[-2:],
                                                         inputs.device))
        return losses

    @staticmethod
    def _cloud_mask(data_samples, like: Tensor) -> Tensor:
        """The batch's cloud masks, ``B x 1 x H x W`` on the input grid, as ``like``."""
        return torch.stack([s.gt_cloud_mask.data for s in data_samples]).to(like)

    def _distillation_loss(self, inputs, data_samples, feature) -> dict:
        teacher_feature = self.teacher.features(
            self.with_cloud_free_optical(inputs, data_samples), feature.shape[-2:])
        cloud_mask = self._cloud_mask(data_samples, feature)
        valid = padding_valid_mask(data_samples, inputs.shape[-2:], feature.device)
        loss = self.distill_loss(feature, teacher_feature, cloud_mask, valid)
        return {self.distill_loss.loss_name: loss * self.distill_scale}

    def encode_decode(self, inputs: Tensor, batch_img_metas: List[dict]) -> Tensor:
        return self.decode_streams(inputs, batch_img_metas, with_reconstruction=False)[0]

    def _forward(self, inputs: Tensor, data_samples=None):
        """Tensor mode: seg logits, and the reconstruction when the branch exists."""
        inputs = self._optical_source(inputs, data_samples)
        metas = [s.metainfo for s in data_samples] if data_samples else [
            dict(img_shape=inputs.shape[-2:], pad_shape=inputs.shape[-2:])]
        logits, _, clear, _ = self.decode_streams(inputs, metas)
        return logits if clear is None else (logits, clear)

    def whole_inference(self, inputs: Tensor, batch_img_metas: List[dict]
                        ) -> Tuple[Tensor, Optional[Tensor]]:
        logits, _, clear, _ = self.decode_streams(inputs, batch_img_metas)
        return logits, clear

    def slide_inference(self, inputs: Tensor, batch_img_metas: List[dict]
                        ) -> Tuple[Tensor, Optional[Tensor]]:
        """Overlapping windows (``test_cfg.crop_size`` / ``stride``), outputs blended.

        Both the logits and the reconstruction are accumulated, which mmseg's
        single-output slide inference cannot do, each with its own blending:
        ``'mean'`` (mmseg's plain average) or ``'taper'`` [ours] (each window weighted
        by a ``sin^2`` ramp over its overlap with neighbours, which hides the seams
        window borders leave; docs/design.md §7.1). ``test_cfg.blend`` sets the logits'
        (default ``'mean'``, the protocol's), ``test_cfg.clear_blend`` the
        reconstruction's (default ``'taper'``: a reconstructed image shows every seam).
        """
        modes = (self.test_cfg.get('blend', 'mean'),
                 self.test_cfg.get('clear_blend', 'taper'))
        for key, mode in zip(('blend', 'clear_blend'), modes):
            if mode not in BLEND_MODES:
                raise ValueError(f'test_cfg.{key} must be one of {BLEND_MODES}, got '
                                 f'{mode!r}')
        (crop_h, crop_w), (stride_h, stride_w) = self.test_cfg.crop_size, self.test_cfg.stride
        height, width = inputs.shape[-2:]
        sums = None
        totals = {mode: inputs.new_zeros((1, 1, height, width)) for mode in set(modes)}
        for y1, y2, x1, x2 in sliding_windows(height, width, (crop_h, crop_w),
                                              (stride_h, stride_w)):
            window = inputs[:, :, y1:y2, x1:x2]
            batch_img_metas[0]['img_shape'] = window.shape[2:]
            weights = dict(mean=inputs.new_ones(window.shape[2:]))
            if 'taper' in totals:
                weights['taper'] = inputs.new_tensor(blend_weights(
                    y1, x1, window.shape[2:], (height, width),
                    max(crop_h - stride_h, crop_w - stride_w)))
            outputs = [o * weights[mode] for o, mode in zip(
                self.whole_inference(window, batch_img_metas), modes) if o is not None]
            pad = (x1, width - x2, y1, height - y2)
            if sums is None:
                sums = [F.pad(o, pad) for o in outputs]
            else:
                sums = [s + F.pad(o, pad) for s, o in zip(sums, outputs)]
            for mode, total in totals.items():
                total[:, :, y1:y2, x1:x2] += weights[mode]
        blended = [s / totals[mode] for s, mode in zip(sums, modes)]
        return blended[0], (blended[1] if len(blended) > 1 else None)

    def inference(self, inputs: Tensor, batch_img_metas: List[dict]
                  ) -> Tuple[Tensor, Optional[Tensor]]:
        mode = self.test_cfg.get('mode', 'whole')
        if mode not in ('slide', 'whole'):
            raise ValueError(f"test_cfg.mode must be 'slide' or 'whole', got {mode!r}")
        if mode == 'slide':
            return self.slide_inference(inputs, batch_img_metas)
        return self.whole_inference(inputs, batch_img_metas)

    def predict(self, inputs: Tensor, data_samples=None):
        inputs = self._optical_source(inputs, data_samples)
        if data_samples is not None:
            metas = [s.metainfo for s in data_samples]
        else:
            metas = [dict(ori_shape=inputs.shape[2:], img_shape=inputs.shape[2:],
                          pad_shape=inputs.shape[2:], padding_size=[0, 0, 0, 0])
                     ] * inputs.shape[0]
        logits, clear = self.inference(inputs, metas)
        results = self.postprocess_result(logits, data_samples)
        if clear is not None:
            for i, sample in enumerate(results):
                sample.pred_clear_img = PixelData(
                    data=undo_padding_and_flip(clear[i:i + 1], metas[i])[0])
        return results
