"""Count the label pixels of each class in a config's dataset and derive class weights.

The labels are read by the dataset's loading transform (the first of its pipeline, which
maps raw codes to class indices), whole tiles before any crop; ignored pixels are counted
apart. The weights are median-frequency balancing, ``w_c = median_k(f_k) / f_c`` with
``f_c`` the share of class ``c`` among the labelled pixels (the median over the classes
present; an absent class is listed and weighted 0), ready for
``loss_decode.class_weight`` of mmseg's ``CrossEntropyLoss``.

Example::

    python tools/analysis_tools/class_frequencies.py \\
        configs/edc/edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160.py \\
        --cfg-options train_dataloader.dataset.data_root=data/generated_m3mcr_seed0
"""
import argparse

import numpy as np
from mmengine.utils import ProgressBar

import mmseg_edc  # noqa: F401  (compat fixes, registration)
from mmseg_edc.utils import add_dataset_args, read_config, report_json, run_tool, split_dataset

def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', help='JSON to write (also printed)')
    return add_dataset_args(parser).parse_args(argv)


def median_frequency_weights(counts):
    """Median-frequency class weights.

    Args:
        counts (np.ndarray): pixels per class, ``K``.

    Returns:
        np.ndarray: ``K`` weights ``median(f) / f_c``, ``f = counts / counts.sum()``, the
        median over the classes present; a class without pixels gets 0 (it never
        reaches the loss).

    Raises:
        ValueError: no class has a pixel.
    """
    counts = np.asarray(counts, dtype=np.float64)
    present = counts > 0
    if not present.any():
        raise ValueError('no labelled pixel: no class weights')
    shares = counts / counts.sum()
    weights = np.zeros_like(shares)
    weights[present] = np.median(shares[present]) / shares[present]
    return weights


def label_counts(dataset, num_classes):
    """Pixels per class over every sample's label, and the pixels outside the classes.

    Args:
        dataset: an mmseg dataset whose pipeline yields ``gt_seg_map`` (``h x w``
            class indices) for each sample.
        num_classes (int): ``K``.

    Returns:
        tuple[np.ndarray, int]: ``K`` counts and the count of the other (ignored) pixels.
    """
    counts = np.zeros(num_classes, dtype=np.int64)
    others = 0
    progress = ProgressBar(len(dataset))
    for index in range(len(dataset)):
        labels = np.asarray(dataset[index]['gt_seg_map']).ravel()
        inside = labels < num_classes
        counts += np.bincount(labels[inside], minlength=num_classes)
        others += int((~inside).sum())
        progress.update()
    return counts, others


def class_frequencies(cfg, split):
    """The report: per class name, pixels, share and weight."""
    dataset = split_dataset(cfg, split, pipeline_length=1)     # the loading transform
    classes = dataset.metainfo['classes']
    counts, others = label_counts(dataset, len(classes))
    weights = median_frequency_weights(counts)
    shares = counts / counts.sum()
    return dict(
        config=cfg.filename, split=split, data_root=dataset.data_root,
        samples=len(dataset), ignored_pixels=others,
        absent_classes=[name for name, n in zip(classes, counts) if not n],
        classes={name: dict(pixels=int(n), share=round(float(f), 4),
                            median_frequency_weight=round(float(w), 3))
                 for name, n, f, w in zip(classes, counts, shares, weights)},
        class_weight=[round(float(w), 3) for w in weights])


def main(argv=None):
    args = parse_args(argv)
    cfg = read_config(args.config, args.cfg_options)
    report_json(class_frequencies(cfg, args.split), args.out)


if __name__ == '__main__':
    run_tool(main)
