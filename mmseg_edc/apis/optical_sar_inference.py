"""mmseg's ``init_model`` / ``inference_model`` for one optical + SAR pair.

mmseg's ``inference_model`` reads one image path through ``LoadImageFromFile``; an
optical-SAR model needs the cloudy optical image, the SAR image on its own grid and,
for a teacher, the cloud-free image. :func:`inference_optical_sar` reads them with
the config's own test pipeline (``LoadOpticalSARTile``: band counts, footprints and
non-finite values checked, SAR resampled onto the optical grid; then
``RadiometricScale`` and ``PackOpticalSARInputs``), or takes arrays already in
memory through ``LoadOpticalSARArrays`` with the same checks and scaling, and runs the
segmentor's own ``test_step``. Whole scenes larger than memory: :class:`SceneSegmenter`.

Example::

    model = init_optical_sar_model(config, checkpoint, device='cuda')
    result = inference_optical_sar(model, 'planet_cloudy.tif', 's1.tif')
    labels = result.pred_sem_seg.data[0]          # H x W class indices
    clear = result.pred_clear_img.data            # C_opt x H x W (EDC)
"""
import copy
import os
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import TRANSFORMS

from mmseg_edc.datasets.transforms import LoadOpticalSARArrays, LoadOpticalSARTile
from mmseg_edc.utils.checkpoint import load_checkpoint_strictly
from mmseg_edc.utils.packaged import config_path

from .config_data import config_test_pipeline, dataset_classes_and_palette
from .model_building import TRAINING_ONLY_PARTS, build_inference_model

#: ``sample_key`` of a pair given as arrays (named in errors).
IN_MEMORY_KEY = 'in-memory pair'


def init_optical_sar_model(config, checkpoint=None, device='cpu', cfg_options=None):
    """Build a config's model for inference and load a checkpoint strictly.

    The model is built without its training-only parts (teacher, distillation loss,
    auxiliary head: :func:`build_inference_model`), so a student's teacher config
    and checkpoint need not exist. The checkpoint must hold exactly the model's
    weights (:func:`load_checkpoint_strictly`; those of the parts left out are
    ignored).

    Args:
        config (str | Config): config file, packaged config name, or a ``Config``
            (not modified).
        checkpoint (str, optional): checkpoint file or URL; None keeps the random
            initial weights.
        device (str): ``'cpu'``, ``'cuda'``, ``'cuda:1'``, ...
        cfg_options (dict, optional): overrides merged into the config.

    Returns:
        nn.Module: the segmentor in eval mode on ``device``, with ``cfg`` (the config)
        and ``dataset_meta`` (``classes``, ``palette``: from the checkpoint's meta,
        else the config's test dataset) attached, as mmseg's ``init_model`` does.

    Raises:
        FileNotFoundError: no such config or checkpoint.
        CheckpointMismatchError: the checkpoint is of another model.
    """
    if isinstance(config, Config):
        cfg = copy.deepcopy(config)
    else:
        cfg = Config.fromfile(config_path(os.fspath(config)))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    model = build_inference_model(cfg.model)
    dataset_meta = None
    if checkpoint is not None:
        loaded = load_checkpoint_strictly(model, checkpoint, TRAINING_ONLY_PARTS)
        dataset_meta = loaded.get('meta', {}).get('dataset_meta')
    classes, palette = dataset_classes_and_palette(
        cfg, model.decode_head.num_classes, dataset_meta)
    model.cfg = cfg
    model.dataset_meta = dict(classes=classes, palette=palette)
    return model.to(device).eval()


def _is_path(value):
    return isinstance(value, (str, os.PathLike))


def _loader_index(pipeline):
    """Position of ``LoadOpticalSARTile`` in a test pipeline (list of dicts)."""
    for index, step in enumerate(pipeline):
        if step.get('type') in ('LoadOpticalSARTile', LoadOpticalSARTile):
            return index
    raise ValueError('the test pipeline has no LoadOpticalSARTile; it declares the '
                     "bands an optical-SAR pair must have")


def pack_optical_sar_pair(cfg, optical, sar, clear=None, label_shape=None):
    """One pair through the config's test pipeline, as a dataset sample would go.

    Args:
        cfg (Config): the model's config (its test pipeline).
        optical, sar, clear: file paths, or arrays (see
            :func:`inference_optical_sar`).
        label_shape (tuple[int, int], optional): the grid predictions go to.

    Returns:
        dict: ``inputs`` (``(C_opt + C_sar) x H x W`` float32) and ``data_samples``
        (a ``SegDataSample``; ``gt_clear_img`` when ``clear`` is given).
    """
    given = [value for value in (optical, sar, clear) if value is not None]
    pipeline = config_test_pipeline(cfg)
    loader = _loader_index(pipeline)
    if all(_is_path(value) for value in given):
        results = dict(img_path=os.fspath(optical), sar_path=os.fspath(sar),
                       sample_key=osp.splitext(osp.basename(os.fspath(optical)))[0])
        if clear is not None:
            results['clear_path'] = os.fspath(clear)
    elif not any(_is_path(value) for value in given):
        pipeline[loader] = dict(pipeline[loader], type=LoadOpticalSARArrays)
        results = dict(img=optical, sar=sar, sample_key=IN_MEMORY_KEY)
        if clear is not None:
            results['clear_img'] = clear
    else:
        raise TypeError('optical, sar and clear must all be file paths or all be '
                        'arrays')
    for step in pipeline:
        results = TRANSFORMS.build(step)(results)
    if label_shape is not None:
        if len(label_shape) != 2 or min(label_shape) < 1:
            raise ValueError(f'label_shape must be (rows, columns), got {label_shape!r}')
        results['data_samples'].set_metainfo(dict(ori_shape=tuple(label_shape)))
    return results


def inference_optical_sar(model, optical, sar, clear=None, label_shape=None):
    """Segment one optical + SAR pair (and reconstruct its cloud-free image).

    Args:
        model (nn.Module): from :func:`init_optical_sar_model` (needs ``model.cfg``).
        optical (str | ndarray): the cloudy optical image: a raster file, or an
            ``H x W x C_opt`` array in the file's units (reflectance x 10000 for
            M3M-CR).
        sar (str | ndarray): the SAR image: a raster file covering the same ground,
            or an ``h' x w' x C_sar`` array in the file's units (dB) on its own grid
            over the same ground or on the optical grid.
        clear (str | ndarray, optional): the cloud-free optical image (``H x W x
            C_opt``); required by models that read it (a teacher,
            ``optical_input='cloud_free'``). Paths and arrays are not mixed.
        label_shape (tuple[int, int], optional): the grid of the prediction: a label
            grid over the same ground (M3M-CR: ``(90, 90)``), as a dataset sample with
            a label gets; default the optical grid.

    Returns:
        SegDataSample: ``pred_sem_seg`` (``1 x h x w`` class indices) and
        ``seg_logits`` (``K x h x w``) on ``label_shape`` or the optical grid;
        ``pred_clear_img`` (``C_opt x H x W``, in the scaled units of the test
        pipeline) when the model has a cloud-removal head.

    Raises:
        RasterReadError, GridMismatchError: unreadable files, wrong band counts,
            footprints that differ.
        ValueError: arrays of the wrong shape or band count, a model that needs
            ``clear`` without it, a test pipeline without ``LoadOpticalSARTile``.
        TypeError: paths mixed with arrays.
    """
    if clear is None and getattr(model, 'optical_input', 'cloudy') == 'cloud_free':
        raise ValueError(f'{type(model).__name__} reads the cloud-free optical image '
                         "(optical_input='cloud_free', a teacher): pass clear=")
    data = pack_optical_sar_pair(model.cfg, optical, sar, clear, label_shape)
    batch = dict(inputs=[data['inputs']], data_samples=[data['data_samples']])
    with torch.no_grad():
        return model.test_step(batch)[0]
