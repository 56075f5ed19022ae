"""Parameters, FLOPs and throughput of a segmentor's inference path.

FLOPs come from mmengine's counter (``mmengine.analysis.FlopAnalyzer``), which
counts one multiply-accumulate as one FLOP, as OpenMMLab reports them. It has no rule
for PyTorch's fused attention (``aten::scaled_dot_product_attention``), so one is
added here: ``B x heads x L_q x L_k x (D_qk + D_v)`` multiply-accumulates for the two
matrix products (softmax and masking are not counted, like elsewhere in the counter).

Throughput on a shared machine (docs/design.md §8.2): :func:`interleaved_rounds` times
several subjects round by round (A, B, then B, A, ...), so that a change in the load
hits all of them alike, and each round's ratios are paired; :func:`matmul_rate`
measures the machine's dense matmul rate, a subject like the models, so each model's
achieved rate can be stated as a fraction of what the machine reached in the same
round. Rates are in multiply-accumulates per second, the unit of the FLOP counts.
"""
import os
import platform
import statistics
import time
from contextlib import nullcontext
from math import prod
from typing import Callable, Dict, List, Sequence

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


def cpu_model():
    """The CPU's model name (``/proc/cpuinfo`` on Linux), else what ``platform`` says."""
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine_settings(threads, precision, device='cpu'):
    """What a timing depends on: threads, precision, torch, CPU, load average, and on a
    CUDA ``device`` the GPU's name, CUDA version and whether float32 matrix products
    and convolutions may run in TF32 (they then trade precision for speed)."""
    settings = dict(threads=threads, precision=precision, torch=torch.__version__,
                    cpu=cpu_model(), cpu_count=os.cpu_count(),
                    load_average=[round(x, 2) for x in os.getloadavg()])
    if torch.device(device).type == 'cuda':
        settings['accelerator'] = dict(
            name=torch.cuda.get_device_name(device), cuda=torch.version.cuda,
            matmul_tf32=torch.backends.cuda.matmul.allow_tf32,
            cudnn_tf32=torch.backends.cudnn.allow_tf32)
    return settings


def matmul_rate(precision='fp32', size=2048, min_seconds=0.5, device='cpu'):
    """Dense ``size x size`` matmul rate in multiply-accumulates per second.

    One warm-up product, then products until ``min_seconds`` have passed; each is
    ``size ** 3`` multiply-accumulates. ``'bf16'`` multiplies bfloat16 matrices
    (what autocast gives a linear layer).
    """
    dtype = dict(fp32=torch.float32, bf16=torch.bfloat16, fp16=torch.float16)[precision]
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)
    synchronize = _synchronizer(device)
    torch.mm(a, b)
    synchronize()
    count, start = 0, time.perf_counter()
    while True:
        torch.mm(a, b)
        count += 1
        synchronize()
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            return count * size ** 3 / elapsed


def _synchronizer(device):
    return torch.cuda.synchronize if torch.device(device).type == 'cuda' else (lambda: None)


def spread(values: Sequence[float]) -> dict:
    """``median``, ``min``, ``max`` and the ``values`` themselves."""
    return dict(median=statistics.median(values), min=min(values), max=max(values),
                values=list(values))


def interleaved_rounds(subjects: Dict[str, Callable[[], float]],
                       rounds: int) -> Dict[str, List[float]]:
    """Run every subject once per round, alternating the order between rounds.

    Args:
        subjects (dict): name -> a callable that measures once and returns a rate
            (e.g. images per second).
        rounds (int): number of rounds; odd rounds run the subjects in the given order,
            even rounds in reverse, so a slow drift of the load favours none of them.

    Returns:
        dict: name -> the ``rounds`` rates, in round order.
    """
    names = list(subjects)
    rates = {name: [] for name in names}
    for index in range(rounds):
        for name in (names if index % 2 == 0 else names[::-1]):
            rates[name].append(subjects[name]())
    return rates


def paired_ratios(numerator: Sequence[float], denominator: Sequence[float]) -> dict:
    """Round-by-round ratios of two subjects' rates and their :func:`spread`."""
    return spread([a / b for a, b in zip(numerator, denominator)])


def time_inference(model, inputs, repeats=1, warmup=1, precision='fp32', device='cpu'):
    """Images per second of tensor-mode inference (no grad) over ``repeats`` batches,
    after ``warmup`` untimed batches (re-warming caches after another subject ran)."""
    synchronize = _synchronizer(device)
    with torch.no_grad(), autocast_context(device, precision):
        for _ in range(warmup):
            model(inputs, mode='tensor')
        synchronize()
        start = time.perf_counter()
        for _ in range(repeats):
            model(inputs, mode='tensor')
        synchronize()
        elapsed = time.perf_counter() - start
    return inputs.shape[0] * repeats / elapsed
