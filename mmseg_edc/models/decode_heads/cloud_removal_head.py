"""Cloud-removal head of EDC: a U-Net over the optical pyramid regressing the clear image."""
from typing import List, Optional, Sequence, Tuple

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from mmseg.registry import MODELS
from mmseg.utils import ConfigType, SampleList
from torch import Tensor

from ..losses import CloudWeightedCharbonnierLoss  # noqa: F401  (registers the default loss)
from ..utils import conv3x3_pair, conv_channels_last, decoded_size, padding_valid_mask
from .unet_decoder import UNetDecoder


@MODELS.register_module()
class CloudRemovalHead(BaseModule):
    """U-Net over the optical pyramid, ``conv3x3(16 -> 64)``, ``conv3x3(64 -> C_opt)``.

    The output is a linear regression of the cloud-free optical image in the units of
    ``gt_clear_img`` (no output activation). Without ``refine_act_cfg`` the two output
    convs are linear in a row and run as one 5x5 conv (:func:`conv3x3_pair`; the
    parameters stay the two convs'), about 7 times fewer multiply-adds at full
    resolution (docs/design.md §5.3).

    Targets (training): ``data_sample.gt_clear_img.data`` ``C_opt x H x W`` float and
    ``data_sample.gt_cloud_mask.data`` ``1 x H x W`` (1 = cloud), both on the padded
    input grid. The data preprocessor pads both with 0 at the bottom/right, which would
    read as a clear, black target; with ``ignore_padding=True`` [ours] the loss leaves
    out every pixel in the ``padding_size`` border of the metainfo.

    Args:
        in_channels (Sequence[int]): channels of the selected levels, shallow to deep.
        out_channels (int): ``C_opt``, optical bands to reconstruct.
        decoder_channels (Sequence[int]): U-Net block widths.
        refine_channels (int): width of the conv between decoder and output (64).
        refine_act_cfg (dict | None): activation after that conv. None (default) follows
            CloudSeg's two plain convs (docs/design.md §5.3); ``dict(type='ReLU')`` is [ours].
        in_index (Sequence[int]): levels of the input tuple to decode.
        norm_cfg (dict): norm of the decoder convs.
        ignore_padding (bool): see above.
        loss_decode (dict): loss called as ``loss(pred, target, cloud_mask, valid_mask)``
            with a ``loss_name`` starting with ``loss_``.
        init_cfg (dict | None): mmengine init config.
    """

    def __init__(self, in_channels: Sequence[int] = (64, 128, 256, 512),
                 out_channels: int = 4,
                 decoder_channels: Sequence[int] = (256, 128, 64, 32, 16),
                 refine_channels: int = 64, refine_act_cfg: Optional[dict] = None,
                 in_index: Sequence[int] = (0, 1, 2, 3), norm_cfg: dict = dict(type='BN'),
                 ignore_padding: bool = True,
                 loss_decode: dict = dict(type='CloudWeightedCharbonnierLoss',
                                          loss_weight=1.0, cloud_weight=5.0, eps=1e-6,
                                          exponent=0.45),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if len(in_channels) != len(in_index):
            raise ValueError(f'in_channels {tuple(in_channels)} and in_index '
                             f'{tuple(in_index)} differ in length')
        self.in_index = list(in_index)
        self.out_channels = out_channels
        self.ignore_padding = ignore_padding
        self.decoder = UNetDecoder(in_channels, decoder_channels, norm_cfg=norm_cfg)
        self.refine = ConvModule(decoder_channels[-1], refine_channels, 3, padding=1,
                                 act_cfg=refine_act_cfg)
        self.conv_out = nn.Conv2d(refine_channels, out_channels, 3, padding=1)
        self.loss_decode = MODELS.build(loss_decode)

    def forward(self, inputs: Tuple[Tensor, ...],
                output_size: Optional[Sequence[int]] = None) -> Tensor:
        """Reconstruct the clear image.

        Args:
            inputs (tuple[Tensor]): the pyramid; ``in_index`` selects the levels.
            output_size (Sequence[int] | None): ``(H, W)``; None gives the stride-4
                level's size x 4.

        Returns:
            Tensor: ``B x out_channels x H x W``.
        """
        feature = self.decoder([inputs[i] for i in self.in_index], output_size)
        if self.refine.with_activation:
            return conv_channels_last(self.conv_out, self.refine(feature))
        return conv3x3_pair(feature, self.refine.conv, self.conv_out)

    def loss(self, inputs: Tuple[Tensor, ...], batch_data_samples: SampleList,
             train_cfg: ConfigType) -> dict:
        """Loss against ``gt_clear_img`` weighted by ``gt_cloud_mask``.

        Returns:
            dict[str, Tensor]: ``{loss_name: scalar}``.
        """
        target = torch.stack([s.gt_clear_img.data for s in batch_data_samples]).float()
        cloud_mask = torch.stack([s.gt_cloud_mask.data for s in batch_data_samples])
        size = target.shape[-2:]
        pred = self.forward(inputs, size)
        valid_mask = padding_valid_mask(batch_data_samples, size, pred.device) \
            if self.ignore_padding else None
        loss = self.loss_decode(pred, target, cloud_mask, valid_mask)
        return {self.loss_decode.loss_name: loss}

    def predict(self, inputs: Tuple[Tensor, ...], batch_img_metas: List[dict],
                test_cfg: ConfigType) -> Tensor:
        """The reconstruction at the window, padded or image size of the metainfo
        (as mmseg's ``predict_by_feat``), ``B x out_channels x H x W``."""
        return self.forward(inputs, decoded_size(batch_img_metas[0]))
