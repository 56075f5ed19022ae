"""EDC's tri-stream encoder: optical, SAR and cross-modal streams fused at every stage."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from .stream_encoders import NUM_STAGES, EDCHybridStream


@MODELS.register_module()
class EDCBackbone(BaseModule):
    """Optical + SAR + cross-modal (CM) encoder with one fusion block per stage.

    Stage loop (spec section 3; stages 1-based here, ``forward_stage`` indices 0-based):

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
        optical_channels (int): optical bands ``C_opt`` (first channels of the input).
        sar_channels (int): SAR bands ``C_sar`` (the remaining channels).
        embed_dims (Sequence[int]): native stream widths ``C1..C4``.
        depths (Sequence[int]): native blocks per stage.
        num_heads (Sequence[int]): native attention heads of stages 3 and 4.
        window_size (int): native attention window side.
        carrier_token_size (int): carrier tokens per window side (stage 3).
        use_carrier_tokens (bool): False makes stage 3 plain window attention (ablation).
        carrier_token_upsample (bool): spec step 5 (add upsampled carrier tokens to the
            local tokens after the last block of stage 3).
        reliability_weighted_carriers (bool): [ours] pool the CM stream's stage-3 carrier
            tokens with weights from fusion block 2's reliability map ``A`` (spec section
            4, option). Needs native streams with carrier tokens; no effect when the
            fusion returns no ``A`` (teacher).
        mlp_ratio (float): native transformer MLP ratio.
        qkv_bias (bool): native query/key/value bias.
        drop_path_rate (float): native stochastic depth (max over blocks).
        pos_mlp_hidden (int): hidden width of the native positional MLPs.
        norm_cfg (dict): norm of the native conv stem and conv blocks.
        stream_cfg (dict | None): None builds :class:`EDCHybridStream` streams from the
            size arguments above (which are otherwise unused); else the config of a
            stream class such as ``dict(type='EDCStreamAdapter', backbone=...)``, to which
            ``in_channels`` and ``first_stage`` are added per stream.
        fusion_cfg (dict): fusion block config; block i is built with
            ``channels=C_i`` and ``with_cross_modal=(i > 1)``.
        final_write_back (Sequence[str]): streams the last fusion block refines
            (``write_back`` of that block). ``Opt_4`` feeds only the cloud-removal head
            and ``SAR_4`` nothing, so the default ``('opt',)`` builds no unused
            write-back for SAR; use ``()`` without a cloud-removal head (teacher,
            drop-in use), so every parameter gets a gradient (DDP without
            ``find_unused_parameters``).
        init_cfg (dict | None): mmengine init config.

    Input: ``B x (C_opt + C_sar) x H x W``, optical bands first, any ``H, W``.
    Stage ``i`` maps are ``B x C_i x ceil(H / 2^(i+1)) x ceil(W / 2^(i+1))`` for the
    native stream (strides 4/8/16/32 with ceil rounding; an adapted backbone keeps its
    own rounding).
    """

    def __init__(self,
                 optical_channels: int = 4,
                 sar_channels: int = 2,
                 embed_dims: Sequence[int] = (64, 128, 256, 512),
                 depths: Sequence[int] = (2, 3, 6, 5),
                 num_heads: Sequence[int] = (8, 16),
                 window_size: int = 7,
                 carrier_token_size: int = 2,
                 use_carrier_tokens: bool = True,
                 carrier_token_upsample: bool = True,
                 reliability_weighted_carriers: bool = False,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop_path_rate: float = 0.2,
                 pos_mlp_hidden: int = 512,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 stream_cfg: Optional[dict] = None,
                 fusion_cfg: dict = dict(type='DCHF'),
                 final_write_back: Sequence[str] = ('opt',),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.optical_channels = optical_channels
        self.sar_channels = sar_channels
        native = dict(embed_dims=embed_dims, depths=depths, num_heads=num_heads,
                      window_size=window_size, carrier_token_size=carrier_token_size,
                      use_carrier_tokens=use_carrier_tokens,
                      carrier_token_upsample=carrier_token_upsample,
                      mlp_ratio=mlp_ratio, qkv_bias=qkv_bias,
                      drop_path_rate=drop_path_rate, pos_mlp_hidden=pos_mlp_hidden,
                      norm_cfg=norm_cfg)

        def build_stream(in_channels: Optional[int], first_stage: int) -> nn.Module:
            if stream_cfg is None:
                return EDCHybridStream(in_channels=in_channels, first_stage=first_stage,
                                       **native)
            return MODELS.build(dict(stream_cfg, in_channels=in_channels,
                                     first_stage=first_stage))

        self.optical_stream = build_stream(optical_channels, 0)
        self.sar_stream = build_stream(sar_channels, 0)
        self.cm_stream = build_stream(None, 1)
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
        last = len(self.channels) - 1
        self.fusions = nn.ModuleList(
            MODELS.build(dict(fusion_cfg, channels=channels, with_cross_modal=i > 0,
                              **({'write_back': tuple(final_write_back)} if i == last
                                 else {})))
            for i, channels in enumerate(self.channels))

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
        if x.shape[1] != self.optical_channels + self.sar_channels:
            raise ValueError(f'expected {self.optical_channels} optical + '
                             f'{self.sar_channels} SAR channels, got {x.shape[1]}')
        optical, sar = x.split([self.optical_channels, self.sar_channels], dim=1)
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
        """``B x (C_opt + C_sar) x H x W`` -> the four fused maps ``CM_i^Fuse``
        (``B x C_i x H_i x W_i``), the standard mmseg backbone contract."""
        return tuple(self.forward_streams(x)['fused'])
