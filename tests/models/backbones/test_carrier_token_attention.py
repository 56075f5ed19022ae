"""Window geometry, masking and carrier-token attention of one stage."""
import pytest
import torch

from mmseg_edc.models.backbones.carrier_token_attention import (
    CarrierTokenizer, HierarchicalAttentionStage, MultiHeadSelfAttention,
    WindowGeometry, normalised_grid, window_partition, window_reverse)


def tiny_stage(carrier_tokens=2, **kwargs):
    torch.manual_seed(0)
    return HierarchicalAttentionStage(
        dim=16, depth=2, num_heads=2, window_size=7, carrier_tokens=carrier_tokens,
        pos_hidden=8, **kwargs).eval()


@pytest.mark.parametrize('height, width, windows, padding, valid_carriers', [
    (14, 14, 4, (0, 0, 0, 0), 16),   # divisible: no padding, no mask
    (10, 12, 4, (0, 2, 0, 4), 12),   # 3 valid rows in the last window row: bin [3, 7) empty
    (5, 5, 1, (0, 2, 0, 2), 4),      # smaller than a window: rows 3, 4 fill bin [3, 7)
    (1, 1, 1, (0, 6, 0, 6), 1),      # one pixel: only the first bin holds it
    (21, 8, 6, (0, 6, 0, 0), 18),    # non-square, second window column is 1 px wide
])
def test_geometry_counts(height, width, windows, padding, valid_carriers):
    geometry = WindowGeometry(height, width, window=7, carrier=2)
    assert geometry.num_windows == windows
    assert geometry.num_carriers == windows * 4
    assert geometry.padding == padding
    local_valid = geometry.local_valid()
    carrier_valid = geometry.carrier_valid()
    if not geometry.is_padded:
        assert local_valid is None and carrier_valid is None
        return
    assert local_valid.shape == (windows, 49)
    assert int(local_valid.sum()) == height * width
    carriers = windows * 4 if carrier_valid is None else int(carrier_valid.sum())
    assert carriers == valid_carriers


def test_geometry_rejects_more_carriers_than_window():
    with pytest.raises(ValueError):
        WindowGeometry(10, 10, window=2, carrier=3)


@pytest.mark.parametrize('height, width', [(10, 12), (7, 7), (3, 17)])
def test_partition_pad_crop_round_trip(height, width):
    x = torch.randn(2, 5, height, width)
    geometry = WindowGeometry(height, width, window=7)
    padded = torch.nn.functional.pad(x, geometry.padding)
    tokens = window_partition(padded, 7)
    assert tokens.shape == (2, geometry.num_windows, 49, 5)
    # token t of window w is the pixel at (row * 7 + t // 7, col * 7 + t % 7)
    row, col = divmod(geometry.num_windows - 1, geometry.cols)
    assert torch.equal(tokens[:, -1, 8], padded[:, :, row * 7 + 1, col * 7 + 1])
    back = window_reverse(tokens, geometry.rows, geometry.cols, 7)
    assert torch.equal(back[..., :height, :width], x)


def test_carrier_index_lies_in_its_pooling_bin():
    window, carrier = 7, 2
    index = WindowGeometry(7, 7, window, carrier).carrier_index().view(window, window)
    for i in range(window):
        cell = int(index[i, 0]) // carrier
        start, end = cell * window // carrier, -(-(cell + 1) * window // carrier)
        assert start <= i < end


def test_normalised_grid_is_size_independent_and_centred():
    grid = normalised_grid(1, 4)
    assert grid.shape == (1, 2, 1, 4)
    assert torch.allclose(grid[0, 0], torch.zeros(1, 4))
    assert torch.allclose(grid[0, 1, 0], torch.tensor([-0.75, -0.25, 0.25, 0.75]))


def identity_tokenizer(dim):
    tokenizer = CarrierTokenizer(dim)
    with torch.no_grad():
        tokenizer.cue.weight.zero_()
        tokenizer.cue.weight[:, :, 1, 1] = 1
        tokenizer.cue.bias.zero_()
    return tokenizer


def test_tokenizer_averages_valid_pixels_of_each_bin():
    x = torch.randn(1, 3, 10, 12)
    geometry = WindowGeometry(10, 12, window=7, carrier=2)
    tokens = identity_tokenizer(3)(x, geometry)
    assert tokens.shape == (1, 4, 4, 3)
    # window (1, 1): rows 7..9, cols 7..11; bin (0, 0) covers rows 7..10, cols 7..10
    assert torch.allclose(tokens[0, 3, 0], x[0, :, 7:10, 7:11].mean(dim=(1, 2)), atol=1e-6)
    # bin (1, 0) of that window covers rows 10..13: padding only
    assert torch.equal(tokens[0, 3, 2], torch.zeros(3))
    # an inner bin overlaps its neighbour (bins of 4 at offsets 0 and 3)
    assert torch.allclose(tokens[0, 0, 1], x[0, :, 0:4, 3:7].mean(dim=(1, 2)), atol=1e-6)


def test_tokenizer_weighted_pooling():
    x = torch.randn(1, 3, 14, 14)
    geometry = WindowGeometry(14, 14, window=7, carrier=2)
    tokenizer = identity_tokenizer(3)
    uniform = tokenizer(x, geometry, torch.full((1, 1, 7, 7), 0.3))
    assert torch.allclose(uniform, tokenizer(x, geometry), atol=1e-6)
    weight = torch.zeros(1, 1, 14, 14)
    weight[..., 0, 0] = 1
    weighted = tokenizer(x, geometry, weight)
    assert torch.allclose(weighted[0, 0, 0], x[0, :, 0, 0], atol=1e-5)


def test_masked_keys_do_not_change_any_output():
    torch.manual_seed(0)
    attention = MultiHeadSelfAttention(8, 2)
    x = torch.randn(2, 3, 6, 8)
    key_valid = torch.ones(3, 6, dtype=torch.bool)
    key_valid[1, 4:] = False
    key_valid[2, 0] = False
    garbage = x.clone()
    garbage[:, ~key_valid] = 1e3
    out = attention(x, key_valid)
    out_garbage = attention(garbage, key_valid)
    assert torch.allclose(out[:, key_valid], out_garbage[:, key_valid], atol=1e-5)


@pytest.mark.parametrize('height, width', [(10, 12), (5, 5), (14, 14), (9, 20)])
@pytest.mark.parametrize('carrier_tokens', [2, 0])
def test_stage_keeps_size(height, width, carrier_tokens):
    stage = tiny_stage(carrier_tokens)
    x = torch.randn(2, 16, height, width)
    assert stage(x).shape == x.shape


def block_loop(stage, x, fill):
    """The stage's block loop on windows whose padded local tokens and padding-only
    carrier tokens are ``fill`` times random noise (noise, not a constant, which
    LayerNorm would erase); returns local tokens, carriers and masks."""
    height, width = x.shape[-2:]
    geometry = WindowGeometry(height, width, 7, 2)
    local_valid = geometry.local_valid()
    carrier_valid = geometry.carrier_valid()
    carrier_valid = (torch.ones(geometry.num_windows, 4, dtype=torch.bool)
                     if carrier_valid is None else carrier_valid)
    window_valid = torch.cat([carrier_valid, local_valid], dim=1)
    local = window_partition(torch.nn.functional.pad(x, geometry.padding), 7)
    local[:, ~local_valid] = fill * torch.randn_like(local[:, ~local_valid])
    carriers = stage.tokenizer(x, geometry)
    carriers[:, ~carrier_valid] = fill * torch.randn_like(carriers[:, ~carrier_valid])
    for block in stage.blocks:
        local, carriers = block(local, carriers, normalised_grid(7, 7).flatten(2)[0].t(),
                                geometry.carrier_coords(), window_valid,
                                carrier_valid.view(1, -1))
    return local, carriers, local_valid, carrier_valid, geometry


@pytest.mark.parametrize('height, width', [(10, 12), (5, 9)])
def test_padding_content_does_not_reach_valid_tokens(height, width):
    stage = tiny_stage()
    x = torch.randn(1, 16, height, width)
    with torch.no_grad():
        local, carriers, local_valid, carrier_valid, _ = block_loop(stage, x, 0.)
        local_g, carriers_g, _, _, _ = block_loop(stage, x, 50.)
    assert torch.allclose(local[:, local_valid], local_g[:, local_valid], atol=1e-4)
    assert torch.allclose(carriers[:, carrier_valid], carriers_g[:, carrier_valid],
                          atol=1e-4)


def test_stage_forward_is_the_masked_block_loop():
    """The stage pads, masks, runs the blocks and crops exactly like the loop above."""
    stage = tiny_stage(carrier_upsample=False)
    x = torch.randn(1, 16, 10, 12)
    with torch.no_grad():
        local, _, _, _, geometry = block_loop(stage, x, 0.)
        expected = window_reverse(local, geometry.rows, geometry.cols, 7)[..., :10, :12]
        assert torch.allclose(stage(x), expected, atol=1e-5)


def test_token_weight_needs_carrier_tokens():
    stage = tiny_stage(carrier_tokens=0)
    with pytest.raises(ValueError):
        stage(torch.randn(1, 16, 7, 7), torch.ones(1, 1, 7, 7))


def test_uniform_token_weight_equals_plain_pooling():
    stage = tiny_stage()
    x = torch.randn(1, 16, 10, 12)
    with torch.no_grad():
        assert torch.allclose(stage(x), stage(x, torch.full((1, 1, 20, 24), 0.5)),
                              atol=1e-5)


def test_carrier_ablation_has_no_carrier_modules():
    with_ct, without = tiny_stage(2), tiny_stage(0)
    assert without.tokenizer is None
    assert sum(p.numel() for p in without.parameters()) < sum(
        p.numel() for p in with_ct.parameters())


def test_stage_gradients_reach_every_parameter():
    stage = tiny_stage().train()
    stage(torch.randn(2, 16, 10, 12)).sum().backward()
    missing = [n for n, p in stage.named_parameters() if p.grad is None]
    assert not missing
