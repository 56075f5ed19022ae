"""Refuses to train or test a model whose heads predict another number of classes than
the dataset's class protocol has."""
import torch.nn as nn
from mmengine.hooks import Hook
from mmseg.registry import HOOKS

from ...utils.checkpoint import bare_model


def head_class_counts(model) -> dict:
    """``{config entry: num_classes}`` of the model's decode and auxiliary heads."""
    heads = {'model.decode_head': getattr(model, 'decode_head', None)}
    auxiliary = getattr(model, 'auxiliary_head', None)
    if isinstance(auxiliary, nn.ModuleList):
        heads.update({f'model.auxiliary_head[{i}]': h for i, h in enumerate(auxiliary)})
    elif auxiliary is not None:
        heads['model.auxiliary_head'] = auxiliary
    return {where: head.num_classes for where, head in heads.items()
            if head is not None and hasattr(head, 'num_classes')}


def check_class_counts(model, dataset, loader: str) -> None:
    """Raise unless every head predicts as many classes as ``dataset`` has.

    Raises:
        ValueError: naming the head, its count, the dataset and its classes.
    """
    classes = dataset.metainfo.get('classes')
    if classes is None:
        return
    for where, count in head_class_counts(bare_model(model)).items():
        if count != len(classes):
            protocol = getattr(dataset, 'class_protocol', None)
            raise ValueError(
                f'{where}.num_classes is {count} but the {loader} dataset '
                f'{type(dataset).__name__}'
                + (f" (class_protocol '{protocol}')" if protocol else '')
                + f' has {len(classes)} classes {tuple(classes)}; set num_classes to '
                f'{len(classes)} or choose the matching class protocol')


@HOOKS.register_module()
class ClassCountCheckHook(Hook):
    """Before training, validation or testing starts, compare the heads' ``num_classes``
    with the class protocol of every dataset the run uses (today a mismatch shows up as
    ``IndexError: Target 7 is out of bounds`` deep in the loss, or not at all)."""

    priority = 'VERY_HIGH'

    def before_train(self, runner):
        check_class_counts(runner.model, runner.train_dataloader.dataset, 'train')
        if runner.val_loop is not None:
            check_class_counts(runner.model, runner.val_dataloader.dataset, 'val')

    def before_val(self, runner):
        check_class_counts(runner.model, runner.val_dataloader.dataset, 'val')

    def before_test(self, runner):
        check_class_counts(runner.model, runner.test_dataloader.dataset, 'test')
