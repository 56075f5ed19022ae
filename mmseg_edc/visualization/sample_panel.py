"""The panel of one packed sample (``inputs`` + ``SegDataSample``), as the visualisation
hook draws it after testing and ``tools/analysis_tools/browse_dataset.py`` before
training."""
from .panel import render_sample_panel


def packed_optical_bands(sample):
    """``C_opt`` of a sample's packed inputs, from its ``bands`` metainfo."""
    bands = sample.metainfo.get('bands')
    if bands is None:
        raise KeyError(f'sample {sample.metainfo.get("sample_key")!r} has no bands '
                       'metainfo; pack it with PackOpticalSARInputs')
    return bands['optical']


def pixel_data(sample, name):
    """``sample.<name>.data`` as a numpy array (``C x H x W``), None when absent."""
    return getattr(sample, name).data.cpu().numpy() if name in sample else None


def render_data_sample(inputs, sample, dataset_meta, rgb_bands=(2, 1, 0),
                       legend='present'):
    """Render every modality, target and prediction a packed sample carries.

    Args:
        inputs (Tensor): ``(C_opt + C_sar) x H x W`` packed inputs (after
            ``RadiometricScale``, before the data preprocessor).
        sample (SegDataSample): from ``PackOpticalSARInputs`` (``gt_sem_seg`` on the
            label grid, ``gt_clear_img``, ``gt_cloud_mask``, ``bands`` metainfo),
            optionally with a model's ``pred_sem_seg`` and ``pred_clear_img``.
        dataset_meta (dict): ``palette`` and ``classes`` (the legend's names).
        rgb_bands (tuple[int]): optical bands shown as red, green, blue.
        legend (str): ``'present'``, ``'all'`` or ``'none'``
            (:func:`~mmseg_edc.visualization.panel.legend_entries`).

    Returns:
        ndarray: the panel, ``H' x W' x 3`` uint8 RGB
        (:func:`~mmseg_edc.visualization.panel.render_sample_panel`).
    """
    first = {name: None if data is None else data[0] for name, data in (
        (n, pixel_data(sample, n)) for n in ('gt_cloud_mask', 'gt_sem_seg',
                                             'pred_sem_seg'))}
    return render_sample_panel(
        inputs.cpu().numpy(), dataset_meta['palette'], packed_optical_bands(sample),
        rgb_bands, gt_labels=first['gt_sem_seg'], pred_labels=first['pred_sem_seg'],
        cloud_mask=first['gt_cloud_mask'],
        clear_pred=pixel_data(sample, 'pred_clear_img'),
        clear_img=pixel_data(sample, 'gt_clear_img'),
        classes=dataset_meta.get('classes'), legend=legend)
