"""How many bands each modality has, and where they sit in the packed input.

Every dataset base config declares its bands once, ``bands = dict(optical=4, sar=2)``;
the loader checks the files against it, ``PackOpticalSARInputs`` concatenates the
modalities in :data:`MODALITY_ORDER` and records the counts it packed in each sample's
metainfo (``bands``), and the model side (data preprocessor, backbone, cloud-removal
head, visualiser) reads the same declaration through :class:`BandLayout`.
"""
from dataclasses import dataclass
from typing import Dict, List, Mapping, Sequence, Tuple

from torch import Tensor

#: Modalities in the order they are packed into ``inputs``: optical bands first.
MODALITY_ORDER = ('optical', 'sar')


@dataclass(frozen=True)
class BandLayout:
    """Band counts of the packed ``[optical; SAR]`` input.

    Attributes:
        optical (int): ``C_opt``, the leading channels (cloudy optical bands).
        sar (int): ``C_sar``, the channels after them.
    """

    optical: int
    sar: int

    @classmethod
    def from_config(cls, bands, where: str) -> 'BandLayout':
        """Validate a config's ``bands`` (a mapping ``modality -> count``).

        Args:
            bands (Mapping | BandLayout): e.g. ``dict(optical=4, sar=2)``.
            where (str): the config entry, named in errors.

        Raises:
            ValueError: unknown or missing modalities, or counts that are not positive
                integers.
        """
        if isinstance(bands, BandLayout):
            return bands
        if not isinstance(bands, Mapping):
            raise ValueError(f'{where} must be a dict like dict(optical=4, sar=2), got '
                             f'{bands!r}')
        unknown = sorted(set(bands) - set(MODALITY_ORDER))
        missing = [m for m in MODALITY_ORDER if m not in bands]
        bad = {m: c for m, c in bands.items()
               if m in MODALITY_ORDER and (isinstance(c, bool) or not isinstance(c, int)
                                           or c <= 0)}
        if unknown or missing or bad:
            raise ValueError(
                f'{where} must give a positive band count for each of {MODALITY_ORDER}; '
                f'got {dict(bands)} (unknown {unknown}, missing {missing}, invalid {bad})')
        return cls(**{m: bands[m] for m in MODALITY_ORDER})

    @property
    def total(self) -> int:
        """Channels of the packed input."""
        return self.optical + self.sar

    def as_dict(self) -> Dict[str, int]:
        return {m: getattr(self, m) for m in MODALITY_ORDER}

    def _check_modalities(self, modalities: Sequence[str], where: str) -> Tuple[str, ...]:
        modalities = tuple(modalities)
        unknown = [m for m in modalities if m not in MODALITY_ORDER]
        if unknown or len(set(modalities)) != len(modalities):
            raise ValueError(f'{where}: modalities must be distinct names from '
                             f'{MODALITY_ORDER}, got {modalities}')
        return modalities

    def channels(self, modalities: Sequence[str], where: str = 'modalities') -> List[int]:
        """Indices of the packed channels of ``modalities``, in packing order."""
        wanted = set(self._check_modalities(modalities, where))
        indices, start = [], 0
        for modality in MODALITY_ORDER:
            count = getattr(self, modality)
            if modality in wanted:
                indices.extend(range(start, start + count))
            start += count
        return indices

    def count(self, modalities: Sequence[str]) -> int:
        """Channels of ``modalities`` together."""
        return sum(getattr(self, m) for m in self._check_modalities(modalities, 'count'))

    def split(self, x: Tensor, where: str) -> Tuple[Tensor, Tensor]:
        """``B x (C_opt + C_sar) x H x W`` -> optical ``B x C_opt x H x W`` and SAR
        ``B x C_sar x H x W``.

        Raises:
            ValueError: ``x`` has another channel count (names ``where``).
        """
        if x.shape[1] != self.total:
            raise ValueError(f'{where} has {x.shape[1]} channels, expected {self.optical} '
                             f'optical + {self.sar} SAR = {self.total} (bands)')
        optical, sar = x.split([self.optical, self.sar], dim=1)
        return optical, sar
