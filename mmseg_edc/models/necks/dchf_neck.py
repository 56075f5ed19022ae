"""A neck that fuses the optical and SAR pyramids of any two-stream backbone with DCHF."""
import copy
from typing import List, Sequence, Tuple

import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor


@MODELS.register_module()
class DCHFNeck(BaseModule):
    """Fuse two feature pyramids level by level with one fusion block per level.

    Input convention: either a flat tuple of ``2L`` maps, the optical pyramid (shallow
    to deep) followed by the SAR pyramid, which is what a two-stream backbone returns
    under the plain ``tuple of NCHW maps`` contract, or a pair ``(optical_levels,
    sar_levels)`` of two length-``L`` sequences. Level ``i`` of both streams has
    ``in_channels[i]`` channels and the same size.

    Cross-modal chain (``cross_modal_chain=True``, [ours]): level ``i > 0`` also fuses a
    cross-modal input made from the fused map of level ``i - 1``, average-pooled to level
    ``i``'s exact size (``adaptive_avg_pool2d``, so ceil-sized pyramids work) and
    projected to ``in_channels[i]`` by a 1x1 conv + norm. This mirrors the encoder's
    ``CM_{i-1}^Fuse -> CM_i`` path without a CM stream in the backbone. Level 0 never has
    one. With ``False`` every level fuses only optical and SAR.

    Output: the ``L`` fused maps. With ``return_streams=True`` [ours] the fusion blocks
    also write back into the streams and the output is the flat ``3L`` tuple ``(fused
    levels, refined optical levels, refined SAR levels)``, e.g. for a segmentation head
    on ``in_index=(0..L-1)`` and a cloud-removal head on ``in_index=(L..2L-1)``. With
    ``False`` no write-back convs are built (they would get no gradient).

    Args:
        in_channels (Sequence[int]): channels per level, length ``L``.
        fusion_cfg (dict): fusion block config; the neck fills in ``channels``,
            ``with_cross_modal`` and ``write_back``, and ``norm_cfg`` unless given.
        cross_modal_chain (bool): see above.
        return_streams (bool): see above.
        norm_cfg (dict): norm of the cross-modal projections.
        init_cfg (dict | None): mmengine init config.
    """

    def __init__(self, in_channels: Sequence[int], fusion_cfg: dict = dict(type='DCHF'),
                 cross_modal_chain: bool = True, return_streams: bool = False,
                 norm_cfg: dict = dict(type='BN'), init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.in_channels = list(in_channels)
        #: widths of the returned maps (what a decode head's in_channels must be)
        self.out_channels = tuple(self.in_channels * (3 if return_streams else 1))
        self.cross_modal_chain = cross_modal_chain
        self.return_streams = return_streams
        self.fusions = nn.ModuleList()
        for level, channels in enumerate(self.in_channels):
            cfg = copy.deepcopy(fusion_cfg)
            cfg.setdefault('norm_cfg', norm_cfg)
            cfg.update(channels=channels, write_back=return_streams,
                       with_cross_modal=cross_modal_chain and level > 0)
            self.fusions.append(MODELS.build(cfg))
        self.cm_projections = nn.ModuleList(
            ConvModule(prev, cur, 1, norm_cfg=norm_cfg, act_cfg=None)
            for prev, cur in zip(self.in_channels[:-1], self.in_channels[1:])
        ) if cross_modal_chain else None

    def _split_streams(self, inputs) -> Tuple[List[Tensor], List[Tensor]]:
        levels = len(self.in_channels)
        if len(inputs) == 2 and not isinstance(inputs[0], Tensor):
            opt_levels, sar_levels = list(inputs[0]), list(inputs[1])
        else:
            opt_levels, sar_levels = list(inputs[:levels]), list(inputs[levels:])
        if len(opt_levels) != levels or len(sar_levels) != levels:
            raise ValueError(
                f'DCHFNeck with {levels} levels expects {2 * levels} maps (optical '
                f'pyramid then SAR pyramid) or a pair of {levels}-level pyramids; got '
                f'{len(opt_levels)} optical and {len(sar_levels)} SAR maps.')
        return opt_levels, sar_levels

    def forward(self, inputs) -> Tuple[Tensor, ...]:
        """Fuse every level.

        Args:
            inputs (tuple): ``2L`` maps ``B x in_channels[i] x H_i x W_i`` (optical then
                SAR) or ``(optical_levels, sar_levels)``.

        Returns:
            tuple[Tensor]: ``L`` fused maps ``B x in_channels[i] x H_i x W_i``, followed
            by the refined optical and SAR levels when ``return_streams``.
        """
        opt_levels, sar_levels = self._split_streams(inputs)
        fused_levels, opt_out, sar_out = [], [], []
        for level, fusion in enumerate(self.fusions):
            cm = None
            if self.cross_modal_chain and level > 0:
                pooled = F.adaptive_avg_pool2d(fused_levels[-1],
                                               opt_levels[level].shape[-2:])
                cm = self.cm_projections[level - 1](pooled)
            out = fusion(opt_levels[level], sar_levels[level], cm)
            fused_levels.append(out.fused)
            opt_out.append(out.opt)
            sar_out.append(out.sar)
        if self.return_streams:
            return tuple(fused_levels + opt_out + sar_out)
        return tuple(fused_levels)
