"""Staged mmseg/mmpretrain backbones as EDC streams (``MixVisionTransformer``, ``ConvNeXt``).

:class:`EDCStreamAdapter` gives such a backbone the stream interface of
:class:`~.hybrid_stream.EDCHybridStream` (``channels`` and ``forward_stage(index, x)``),
so :class:`~.edc_backbone.EDCBackbone` can fuse it stage by stage.
"""
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, Sequence

import torch.nn as nn
from mmengine.model import BaseModule
from mmseg.models.utils import nlc_to_nchw
from mmseg.registry import MODELS
from torch import Tensor

from .hybrid_stream import NUM_STAGES


@dataclass(frozen=True)
class StageLayout:
    """How to run and remove the stages of one staged backbone class.

    Attributes:
        channels: ``backbone -> [C1..C4]`` native stage widths.
        run: ``(backbone, index, x) -> map`` runs stage ``index`` (entry included),
            NCHW in and out.
        remove: ``(backbone, index) -> None`` drops stage ``index``'s modules.
    """

    channels: Callable[[nn.Module], List[int]]
    run: Callable[[nn.Module, int, Tensor], Tensor]
    remove: Callable[[nn.Module, int], None]


def _mit_channels(backbone: nn.Module) -> List[int]:
    return [backbone.embed_dims * heads for heads in backbone.num_heads]


def _run_mit_stage(backbone: nn.Module, index: int, x: Tensor) -> Tensor:
    patch_embed, blocks, norm = backbone.layers[index]
    x, hw_shape = patch_embed(x)
    for block in blocks:
        x = block(x, hw_shape)
    return nlc_to_nchw(norm(x), hw_shape)


def _remove_mit_stage(backbone: nn.Module, index: int) -> None:
    backbone.layers[index] = nn.Identity()


def _convnext_channels(backbone: nn.Module) -> List[int]:
    return list(backbone.channels)


def _run_convnext_stage(backbone: nn.Module, index: int, x: Tensor) -> Tensor:
    x = backbone.stages[index](backbone.downsample_layers[index](x))
    norm = getattr(backbone, f'norm{index}', None)
    return x if norm is None else norm(x)


def _remove_convnext_stage(backbone: nn.Module, index: int) -> None:
    backbone.downsample_layers[index] = nn.Identity()
    backbone.stages[index] = nn.Identity()
    if hasattr(backbone, f'norm{index}'):
        delattr(backbone, f'norm{index}')


#: Staged backbones the adapter supports, by class name (mmseg's SegFormer encoder;
#: mmpretrain's ConvNeXt, configured as ``type='mmpretrain.ConvNeXt'``). Add an entry
#: to support another backbone.
STAGE_LAYOUTS: Dict[str, StageLayout] = {
    'MixVisionTransformer': StageLayout(
        channels=_mit_channels, run=_run_mit_stage, remove=_remove_mit_stage),
    'ConvNeXt': StageLayout(
        channels=_convnext_channels, run=_run_convnext_stage, remove=_remove_convnext_stage),
}


@MODELS.register_module()
class EDCStreamAdapter(BaseModule):
    """A staged mmseg/mmpretrain backbone as an EDC stream.

    The backbone is built from ``backbone`` with ``in_channels`` filled in and kept as
    the submodule ``backbone`` (so its own ``init_cfg``, e.g. a pretrained checkpoint,
    still applies); the modules of stages before ``first_stage`` are removed. Stage
    ``i`` runs the backbone's own entry (patch embedding / downsample layer) and blocks,
    plus its per-stage output norm where it has one (MiT always; ConvNeXt for stages in
    its ``out_indices``).

    Channel widths: with ``out_channels`` different from the native widths, a 1x1 conv
    maps each stage output to ``out_channels[i]`` and another maps the incoming
    ``out_channels[i-1]`` map back to the native width before stage ``i``'s entry, so the
    stream talks to the fusion blocks at ``out_channels`` throughout.

    Args:
        backbone (dict): config of a backbone listed in :data:`STAGE_LAYOUTS`.
        in_channels (int | None): image bands; None (only with ``first_stage > 0``)
            keeps the backbone's default, whose stem is removed anyway.
        first_stage (int): first stage kept (0-based).
        out_channels (Sequence[int] | None): stage widths seen from outside; None keeps
            the native widths.
        init_cfg (dict | None): mmengine init config of the adapter.
    """

    def __init__(self, backbone: dict, in_channels: Optional[int] = None,
                 first_stage: int = 0, out_channels: Optional[Sequence[int]] = None,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if first_stage == 0 and in_channels is None:
            raise ValueError('a stream with its own stem (first_stage=0) needs in_channels')
        cfg = dict(backbone) if in_channels is None else dict(backbone,
                                                               in_channels=in_channels)
        self.backbone = MODELS.build(cfg)
        name = type(self.backbone).__name__
        # a subclass (TokenLayoutMixVisionTransformer) runs its stages like its base
        known = [cls.__name__ for cls in type(self.backbone).__mro__
                 if cls.__name__ in STAGE_LAYOUTS]
        if not known:
            raise KeyError(f'EDCStreamAdapter cannot split {name} into stages; '
                           f'supported: {sorted(STAGE_LAYOUTS)} and their subclasses')
        self.layout = STAGE_LAYOUTS[known[0]]
        native = self.layout.channels(self.backbone)
        if len(native) != NUM_STAGES:
            raise ValueError(f'{name} has {len(native)} stages, EDC needs {NUM_STAGES}')
        self.channels = tuple(out_channels) if out_channels is not None else tuple(native)
        self.first_stage = first_stage
        for index in range(first_stage):
            self.layout.remove(self.backbone, index)
        self.input_projections = nn.ModuleDict({
            f'stage{i + 1}': nn.Conv2d(self.channels[i - 1], native[i - 1], 1)
            for i in range(max(first_stage, 1), NUM_STAGES)
            if self.channels[i - 1] != native[i - 1]})
        self.output_projections = nn.ModuleDict({
            f'stage{i + 1}': nn.Conv2d(native[i], self.channels[i], 1)
            for i in range(first_stage, NUM_STAGES) if self.channels[i] != native[i]})

    def forward_stage(self, index: int, x: Tensor) -> Tensor:
        """Run stage ``index`` (0-based), its entry included.

        Args:
            index (int): ``first_stage <= index < 4``.
            x (Tensor): the image for index 0, else the previous stage's map
                ``B x channels[index-1] x h x w``.

        Returns:
            Tensor: ``B x channels[index] x h' x w'`` at the backbone's stride.
        """
        if not self.first_stage <= index < NUM_STAGES:
            raise IndexError(f'stage {index} is not part of this stream')
        key = f'stage{index + 1}'
        if key in self.input_projections:
            x = self.input_projections[key](x)
        x = self.layout.run(self.backbone, index, x)
        if key in self.output_projections:
            x = self.output_projections[key](x)
        return x
