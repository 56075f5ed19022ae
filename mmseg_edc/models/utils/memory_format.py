"""Convolutions that oneDNN runs faster on channels-last inputs (CPU): the heads' output
convs. (The decoders' large transposed convs run channels-last too, and keep that layout
for the layers after them: ``conv3x3_of_doubled`` in ``decode_heads/unet_decoder.py``.)

The heads end in a 3x3 (or composed 5x5) convolution from a few channels to fewer (16
-> 6 classes, 8 -> 4 bands) over the full-resolution map. On contiguous (NCHW) tensors
oneDNN reorders such maps into its blocked layout and back, and its backward pass for
so few output channels is slow; on channels-last (NHWC) tensors it is not. EDC-small at
160 x 160, batch 8, 2 threads (docs/design.md §8.3): the classifier conv's forward and
backward 32.5 -> 21.4 ms, the cloud-removal output 16.0 -> 8.8 ms; the student's
training step 1.07x and the teacher's 1.05x faster (medians of interleaved rounds). The
decoders' 3x3 convs gain nothing (16 -> 16 channels: 10.2 ms contiguous, 12.3 ms
channels-last forward) and stay contiguous. The forward pass sums in the same order
(equal outputs here); the weight gradients differ by rounding.
"""
from typing import Callable

import torch
from torch import Tensor


def conv_channels_last(conv: Callable[[Tensor], Tensor], x: Tensor) -> Tensor:
    """``conv(x)`` computed on ``x`` in channels-last memory format on CPU, returned
    contiguous (other devices: ``conv(x)`` as it is).

    Args:
        conv (Callable): a convolution of a 4-D tensor (an ``nn.Conv2d`` or a function).
        x (Tensor): ``B x C_in x H x W``.

    Returns:
        Tensor: ``B x C_out x H' x W'``, contiguous.
    """
    if x.device.type != 'cpu':
        return conv(x)
    return conv(x.contiguous(memory_format=torch.channels_last)).contiguous()
