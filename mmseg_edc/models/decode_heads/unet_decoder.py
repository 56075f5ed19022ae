"""The U-Net decoder body shared by the segmentation and cloud-removal heads."""
import math
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor


#: ``4 x 3``: tap ``u`` of a stride-2, padding-1 transposed convolution as a sum of the
#: rows (columns) of a 3x3 kernel applied after nearest x2 upsampling (see
#: :func:`conv3x3_of_doubled`).
DOUBLING_TAPS = torch.tensor([[0., 0., 1.],     # u = 0: kernel row 2
                              [0., 1., 1.],     # u = 1: kernel rows 1 + 2
                              [1., 1., 0.],     # u = 2: kernel rows 0 + 1
                              [1., 0., 0.]])    # u = 3: kernel row 0


#: Output size from which :func:`conv3x3_of_doubled` runs in channels-last memory format
#: on CPU: above it oneDNN's transposed convolution on contiguous maps slows down per
#: pixel (4 windows of 512 px, 16 channels, 1 thread: 4 x 15.7 ms one window at a time,
#: 165 ms together, 132 ms channels-last; docs/design.md §8.3). Training crops (8 x 16 x
#: 160 x 160, 13 MB) stay below it. Its output stays channels-last, so the rest of the
#: block and the head's output conv run on it too: converting such a map between the
#: layouts costs about 65 ms each way (4 x 16 x 512 x 512, 1 thread), and EDC-small's
#: forward over 4 windows of 512 px went from 1.11 to 0.72 s (medians of 5, the same
#: outputs) once it was no longer converted back.
CHANNELS_LAST_FOLD_BYTES = 32 * 2**20


def conv3x3_of_doubled(x: Tensor, weight: Tensor) -> Tensor:
    """``conv3x3(nearest_x2(x))`` (padding 1, no bias) without upsampling ``x``.

    Output row ``2m`` of the conv reads upsampled rows ``2m - 1, 2m, 2m + 1``, i.e.
    source rows ``m - 1, m, m`` (kernel row 0 on ``m - 1``, rows 1 + 2 on ``m``); row
    ``2m + 1`` reads source rows ``m, m, m + 1`` (rows 0 + 1 on ``m``, row 2 on
    ``m + 1``). A transposed convolution with stride 2, padding 1 and a 4-tap kernel
    writes source row ``i`` through tap ``u`` to output row ``2i + u - 1``, so the 3x3
    kernel folds into one ``4 x 4`` kernel (:data:`DOUBLING_TAPS` on both axes) and the
    whole operation is one ``conv_transpose2d`` on ``x``: the same sum of products (up
    to rounding) for 4/9 of the multiply-adds, and the ``4 x`` upsampled input is never
    built. Outputs of :data:`CHANNELS_LAST_FOLD_BYTES` and more are computed on a
    channels-last copy of ``x`` and returned channels-last (CPU; the same values).

    Args:
        x (Tensor): ``B x C_in x h x w``.
        weight (Tensor): ``C_out x C_in x 3 x 3``.

    Returns:
        Tensor: ``B x C_out x 2h x 2w``.
    """
    taps = DOUBLING_TAPS.to(weight)
    kernel = torch.einsum('uk,vl,oikl->iouv', taps, taps, weight)
    output_bytes = x.shape[0] * weight.shape[0] * 4 * x.shape[-2] * x.shape[-1] * \
        x.element_size()
    if x.device.type == 'cpu' and output_bytes >= CHANNELS_LAST_FOLD_BYTES:
        x = x.contiguous(memory_format=torch.channels_last)
    return F.conv_transpose2d(x, kernel, stride=2, padding=1)


class UNetBlock(nn.Module):
    """Nearest upsampling to a given size, optional skip concat, two conv3x3-norm-act.

    Where the size is exactly twice the input's (every block of a 160 or 256 px
    input), the first conv is computed without building the upsampled map or the
    concatenation: the concatenated input's channels split the conv into a sum,
    ``conv(up(x), W_x) + conv(skip, W_skip)``, and the first term comes from
    :func:`conv3x3_of_doubled`. Other sizes take the literal path.

    Shapes: ``x``: ``B x in_channels x h x w``, ``skip``: ``B x skip_channels x H x W``
    -> ``B x out_channels x H x W``.
    """

    def __init__(self, in_channels: int, skip_channels: int, out_channels: int,
                 norm_cfg: dict, act_cfg: dict):
        super().__init__()
        self.in_channels = in_channels
        self.convs = nn.Sequential(
            ConvModule(in_channels + skip_channels, out_channels, 3, padding=1,
                       norm_cfg=norm_cfg, act_cfg=act_cfg),
            ConvModule(out_channels, out_channels, 3, padding=1,
                       norm_cfg=norm_cfg, act_cfg=act_cfg))

    def forward(self, x: Tensor, size: Sequence[int], skip: Optional[Tensor] = None) -> Tensor:
        if tuple(size) != (2 * x.shape[-2], 2 * x.shape[-1]):
            x = F.interpolate(x, size=tuple(size), mode='nearest')
            if skip is not None:
                x = torch.cat([x, skip], dim=1)
            return self.convs(x)
        first = self.convs[0]
        weight = first.conv.weight
        out = conv3x3_of_doubled(x, weight[:, :self.in_channels])
        if skip is not None:
            out = out + F.conv2d(skip, weight[:, self.in_channels:], padding=1)
        if first.conv.bias is not None:
            out = out + first.conv.bias.view(-1, 1, 1)
        if first.with_norm:
            out = first.norm(out)
        if first.with_activation:
            out = first.activate(out)
        return self.convs[1](out)


class UNetDecoder(BaseModule):
    """U-Net decoder from the deepest pyramid level up to the input resolution.

    With ``L`` input levels and ``K = len(decoder_channels)`` blocks, the first ``L - 1``
    blocks upsample to the next shallower level and concatenate it (for a 4-level
    stride-4..32 pyramid: skips at strides 16, 8, 4); the remaining ``K - L + 1`` blocks
    have no skip and upsample x2 each (strides 2, 1).

    Every upsampling is nearest interpolation to an exact target size rather than a
    blind x2, so pyramids of inputs that are not multiples of 32 work: the target is
    the skip's size, then ``ceil(out / 2**k)`` for the skip-less blocks, ending at
    ``output_size``. For ceil-sized pyramids (stride-2 convs with padding) nearest
    interpolation from ``n`` to ``2n - 1`` equals x2 followed by a bottom/right crop,
    so every pixel stays over the same ground. ``output_size`` defaults to the
    shallowest level's size times ``2**(K - L + 1)`` (for the stride-4 map: x4); the
    heads pass the padded input size instead.

    Args:
        in_channels (Sequence[int]): channels per level, shallow to deep.
        decoder_channels (Sequence[int]): output channels of each block.
        norm_cfg (dict): norm of the convs.
        act_cfg (dict): activation of the convs.
        init_cfg (dict | None): mmengine init config.
    """

    def __init__(self, in_channels: Sequence[int],
                 decoder_channels: Sequence[int] = (256, 128, 64, 32, 16),
                 norm_cfg: dict = dict(type='BN'), act_cfg: dict = dict(type='ReLU'),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        in_channels = list(in_channels)
        if len(decoder_channels) < len(in_channels) - 1:
            raise ValueError(f'{len(in_channels)} levels need at least '
                             f'{len(in_channels) - 1} decoder blocks, got '
                             f'decoder_channels={tuple(decoder_channels)}')
        skips = in_channels[-2::-1] + [0] * (len(decoder_channels) - len(in_channels) + 1)
        inputs = [in_channels[-1]] + list(decoder_channels[:-1])
        self.blocks = nn.ModuleList(
            UNetBlock(cin, skip, cout, norm_cfg, act_cfg)
            for cin, skip, cout in zip(inputs, skips, decoder_channels))
        self.num_skips = len(in_channels) - 1
        self.out_channels = decoder_channels[-1]

    def _skipless_sizes(self, shallowest: Tensor,
                        output_size: Optional[Sequence[int]]) -> List[Tuple[int, int]]:
        steps = len(self.blocks) - self.num_skips
        if output_size is None:
            output_size = [side * 2**steps for side in shallowest.shape[-2:]]
        return [tuple(math.ceil(side / 2**(steps - 1 - k)) for side in output_size)
                for k in range(steps)]

    def forward(self, inputs: Sequence[Tensor],
                output_size: Optional[Sequence[int]] = None) -> Tensor:
        """Decode a pyramid.

        Args:
            inputs (Sequence[Tensor]): ``L`` maps ``B x in_channels[i] x H_i x W_i``,
                shallow to deep.
            output_size (Sequence[int] | None): ``(H, W)`` of the output.

        Returns:
            Tensor: ``B x decoder_channels[-1] x H x W``.
        """
        x = inputs[-1]
        skip_blocks = self.blocks[:self.num_skips]
        for block, skip in zip(skip_blocks, inputs[-2::-1]):
            x = block(x, skip.shape[-2:], skip)
        sizes = self._skipless_sizes(inputs[0], output_size)
        for block, size in zip(self.blocks[self.num_skips:], sizes):
            x = block(x, size)
        return x
