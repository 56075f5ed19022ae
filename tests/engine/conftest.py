"""Fixtures of the hook tests: a tiny mmengine training setup that runs in-process in
about a second.

The dataset draws from Python's ``random``, NumPy and torch in every sample (as
random transforms do) and the model has BatchNorm and dropout, so every generator
and the running statistics matter for exactness and for skipped batches.
"""
import glob
import math
import os.path as osp
import random
import uuid

import numpy as np
import pytest
import torch
from mmengine.evaluator import BaseMetric
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch import nn
from torch.utils.data import Dataset


class NoisyDataset(Dataset):
    """``size`` samples of 4 features and a target; ``nan_samples`` hold NaN inputs.

    Each item adds noise from ``random``, ``np.random`` and ``torch`` (transform-like).
    """

    metainfo = dict(classes=('value',))

    def __init__(self, size=8, nan_samples=()):
        gen = torch.Generator().manual_seed(0)
        self.inputs = torch.rand(size, 4, generator=gen)
        self.targets = self.inputs.sum(1, keepdim=True)
        self.nan_samples = set(nan_samples)

    def __len__(self):
        return len(self.inputs)

    def __getitem__(self, index):
        noise = random.random() + float(np.random.rand()) + torch.rand(4)
        inputs = self.inputs[index] + 0.1 * noise
        if index in self.nan_samples:
            inputs = torch.full_like(inputs, math.nan)
        return dict(inputs=inputs, targets=self.targets[index])


class RegressionModel(BaseModel):
    """Linear -> BatchNorm -> ReLU -> dropout -> linear, mean squared error.

    ``nan_gradient=True`` adds ``0 * sqrt(0 * w)`` to the loss: the loss stays finite,
    the gradient of ``w`` is NaN (d sqrt(u)/du is infinite at 0, times 0).
    """

    def __init__(self, nan_gradient=False):
        super().__init__()
        self.body = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.ReLU(),
                                  nn.Dropout(0.5), nn.Linear(8, 1))
        self.nan_gradient = nan_gradient

    def forward(self, inputs, targets=None, mode='tensor'):
        prediction = self.body(inputs)
        if mode == 'loss':
            losses = dict(loss_mse=((prediction - targets) ** 2).mean())
            if self.nan_gradient:
                weight = self.body[0].weight
                losses['loss_mse'] = losses['loss_mse'] + 0 * (0 * weight).sqrt().sum()
            return losses
        return [dict(prediction=p, target=t) for p, t in zip(prediction, targets)]


class MeanSquaredError(BaseMetric):

    def process(self, data_batch, data_samples):
        self.results += [float((s['prediction'] - s['target']) ** 2)
                         for s in data_samples]

    def compute_metrics(self, results):
        return dict(mse=sum(results) / len(results))


def loader(dataset, num_workers=0, by_epoch=False, batch_size=2, shuffle=True):
    sampler = 'DefaultSampler' if by_epoch else 'InfiniteSampler'
    return dict(dataset=dataset, batch_size=batch_size, num_workers=num_workers,
                persistent_workers=num_workers > 0,
                sampler=dict(type=sampler, shuffle=shuffle),
                collate_fn=dict(type='default_collate'))


class ToyTraining:
    """The toy run's parts: ``NoisyDataset``, ``RegressionModel``, ``build_runner``
    and ``log_text``."""

    NoisyDataset = NoisyDataset
    RegressionModel = RegressionModel

    @staticmethod
    def build_runner(work_dir, max_iters=4, hooks=None, dataset=None, model=None,
                     optimizer=None, optim_wrapper='OptimWrapper', val_interval=2,
                     by_epoch=False, resume_from=None, load_from=None, **loader_args):
        """A Runner training ``max_iters`` iterations (or epochs with ``by_epoch``),
        validating every ``val_interval`` and checkpointing every 2 iterations (every
        epoch); ``hooks`` (name -> config) add to or replace the default hooks."""
        if by_epoch:
            train_cfg = dict(by_epoch=True, max_epochs=max_iters, val_interval=val_interval)
        else:
            train_cfg = dict(by_epoch=False, max_iters=max_iters, val_interval=val_interval)
        return Runner(
            model=model or RegressionModel(),
            work_dir=str(work_dir),
            experiment_name=f'toy_{uuid.uuid4().hex}',
            train_dataloader=loader(dataset or NoisyDataset(), by_epoch=by_epoch,
                                    **loader_args),
            val_dataloader=loader(NoisyDataset(size=4), shuffle=False, by_epoch=True),
            val_evaluator=[MeanSquaredError()],
            train_cfg=train_cfg, val_cfg=dict(),
            optim_wrapper=dict(type=optim_wrapper, optimizer=optimizer or dict(
                type='SGD', lr=0.1, momentum=0.9, weight_decay=1e-3)),
            default_hooks=dict(dict(
                checkpoint=dict(type='CheckpointHook', by_epoch=by_epoch,
                                interval=1 if by_epoch else 2),
                logger=dict(type='LoggerHook', interval=1)), **(hooks or {})),
            randomness=dict(seed=0),
            default_scope='mmseg',
            resume=resume_from is not None,
            load_from=resume_from or load_from)

    @staticmethod
    def log_text(work_dir):
        """Everything the runners of ``work_dir`` logged."""
        return ''.join(open(path).read() for path in
                       glob.glob(osp.join(str(work_dir), '*', '*.log')))


@pytest.fixture(scope='session')
def toy_training():
    """The tiny training setup (:class:`ToyTraining`)."""
    return ToyTraining()
