"""Parameters, FLOPs and throughput of a segmentor's inference path.

FLOPs come from mmengine's counter (``mmengine.analysis.FlopAnalyzer``), which
counts one multiply-accumulate as one FLOP, as OpenMMLab reports them. It has no rule
for PyTorch's fused attention (``aten::scaled_dot_product_attention``), so one is
added here: ``B x heads x L_q x L_k x (D_qk + D_v)`` multiply-accumulates for the two
matrix products (softmax and masking are not counted, like elsewhere in the counter).
"""
import time
from contextlib import nullcontext
from math import prod

import torch
import torch.nn as nn
from mmengine.analysis import FlopAnalyzer


def count_parameters(model):
    """Number of parameters (trainable or not) of ``model``."""
    return sum(p.numel() for p in model.parameters())


def input_channel_count(model):
    """Channels of the tensor the segmentor's network takes (after its data
    preprocessor): the preprocessor's kept channels (``input_channels`` of
    ``OpticalSARDataPreProcessor``: 6 for M3M-CR fusion, 4 optical-only), else the
    length of its normalisation mean.

    Raises:
        ValueError: the preprocessor states neither.
    """
    preprocessor = getattr(model, 'data_preprocessor', None)
    channels = getattr(preprocessor, 'input_channels', None)
    if channels is not None:
        return len(channels)
    if getattr(preprocessor, '_enable_normalize', False):
        return int(preprocessor.mean.shape[0])
    raise ValueError(f'cannot tell how many channels {type(model).__name__} takes: its '
                     'data preprocessor has neither input_channels nor a mean')


class TensorModeWrapper(nn.Module):
    """``forward(inputs)`` -> the segmentor's tensor-mode outputs, for tracing."""

    def __init__(self, segmentor):
        super().__init__()
        self.segmentor = segmentor

    def forward(self, inputs):
        return self.segmentor(inputs, mode='tensor')


def _sdpa_flop_handle(inputs, outputs):
    query, key, value = (inp.type().sizes() for inp in inputs[:3])
    *batch, length_q, depth_qk = query
    length_k, depth_v = key[-2], value[-1]
    return prod(batch) * length_q * length_k * (depth_qk + depth_v)


def count_flops(model, input_shape):
    """FLOPs (multiply-accumulates) of one forward pass in tensor mode.

    Args:
        model (nn.Module): a segmentor in eval mode.
        input_shape (tuple[int]): ``(B, C, H, W)``.

    Returns:
        dict: ``flops`` (total) and ``by_module`` (top-level children).
    """
    inputs = torch.randn(*input_shape, device=next(model.parameters()).device)
    analyzer = FlopAnalyzer(TensorModeWrapper(model), (inputs,))
    analyzer.set_op_handle('aten::scaled_dot_product_attention', _sdpa_flop_handle)
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    with torch.no_grad():
        total = analyzer.total()
        by_module = {name: flops for name, flops in analyzer.by_module().items()
                     if name.count('.') == 1 and name.startswith('segmentor.')}
    return dict(flops=int(total),
                by_module={k.split('.', 1)[1]: int(v) for k, v in by_module.items()})


def autocast_context(device, precision):
    """``torch.autocast`` on ``device`` for ``'fp16'`` / ``'bf16'``; nothing for ``'fp32'``."""
    if precision == 'fp32':
        return nullcontext()
    dtype = dict(fp16=torch.float16, bf16=torch.bfloat16)[precision]
    return torch.autocast(device_type=torch.device(device).type, dtype=dtype)


def measure_throughput(model, input_shape, warmup=3, repeats=10, device='cpu',
                       precision='fp32'):
    """Images per second of tensor-mode inference (no grad), timed over ``repeats``.

    Returns:
        dict: ``images_per_s``, ``seconds_per_batch`` (mean) and the settings used.
    """
    model = model.to(device).eval()
    inputs = torch.randn(*input_shape, device=device)
    synchronize = torch.cuda.synchronize if torch.device(device).type == 'cuda' \
        else (lambda: None)
    with torch.no_grad(), autocast_context(device, precision):
        for _ in range(warmup):
            model(inputs, mode='tensor')
        synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            model(inputs, mode='tensor')
        synchronize()
        elapsed = time.perf_counter() - start
    return dict(images_per_s=input_shape[0] * repeats / elapsed,
                seconds_per_batch=elapsed / repeats, batch=input_shape[0],
                warmup=warmup, repeats=repeats, device=str(device), precision=precision)
