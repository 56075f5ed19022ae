"""EDC's tri-stream encoder: optical, SAR and cross-modal streams fused at every stage."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ...structures import BandLayout
from .hybrid_stream import NUM_STAGES, EDCHybridStream


@MODELS.register_module()
class EDCBackbone(BaseModule):
    """Optical + SAR + cross-modal (CM) encoder with one fusion block per stage.

    Stage loop (docs/design.md §2; stages 1-based here, ``forward_stage`` indices
    0-based):

    * stage 1: the optical and SAR streams run stem + stage 1 on their own bands; fusion
      block 1 (``with_cross_modal=False``) gives ``Opt_1, SAR_1, CM_1^Fuse``.
    * stage i = 2..4: the optical stream runs stage i on ``Opt_{i-1}``, the SAR stream
      on ``SAR_{i-1}``, the CM stream on ``CM_{i-1}^Fuse``; each stream's stage starts
      with its own stride-2 downsample, so ``CM_1^Fuse`` is downsampled into stage 2 like
      the others. Fusion block i fuses the three stage-i maps.

    The kept outputs of stage i are fusion block i's outputs, taken at the stage's
    resolution (before the next stage's downsample). The CM stream has no image input,
    so it has no stem and no stage 1.

    Args:
        bands (dict): band counts of the packed input, optical first:
            ``dict(optical=C_opt, sar=C_sar)`` (the dataset base's ``bands``; an
            ``OpticalSAREncoderDecoder`` fills it in).
        stream_cfg (dict): config of the stream class, built three times with
            ``in_channels`` (``C_opt``, ``C_sar``, None) and ``first_stage`` (0, 0, 1)
            added: :class:`EDCHybridStream` (the native FasterViT-0-sized stream, the
            default with EDC-base sizes) or ``EDCStreamAdapter`` over a staged mmseg /
            mmpretrain backbone.
        fusion_cfg (dict): fusion block config; block i is built with
            ``channels=C_i`` and ``with_cross_modal=(i > 1)``.
        final_write_back (Sequence[str]): streams the last fusion block refines
            (``write_back`` of that block). ``Opt_4`` feeds only the cloud-removal head
            and ``SAR_4`` nothing, so the default ``('opt',)`` builds no unused
            write-back for SAR; use ``()`` without a cloud-removal head (teacher,
            drop-in use), so every parameter gets a gradient (DDP without
            ``find_unused_parameters``).
        reliability_weighted_carriers (bool): [ours] pool the CM stream's stage-3 carrier
            tokens with weights from fusion block 2's reliability map ``A``
            (docs/design.md §4). Needs native streams with carrier tokens; no effect
            when the fusion returns no ``A`` (teacher).
        out_indices (Sequence[int]): fused stages (0-based) that :meth:`forward` returns.
        pretrained (None): only to give a clear error when an mmseg base config passes a
            backbone checkpoint: set ``init_cfg`` on the streams instead.
        init_cfg (dict | None): mmengine init config.

    Attributes:
        out_channels (tuple[int]): widths of the maps :meth:`forward` returns, what a
            stock decode head's ``in_channels`` must be.
        channels (tuple[int]): the four stage widths ``C1..C4``.

    Input: ``B x (C_opt + C_sar) x H x W``, optical bands first, any ``H, W``.
    Stage ``i`` maps are ``B x C_i x ceil(H / 2^(i+1)) x ceil(W / 2^(i+1))`` for the
    native stream (strides 4/8/16/32 with ceil rounding; an adapted backbone keeps its
    own rounding).
    """

    def __init__(self,
                 bands: dict,
                 stream_cfg: dict = dict(type='EDCHybridStream'),
                 fusion_cfg: dict = dict(type='DCHF'),
                 final_write_back: Sequence[str] = ('opt',),
                 reliability_weighted_carriers: bool = False,
                 out_indices: Sequence[int] = (0, 1, 2, 3),
                 pretrained: Optional[str] = None,
                 init_cfg=None):
        if pretrained is not None:
            raise ValueError(
                f'EDCBackbone got pretrained={pretrained!r} (an inherited mmseg base sets '
                'model.pretrained for its own backbone): EDC has three streams, so load '
                "weights per stream with stream_cfg.init_cfg=dict(type='Pretrained', "
                "checkpoint=...), and set model.pretrained=None")
        super().__init__(init_cfg=init_cfg)
        self.bands = BandLayout.from_config(bands, 'EDCBackbone.bands')
        self.optical_stream = MODELS.build(
            dict(stream_cfg, in_channels=self.bands.optical, first_stage=0))
        self.sar_stream = MODELS.build(
            dict(stream_cfg, in_channels=self.bands.sar, first_stage=0))
        self.cm_stream = MODELS.build(dict(stream_cfg, in_channels=None, first_stage=1))
        self.channels = tuple(self.optical_stream.channels)
        if not self.channels == tuple(self.sar_stream.channels) == tuple(
                self.cm_stream.channels):
            raise ValueError('the three streams must have the same stage widths')
        if reliability_weighted_carriers and not (
                isinstance(self.cm_stream, EDCHybridStream)
                and self.cm_stream.use_carrier_tokens):
            raise ValueError('reliability_weighted_carriers needs native streams with '
                             'carrier tokens')
        self.reliability_weighted_carriers = reliability_weighted_carriers
        if not out_indices or any(not 0 <= i < NUM_STAGES for i in out_indices):
            raise ValueError(f'out_indices must pick stages 0..{NUM_STAGES - 1}, got '
                             f'{tuple(out_indices)}')
        self.out_indices = tuple(out_indices)
        self.out_channels = tuple(self.channels[i] for i in self.out_indices)
        last = len(self.channels) - 1
        self.fusions = nn.ModuleList(
            MODELS.build(dict(fusion_cfg, channels=channels, with_cross_modal=i > 0,
                              **({'write_back': tuple(final_write_back)} if i == last
                                 else {})))
            for i, channels in enumerate(self.channels))

    @property
    def optical_channels(self) -> int:
        """``C_opt``, the leading input channels."""
        return self.bands.optical

    def _cm_stage_kwargs(self, index: int, reliability: Optional[Tensor]) -> dict:
        """Extra arguments of the CM stream's stage ``index`` (0-based)."""
        if (self.reliability_weighted_carriers and reliability is not None
                and index == self.cm_stream.carrier_stage):
            return dict(token_weight=reliability)
        return {}

    def forward_streams(self, x: Tensor) -> Dict[str, List[Optional[Tensor]]]:
        """Run the encoder and return every stream's pyramid.

        Args:
            x (Tensor): ``B x (C_opt + C_sar) x H x W``, optical bands first.

        Returns:
            dict: four entries per list, stage 1 first:

            * ``optical``: ``Opt_i``, ``B x C_i x H_i x W_i`` (cloud-removal decoder);
            * ``sar``: ``SAR_i``, ``B x C_i x H_i x W_i``;
            * ``fused``: ``CM_i^Fuse``, ``B x C_i x H_i x W_i`` (segmentation decoder);
            * ``reliability``: ``A_i``, ``B x 1 x H_i x W_i``, or None where the fusion
              block makes none.
        """
        optical, sar = self.bands.split(x, 'EDCBackbone input')
        stage = self.fusions[0](self.optical_stream.forward_stage(0, optical),
                                self.sar_stream.forward_stage(0, sar))
        stages = [stage]
        for index in range(1, NUM_STAGES):
            cross_modal = self.cm_stream.forward_stage(
                index, stage.fused, **self._cm_stage_kwargs(index, stage.reliability))
            stage = self.fusions[index](self.optical_stream.forward_stage(index, stage.opt),
                                        self.sar_stream.forward_stage(index, stage.sar),
                                        cross_modal)
            stages.append(stage)
        return dict(optical=[s.opt for s in stages], sar=[s.sar for s in stages],
                    fused=[s.fused for s in stages],
                    reliability=[s.reliability for s in stages])

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        """``B x (C_opt + C_sar) x H x W`` -> the fused maps ``CM_i^Fuse`` of
        ``out_indices`` (``B x C_i x H_i x W_i``), the standard mmseg backbone contract."""
        fused = self.forward_streams(x)['fused']
        return tuple(fused[i] for i in self.out_indices)
