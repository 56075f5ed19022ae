"""Pyramids shaped like a stride-4..32 backbone's output for a given input size."""
import pytest
import torch



def level_sizes(height, width):
    """Sizes of a backbone whose stride-2 steps are padded convs: ceil halving."""
    sizes, (h, w) = [], (height, width)
    for level in range(4):
        for _ in range(2 if level == 0 else 1):
            h, w = -(-h // 2), -(-w // 2)
        sizes.append((h, w))
    return sizes


@pytest.fixture
def pyramid():
    def make(height, width, batch=2, channels=(4, 8, 16, 32), seed=0):
        gen = torch.Generator().manual_seed(seed)
        return tuple(torch.randn(batch, c, *size, generator=gen)
                     for c, size in zip(channels, level_sizes(height, width)))
    return make
