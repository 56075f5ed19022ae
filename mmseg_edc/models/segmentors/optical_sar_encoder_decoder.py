"""mmseg's ``EncoderDecoder`` that owns the band layout of its optical-SAR inputs."""
import inspect
from typing import Optional, Sequence

from mmseg.models.segmentors import EncoderDecoder
from mmseg.registry import MODELS

from ...structures import MODALITY_ORDER, BandLayout


def fill_or_check(cfg: dict, key: str, value, where: str) -> dict:
    """``cfg`` with ``key`` set to ``value``; an explicit, different value is an error.

    Args:
        cfg (dict): a component config (not modified).
        key (str): the argument to fill in.
        value: the value the segmentor derives.
        where (str): the config entry, named in the error (``model.backbone``).

    Raises:
        ValueError: ``cfg`` already sets ``key`` to something else.
    """
    given = cfg.get(key)
    if given is not None and _normalised(given) != _normalised(value):
        raise ValueError(f'{where}.{key} is {given!r} but the model derives {value!r} '
                         'from its bands and backbone; remove it from the config or make '
                         'the two agree')
    return dict(cfg, **{key: value})


def _normalised(value):
    if isinstance(value, BandLayout):
        return value.as_dict()
    if isinstance(value, (list, tuple)):
        return [_normalised(v) for v in value]
    if isinstance(value, dict):
        return {k: _normalised(v) for k, v in value.items()}
    return value


def _registered_class(cfg: dict) -> type:
    cls = MODELS.get(cfg['type']) if isinstance(cfg.get('type'), str) else cfg.get('type')
    if cls is None:
        raise KeyError(f'{cfg.get("type")!r} is not registered in mmseg\'s MODELS')
    return cls


def accepts_argument(cfg: dict, name: str) -> bool:
    """Whether the registered class of ``cfg['type']`` takes ``name`` in its own or an
    ancestor's ``__init__`` (stock backbones pass arguments on through ``**kwargs``)."""
    return any(name in inspect.signature(cls.__init__).parameters
               for cls in _registered_class(cfg).__mro__)


def argument_value(cfg: dict, name: str, fallback=None):
    """``cfg[name]``, else the default of the nearest class in ``cfg['type']``'s MRO
    whose ``__init__`` names the argument (heads pass most arguments on through
    ``**kwargs``), else ``fallback``."""
    if name in cfg:
        return cfg[name]
    for cls in _registered_class(cfg).__mro__:
        parameter = inspect.signature(cls.__init__).parameters.get(name)
        if parameter is not None and parameter.default is not inspect.Parameter.empty:
            return parameter.default
    return fallback


@MODELS.register_module()
class OpticalSAREncoderDecoder(EncoderDecoder):
    """``EncoderDecoder`` for packed ``[optical; SAR]`` inputs, with one band declaration.

    ``bands`` (the dataset base's ``bands``, passed by leaf configs as
    ``model = dict(bands={{_base_.bands}})``) and ``input_modalities`` are filled into the
    parts that depend on them, so a user changes the band counts in one place:

    * the data preprocessor gets ``bands`` and ``input_modalities`` (it selects those
      channels, checks mean/std lengths and every batch's packed layout);
    * the backbone gets ``bands`` when it takes them (``EDCBackbone``), else
      ``in_channels`` = the band count of ``input_modalities`` (stock backbones);
    * decode and auxiliary heads get ``in_channels`` from the ``out_channels`` of the
      neck (or of the backbone without a neck) when their config leaves it out.

    A component config that already sets one of these to a different value raises a
    ``ValueError`` naming both values, when the model is built.

    Args:
        bands (dict): ``dict(optical=C_opt, sar=C_sar)``.
        input_modalities (Sequence[str]): the modalities the network sees, in packing
            order: ``('optical', 'sar')`` (fusion) or ``('optical',)`` (optical-only).
        backbone, decode_head (dict): as in ``EncoderDecoder``.
            ``data_preprocessor`` must be an ``OpticalSARDataPreProcessor``.
        **kwargs: ``EncoderDecoder``'s other arguments.
    """

    def __init__(self, bands: dict, backbone: dict, decode_head: dict,
                 data_preprocessor: Optional[dict] = None,
                 input_modalities: Sequence[str] = MODALITY_ORDER, **kwargs):
        layout = BandLayout.from_config(bands, 'model.bands')
        input_modalities = tuple(input_modalities)
        in_channels = len(layout.channels(input_modalities, 'model.input_modalities'))
        if data_preprocessor is not None:
            for key, value in (('bands', layout.as_dict()),
                               ('input_modalities', input_modalities)):
                data_preprocessor = fill_or_check(data_preprocessor, key, value,
                                                  'model.data_preprocessor')
        if accepts_argument(backbone, 'bands'):
            if input_modalities != MODALITY_ORDER:
                raise ValueError(f'model.backbone ({backbone["type"]}) fuses every '
                                 f'modality but input_modalities is {input_modalities}')
            backbone = fill_or_check(backbone, 'bands', layout.as_dict(), 'model.backbone')
        elif accepts_argument(backbone, 'in_channels'):
            backbone = fill_or_check(backbone, 'in_channels', in_channels, 'model.backbone')
        self.bands = layout
        self.input_modalities = input_modalities
        super().__init__(backbone=backbone, decode_head=decode_head,
                         data_preprocessor=data_preprocessor, **kwargs)

    def head_level_widths(self) -> Optional[Sequence[int]]:
        """Widths of the pyramid the heads decode: the neck's ``out_channels`` when
        there is a neck, else the backbone's (None when unknown)."""
        source = self.neck if self.with_neck else self.backbone
        return getattr(source, 'out_channels', None)

    def with_level_widths(self, head: dict, where: str) -> dict:
        """``head`` with ``in_channels`` taken from :meth:`head_level_widths` for the
        levels its ``in_index`` selects (filled in when unset, checked when set)."""
        widths = self.head_level_widths()
        if widths is None:
            return head
        in_index = argument_value(head, 'in_index', -1)
        if isinstance(in_index, int):
            expected = widths[in_index]
        else:
            expected = [widths[i] for i in in_index]
        return fill_or_check(head, 'in_channels', expected, where)

    def _init_decode_head(self, decode_head: dict) -> None:
        super()._init_decode_head(self.with_level_widths(decode_head, 'model.decode_head'))

    def _init_auxiliary_head(self, auxiliary_head) -> None:
        if isinstance(auxiliary_head, list):
            auxiliary_head = [self.with_level_widths(h, f'model.auxiliary_head[{i}]')
                              for i, h in enumerate(auxiliary_head)]
        elif auxiliary_head is not None:
            auxiliary_head = self.with_level_widths(auxiliary_head, 'model.auxiliary_head')
        super()._init_auxiliary_head(auxiliary_head)
