"""conv_channels_last: the same convolution, contiguous output, gradients to rounding."""
import torch
import torch.nn as nn
import torch.nn.functional as F

from mmseg_edc.models.utils import conv_channels_last


def test_module_and_function_convs_match_the_contiguous_ones_values_and_gradients():
    torch.manual_seed(0)
    conv = nn.Conv2d(16, 6, 3, padding=1)
    kernel = torch.randn(4, 16, 5, 5, requires_grad=True)
    x = torch.randn(2, 16, 40, 36, requires_grad=True)
    for convolve, weight in ((conv, conv.weight),
                             (lambda t: F.conv2d(t, kernel, padding=2), kernel)):
        expected = convolve(x)
        out = conv_channels_last(convolve, x)
        assert out.shape == expected.shape and out.is_contiguous()
        torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-5)
        upstream = torch.randn_like(out)
        grads = torch.autograd.grad(out, (x, weight), upstream)
        expected_grads = torch.autograd.grad(expected, (x, weight), upstream)
        for grad, expected_grad in zip(grads, expected_grads):
            # sums over 2,880 positions in another order: rounding of their scale
            torch.testing.assert_close(grad, expected_grad, rtol=1e-4,
                                       atol=1e-5 * expected_grad.abs().max().item())


def test_a_parameters_gradient_keeps_the_parameters_layout():
    conv = nn.Conv2d(16, 6, 3, padding=1)
    conv_channels_last(conv, torch.randn(2, 16, 20, 20)).square().sum().backward()
    assert conv.weight.grad.is_contiguous() and conv.bias.grad.is_contiguous()


def test_the_conv_sees_a_channels_last_input():
    seen = []
    conv = nn.Conv2d(8, 4, 3, padding=1)
    conv.register_forward_pre_hook(lambda module, args: seen.append(
        args[0].is_contiguous(memory_format=torch.channels_last)))
    conv_channels_last(conv, torch.randn(2, 8, 16, 16))
    assert seen == [True]
