"""A seeded land-cover scene: WorldCover labels (10 m), clear optical (3 m), SAR (10 m).

One tile covers 900 m x 900 m: labels and SAR on a 90 x 90 grid of 10 m pixels, the
optical image on a 300 x 300 grid of 3 m pixels whose origin is shifted by
``optical_offset`` metres (1-2 m in the real M3M-CR data).

Layout. One fractal field per class (:func:`spectral_noise`, beta 3.5, regions of
250-600 m) is drawn on the 10 m grid; adding ``0.5 * log(weight)`` to each field and
taking the arg-max gives smooth regions whose areas follow the tile's class weights,
with fractal boundaries. The label is that arg-max at the 10 m pixel centres; the 3 m
class map is the arg-max of the same fields interpolated (bilinear) to the 3 m pixel
centres, so both grids agree and the 3 m boundaries are smooth, not blocky. Cropland is
cut into parcels (a rotated grid of 60-150 m x 100-300 m fields) and built-up areas
into 3 m building blocks along a street grid.

Class signatures (means before per-tile jitter; reflectance x 10000 in the written
files; SAR texture = std of the spatial dB variation before speckle):

====  ==========  ===========================  ============  ===========================
code  class       optical B, G, R, NIR         SAR VV, VH    optical / SAR texture
====  ==========  ===========================  ============  ===========================
10    tree cover  0.030 0.055 0.035 0.300      -7.5  -13.5   canopy grain / 1.0 dB
20    shrubland   0.050 0.075 0.095 0.220      -10.0 -17.5   patchy / 1.0 dB
30    grassland   0.055 0.085 0.100 0.250      -10.5 -18.0   smooth patches / 0.8 dB
40    cropland    0.035 0.065 0.045 0.360      -10.0 -17.5   parcels + tillage stripes,
                                                             per-parcel vigour / parcels
                                                             +- 1.0 dB
50    built-up    0.115 0.125 0.140 0.180      -3.0  -10.0   3 m blocks, dark streets /
                                                             3.0 dB + point scatterers
60    bare        0.120 0.133 0.150 0.185      -16.0 -25.0   smooth / 1.5 dB
70    snow/ice    0.750 0.740 0.720 0.620      -14.0 -22.0   smooth / 1.0 dB (winter only)
80    water       0.055 0.060 0.040 0.015      -22.0 -28.0   very smooth / 1.0 dB (wind)
90    wetland     0.040 0.060 0.050 0.160      -9.0  -19.0   patchy / 1.5 dB
95    mangroves   0.030 0.050 0.030 0.240      -6.5  -12.5   canopy grain / 1.0 dB
100   moss        0.070 0.085 0.095 0.200      -13.0 -21.0   smooth / 1.0 dB
====  ==========  ===========================  ============  ===========================

Why fusion matters on this data:

* rangeland (20/30) vs cropland (40): SAR within 0.5 dB (same rough, vegetated
  surfaces), but optical differs clearly (NDVI about 0.40 vs 0.78; red 0.10 vs 0.045)
  and in texture (parcels and stripes): separable mainly in optical;
* built-up (50) vs bare (60): both bright and spectrally flat (within 10-20 % in every
  band), but SAR differs by 13-15 dB (double bounce vs specular smooth ground):
  separable mainly in SAR;
* tree cover (10) vs cropland (40): close spectra (both dense green vegetation, NDVI
  about 0.8), but VH differs by 4 dB (canopy volume scattering): SAR helps;
* water is dark in both. Under thick clouds only SAR is left.

Vegetation vigour moves reflectance along ``VIGOUR_DIRECTION`` (greener: red down,
NIR up), scaled per class; it varies by season, per area, per parcel and in space.
SAR: class means + per-tile calibration offset + class texture, converted to linear
power, multiplied by gamma speckle (4-5 looks, mean 1) per band, back to dB (float64,
no NaN). Optical: class spectra x (1 + class textures), per-tile illumination gain
(0.92-1.08) and path radiance, a 0.5 px Gaussian PSF and sensor noise (0.002).
"""
from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

from .fractal_noise import spectral_noise

#: Every ESA WorldCover 2020 code.
WORLDCOVER_CODES = (10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 100)
#: Codes the layout draws by area-level weights; the others appear rarely.
MAIN_CODES = (10, 20, 30, 40, 50, 60, 80, 90)
RARE_CODES = (70, 95, 100)
SEASONS = ('spring', 'summer', 'fall', 'winter')

OPTICAL_PIXEL_M = 3.0
OPTICAL_SIZE = 300
LABEL_PIXEL_M = 10.0
LABEL_SIZE = 90
#: Reflectance change per unit of vegetation vigour (B, G, R, NIR).
VIGOUR_DIRECTION = np.array([-0.004, 0.006, -0.015, 0.05])
SEASON_VIGOUR = dict(spring=0.0, summer=0.4, fall=-0.3, winter=-0.7)
#: Optical texture fields, in this order, that class texture weights refer to.
TEXTURE_FIELDS = ('smooth', 'medium', 'fine', 'blocks', 'stripes')


@dataclass(frozen=True)
class ClassSignature:
    """Optical and SAR appearance of one WorldCover class.

    Attributes:
        name (str): class name.
        reflectance (tuple): mean clear reflectance (B, G, R, NIR), 0..1.
        sar_db (tuple): mean backscatter (VV, VH) in dB.
        sar_texture_db (float): std of the spatial backscatter variation in dB.
        textures (dict): relative brightness amplitude per ``TEXTURE_FIELDS`` name.
        vigour (float): how strongly vegetation vigour moves the spectrum.
    """

    name: str
    reflectance: tuple
    sar_db: tuple
    sar_texture_db: float
    textures: dict = field(default_factory=dict)
    vigour: float = 0.0


CLASS_SIGNATURES = {
    10: ClassSignature('tree cover', (0.030, 0.055, 0.035, 0.300), (-7.5, -13.5), 1.0,
                       dict(smooth=0.05, medium=0.08, fine=0.12), 0.5),
    20: ClassSignature('shrubland', (0.050, 0.075, 0.095, 0.220), (-10.0, -17.5), 1.0,
                       dict(smooth=0.08, medium=0.10, fine=0.08), 0.6),
    30: ClassSignature('grassland', (0.055, 0.085, 0.100, 0.250), (-10.5, -18.0), 0.8,
                       dict(smooth=0.08, medium=0.08, fine=0.04), 0.8),
    40: ClassSignature('cropland', (0.035, 0.065, 0.045, 0.360), (-10.0, -17.5), 0.6,
                       dict(smooth=0.03, fine=0.02, stripes=0.08), 1.0),
    50: ClassSignature('built-up', (0.115, 0.125, 0.140, 0.180), (-3.0, -10.0), 3.0,
                       dict(smooth=0.03, fine=0.10, blocks=0.22)),
    60: ClassSignature('bare / sparse', (0.120, 0.133, 0.150, 0.185), (-16.0, -25.0), 1.5,
                       dict(smooth=0.10, medium=0.08, fine=0.05)),
    70: ClassSignature('snow and ice', (0.750, 0.740, 0.720, 0.620), (-14.0, -22.0), 1.0,
                       dict(smooth=0.05, fine=0.02)),
    80: ClassSignature('open water', (0.055, 0.060, 0.040, 0.015), (-22.0, -28.0), 1.0,
                       dict(smooth=0.04)),
    90: ClassSignature('herbaceous wetland', (0.040, 0.060, 0.050, 0.160), (-9.0, -19.0),
                       1.5, dict(smooth=0.08, medium=0.10), 0.6),
    95: ClassSignature('mangroves', (0.030, 0.050, 0.030, 0.240), (-6.5, -12.5), 1.0,
                       dict(medium=0.08, fine=0.10), 0.5),
    100: ClassSignature('moss and lichen', (0.070, 0.085, 0.095, 0.200), (-13.0, -21.0),
                        1.0, dict(smooth=0.08, medium=0.06)),
}
_CODES = np.array(WORLDCOVER_CODES)
_REFLECTANCE = np.array([CLASS_SIGNATURES[c].reflectance for c in WORLDCOVER_CODES])
_SAR_DB = np.array([CLASS_SIGNATURES[c].sar_db for c in WORLDCOVER_CODES])
_SAR_TEXTURE = np.array([CLASS_SIGNATURES[c].sar_texture_db for c in WORLDCOVER_CODES])
_TEXTURE_WEIGHTS = np.array([[CLASS_SIGNATURES[c].textures.get(name, 0.0)
                              for name in TEXTURE_FIELDS] for c in WORLDCOVER_CODES])
_VIGOUR = np.array([CLASS_SIGNATURES[c].vigour for c in WORLDCOVER_CODES])
_INDEX = {code: i for i, code in enumerate(WORLDCOVER_CODES)}


@dataclass
class AreaStyle:
    """What patches of one area (aoi) share.

    Attributes:
        season (str): one of ``SEASONS``.
        class_weights (dict[int, float]): expected area share per main code.
        vigour (float): climate vigour shift added to the season's.
        soil_brightness (float): factor on the bare and built-up spectra.
    """

    season: str
    class_weights: dict
    vigour: float = 0.0
    soil_brightness: float = 1.0


@dataclass
class Scene:
    """One synthesized tile.

    Attributes:
        labels (numpy.ndarray): uint8 (90, 90) WorldCover codes on the 10 m grid.
        optical_classes (numpy.ndarray): uint8 (300, 300) codes on the 3 m grid.
        reflectance (numpy.ndarray): float32 (300, 300, 4) clear B, G, R, NIR, 0..1.
        sar_db (numpy.ndarray): float64 (90, 90, 2) VV, VH backscatter in dB.
    """

    labels: np.ndarray
    optical_classes: np.ndarray
    reflectance: np.ndarray
    sar_db: np.ndarray


def draw_area_style(rng, season):
    """Draw the style of one area: a biome (class mix), climate vigour, soil tone.

    Args:
        rng (numpy.random.Generator): source of randomness.
        season (str): one of ``SEASONS``.

    Returns:
        AreaStyle
    """
    if season not in SEASONS:
        raise ValueError(f'draw_area_style: season must be one of {SEASONS}, got {season!r}')
    weights = rng.dirichlet(np.full(len(MAIN_CODES), 0.5))
    return AreaStyle(season=season,
                     class_weights=dict(zip(MAIN_CODES, weights.tolist())),
                     vigour=rng.uniform(-0.2, 0.2),
                     soil_brightness=rng.uniform(0.9, 1.1))


def _bilinear_matrix(positions, size):
    """(N, size) weights interpolating a 1-D grid at fractional ``positions`` (clamped)."""
    positions = np.clip(positions, 0.0, size - 1.0)
    low = np.minimum(np.floor(positions).astype(int), size - 2)
    frac = positions - low
    matrix = np.zeros((len(positions), size))
    rows = np.arange(len(positions))
    matrix[rows, low] = 1.0 - frac
    matrix[rows, low + 1] = frac
    return matrix


def optical_to_label_coords(optical_offset):
    """Fractional label-grid indices of the 3 m pixel centres.

    Args:
        optical_offset (tuple[float, float]): (dx, dy) metres of the optical origin
            (top-left corner) relative to the label origin, x east and y north.

    Returns:
        tuple[numpy.ndarray, numpy.ndarray]: row and column positions, each (300,),
        in label pixel units (0 = centre of the first 10 m pixel).
    """
    dx, dy = optical_offset
    centres = OPTICAL_PIXEL_M * (np.arange(OPTICAL_SIZE) + 0.5)
    cols = (dx + centres) / LABEL_PIXEL_M - 0.5
    rows = (-dy + centres) / LABEL_PIXEL_M - 0.5
    return rows, cols


def _tile_weights(rng, style):
    area = np.array([style.class_weights.get(c, 0.0) for c in MAIN_CODES])
    tile = rng.dirichlet(25.0 * area / area.sum() + 0.05)
    kept = np.argsort(tile)[::-1][:5]
    kept = kept[(tile[kept] >= 0.05) | (np.arange(len(kept)) < 2)]
    weights = {MAIN_CODES[i]: float(tile[i]) for i in kept}
    if rng.random() < 0.12:
        rare = [c for c in RARE_CODES if c != 70 or style.season == 'winter']
        weights[rare[rng.integers(len(rare))]] = 0.03
    return weights


def _layout(rng, weights, optical_offset):
    """Label codes (90, 90) and 3 m codes (300, 300) from per-class fractal fields."""
    codes = np.array(sorted(c for c, w in weights.items() if w > 1e-4))
    bias = 0.5 * np.log(np.array([weights[c] for c in codes]))
    fields = spectral_noise((LABEL_SIZE, LABEL_SIZE), rng, beta=4.0,
                            corner_period=rng.uniform(40.0, 90.0), count=len(codes))
    fields = fields + bias[:, None, None]
    labels = codes[fields.argmax(axis=0)].astype(np.uint8)
    rows, cols = optical_to_label_coords(optical_offset)
    fine = np.einsum('ia,kab,jb->kij', _bilinear_matrix(rows, LABEL_SIZE), fields,
                     _bilinear_matrix(cols, LABEL_SIZE), optimize=True)
    return labels, codes[fine.argmax(axis=0)].astype(np.uint8)


@dataclass
class _FieldSystem:
    """Rotated grid of crop parcels and streets, in metres from the label origin."""

    angle: float
    parcel_size: tuple
    street_spacing: float
    parcel_vigour: np.ndarray
    parcel_sar_db: np.ndarray
    stripe_period: np.ndarray
    stripe_along: np.ndarray
    extent: int

    @classmethod
    def draw(cls, rng):
        width, length = rng.uniform(60.0, 150.0), rng.uniform(100.0, 300.0)
        extent = int(np.ceil(2000.0 / width)) * 2 + 1
        n = extent * extent
        return cls(angle=rng.uniform(0.0, np.pi), parcel_size=(width, length),
                   street_spacing=rng.uniform(60.0, 120.0),
                   parcel_vigour=rng.uniform(-1.0, 0.6, n),
                   parcel_sar_db=rng.normal(0.0, 1.0, n),
                   stripe_period=rng.uniform(12.0, 30.0, n),
                   stripe_along=rng.random(n) < 0.5, extent=extent)

    def _rotated(self, x, y):
        c, s = np.cos(self.angle), np.sin(self.angle)
        return x * c + y * s, -x * s + y * c

    def parcels(self, x, y):
        """Parcel index and along/across coordinates (metres) of points (x, y)."""
        u, v = self._rotated(x, y)
        iu = np.floor(u / self.parcel_size[0]).astype(int)
        iv = np.floor(v / self.parcel_size[1] + 0.37 * iu).astype(int)
        half = self.extent // 2
        index = np.clip(iu + half, 0, self.extent - 1) * self.extent + np.clip(
            iv + half, 0, self.extent - 1)
        return index, u, v

    def stripes(self, x, y):
        index, u, v = self.parcels(x, y)
        coord = np.where(self.stripe_along[index], u, v)
        return np.sin(2.0 * np.pi * coord / self.stripe_period[index])

    def streets(self, x, y):
        """Street mask (True on 6 m wide streets) of a grid aligned with the fields."""
        u, v = self._rotated(x, y)
        return ((u % self.street_spacing) < 6.0) | ((v % self.street_spacing) < 6.0)


def _grid_xy(size, pixel, offset):
    """Pixel-centre metre coordinates (x east, y south) of a square grid, each (size, size)."""
    centres = pixel * (np.arange(size) + 0.5)
    return np.meshgrid(offset[0] + centres, -offset[1] + centres, indexing='xy')


def _optical(rng, classes, style, fields, optical_offset):
    """Clear reflectance float32 (300, 300, 4) for the 3 m class map."""
    x, y = _grid_xy(OPTICAL_SIZE, OPTICAL_PIXEL_M, optical_offset)
    shape = (OPTICAL_SIZE, OPTICAL_SIZE)
    smooth, medium, fine = (
        spectral_noise(shape, rng, beta=3.2, corner_period=100.0),
        spectral_noise(shape, rng, beta=2.0, corner_period=30.0),
        spectral_noise(shape, rng, beta=0.6))
    buildings = np.kron(rng.standard_normal((OPTICAL_SIZE // 3, OPTICAL_SIZE // 3)),
                        np.ones((3, 3)))
    blocks = np.where(fields.streets(x, y), -2.0, buildings)
    stripes = fields.stripes(x, y)
    texture_stack = np.stack([smooth, medium, fine, blocks, stripes], axis=-1)

    index = np.searchsorted(_CODES, classes)
    spectra = _REFLECTANCE * rng.uniform(0.95, 1.05, _REFLECTANCE.shape)
    spectra[[_INDEX[50], _INDEX[60]]] *= style.soil_brightness
    gain = 1.0 + np.einsum('hwf,hwf->hw', _TEXTURE_WEIGHTS[index], texture_stack)
    parcel_index = fields.parcels(x, y)[0]
    vigour = (SEASON_VIGOUR[style.season] + style.vigour + 0.3 * medium
              + np.where(classes == 40, fields.parcel_vigour[parcel_index], 0.0))
    reflectance = (spectra[index] * gain[..., None]
                   + (_VIGOUR[index] * vigour)[..., None] * VIGOUR_DIRECTION)
    illumination = rng.uniform(0.92, 1.08)
    path_radiance = rng.uniform(0.5, 1.5) * np.array([0.010, 0.006, 0.003, 0.0])
    reflectance = reflectance * illumination + path_radiance
    reflectance = ndimage.gaussian_filter(reflectance, sigma=(0.5, 0.5, 0.0))
    reflectance += rng.normal(0.0, 0.002, reflectance.shape)
    return np.clip(reflectance, 1e-4, 1.0).astype(np.float32)


def _sar(rng, labels, fields):
    """Speckled backscatter float64 (90, 90, 2) in dB for the 10 m label map."""
    x, y = _grid_xy(LABEL_SIZE, LABEL_PIXEL_M, (0.0, 0.0))
    index = np.searchsorted(_CODES, labels)
    texture = spectral_noise((LABEL_SIZE, LABEL_SIZE), rng, beta=2.5, count=2)
    shared = 0.8 * texture[0]
    own = 0.6 * texture[1]
    db = _SAR_DB[index] + rng.normal(0.0, 0.5) + (
        _SAR_TEXTURE[index] * (shared + own))[..., None]
    crop = labels == 40
    db[crop] += fields.parcel_sar_db[fields.parcels(x, y)[0][crop]][:, None]
    urban = labels == 50
    scatterers = urban & (rng.random(labels.shape) < 0.05)
    db[scatterers] += rng.uniform(5.0, 12.0, (scatterers.sum(), 1))
    looks = rng.uniform(4.0, 5.0)
    speckle = rng.gamma(looks, 1.0 / looks, db.shape)
    return 10.0 * np.log10(10.0 ** (db / 10.0) * speckle)


def synthesize_scene(rng, style, optical_offset=(-1.0, 2.0), class_weights=None):
    """Synthesize one tile: labels, clear optical reflectance and SAR.

    Args:
        rng (numpy.random.Generator): source of all randomness of the tile.
        style (AreaStyle): area-level style (season, class mix, vigour, soil).
        optical_offset (tuple[float, float]): (dx, dy) metres of the optical origin
            relative to the label/SAR origin (x east, y north).
        class_weights (dict[int, float] | None): exact class weights for this tile
            (any WorldCover codes); None draws them around the area's mix.

    Returns:
        Scene
    """
    weights = _tile_weights(rng, style) if class_weights is None else class_weights
    unknown = set(weights) - set(WORLDCOVER_CODES)
    if unknown:
        raise ValueError(f'synthesize_scene: {sorted(unknown)} are not WorldCover codes '
                         f'{WORLDCOVER_CODES}')
    labels, optical_classes = _layout(rng, weights, optical_offset)
    fields = _FieldSystem.draw(rng)
    reflectance = _optical(rng, optical_classes, style, fields, optical_offset)
    return Scene(labels=labels, optical_classes=optical_classes,
                 reflectance=reflectance, sar_db=_sar(rng, labels, fields))
