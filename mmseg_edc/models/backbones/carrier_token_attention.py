"""Window attention and carrier-token (hierarchical) attention for the EDC hybrid stream.

Implemented from the EDC spec (docs/design.md §3, "Carrier-token attention"), not from
any existing code base. Token layout inside a stage: the padded ``B x C x Hp x Wp`` map
is partitioned once into ``B x nW x wh*ww x C`` window tokens (``nW`` windows of
``wh x ww``) and carrier tokens are kept as ``B x nW x T x C`` (``T = ct * ct`` per
window). Every block is pointwise outside its attention, and windows are never shifted,
so the stage partitions once on entry and reverses once on exit.

Windows (:class:`WindowGeometry`): by default they fit the runtime map (per axis
``n = ceil(L / k)`` windows of side ``ceil(L / n)``); ``window_partition='fixed'`` keeps
``k x k`` windows. Either way the map is padded at the bottom/right to a whole number
of windows. Padded local tokens, and carrier tokens whose pooling bin holds padding only,
never act as attention keys (boolean ``attn_mask`` of
:func:`torch.nn.functional.scaled_dot_product_attention`); they still act as queries,
and what they compute is cropped away. Carrier tokens are pooled with a masked
(weighted) mean, so a bin that straddles the border averages its valid pixels only and
padding never dilutes a token.
"""
import math
from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn.bricks.drop import DropPath
from torch import Tensor

from ..utils import full_precision

#: Keeps the masked mean of a carrier bin finite where its weights sum to zero.
POOL_EPS = 1e-6


def normalised_grid(rows: int, cols: int, device=None,
                    dtype: torch.dtype = torch.float32) -> Tensor:
    """Pixel-centre coordinates of a ``rows x cols`` grid, scaled to ``(-1, 1)``.

    Row ``i`` lies at ``(2 * i + 1) / rows - 1`` (a single row at 0), so the values
    depend on the grid shape only, never on a size fixed at construction.

    Returns:
        Tensor: ``1 x 2 x rows x cols`` with ``(y, x)`` in the channel dimension.
    """
    ys = (torch.arange(rows, device=device, dtype=dtype) * 2 + 1) / rows - 1
    xs = (torch.arange(cols, device=device, dtype=dtype) * 2 + 1) / cols - 1
    grid_y, grid_x = torch.meshgrid(ys, xs, indexing='ij')
    return torch.stack([grid_y, grid_x]).unsqueeze(0)


def fitted_windows(length: int, window: int) -> Tuple[int, int]:
    """Windows along one axis of ``length`` pixels for a nominal window side.

    ``n = ceil(length / window)`` windows of side ``ceil(length / n)``: no window is
    larger than ``window``, and the windows overrun the map by at most ``n - 1``
    pixels (a map no larger than ``window`` is one window, unpadded).

    Returns:
        tuple[int, int]: the number of windows and their side.
    """
    count = math.ceil(length / window)
    return count, math.ceil(length / count)


def partition_windows(x: Tensor, window_height: int, window_width: int) -> Tensor:
    """Split a map into non-overlapping windows of tokens (one copy at most).

    Args:
        x (Tensor): ``B x C x (rows * wh) x (cols * ww)``.
        window_height (int): window rows ``wh``.
        window_width (int): window columns ``ww``.

    Returns:
        Tensor: ``B x (rows * cols) x (wh * ww) x C``, windows in row-major order and
        tokens row-major inside each window.
    """
    batch, channels, height, width = x.shape
    rows, cols = height // window_height, width // window_width
    x = x.view(batch, channels, rows, window_height, cols, window_width)
    return x.permute(0, 2, 4, 3, 5, 1).reshape(
        batch, rows * cols, window_height * window_width, channels)


def merge_windows(tokens: Tensor, rows: int, cols: int, window_height: int,
                  window_width: int) -> Tensor:
    """Inverse of :func:`partition_windows`.

    Args:
        tokens (Tensor): ``B x (rows * cols) x (wh * ww) x C``.

    Returns:
        Tensor: ``B x C x (rows * wh) x (cols * ww)``.
    """
    batch, channels = tokens.shape[0], tokens.shape[-1]
    x = tokens.view(batch, rows, cols, window_height, window_width, channels)
    return x.permute(0, 5, 1, 3, 2, 4).reshape(
        batch, channels, rows * window_height, cols * window_width)


#: How a stage cuts its runtime map into windows (docs/design.md §3.1).
WINDOW_PARTITIONS = ('fitted', 'fixed')


@dataclass(frozen=True)
class WindowGeometry:
    """Window and carrier-token layout of one ``height x width`` map, built per forward.

    Args:
        height (int): runtime map height ``H``.
        width (int): runtime map width ``W``.
        window (int): nominal window side ``k``.
        carrier (int): carrier tokens per window side ``ct`` (0: no carrier tokens).
        partition (str): ``'fitted'``: per axis ``n = ceil(L / k)`` windows of side
            ``ceil(L / n)`` (:func:`fitted_windows`), so at most ``n - 1`` rows or
            columns are padding and a map no larger than ``k`` is one unpadded window;
            ``'fixed'``: windows of exactly ``k x k``, the map padded to the next
            multiple of ``k``. Both agree where ``L`` is a multiple of ``k``.

    The map is padded at the bottom/right to ``rows * wh x cols * ww`` (``wh x ww`` the
    runtime window). Carrier tokens come from adaptive average pooling of the padded map
    to ``rows * ct x cols * ct``: because the padded size is a multiple of the window,
    every pooling bin lies inside one window, each window gets exactly ``ct x ct``
    tokens, and bin size and stride follow from the runtime window (``7 x 7``, ``ct =
    2``: bins of 4 at offsets 0 and 3; a window narrower than ``ct`` gives bins that
    share pixels).
    """

    height: int
    width: int
    window: int
    carrier: int = 0
    partition: str = 'fitted'

    def __post_init__(self):
        if self.carrier > self.window:
            raise ValueError(f'{self.carrier} carrier tokens per side do not fit a '
                             f'window of {self.window}')
        if self.partition not in WINDOW_PARTITIONS:
            raise ValueError(f'window partition must be one of {WINDOW_PARTITIONS}, '
                             f'got {self.partition!r}')

    def _axis(self, length: int) -> Tuple[int, int]:
        if self.partition == 'fixed':
            return math.ceil(length / self.window), self.window
        return fitted_windows(length, self.window)

    @property
    def rows(self) -> int:
        return self._axis(self.height)[0]

    @property
    def cols(self) -> int:
        return self._axis(self.width)[0]

    @property
    def window_height(self) -> int:
        """Rows ``wh`` of every window."""
        return self._axis(self.height)[1]

    @property
    def window_width(self) -> int:
        """Columns ``ww`` of every window."""
        return self._axis(self.width)[1]

    @property
    def window_tokens(self) -> int:
        """Local tokens per window, ``wh * ww``."""
        return self.window_height * self.window_width

    @property
    def num_windows(self) -> int:
        return self.rows * self.cols

    @property
    def num_carriers(self) -> int:
        """Carrier tokens of the whole map: ``nW * ct * ct``."""
        return self.num_windows * self.carrier ** 2

    @property
    def padding(self) -> Tuple[int, int, int, int]:
        """``(left, right, top, bottom)`` padding, as :func:`F.pad` takes it."""
        return (0, self.cols * self.window_width - self.width,
                0, self.rows * self.window_height - self.height)

    @property
    def is_padded(self) -> bool:
        return any(self.padding)

    def partition_map(self, x: Tensor) -> Tensor:
        """``B x C x H x W`` map -> ``B x nW x wh*ww x C`` window tokens (padded)."""
        if self.is_padded:
            x = F.pad(x, self.padding)
        return partition_windows(x, self.window_height, self.window_width)

    def merge_tokens(self, tokens: Tensor) -> Tensor:
        """``B x nW x wh*ww x C`` window tokens -> the ``B x C x H x W`` map (cropped)."""
        x = merge_windows(tokens, self.rows, self.cols, self.window_height,
                          self.window_width)
        return x[..., :self.height, :self.width] if self.is_padded else x

    def valid_map(self, device=None) -> Tensor:
        """``1 x 1 x Hp x Wp`` float map, 1 on the original pixels, 0 on padding."""
        valid = torch.ones(1, 1, self.height, self.width, device=device)
        return F.pad(valid, self.padding)

    def local_valid(self, device=None) -> Optional[Tensor]:
        """``nW x wh*ww`` bool, True for tokens of original pixels; None without padding."""
        if not self.is_padded:
            return None
        return partition_windows(self.valid_map(device), self.window_height,
                                 self.window_width)[0, ..., 0] > 0

    def carrier_valid(self, device=None) -> Optional[Tensor]:
        """``nW x ct*ct`` bool, True where a bin holds an original pixel; None if all do."""
        if not self.is_padded:
            return None
        occupied = F.adaptive_max_pool2d(
            self.valid_map(device), (self.rows * self.carrier, self.cols * self.carrier))
        valid = partition_windows(occupied, self.carrier, self.carrier)[0, ..., 0] > 0
        return None if bool(valid.all()) else valid

    def local_coords(self, device=None, dtype: torch.dtype = torch.float32) -> Tensor:
        """``wh*ww x 2`` coordinates of the local tokens inside a window (the same
        for every window)."""
        grid = normalised_grid(self.window_height, self.window_width, device, dtype)
        return grid.flatten(2)[0].t()

    def carrier_coords(self, device=None, dtype: torch.dtype = torch.float32) -> Tensor:
        """``1 x nW x ct*ct x 2`` coordinates of the carrier tokens on the carrier grid."""
        grid = normalised_grid(self.rows * self.carrier, self.cols * self.carrier,
                               device, dtype)
        return partition_windows(grid, self.carrier, self.carrier)

    def carrier_index(self, device=None) -> Tensor:
        """``wh*ww`` long: the carrier token (of its window) each local token lies under.

        Nearest upsampling of ``ct x ct`` to ``wh x ww``; local row ``i`` maps to
        carrier row ``floor(i * ct / wh)``, whose pooling bin contains row ``i``.
        """
        rows = torch.arange(self.window_height, device=device) * self.carrier \
            // self.window_height
        cols = torch.arange(self.window_width, device=device) * self.carrier \
            // self.window_width
        return (rows[:, None] * self.carrier + cols[None, :]).flatten()


class PositionalMLP(nn.Module):
    """Positional embedding from normalised 2-D coordinates: ``... x 2 -> ... x C``."""

    def __init__(self, dim: int, hidden: int = 512):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(2, hidden), nn.ReLU(inplace=True),
                                 nn.Linear(hidden, dim))

    def forward(self, coords: Tensor) -> Tensor:
        return self.mlp(coords)


class MultiHeadSelfAttention(nn.Module):
    """Self-attention inside each of ``N`` independent token sequences per sample.

    Args:
        dim (int): token channels ``C``.
        num_heads (int): heads; ``C`` must be divisible by it.
        qkv_bias (bool): bias on the query/key/value projection.
    """

    def __init__(self, dim: int, num_heads: int, qkv_bias: bool = True):
        super().__init__()
        if dim % num_heads:
            raise ValueError(f'{dim} channels do not split into {num_heads} heads')
        self.num_heads = num_heads
        self.qkv = nn.Linear(dim, dim * 3, bias=qkv_bias)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x: Tensor, key_valid: Optional[Tensor] = None) -> Tensor:
        """Attend.

        Args:
            x (Tensor): ``B x N x L x C``.
            key_valid (Tensor | None): ``N x L`` bool; False keys get no attention.

        Returns:
            Tensor: ``B x N x L x C``.
        """
        batch, num_seq, length, channels = x.shape
        qkv = self.qkv(x).view(batch * num_seq, length, 3, self.num_heads, -1)
        query, key, value = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        mask = None
        if key_valid is not None:
            mask = key_valid.expand(batch, num_seq, length).reshape(
                batch * num_seq, 1, 1, length)
        out = F.scaled_dot_product_attention(query, key, value, attn_mask=mask)
        out = out.transpose(1, 2).reshape(batch, num_seq, length, channels)
        return self.proj(out)


class TransformerBlock(nn.Module):
    """Pre-norm self-attention and MLP, each with a residual and stochastic depth.

    Shapes: ``B x N x L x C`` in and out; ``key_valid`` as in
    :class:`MultiHeadSelfAttention`. Stochastic depth drops whole samples (dim 0).
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.,
                 qkv_bias: bool = True, drop_path: float = 0.):
        super().__init__()
        hidden = int(dim * mlp_ratio)
        self.norm1 = nn.LayerNorm(dim)
        self.attn = MultiHeadSelfAttention(dim, num_heads, qkv_bias)
        self.norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, hidden), nn.GELU(), nn.Linear(hidden, dim))
        self.drop_path = DropPath(drop_path)

    def forward(self, x: Tensor, key_valid: Optional[Tensor] = None) -> Tensor:
        x = x + self.drop_path(self.attn(self.norm1(x), key_valid))
        return x + self.drop_path(self.mlp(self.norm2(x)))


class WindowAttentionBlock(nn.Module):
    """Positional embedding, then a transformer block inside every window.

    When carrier tokens are given they are put in front of the window's local tokens
    for the attention and split off again afterwards.
    """

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.,
                 qkv_bias: bool = True, drop_path: float = 0., pos_hidden: int = 512):
        super().__init__()
        self.pos = PositionalMLP(dim, pos_hidden)
        self.block = TransformerBlock(dim, num_heads, mlp_ratio, qkv_bias, drop_path)

    def forward(self, local: Tensor, local_coords: Tensor,
                key_valid: Optional[Tensor] = None,
                carriers: Optional[Tensor] = None) -> Tuple[Tensor, Optional[Tensor]]:
        """Run one block.

        Args:
            local (Tensor): ``B x nW x L x C`` window tokens (``L = wh * ww``).
            local_coords (Tensor): ``L x 2`` coordinates inside a window.
            key_valid (Tensor | None): ``nW x (T + L)`` bool (``T = 0`` without
                carriers), carrier part first.
            carriers (Tensor | None): ``B x nW x T x C`` carrier tokens.

        Returns:
            tuple: local tokens ``B x nW x L x C`` and carrier tokens
            ``B x nW x T x C`` (None when none were given).
        """
        local = local + self.pos(local_coords)
        if carriers is None:
            return self.block(local, key_valid), None
        num_carriers = carriers.shape[2]
        joint = self.block(torch.cat([carriers, local], dim=2), key_valid)
        return joint[:, :, num_carriers:], joint[:, :, :num_carriers]


class CarrierTokenBlock(nn.Module):
    """Hierarchical attention block: global attention over all carrier tokens of the
    image (own positional embedding, pre-norms and residuals), then window attention
    over each window's carrier tokens followed by its local tokens."""

    def __init__(self, dim: int, num_heads: int, mlp_ratio: float = 4.,
                 qkv_bias: bool = True, drop_path: float = 0., pos_hidden: int = 512):
        super().__init__()
        self.carrier_pos = PositionalMLP(dim, pos_hidden)
        self.carrier_block = TransformerBlock(dim, num_heads, mlp_ratio, qkv_bias, drop_path)
        self.window_block = WindowAttentionBlock(dim, num_heads, mlp_ratio, qkv_bias,
                                                 drop_path, pos_hidden)

    def forward(self, local: Tensor, carriers: Tensor, local_coords: Tensor,
                carrier_coords: Tensor, window_valid: Optional[Tensor],
                carrier_valid: Optional[Tensor]) -> Tuple[Tensor, Tensor]:
        """Run one block.

        Args:
            local (Tensor): ``B x nW x L x C`` (``L = wh * ww``).
            carriers (Tensor): ``B x nW x T x C``.
            local_coords (Tensor): ``L x 2``.
            carrier_coords (Tensor): ``1 x nW x T x 2``.
            window_valid (Tensor | None): ``nW x (T + L)`` bool key mask.
            carrier_valid (Tensor | None): ``1 x (nW * T)`` bool key mask.

        Returns:
            tuple: ``local`` and ``carriers``, shapes unchanged.
        """
        batch, num_windows, num_carriers, channels = carriers.shape
        carriers = carriers + self.carrier_pos(carrier_coords)
        carriers = self.carrier_block(
            carriers.reshape(batch, 1, num_windows * num_carriers, channels), carrier_valid)
        return self.window_block(local, local_coords, window_valid,
                                 carriers.view(batch, num_windows, num_carriers, channels))


class CarrierTokenizer(nn.Module):
    """Create the carrier tokens of one stage: depthwise 3x3 conv, then a per-window
    (masked, optionally weighted) average pool to ``ct x ct`` tokens.

    The conv runs on the unpadded map, so its zero padding is the image border and
    never reads padded content.
    """

    def __init__(self, dim: int):
        super().__init__()
        self.cue = nn.Conv2d(dim, dim, 3, padding=1, groups=dim)

    def forward(self, x: Tensor, geometry: WindowGeometry,
                weight: Optional[Tensor] = None) -> Tensor:
        """Pool carrier tokens.

        Args:
            x (Tensor): ``B x C x H x W`` unpadded stage input.
            geometry (WindowGeometry): layout of ``x``.
            weight (Tensor | None): ``B x 1 x h x w`` non-negative pixel weights of any
                size (area-resized to ``H x W``); None weighs valid pixels equally.

        Returns:
            Tensor: ``B x nW x ct*ct x C``; 0 for tokens whose bin is padding only.
        """
        cue = self.cue(x)
        grid = (geometry.rows * geometry.carrier, geometry.cols * geometry.carrier)
        # the pooling (a per-bin mean or a ratio of sums) runs in fp32 even under
        # autocast; the map is small (docs/design.md §8.4)
        with full_precision(cue):
            cue = cue.float()
            if weight is None and not geometry.is_padded:
                pooled = F.adaptive_avg_pool2d(cue, grid)
            else:
                if weight is None:
                    weight = cue.new_ones(1, 1, geometry.height, geometry.width)
                else:
                    weight = F.adaptive_avg_pool2d(weight.float(), cue.shape[-2:])
                weighted_sum = F.adaptive_avg_pool2d(F.pad(cue * weight, geometry.padding),
                                                     grid)
                weight_sum = F.adaptive_avg_pool2d(F.pad(weight, geometry.padding), grid)
                pooled = weighted_sum / weight_sum.clamp_min(POOL_EPS)
        return partition_windows(pooled, geometry.carrier, geometry.carrier)


class HierarchicalAttentionStage(nn.Module):
    """One attention stage over a ``B x C x H x W`` map of any size.

    With ``carrier_tokens > 0`` every block is a :class:`CarrierTokenBlock`; with 0 the
    stage is plain (non-shifted) window attention. The map is padded once on entry and
    cropped once on exit, so the output has the input's size.

    Args:
        dim (int): channels ``C``.
        depth (int): number of blocks.
        num_heads (int): attention heads.
        window_size (int): nominal window side ``k``.
        carrier_tokens (int): carrier tokens per window side ``ct``; 0 disables them.
        carrier_upsample (bool): after the last block, add each window's carrier tokens,
            nearest-upsampled to the window, to its local tokens (docs/design.md §3.6).
        mlp_ratio (float): MLP hidden width over ``C``.
        qkv_bias (bool): bias on the query/key/value projections.
        drop_path (Sequence[float]): stochastic depth rate per block.
        pos_hidden (int): hidden width of the positional MLPs.
        window_partition (str): ``'fitted'`` (windows of at most ``k`` that fit the
            runtime map) or ``'fixed'`` (``k x k`` windows over a padded map); see
            :class:`WindowGeometry`. Geometry only: the parameters are the same.
    """

    def __init__(self, dim: int, depth: int, num_heads: int, window_size: int = 7,
                 carrier_tokens: int = 2, carrier_upsample: bool = True,
                 mlp_ratio: float = 4., qkv_bias: bool = True,
                 drop_path: Sequence[float] = (), pos_hidden: int = 512,
                 window_partition: str = 'fitted'):
        super().__init__()
        drop_path = list(drop_path) or [0.] * depth
        if len(drop_path) != depth:
            raise ValueError(f'{len(drop_path)} drop-path rates for {depth} blocks')
        if window_partition not in WINDOW_PARTITIONS:
            raise ValueError(f'window_partition must be one of {WINDOW_PARTITIONS}, '
                             f'got {window_partition!r}')
        self.window_size = window_size
        self.window_partition = window_partition
        self.carrier_tokens = carrier_tokens
        self.carrier_upsample = carrier_upsample and carrier_tokens > 0
        block_type = CarrierTokenBlock if carrier_tokens else WindowAttentionBlock
        self.tokenizer = CarrierTokenizer(dim) if carrier_tokens else None
        self.blocks = nn.ModuleList(
            block_type(dim, num_heads, mlp_ratio, qkv_bias, rate, pos_hidden)
            for rate in drop_path)

    def geometry(self, height: int, width: int) -> WindowGeometry:
        """The window layout of a ``height x width`` map."""
        return WindowGeometry(height, width, self.window_size, self.carrier_tokens,
                              self.window_partition)

    def forward(self, x: Tensor, token_weight: Optional[Tensor] = None) -> Tensor:
        """Run the stage.

        Args:
            x (Tensor): ``B x C x H x W``.
            token_weight (Tensor | None): ``B x 1 x h x w`` pixel weights for the
                carrier-token pooling (see :class:`CarrierTokenizer`).

        Returns:
            Tensor: ``B x C x H x W``.
        """
        if token_weight is not None and self.tokenizer is None:
            raise ValueError('token_weight needs a stage with carrier tokens')
        geometry = self.geometry(*x.shape[-2:])
        local = geometry.partition_map(x)
        local_coords = geometry.local_coords(x.device, x.dtype)
        local_valid = geometry.local_valid(x.device)
        if self.tokenizer is None:
            for block in self.blocks:
                local, _ = block(local, local_coords, local_valid)
        else:
            local = self._carrier_blocks(x, local, local_coords, local_valid, geometry,
                                         token_weight)
        return geometry.merge_tokens(local)

    def _carrier_blocks(self, x: Tensor, local: Tensor, local_coords: Tensor,
                        local_valid: Optional[Tensor], geometry: WindowGeometry,
                        token_weight: Optional[Tensor]) -> Tensor:
        """Create carrier tokens and run every block; ``local``: ``B x nW x wh*ww x C``."""
        carriers = self.tokenizer(x, geometry, token_weight)
        carrier_coords = geometry.carrier_coords(x.device, x.dtype)
        carrier_valid = geometry.carrier_valid(x.device)
        window_valid = None
        if local_valid is not None:
            carrier_part = (carrier_valid if carrier_valid is not None else
                            local_valid.new_ones(geometry.num_windows, carriers.shape[2]))
            window_valid = torch.cat([carrier_part, local_valid], dim=1)
        global_valid = None if carrier_valid is None else carrier_valid.view(1, -1)
        for block in self.blocks:
            local, carriers = block(local, carriers, local_coords, carrier_coords,
                                    window_valid, global_valid)
        if self.carrier_upsample:
            local = local + carriers[:, :, geometry.carrier_index(x.device)]
        return local
