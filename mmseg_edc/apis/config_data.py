"""What a config says about the data a model reads: its test pipeline, and the class
names and colours of its predictions."""
import numpy as np
from mmengine.logging import print_log
from mmseg.registry import DATASETS

from mmseg_edc.datasets.class_protocols import M3MCR_PROTOCOLS, WHU_OPT_SAR_PROTOCOLS

#: Dataset types whose class names and palette come from a class protocol.
PROTOCOL_DATASETS = {'M3MCRDataset': ('6class', M3MCR_PROTOCOLS),
                     'WHUOptSARDataset': ('7class', WHU_OPT_SAR_PROTOCOLS)}


def config_test_pipeline(cfg):
    """The test pipeline (list of transform dicts) of a config.

    Taken from ``test_dataloader.dataset.pipeline``, else ``test_pipeline``.
    """
    dataset = cfg.get('test_dataloader', {}).get('dataset', {})
    pipeline = dataset.get('pipeline', cfg.get('test_pipeline'))
    if not pipeline:
        raise ValueError('the config has no test pipeline (test_dataloader.dataset.'
                         'pipeline or test_pipeline); it gives the radiometric scaling')
    return [dict(step) for step in pipeline]


def dataset_classes_and_palette(cfg, num_classes, dataset_meta=None):
    """Class names and one RGB colour per class for the class map.

    Looked up in order: ``dataset_meta`` (a checkpoint's ``meta.dataset_meta``), the
    test dataset's ``metainfo`` in the config, its class protocol (M3M-CR's
    ``class_protocol``), the dataset class's ``METAINFO``. Without any palette the
    colours are drawn from a fixed seed, as mmseg does for datasets without one.

    Returns:
        tuple[list[str], list[list[int]]]: ``num_classes`` names and colours.

    Raises:
        ValueError: the source found lists another number of classes.
    """
    dataset = dict(cfg.get('test_dataloader', {}).get('dataset', {}))
    dataset_type = dataset.get('type')
    candidates = [(dataset_meta or {}, 'the checkpoint meta'),
                  (dataset.get('metainfo') or {}, 'the test dataset metainfo')]
    if dataset_type in PROTOCOL_DATASETS:
        default, protocols = PROTOCOL_DATASETS[dataset_type]
        name = dataset.get('class_protocol', default)
        candidates.append((protocols[name].metainfo,
                           f'the {dataset_type} class protocol {name!r}'))
    if isinstance(dataset_type, str) and dataset_type in DATASETS:
        candidates.append((getattr(DATASETS.get(dataset_type), 'METAINFO', {}),
                           f'{dataset_type}.METAINFO'))
    for meta, source in candidates:
        if meta.get('palette'):
            palette = [list(colour) for colour in meta['palette']]
            classes = list(meta.get('classes') or map(str, range(len(palette))))
            if len(palette) != num_classes or len(classes) != num_classes:
                raise ValueError(
                    f'{source} lists {len(classes)} classes and {len(palette)} '
                    f'colours but the model predicts {num_classes} classes')
            return classes, palette
    print_log(f'no palette for the {num_classes} classes in the checkpoint or config; '
              'using seeded random colours', logger='current')
    colours = np.random.default_rng(0).integers(0, 256, size=(num_classes, 3))
    return [str(i) for i in range(num_classes)], colours.tolist()
