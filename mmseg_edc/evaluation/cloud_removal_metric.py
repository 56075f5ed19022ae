"""Image-quality metrics of cloud removal: PSNR, SSIM, MAE and SAM."""
from collections import OrderedDict
from typing import Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric
from mmengine.logging import print_log
from mmseg.registry import METRICS
from prettytable import PrettyTable

from .pixel_fields import cloud_mask_to_grid, sample_name, single_channel

#: SSIM constants of Wang et al. (2004): Gaussian window size and sigma, K1, K2.
SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03


def psnr(mse: torch.Tensor, data_range: float) -> float:
    """Peak signal-to-noise ratio in dB, ``10 log10(data_range^2 / mse)``.

    An MSE of 0 gives ``inf``.
    """
    return (10 * torch.log10(data_range**2 / mse)).item()


def gaussian_window(size: int = SSIM_WINDOW, sigma: float = SSIM_SIGMA,
                    dtype=torch.float64, device=None) -> torch.Tensor:
    """1-D Gaussian weights of length ``size`` (odd), summing to 1."""
    offsets = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    weights = torch.exp(-offsets**2 / (2 * sigma**2))
    return weights / weights.sum()


def _valid_filter(x: torch.Tensor, weights: Sequence[float], dim: int) -> torch.Tensor:
    """Correlate ``x`` with the 1-D ``weights`` along ``dim``, 'valid' positions only.

    A weighted sum of ``len(weights)`` shifted slices: float64 depthwise
    convolutions have no fast CPU kernel, and this is about 6x faster than them
    (``4 x 256 x 256`` images, one thread).
    The dimension shrinks from ``L`` to ``L - len(weights) + 1``.
    """
    length = x.shape[dim] - len(weights) + 1
    out = x.narrow(dim, 0, length) * weights[0]
    for tap, weight in enumerate(weights[1:], start=1):
        out.add_(x.narrow(dim, tap, length), alpha=weight)
    return out


def ssim(pred: torch.Tensor, target: torch.Tensor, data_range: float) -> float:
    """Mean structural similarity of two ``C x H x W`` images.

    SSIM of Wang et al. (2004) with an 11 x 11 Gaussian window (sigma 1.5),
    ``K1 = 0.01``, ``K2 = 0.03`` and population (not sample) variances, computed
    per band at every position where the window fits inside the image ('valid'
    filtering) and averaged over bands and positions. This equals scikit-image's
    ``structural_similarity(..., gaussian_weights=True, sigma=1.5,
    use_sample_covariance=False, data_range=data_range, channel_axis=0)``.

    Args:
        pred, target (Tensor): ``C x H x W`` images, ``H, W >= 11``.
        data_range (float): dynamic range of the images.
    """
    weights = gaussian_window(dtype=pred.dtype).tolist()   # host floats, read once
    # Local means of x, y, x^2, y^2 and xy as one batch of 5, filtered with the
    # separable Gaussian ('valid'): 5 x C x (H - 10) x (W - 10).
    moments = torch.stack([pred, target, pred * pred, target * target, pred * target])
    moments = _valid_filter(_valid_filter(moments, weights, dim=-1), weights, dim=-2)
    mu_x, mu_y, mean_xx, mean_yy, mean_xy = moments
    var_x = mean_xx - mu_x**2
    var_y = mean_yy - mu_y**2
    cov_xy = mean_xy - mu_x * mu_y
    c1 = (SSIM_K1 * data_range)**2
    c2 = (SSIM_K2 * data_range)**2
    ssim_map = ((2 * mu_x * mu_y + c1) * (2 * cov_xy + c2) /
                ((mu_x**2 + mu_y**2 + c1) * (var_x + var_y + c2)))
    return ssim_map.mean().item()


def spectral_angle(pred: torch.Tensor, target: torch.Tensor, eps: float) -> float:
    """Spectral angle mapper: mean angle in degrees between per-pixel spectra.

    ``arccos(<p, t> / max(|p| |t|, eps))`` for the ``C``-band spectra ``p`` and
    ``t`` of every pixel of ``C x H x W`` images, averaged over pixels. A zero
    spectrum gives 90 degrees.
    """
    dot = (pred * target).sum(dim=0)
    # |p| |t| as the root of the product of the squared norms: torch's norm over the
    # band axis of a C x H x W tensor is a strided reduction, about 10x slower on CPU
    # (23 vs 2 ms for 13 x 256 x 256 in float64); equal to within 2e-15.
    norms = ((pred * pred).sum(dim=0) * (target * target).sum(dim=0)).sqrt()
    cosine = (dot / norms.clamp_min(eps)).clamp(-1.0, 1.0)
    return torch.rad2deg(torch.arccos(cosine)).mean().item()


@METRICS.register_module()
class CloudRemovalMetric(BaseMetric):
    """PSNR, SSIM, MAE and SAM of predicted cloud-free images.

    Reads ``pred_clear_img.data`` and ``gt_clear_img.data`` (``C x H x W``,
    reflectance in ``[0, data_range]``) from every data sample. The prediction
    is clipped to ``[0, data_range]`` first (the reference is used as is); all
    computations are in float64. Per image:

    - ``PSNR``: ``10 log10(data_range^2 / MSE)`` dB, MSE over all bands and
      pixels (``inf`` for a perfect prediction);
    - ``SSIM``: Wang et al. (2004), Gaussian window 11 / sigma 1.5, K1 0.01,
      K2 0.03, per band over 'valid' window positions, averaged (see
      :func:`ssim`); images must be at least 11 x 11;
    - ``MAE``: mean absolute error over all bands and pixels;
    - ``SAM``: mean spectral angle in degrees (see :func:`spectral_angle`).

    The reported values are the means over images. With ``cloud_subsets=True``
    the per-image PSNR and MAE are also computed over the cloud-free (mask 0)
    and cloudy (mask 1) pixels of ``gt_cloud_mask.data`` (``1 x H x W``, taken
    to the image grid by nearest-neighbour sampling if it differs), as
    ``'clear.PSNR'``, ``'clear.MAE'``, ``'cloudy.PSNR'``, ``'cloudy.MAE'``, each
    averaged over the images having such pixels; images without a cloud mask
    count only towards the overall values, and a subset key is left out when no
    image contributes to it.

    Keys carry the mmengine metric prefix, ``'cr'`` by default, so they read
    ``'cr/PSNR'``, ``'cr/SSIM'``, ``'cr/MAE'``, ``'cr/SAM'``, ``'cr/cloudy.PSNR'``
    in logs and never clash with the segmentation metrics of the same evaluator.

    Args:
        data_range (float): reflectance range of the images. Default 1.0.
        cloud_subsets (bool): also report PSNR and MAE over clear and cloudy
            pixels. Default False.
        eps (float): lower bound of the norm product in SAM. Default 1e-8.
        collect_device (str): ``'cpu'`` or ``'gpu'``, as in mmengine.
        prefix (str, optional): metric prefix; default ``'cr'``.
    """

    default_prefix: Optional[str] = 'cr'

    def __init__(self,
                 data_range: float = 1.0,
                 cloud_subsets: bool = False,
                 eps: float = 1e-8,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if data_range <= 0:
            raise ValueError(
                f'CloudRemovalMetric: data_range must be > 0, got {data_range}')
        self.data_range = float(data_range)
        self.cloud_subsets = cloud_subsets
        self.eps = eps

    def process(self, data_batch: dict, data_samples: Sequence[dict]) -> None:
        """Compute the per-image metrics of a batch.

        Args:
            data_batch (dict): unused.
            data_samples (Sequence[dict]): data samples in dict form (see
                :meth:`image_metrics`).

        Appends one dict ``metric name -> float`` per image to ``self.results``.
        """
        self.results.extend(self.image_metrics(s) for s in data_samples)

    def image_metrics(self, data_sample: dict) -> Dict[str, float]:
        """PSNR, SSIM, MAE, SAM (and the cloud-subset values) of one image.

        Args:
            data_sample (dict): a data sample in dict form with
                ``pred_clear_img.data`` and ``gt_clear_img.data`` (C, H, W) and
                optionally ``gt_cloud_mask.data`` (1, H, W), 1 = cloud.

        Returns:
            dict[str, float]: metric name (without prefix) -> value.
        """
        for field in ('pred_clear_img', 'gt_clear_img'):
            if data_sample.get(field) is None:
                raise KeyError(
                    f'sample {sample_name(data_sample)} has no {field}: scoring '
                    'cloud removal needs a model that predicts the cloud-free image '
                    'and a dataset that loads it')
        pred = data_sample['pred_clear_img']['data'].double()
        target = data_sample['gt_clear_img']['data'].to(pred)
        self._check_shapes(pred, target, data_sample)
        pred = pred.clamp(0.0, self.data_range)
        error = pred - target
        values = dict(
            PSNR=psnr(error.pow(2).mean(), self.data_range),
            SSIM=ssim(pred, target, self.data_range),
            MAE=error.abs().mean().item(),
            SAM=spectral_angle(pred, target, self.eps))
        if self.cloud_subsets and data_sample.get('gt_cloud_mask') is not None:
            mask = single_channel(data_sample['gt_cloud_mask']['data'],
                                  'gt_cloud_mask', data_sample)
            cloudy = cloud_mask_to_grid(mask.to(pred.device), pred.shape[1:])
            for subset, pixels in (('clear', ~cloudy), ('cloudy', cloudy)):
                if pixels.any():
                    subset_error = error[:, pixels]
                    values[f'{subset}.PSNR'] = psnr(
                        subset_error.pow(2).mean(), self.data_range)
                    values[f'{subset}.MAE'] = subset_error.abs().mean().item()
        return values

    @staticmethod
    def _check_shapes(pred: torch.Tensor, target: torch.Tensor,
                      data_sample: dict) -> None:
        """Require equal ``C x H x W`` shapes of at least the SSIM window."""
        if pred.shape != target.shape:
            raise ValueError(
                f'sample {sample_name(data_sample)}: pred_clear_img has shape '
                f'{tuple(pred.shape)} but gt_clear_img has {tuple(target.shape)}')
        if pred.ndim != 3 or min(pred.shape[1:]) < SSIM_WINDOW:
            raise ValueError(
                f'sample {sample_name(data_sample)}: clear images must be C x H x W '
                f'with H, W >= {SSIM_WINDOW} for SSIM, got {tuple(pred.shape)}')

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Average every per-image metric over the images that have it.

        Args:
            results (list[dict]): per-image metric dicts from :meth:`process`.

        Returns:
            dict[str, float]: metric name (without prefix) -> mean value.
        """
        names = list(OrderedDict.fromkeys(k for r in results for k in r))
        metrics = OrderedDict()
        table = PrettyTable(['Metric', 'Mean', 'Images'])
        for name in names:
            values = [r[name] for r in results if name in r]
            metrics[name] = float(np.mean(values))
            table.add_row([name, f'{metrics[name]:.4f}', len(values)])
        print_log('cloud removal results (PSNR in dB, SAM in degrees, '
                  f'data_range {self.data_range:g}):', 'current')
        print_log('\n' + table.get_string(), 'current')
        return metrics
