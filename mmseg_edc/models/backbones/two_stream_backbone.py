"""Two stock backbones side by side, one on the optical and one on the SAR bands."""
from typing import Tuple

from mmengine.model import BaseModule
from mmseg.registry import MODELS
from torch import Tensor

from ...structures import BandLayout


@MODELS.register_module()
class TwoStreamBackbone(BaseModule):
    """Run one backbone on the optical bands and another on the SAR bands.

    Returns what ``DCHFNeck`` takes (docs/design.md §9.2): the flat tuple of the optical
    pyramid followed by the SAR pyramid, each as its backbone returns it. Each backbone
    is built with ``in_channels`` set to its modality's band count.

    Args:
        bands (dict): ``dict(optical=C_opt, sar=C_sar)`` of the packed input (an
            ``OpticalSAREncoderDecoder`` fills it in).
        optical (dict): config of the optical backbone (e.g. ``ResNetV1c``).
        sar (dict | None): config of the SAR backbone; None builds another copy of the
            optical config.
        init_cfg (dict | None): mmengine init config.

    Shapes: ``B x (C_opt + C_sar) x H x W`` -> ``L`` optical maps then ``L`` SAR maps.
    """

    def __init__(self, bands: dict, optical: dict, sar=None, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.bands = BandLayout.from_config(bands, 'TwoStreamBackbone.bands')
        self.optical_backbone = MODELS.build(dict(optical, in_channels=self.bands.optical))
        self.sar_backbone = MODELS.build(dict(sar or optical, in_channels=self.bands.sar))

    def forward(self, x: Tensor) -> Tuple[Tensor, ...]:
        optical, sar = self.bands.split(x, 'TwoStreamBackbone input')
        optical_levels = tuple(self.optical_backbone(optical))
        sar_levels = tuple(self.sar_backbone(sar))
        if len(optical_levels) != len(sar_levels):
            raise ValueError(f'the optical backbone gives {len(optical_levels)} levels, the '
                             f'SAR backbone {len(sar_levels)}: DCHFNeck fuses them in pairs')
        return optical_levels + sar_levels
