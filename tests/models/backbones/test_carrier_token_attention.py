"""Window geometry, masking and carrier-token attention of one stage."""
import pytest
import torch

from mmseg_edc.models.backbones.carrier_token_attention import (
    CarrierTokenizer, HierarchicalAttentionStage, MultiHeadSelfAttention,
    WindowGeometry, fitted_windows, merge_windows, normalised_grid)


def tiny_stage(carrier_tokens=2, **kwargs):
    torch.manual_seed(0)
    return HierarchicalAttentionStage(
        dim=16, depth=2, num_heads=2, window_size=7, carrier_tokens=carrier_tokens,
        pos_hidden=8, **kwargs).eval()


@pytest.mark.parametrize('length, count, side', [
    (16, 3, 6),    # EDC-base stage 3 at 256 px: 18 instead of 21 rows, 2 of them padding
    (8, 2, 4),     # stage 4 at 256 px: two unpadded windows instead of one of 14
    (10, 2, 5),    # stage 3 at 160 px: no padding instead of 4 rows
    (5, 1, 5),     # no larger than the window: one unpadded window
    (1, 1, 1),
    (14, 2, 7),    # multiples of 7 keep 7 x 7 windows
    (21, 3, 7),
    (100, 15, 7),  # 105 rows: the 5 padding rows lie in the last window
])
def test_fitted_windows(length, count, side):
    assert fitted_windows(length, 7) == (count, side)
    assert side <= 7 and 0 <= count * side - length < count


@pytest.mark.parametrize('height, width, windows, window, padding', [
    (16, 16, 9, (6, 6), (0, 2, 0, 2)),
    (8, 8, 4, (4, 4), (0, 0, 0, 0)),
    (10, 17, 6, (5, 6), (0, 1, 0, 0)),   # non-square: no row padding, 1 column
    (3, 2, 1, (3, 2), (0, 0, 0, 0)),     # smaller than a window
    (14, 21, 6, (7, 7), (0, 0, 0, 0)),   # multiples of 7: the fixed layout
])
def test_fitted_geometry(height, width, windows, window, padding):
    geometry = WindowGeometry(height, width, window=7, carrier=2)
    assert geometry.partition == 'fitted'
    assert geometry.num_windows == windows
    assert (geometry.window_height, geometry.window_width) == window
    assert geometry.padding == padding
    assert geometry.local_coords().shape == (window[0] * window[1], 2)
    assert geometry.carrier_coords().shape == (1, windows, 4, 2)


def test_geometry_rejects_unknown_partition():
    with pytest.raises(ValueError, match='fitted'):
        WindowGeometry(10, 10, window=7, partition='shifted')
    with pytest.raises(ValueError, match='fitted'):
        tiny_stage(window_partition='shifted')


@pytest.mark.parametrize('height, width, windows, padding, valid_carriers', [
    (14, 14, 4, (0, 0, 0, 0), 16),   # divisible: no padding, no mask
    (10, 12, 4, (0, 2, 0, 4), 12),   # 3 valid rows in the last window row: bin [3, 7) empty
    (5, 5, 1, (0, 2, 0, 2), 4),      # smaller than a window: rows 3, 4 fill bin [3, 7)
    (1, 1, 1, (0, 6, 0, 6), 1),      # one pixel: only the first bin holds it
    (21, 8, 6, (0, 6, 0, 0), 18),    # non-square, second window column is 1 px wide
])
def test_fixed_geometry_counts(height, width, windows, padding, valid_carriers):
    geometry = WindowGeometry(height, width, window=7, carrier=2, partition='fixed')
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


@pytest.mark.parametrize('partition', ['fitted', 'fixed'])
@pytest.mark.parametrize('height, width', [(10, 12), (7, 7), (3, 17), (16, 9)])
def test_partition_pad_crop_round_trip(height, width, partition):
    x = torch.randn(2, 5, height, width)
    geometry = WindowGeometry(height, width, window=7, partition=partition)
    wh, ww = geometry.window_height, geometry.window_width
    tokens = geometry.partition_map(x)
    assert tokens.shape == (2, geometry.num_windows, wh * ww, 5)
    # token t of window w is the pixel at (row * wh + t // ww, col * ww + t % ww)
    padded = torch.nn.functional.pad(x, geometry.padding)
    row, col = divmod(geometry.num_windows - 1, geometry.cols)
    assert torch.equal(tokens[:, -1, ww + 1], padded[:, :, row * wh + 1, col * ww + 1])
    assert torch.equal(merge_windows(tokens, geometry.rows, geometry.cols, wh, ww), padded)
    assert torch.equal(geometry.merge_tokens(tokens), x)


@pytest.mark.parametrize('height, width', [(7, 7), (6, 5), (1, 3)])
def test_carrier_index_lies_in_its_pooling_bin(height, width):
    carrier = 2
    geometry = WindowGeometry(height, width, 7, carrier)
    index = geometry.carrier_index().view(height, width)
    for axis, side in ((0, height), (1, width)):
        for i in range(side):
            token = int(index[i, 0] if axis == 0 else index[0, i])
            cell = token // carrier if axis == 0 else token % carrier
            # adaptive pooling bin ``cell`` of ``carrier`` over ``side`` pixels
            start, end = cell * side // carrier, -(-(cell + 1) * side // carrier)
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
    geometry = WindowGeometry(10, 12, window=7, carrier=2, partition='fixed')
    tokens = identity_tokenizer(3)(x, geometry)
    assert tokens.shape == (1, 4, 4, 3)
    # window (1, 1): rows 7..9, cols 7..11; bin (0, 0) covers rows 7..10, cols 7..10
    assert torch.allclose(tokens[0, 3, 0], x[0, :, 7:10, 7:11].mean(dim=(1, 2)), atol=1e-6)
    # bin (1, 0) of that window covers rows 10..13: padding only
    assert torch.equal(tokens[0, 3, 2], torch.zeros(3))
    # an inner bin overlaps its neighbour (bins of 4 at offsets 0 and 3)
    assert torch.allclose(tokens[0, 0, 1], x[0, :, 0:4, 3:7].mean(dim=(1, 2)), atol=1e-6)


def test_tokenizer_pools_the_fitted_window():
    x = torch.randn(1, 3, 16, 16)
    geometry = WindowGeometry(16, 16, window=7, carrier=2)   # 3 x 3 windows of 6 x 6
    tokens = identity_tokenizer(3)(x, geometry)
    assert tokens.shape == (1, 9, 4, 3)
    # window (1, 0): rows 6..11, cols 0..5; bins of 3 at offsets 0 and 3
    assert torch.allclose(tokens[0, 3, 1], x[0, :, 6:9, 3:6].mean(dim=(1, 2)), atol=1e-6)
    # window (2, 2): rows 12..17 of which 16, 17 are padding; bin (1, 1) covers rows
    # and columns 15..17, so it averages the one valid pixel (15, 15)
    assert torch.allclose(tokens[0, 8, 3], x[0, :, 15, 15], atol=1e-6)


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


def fill_padding_with_noise(monkeypatch, scale):
    """Make every stage put ``scale`` times random noise (not a constant, which
    LayerNorm would erase) into its padded local tokens and its padding-only carrier
    tokens, where it pads with zeros."""
    partition_map, tokenize = WindowGeometry.partition_map, CarrierTokenizer.forward
    noise = torch.Generator().manual_seed(1)

    def overwrite(tokens, valid):
        if valid is None:
            return tokens
        tokens = tokens.clone()
        tokens[:, ~valid] = scale * torch.randn(tokens[:, ~valid].shape, generator=noise)
        return tokens

    monkeypatch.setattr(WindowGeometry, 'partition_map', lambda self, x: overwrite(
        partition_map(self, x), self.local_valid()))
    monkeypatch.setattr(CarrierTokenizer, 'forward', lambda self, x, geometry, weight=None:
                        overwrite(tokenize(self, x, geometry, weight),
                                  geometry.carrier_valid()))


@pytest.mark.parametrize('partition', ['fitted', 'fixed'])
@pytest.mark.parametrize('height, width', [
    (9, 9),     # odd: fitted 2 x 2 windows of 5 (1 padded row/column), fixed 14 x 14
    (10, 17),   # non-square: fitted windows of 5 x 6, one padded column
    (31, 9),    # fitted 5 windows of 7 rows: the last holds 3 valid rows, so its
                # second carrier row (bin rows 3..6) pools padding only
    (3, 2),     # smaller than a window: fitted one unpadded window, fixed 7 x 7
    (14, 21),   # multiples of 7: no padding either way
])
@pytest.mark.parametrize('carrier_tokens', [2, 0])
def test_padding_content_does_not_reach_valid_outputs(monkeypatch, partition, height,
                                                      width, carrier_tokens):
    stage = tiny_stage(carrier_tokens, window_partition=partition)
    x = torch.randn(2, 16, height, width)
    with torch.no_grad():
        clean = stage(x)
        fill_padding_with_noise(monkeypatch, 50.)
        noisy = stage(x)
    assert clean.shape == x.shape
    assert torch.allclose(clean, noisy, atol=1e-5)


def test_noise_fill_reaches_the_padding(monkeypatch):
    """The check above has teeth: unmasked, the noise changes valid outputs."""
    stage = tiny_stage(window_partition='fitted')
    x = torch.randn(1, 16, 9, 9)
    with torch.no_grad():
        clean = stage(x)
        fill_padding_with_noise(monkeypatch, 50.)
        monkeypatch.setattr(WindowGeometry, 'local_valid', lambda self, device=None: None)
        assert not torch.allclose(clean, stage(x), atol=1e-3)


@pytest.mark.parametrize('height, width', [(14, 14), (21, 7), (7, 7), (28, 14)])
@pytest.mark.parametrize('carrier_tokens', [2, 0])
def test_fitted_and_fixed_windows_agree_on_multiples_of_the_window(height, width,
                                                                   carrier_tokens):
    fitted = tiny_stage(carrier_tokens, window_partition='fitted')
    fixed = tiny_stage(carrier_tokens, window_partition='fixed')
    x = torch.randn(2, 16, height, width)
    with torch.no_grad():
        assert torch.equal(fitted(x), fixed(x))


def test_windows_are_independent_without_carrier_tokens():
    """A map and its crop to whole windows: 16 x 16 and 12 x 12 both have fitted
    windows of 6 x 6, so window attention gives the crop's output on the crop."""
    stage = tiny_stage(carrier_tokens=0)
    x = torch.randn(1, 16, 16, 16)
    with torch.no_grad():
        assert torch.allclose(stage(x)[..., :12, :12], stage(x[..., :12, :12]), atol=1e-5)


def test_fitted_windows_need_no_padding_at_160_px():
    """EDC-base at 160 px: stage 3 is 10 x 10 (two windows of 5 per side), stage 4
    5 x 5 (one window); the fixed layout pads them to 14 x 14 and 7 x 7."""
    for side, windows in ((10, 4), (5, 1)):
        geometry = WindowGeometry(side, side, 7, 2)
        assert not geometry.is_padded and geometry.num_windows == windows
        assert WindowGeometry(side, side, 7, 2, 'fixed').is_padded


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


def test_partition_changes_no_parameter():
    fitted, fixed = tiny_stage(window_partition='fitted'), tiny_stage(window_partition='fixed')
    assert fitted.state_dict().keys() == fixed.state_dict().keys()
    assert all(torch.equal(a, b) for a, b in zip(fitted.state_dict().values(),
                                                 fixed.state_dict().values()))


def test_carrier_pooling_is_fp32_under_bf16_autocast():
    x = torch.randn(1, 3, 9, 9)
    geometry = WindowGeometry(9, 9, window=7, carrier=2)
    tokenizer = identity_tokenizer(3)
    with torch.no_grad(), torch.autocast('cpu', dtype=torch.bfloat16):
        tokens = tokenizer(x, geometry, torch.rand(1, 1, 9, 9))
    assert tokens.dtype == torch.float32
