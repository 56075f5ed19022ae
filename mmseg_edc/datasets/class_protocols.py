"""Class protocols: how raw label codes map to class indices, with names and colours.

A protocol is a :class:`ClassProtocol`; :func:`build_label_lut` turns its code
mapping into the lookup table used by the loader. Codes that a protocol does not
list (or lists as ignored) become the ignore index 255, so they never count in
the loss or the metrics.
"""
from typing import Dict, NamedTuple, Tuple

import numpy as np

IGNORE_INDEX = 255


class ClassProtocol(NamedTuple):
    """``classes`` names, ``palette`` RGB colours, ``codes`` raw code -> class index."""
    classes: Tuple[str, ...]
    palette: Tuple[Tuple[int, int, int], ...]
    codes: Dict[int, int]

    @property
    def metainfo(self):
        return dict(classes=self.classes, palette=[list(c) for c in self.palette])


def _rgb(hex_colour):
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))


#: ESA WorldCover 2020: code -> (name, official colour).
WORLDCOVER = {
    10: ('tree cover', '#006400'),
    20: ('shrubland', '#ffbb22'),
    30: ('grassland', '#ffff4c'),
    40: ('cropland', '#f096ff'),
    50: ('built-up', '#fa0000'),
    60: ('bare / sparse vegetation', '#b4b4b4'),
    70: ('snow and ice', '#f0f0f0'),
    80: ('permanent water bodies', '#0064c8'),
    90: ('herbaceous wetland', '#0096a0'),
    95: ('mangroves', '#00cf75'),
    100: ('moss and lichen', '#fae6a0'),
}

#: The 6-class protocol of the M3M-CR benchmark; 70, 95 and 100 are ignored.
WORLDCOVER_6CLASS = ClassProtocol(
    classes=('forest', 'rangeland', 'agriculture', 'urban', 'barren', 'water'),
    palette=tuple(_rgb(WORLDCOVER[code][1]) for code in (10, 20, 40, 50, 60, 80)),
    codes={10: 0, 20: 1, 30: 1, 40: 2, 50: 3, 60: 4, 80: 5, 90: 5})

#: Every WorldCover code as its own class, in code order.
WORLDCOVER_11CLASS = ClassProtocol(
    classes=tuple(name for name, _ in WORLDCOVER.values()),
    palette=tuple(_rgb(colour) for _, colour in WORLDCOVER.values()),
    codes={code: index for index, code in enumerate(WORLDCOVER)})

M3MCR_PROTOCOLS = {'6class': WORLDCOVER_6CLASS, '11class': WORLDCOVER_11CLASS}


def build_label_lut(codes, num_classes):
    """Lookup table ``lut[code] = class index`` (uint8, 255 for unlisted codes).

    Args:
        codes (dict[int, int]): raw code -> class index in ``[0, num_classes)``
            (or 255 to ignore the code explicitly).
        num_classes (int): number of classes of the protocol.
    """
    bad = {c: i for c, i in codes.items()
           if not (0 <= int(c) <= 255) or not (0 <= i < num_classes or i == IGNORE_INDEX)}
    if bad:
        raise ValueError(
            f'label codes must lie in 0..255 and map to 0..{num_classes - 1} or '
            f'{IGNORE_INDEX}; invalid entries: {bad}')
    lut = np.full(256, IGNORE_INDEX, dtype=np.uint8)
    for code, index in codes.items():
        lut[int(code)] = index
    return lut


#: WHU-OPT-SAR (Li et al., JAG 2022): label code -> (name, colour). The dataset publishes
#: no colours; these are the ones ASANet (Zhang et al., ISPRS 2024) draws its WHU-OPT-SAR
#: maps with, so our maps compare side by side with that paper's figures. Background, which
#: ASANet does not draw, is black.
WHU_OPT_SAR = {
    0: ('background', '#000000'),
    10: ('farmland', '#ffc380'),
    20: ('city', '#ff0000'),
    30: ('village', '#9f81b7'),
    40: ('water', '#0000ff'),
    50: ('forest', '#00ff00'),
    60: ('road', '#ffff00'),
    70: ('others', '#ffffff'),
}

#: The usual WHU-OPT-SAR protocol: seven classes, background (code 0) ignored.
WHU_OPT_SAR_7CLASS = ClassProtocol(
    classes=tuple(name for code, (name, _) in WHU_OPT_SAR.items() if code),
    palette=tuple(_rgb(colour) for code, (_, colour) in WHU_OPT_SAR.items() if code),
    codes={code: code // 10 - 1 for code in WHU_OPT_SAR if code})

#: Every WHU-OPT-SAR code as a class, background included (class index = code / 10).
WHU_OPT_SAR_8CLASS = ClassProtocol(
    classes=tuple(name for name, _ in WHU_OPT_SAR.values()),
    palette=tuple(_rgb(colour) for _, colour in WHU_OPT_SAR.values()),
    codes={code: code // 10 for code in WHU_OPT_SAR})

WHU_OPT_SAR_PROTOCOLS = {'7class': WHU_OPT_SAR_7CLASS, '8class': WHU_OPT_SAR_8CLASS}


def apply_label_lut(labels, lut, ignore_index=IGNORE_INDEX):
    """Map raw label codes to class indices; codes outside the LUT become ignored.

    Args:
        labels (np.ndarray): integer ``h x w`` codes as stored (any integer dtype).
        lut (np.ndarray): uint8 array; ``lut[code]`` is the class of ``code``
            (``ignore_index`` for codes that the class protocol ignores).

    Returns:
        np.ndarray: uint8 ``h x w`` class indices.
    """
    out = np.full(labels.shape, ignore_index, dtype=np.uint8)
    inside = (labels >= 0) & (labels < len(lut))
    out[inside] = lut[labels[inside]]
    return out
