"""Two linear 3x3 convs as one 5x5 conv: equal outputs and gradients, any size."""
import pytest
import torch
import torch.nn as nn

from mmseg_edc.models.utils import composed_kernel, conv3x3_pair


def conv_pair(bias=True, seed=0):
    torch.manual_seed(seed)
    return (nn.Conv2d(3, 5, 3, padding=1, bias=bias), nn.Conv2d(5, 2, 3, padding=1, bias=bias))


@pytest.mark.parametrize('size', [(9, 11), (3, 3), (4, 3), (2, 6), (1, 1)])
@pytest.mark.parametrize('bias', [True, False])
def test_pair_equals_the_two_convs(size, bias):
    first, second = conv_pair(bias)
    x = torch.randn(2, 3, *size)
    with torch.no_grad():
        assert torch.allclose(conv3x3_pair(x, first, second), second(first(x)), atol=1e-5)


def test_composed_kernel_is_exact_away_from_the_border():
    """Without the ring fix-up the composition differs exactly on the one-pixel ring
    (where the intermediate map's zero padding matters)."""
    first, second = conv_pair()
    x = torch.randn(1, 3, 8, 8)
    kernel, bias = composed_kernel(first, second)
    with torch.no_grad():
        diff = (torch.nn.functional.conv2d(x, kernel, bias, padding=2)
                - second(first(x))).abs()[0].amax(0)
    assert diff[1:-1, 1:-1].max() < 1e-5
    assert min(diff[0].max(), diff[-1].max(), diff[:, 0].max(), diff[:, -1].max()) > 1e-3


def test_gradients_equal_the_literal_pair():
    first, second = conv_pair()
    x = torch.randn(2, 3, 7, 6)
    grads = []
    for forward in (lambda: conv3x3_pair(x, first, second), lambda: second(first(x))):
        first.zero_grad()
        second.zero_grad()
        forward().square().sum().backward()
        grads.append([p.grad.clone() for p in (*first.parameters(), *second.parameters())])
    assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(*grads))
