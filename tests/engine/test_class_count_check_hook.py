"""ClassCountCheckHook: a head / class-protocol mismatch is named before the run."""
from types import SimpleNamespace

import pytest
import torch.nn as nn

from mmseg_edc.engine.hooks.class_count_check_hook import (ClassCountCheckHook,
                                                           check_class_counts,
                                                           head_class_counts)


def segmentor(decode_classes, auxiliary=()):
    model = nn.Module()
    model.decode_head = SimpleNamespace(num_classes=decode_classes)
    model.auxiliary_head = None
    if auxiliary:
        model.auxiliary_head = nn.ModuleList(nn.Module() for _ in auxiliary)
        for head, count in zip(model.auxiliary_head, auxiliary):
            head.num_classes = count
    return model


def dataset(classes, protocol=None):
    return SimpleNamespace(metainfo=dict(classes=classes), class_protocol=protocol)


def test_counts_of_every_head():
    assert head_class_counts(segmentor(6, auxiliary=(6, 11))) == {
        'model.decode_head': 6, 'model.auxiliary_head[0]': 6,
        'model.auxiliary_head[1]': 11}


def test_a_mismatch_names_the_head_the_dataset_and_the_protocol():
    eleven = dataset(tuple(f'c{i}' for i in range(11)), protocol='11class')
    check_class_counts(segmentor(11), eleven, 'train')
    with pytest.raises(ValueError, match=r"model.decode_head.num_classes is 6 but the "
                                         r"train dataset SimpleNamespace \(class_protocol "
                                         r"'11class'\) has 11 classes"):
        check_class_counts(segmentor(6), eleven, 'train')
    with pytest.raises(ValueError, match=r'auxiliary_head\[0\].num_classes is 6'):
        check_class_counts(segmentor(11, auxiliary=(6,)), eleven, 'val')


def test_the_hook_checks_the_loaders_of_the_run():
    runner = SimpleNamespace(model=segmentor(6), val_loop=None,
                             train_dataloader=SimpleNamespace(dataset=dataset(('a',) * 6)),
                             test_dataloader=SimpleNamespace(dataset=dataset(('a',) * 7)))
    hook = ClassCountCheckHook()
    hook.before_train(runner)
    with pytest.raises(ValueError, match='test dataset .* has 7 classes'):
        hook.before_test(runner)
