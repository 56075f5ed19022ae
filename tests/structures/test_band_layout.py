"""BandLayout: validation, channel indices and splitting of the packed input."""
import pytest
import torch

from mmseg_edc.structures import BandLayout


def test_channels_follow_the_packing_order():
    layout = BandLayout.from_config(dict(sar=2, optical=13), 'bands')   # any key order
    assert layout.as_dict() == dict(optical=13, sar=2) and layout.total == 15
    assert layout.channels(('optical',)) == list(range(13))
    assert layout.channels(('sar',)) == [13, 14]
    assert layout.channels(('optical', 'sar')) == list(range(15))
    assert layout.count(('sar',)) == 2


def test_split_checks_the_channel_count():
    layout = BandLayout(optical=4, sar=2)
    optical, sar = layout.split(torch.zeros(1, 6, 3, 3), 'x')
    assert optical.shape[1] == 4 and sar.shape[1] == 2
    with pytest.raises(ValueError, match=r'x has 5 channels, expected 4 optical \+ 2 SAR'):
        layout.split(torch.zeros(1, 5, 3, 3), 'x')


@pytest.mark.parametrize('bands, message', [
    ([4, 2], 'must be a dict'),
    (dict(optical=4), r"missing \['sar'\]"),
    (dict(optical=4, sar=0), "invalid {'sar': 0}"),
    (dict(optical=4, sar=2, lidar=1), r"unknown \['lidar'\]"),
    (dict(optical=4.0, sar=2), "invalid {'optical': 4.0}"),
])
def test_bad_declarations_are_refused_with_the_entry_named(bands, message):
    with pytest.raises(ValueError, match=f'model.bands.*{message}'):
        BandLayout.from_config(bands, 'model.bands')


def test_unknown_modalities_are_refused():
    with pytest.raises(ValueError, match='distinct names'):
        BandLayout(optical=4, sar=2).channels(('optical', 'optical'))
    with pytest.raises(ValueError, match='distinct names'):
        BandLayout(optical=4, sar=2).channels(('thermal',))
