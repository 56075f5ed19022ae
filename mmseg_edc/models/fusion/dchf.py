"""DCHF: discrepancy-conditioned hybrid fusion of optical, SAR and cross-modal features.

One DCHF block fuses the three streams of one encoder stage (docs/design.md §4.2):

1. multi-scale context per stream ``X^ = ReLU(conv1x1([X; up(maxpool2 X); up(maxpool4 X)]))``;
2. discrepancy ``D = O^ - S^`` (or ``|O^ - S^|``);
3. reliability map ``A = sigmoid(BN(conv7x7([max_c D; mean_c D])))``;
4. optical gating ``O~ = A * O^``;
5. A-weighted global average pooling of ``X = [O~; S^; C^]``;
6. channel recalibration ``X' = sigmoid(W2 relu(W1 z)) * X``;
7. fused feature ``F`` = sum of the stream chunks of ``X'``;
8. write-back ``O' = O + sigmoid(conv3x3(F - O^)) * (F - O^)``, the same for SAR.
"""
from typing import NamedTuple, Optional, Sequence, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import build_norm_layer
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..utils import full_precision

#: Keeps the A-weighted pooling finite where ``A`` is (nearly) zero everywhere.
POOL_EPS = 1e-6


class DCHFOutput(NamedTuple):
    """What one DCHF block returns; every map is ``B x C x H x W`` unless stated.

    Attributes:
        opt (Tensor): refined optical feature ``Opt_i`` (the input when write-back is off).
        sar (Tensor): refined SAR feature ``SAR_i`` (the input when write-back is off).
        fused (Tensor): fused cross-modal feature ``CM_i^Fuse``.
        reliability (Tensor | None): reliability map ``A``, ``B x 1 x H x W``; None for
            the teacher variant (``use_reliability=False``).
    """
    opt: Tensor
    sar: Tensor
    fused: Tensor
    reliability: Optional[Tensor]


def reliability_weighted_pool(x: Tensor, weight: Optional[Tensor] = None,
                              eps: float = POOL_EPS) -> Tensor:
    """Global average pooling where every pixel counts in proportion to ``weight``.

    ``z[b, n] = sum_p weight[b, p] * x[b, n, p] / (sum_p weight[b, p] + eps)``; with
    ``weight=None`` it is the plain mean over pixels. Sums and the division are fp32
    whatever the input dtype (bf16 under autocast, docs/design.md §8.4).

    Args:
        x (Tensor): ``B x N x H x W`` features.
        weight (Tensor | None): ``B x 1 x H x W`` non-negative pixel weights.
        eps (float): added to the weight sum.

    Returns:
        Tensor: ``B x N x 1 x 1`` pooled features, fp32.
    """
    dims = dict(dim=(2, 3), keepdim=True, dtype=torch.float32)
    if weight is None:
        return x.mean(**dims)
    total = (x * weight.to(x.dtype)).sum(**dims)
    return total / (weight.sum(**dims) + eps)


def add_cell_values(base: Tensor, coarse: Tensor, cell: int) -> Tensor:
    """``base`` plus, at every pixel, the value ``coarse`` holds for its ``cell x cell``
    block.

    Blocks are counted from the top-left corner; a partial block at the bottom/right
    border (odd sizes, maps smaller than ``cell``) is a block of its own, as
    ``max_pool2d(..., ceil_mode=True)`` forms them. Where the sides are multiples of
    ``cell`` the values are broadcast, never materialised at full size.

    Args:
        base (Tensor): ``B x C x H x W``.
        coarse (Tensor): ``B x C x ceil(H / cell) x ceil(W / cell)``.
        cell (int): block side in pixels.

    Returns:
        Tensor: ``B x C x H x W``.
    """
    batch, channels, height, width = base.shape
    if height % cell or width % cell:
        spread = coarse.repeat_interleave(cell, dim=2).repeat_interleave(cell, dim=3)
        return base + spread[..., :height, :width]
    blocks = base.view(batch, channels, height // cell, cell, width // cell, cell)
    return (blocks + coarse[:, :, :, None, :, None]).view(batch, channels, height, width)


class MultiScaleContext(nn.Module):
    """``ReLU(conv1x1([X; up(maxpool_2 X); up(maxpool_4 X)]))``: ``B x C x H x W`` in and out.

    ``up(maxpool_c X)`` gives each pixel the maximum of the ``c x c`` block it lies in
    (partial border blocks included, docs/design.md §4.2). The 1x1 conv is pointwise, so
    it commutes with that nearest spreading: it is applied to ``X`` and to each pooled
    map with its own slice of the weight, and the pooled results are spread to the
    pixels of their blocks and added (:func:`add_cell_values`). Same parameters and
    result, without the ``3C``-channel concatenation and with a third of the
    multiply-adds (``1 + 1/4 + 1/16`` instead of 3 per pixel and channel pair).
    """

    cells = (2, 4)

    def __init__(self, channels: int):
        super().__init__()
        self.proj = nn.Conv2d(channels * (1 + len(self.cells)), channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        weights = self.proj.weight.chunk(1 + len(self.cells), dim=1)
        out = F.conv2d(x, weights[0], self.proj.bias)
        pooled, pooled_cell = x, 1
        for weight, cell in zip(weights[1:], self.cells):
            # 4 x 4 maxima are the 2 x 2 maxima of the 2 x 2 maxima (ceil mode keeps
            # partial border blocks), so each pooling reads the previous, smaller map
            step = cell // pooled_cell
            pooled = F.max_pool2d(pooled, kernel_size=step, stride=step, ceil_mode=True)
            pooled_cell = cell
            out = add_cell_values(out, F.conv2d(pooled, weight), cell)
        return F.relu(out, inplace=True)


class ReliabilityMap(nn.Module):
    """``A = sigmoid(BN(conv7x7([max_c D; mean_c D])))``: ``B x C x H x W`` -> ``B x 1 x H x W``.

    Computed in fp32 even under autocast (a two-channel conv, cheap), since ``A`` weighs
    every pooled statistic and gates the optical stream (docs/design.md §8.4).
    """

    def __init__(self, norm_cfg: dict):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size=7, padding=3, bias=False)
        self.norm = build_norm_layer(norm_cfg, 1)[1]

    def forward(self, discrepancy: Tensor) -> Tensor:
        with full_precision(discrepancy):
            summary = torch.cat([discrepancy.amax(dim=1, keepdim=True).float(),
                                 discrepancy.mean(dim=1, keepdim=True, dtype=torch.float32)],
                                dim=1)
            return torch.sigmoid(self.norm(self.conv(summary)))


class ChannelRecalibration(nn.Module):
    """``X' = sigmoid(W2 relu(W1 z)) * X`` with ``z`` the pooled ``X``.

    Args:
        channels (int): ``N``, channels of the concatenated streams.
        reduction (int): hidden width is ``max(N // reduction, 1)``.
    """

    def __init__(self, channels: int, reduction: int):
        super().__init__()
        hidden = max(channels // reduction, 1)
        self.squeeze = nn.Conv2d(channels, hidden, 1)
        self.excite = nn.Conv2d(hidden, channels, 1)

    def forward(self, x: Tensor, pooled: Tensor) -> Tensor:
        """``x``: ``B x N x H x W``; ``pooled``: ``B x N x 1 x 1`` -> ``B x N x H x W``.
        The channel weights are computed in fp32 (a tiny MLP) and applied in ``x``'s
        dtype."""
        with full_precision(pooled):
            weight = torch.sigmoid(self.excite(F.relu(self.squeeze(pooled.float()))))
        return x * weight.to(x.dtype)


class WriteBackGate(nn.Module):
    """``X' = X + sigmoid(conv3x3(F - X^)) * (F - X^)``: all ``B x C x H x W``."""

    def __init__(self, channels: int):
        super().__init__()
        self.gate = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: Tensor, context: Tensor, fused: Tensor) -> Tensor:
        residual = fused - context
        return x + torch.sigmoid(self.gate(residual)) * residual


@MODELS.register_module()
class DCHF(BaseModule):
    """Discrepancy-conditioned hybrid fusion of one encoder stage.

    Args:
        channels (int): ``C``, channels of every stream at this stage.
        with_cross_modal (bool): a cross-modal stream ``cm`` is fused too (stages 2-4);
            False at stage 1, where ``CM_1^Fuse`` does not exist yet.
        use_reliability (bool): build the reliability map ``A``. False is the teacher
            variant: ``O~ = O^``, plain GAP, ``reliability`` returned as None.
        weighted_pool (bool): pool with ``A`` as pixel weights (the paper's weighted GAP);
            False pools plainly while keeping the optical gating (the ablation). Has no
            effect when ``use_reliability=False``.
        discrepancy (str): ``'difference'`` (``O^ - S^``, docs/design.md §4.2) or ``'absolute'``
            (``|O^ - S^|``, [ours]).
        reduction (int): channel reduction of the recalibration MLP.
        norm_cfg (dict): norm after the 7x7 reliability conv.
        init_cfg (dict | None): mmengine init config.
        write_back (bool | Sequence[str]): which streams (``'opt'``, ``'sar'``) are
            refined with the fused feature (step 8); True means both. A stream left out
            [ours] is returned unchanged and gets no write-back conv: for users that
            only need the fused map (``DCHFNeck``), and for the last stage, whose
            refined SAR (and, without a cloud-removal head, optical) map feeds nothing.

    Shapes: ``opt, sar, cm``: ``B x C x H x W`` (any ``H, W >= 1``) -> :class:`DCHFOutput`.
    """

    def __init__(self, channels: int, with_cross_modal: bool, use_reliability: bool = True,
                 weighted_pool: bool = True, discrepancy: str = 'difference',
                 reduction: int = 16, norm_cfg: dict = dict(type='BN'), init_cfg=None,
                 write_back: Union[bool, Sequence[str]] = True):
        super().__init__(init_cfg=init_cfg)
        if discrepancy not in ('difference', 'absolute'):
            raise ValueError(f"discrepancy must be 'difference' or 'absolute', "
                             f'got {discrepancy!r}')
        self.with_cross_modal = with_cross_modal
        self.weighted_pool = weighted_pool
        self.discrepancy = discrepancy
        self.num_streams = 3 if with_cross_modal else 2
        self.opt_context = MultiScaleContext(channels)
        self.sar_context = MultiScaleContext(channels)
        self.cm_context = MultiScaleContext(channels) if with_cross_modal else None
        self.reliability = ReliabilityMap(norm_cfg) if use_reliability else None
        self.recalibration = ChannelRecalibration(channels * self.num_streams, reduction)
        streams = {True: ('opt', 'sar'), False: ()}.get(write_back, write_back)
        if not set(streams) <= {'opt', 'sar'}:
            raise ValueError(f"write_back must be a bool or a subset of ('opt', 'sar'), "
                             f'got {write_back!r}')
        self.opt_write_back = WriteBackGate(channels) if 'opt' in streams else None
        self.sar_write_back = WriteBackGate(channels) if 'sar' in streams else None

    def _discrepancy(self, opt_context: Tensor, sar_context: Tensor) -> Tensor:
        difference = opt_context - sar_context
        return difference.abs() if self.discrepancy == 'absolute' else difference

    def forward(self, opt: Tensor, sar: Tensor, cm: Optional[Tensor] = None) -> DCHFOutput:
        """Fuse one stage.

        Args:
            opt (Tensor): optical feature ``O``, ``B x C x H x W``.
            sar (Tensor): SAR feature ``S``, ``B x C x H x W``.
            cm (Tensor | None): cross-modal feature ``C``, ``B x C x H x W``; given iff
                ``with_cross_modal``.

        Returns:
            DCHFOutput: ``opt``, ``sar``, ``fused`` (``B x C x H x W``) and
            ``reliability`` (``B x 1 x H x W`` or None).
        """
        if (cm is not None) != self.with_cross_modal:
            raise ValueError(f'DCHF(with_cross_modal={self.with_cross_modal}) got '
                             f'cm={"a tensor" if cm is not None else "None"}')
        opt_context = self.opt_context(opt)
        sar_context = self.sar_context(sar)
        if self.reliability is None:
            reliability = pool_weight = None
            streams = [opt_context, sar_context]
        else:
            reliability = self.reliability(self._discrepancy(opt_context, sar_context))
            pool_weight = reliability if self.weighted_pool else None
            streams = [reliability.to(opt_context.dtype) * opt_context, sar_context]
        if cm is not None:
            streams.append(self.cm_context(cm))
        stacked = torch.cat(streams, dim=1)
        recalibrated = self.recalibration(
            stacked, reliability_weighted_pool(stacked, pool_weight))
        batch, _, height, width = opt.shape
        fused = recalibrated.view(batch, self.num_streams, -1, height, width).sum(dim=1)
        if self.opt_write_back is not None:
            opt = self.opt_write_back(opt, opt_context, fused)
        if self.sar_write_back is not None:
            sar = self.sar_write_back(sar, sar_context, fused)
        return DCHFOutput(opt=opt, sar=sar, fused=fused, reliability=reliability)
