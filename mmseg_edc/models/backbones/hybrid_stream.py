"""EDC's native stream: a FasterViT-0-like conv/attention hybrid run one stage at a time.

A stream exposes ``channels`` (the four stage widths) and
``forward_stage(index, x)``: stage ``index`` (0-based; docs/design.md numbers stages from 1)
maps the previous stage's map (the image for ``index == 0``) to this stage's map,
entry downsampling included. A stream built with ``first_stage = s`` has no modules
for the stages before ``s``: the cross-modal stream starts at ``first_stage = 1`` from
the stage-1 fused map. :class:`~.stream_adapter.EDCStreamAdapter` offers the same
interface over staged mmseg/mmpretrain backbones.
"""
from typing import Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmcv.cnn.bricks.drop import DropPath
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ..utils import full_precision
from .carrier_token_attention import HierarchicalAttentionStage

NUM_STAGES = 4


class ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channels of a ``B x C x H x W`` map (shape unchanged)."""

    def forward(self, x: Tensor) -> Tensor:
        x = F.layer_norm(x.permute(0, 2, 3, 1), self.normalized_shape, self.weight,
                         self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class ResidualConvBlock(nn.Module):
    """``x + drop_path(BN(conv3x3(GELU(BN(conv3x3(x))))))``: ``B x C x H x W`` in and out."""

    def __init__(self, channels: int, norm_cfg: dict, drop_path: float = 0.):
        super().__init__()
        self.conv1 = ConvModule(channels, channels, 3, padding=1, norm_cfg=norm_cfg,
                                act_cfg=dict(type='GELU'))
        self.conv2 = ConvModule(channels, channels, 3, padding=1, norm_cfg=norm_cfg,
                                act_cfg=None)
        self.drop_path = DropPath(drop_path)

    def forward(self, x: Tensor) -> Tensor:
        return x + self.drop_path(self.conv2(self.conv1(x)))


class ImageConvModule(ConvModule):
    """A ``ConvModule`` that reads the input image: it runs in fp32 under autocast,
    since the image rounded to bf16 (8 significant bits) changes labels downstream
    (docs/design.md §8.4). Same parameters and output shape as ``ConvModule``."""

    def forward(self, x: Tensor, *args, **kwargs) -> Tensor:
        with full_precision(x):
            return super().forward(x.float(), *args, **kwargs)


def conv_stem(in_channels: int, channels: int, norm_cfg: dict) -> nn.Sequential:
    """Two 3x3 stride-2 conv + BN + ReLU, the first in fp32 (:class:`ImageConvModule`):
    ``B x in x H x W -> B x C x ceil(H/4) x ceil(W/4)``."""
    return nn.Sequential(
        ImageConvModule(in_channels, channels, 3, stride=2, padding=1, norm_cfg=norm_cfg),
        ConvModule(channels, channels, 3, stride=2, padding=1, norm_cfg=norm_cfg))


def channel_norm_downsample(in_channels: int, out_channels: int) -> nn.Sequential:
    """LayerNorm over channels, then 3x3 stride-2 conv:
    ``B x in x H x W -> B x out x ceil(H/2) x ceil(W/2)``."""
    return nn.Sequential(
        ChannelLayerNorm(in_channels),
        nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1, bias=False))


class StreamStage(nn.Module):
    """Entry (stem or downsample) followed by the stage's blocks."""

    def __init__(self, entry: nn.Module, body: nn.Module):
        super().__init__()
        self.entry = entry
        self.body = body

    def forward(self, x: Tensor, token_weight: Optional[Tensor] = None) -> Tensor:
        x = self.entry(x)
        return self.body(x) if token_weight is None else self.body(x, token_weight)


@MODELS.register_module()
class EDCHybridStream(BaseModule):
    """Native FasterViT-0-like stream (docs/design.md §2.2).

    ========  ======  ========  =====================================================
    stage     stride  channels  blocks
    ========  ======  ========  =====================================================
    stem      4       C1        two 3x3 s2 conv + BN + ReLU
    1         4       C1        residual conv blocks (conv3x3-BN-GELU-conv3x3-BN + x)
    2         8       C2        residual conv blocks
    3         16      C3        carrier-token attention (window attention if disabled)
    4         32      C4        window attention
    ========  ======  ========  =====================================================

    Stages 2-4 enter through LayerNorm over channels + 3x3 stride-2 conv. Every
    stride-2 op uses padding 1, so stage ``i`` of a ``H x W`` image is
    ``ceil(H / 2^(i+1)) x ceil(W / 2^(i+1))`` (``i`` 1-based), any ``H, W``.

    Args:
        in_channels (int | None): image bands; None only when ``first_stage > 0``.
        embed_dims (Sequence[int]): ``C1..C4``.
        depths (Sequence[int]): blocks per stage.
        num_heads (Sequence[int]): heads of stages 3 and 4.
        window_size (int): nominal attention window side ``k``.
        window_partition (str): ``'fitted'`` (default): per stage and axis,
            ``ceil(L / k)`` windows of side ``ceil(L / ceil(L / k))`` that fit the
            runtime map (a map no larger than ``k`` is one window); ``'fixed'``: ``k x k``
            windows over a map padded to a multiple of ``k`` (the literal spec). Equal
            where ``L`` is a multiple of ``k``; parameters do not depend on it
            (docs/design.md §3.1).
        carrier_token_size (int): carrier tokens per window side in stage 3.
        use_carrier_tokens (bool): False makes stage 3 plain window attention (ablation).
        carrier_token_upsample (bool): the upsample step at the end of stage 3
            (docs/design.md §3.6).
        mlp_ratio (float): transformer MLP ratio.
        qkv_bias (bool): bias on the query/key/value projections.
        drop_path_rate (float): stochastic depth, rising linearly over all blocks of the
            four stages to this value.
        pos_mlp_hidden (int): hidden width of the positional MLPs.
        norm_cfg (dict): norm of the conv stem and conv blocks.
        first_stage (int): first stage built (0-based).
        init_cfg (dict | list | None): mmengine init config.
    """

    #: 0-based index of the stage that pools carrier tokens.
    carrier_stage = 2

    def __init__(self,
                 in_channels: Optional[int] = None,
                 embed_dims: Sequence[int] = (64, 128, 256, 512),
                 depths: Sequence[int] = (2, 3, 6, 5),
                 num_heads: Sequence[int] = (8, 16),
                 window_size: int = 7,
                 window_partition: str = 'fitted',
                 carrier_token_size: int = 2,
                 use_carrier_tokens: bool = True,
                 carrier_token_upsample: bool = True,
                 mlp_ratio: float = 4.,
                 qkv_bias: bool = True,
                 drop_path_rate: float = 0.2,
                 pos_mlp_hidden: int = 512,
                 norm_cfg: dict = dict(type='BN', requires_grad=True),
                 first_stage: int = 0,
                 init_cfg=[
                     dict(type='TruncNormal', layer='Linear', std=.02, bias=0.),
                     dict(type='Constant', layer=['LayerNorm', '_BatchNorm'], val=1.,
                          bias=0.),
                     dict(type='Kaiming', layer='Conv2d', mode='fan_out',
                          nonlinearity='relu'),
                 ]):
        super().__init__(init_cfg=init_cfg)
        if len(embed_dims) != NUM_STAGES or len(depths) != NUM_STAGES:
            raise ValueError('embed_dims and depths need one entry per stage (4)')
        if len(num_heads) != 2:
            raise ValueError('num_heads gives the heads of stages 3 and 4')
        if first_stage == 0 and in_channels is None:
            raise ValueError('a stream with its own stem (first_stage=0) needs in_channels')
        self.channels = tuple(embed_dims)
        self.first_stage = first_stage
        self.use_carrier_tokens = use_carrier_tokens
        rates = torch.linspace(0, drop_path_rate, sum(depths)).tolist()
        stage_rates = [rates[sum(depths[:i]):sum(depths[:i + 1])] for i in range(NUM_STAGES)]
        attention = dict(window_size=window_size, window_partition=window_partition,
                         mlp_ratio=mlp_ratio, qkv_bias=qkv_bias, pos_hidden=pos_mlp_hidden)
        bodies = [
            nn.Sequential(*(ResidualConvBlock(embed_dims[0], norm_cfg, r)
                            for r in stage_rates[0])),
            nn.Sequential(*(ResidualConvBlock(embed_dims[1], norm_cfg, r)
                            for r in stage_rates[1])),
            HierarchicalAttentionStage(
                embed_dims[2], depths[2], num_heads[0],
                carrier_tokens=carrier_token_size if use_carrier_tokens else 0,
                carrier_upsample=carrier_token_upsample, drop_path=stage_rates[2],
                **attention),
            HierarchicalAttentionStage(
                embed_dims[3], depths[3], num_heads[1], carrier_tokens=0,
                drop_path=stage_rates[3], **attention),
        ]
        self.stages = nn.ModuleDict()
        for index in range(first_stage, NUM_STAGES):
            entry = (conv_stem(in_channels, embed_dims[0], norm_cfg) if index == 0 else
                     channel_norm_downsample(embed_dims[index - 1], embed_dims[index]))
            self.stages[f'stage{index + 1}'] = StreamStage(entry, bodies[index])

    def forward_stage(self, index: int, x: Tensor,
                      token_weight: Optional[Tensor] = None) -> Tensor:
        """Run stage ``index`` (0-based), its entry stem/downsample included.

        Args:
            index (int): ``first_stage <= index < 4``.
            x (Tensor): the image ``B x in_channels x H x W`` for index 0, else the
                previous stage's map ``B x C_{index-1} x h x w``.
            token_weight (Tensor | None): ``B x 1 x h' x w'`` pixel weights for the
                carrier-token pooling; only for ``index == carrier_stage`` with carrier
                tokens on.

        Returns:
            Tensor: ``B x C_index x ceil(h / 2) x ceil(w / 2)`` (``ceil(H/4)`` for 0).
        """
        if not self.first_stage <= index < NUM_STAGES:
            raise IndexError(f'stage {index} is not part of this stream')
        return self.stages[f'stage{index + 1}'](x, token_weight)
