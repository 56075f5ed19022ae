"""NonFiniteGuardHook on a toy run: stop with a message, or skip and count."""
import copy
import glob
import math
import os.path as osp

import pytest
import torch
from mmseg.registry import HOOKS

from mmseg_edc.engine import NonFiniteTrainingError

# batches hold samples (0, 1), (2, 3), ... (no shuffling)
NAN_IN_BATCH_2 = dict(nan_samples=[2], size=8)


@pytest.fixture
def guarded_runner(toy_training):
    """``make(work_dir, action='stop', dataset_args=NAN_IN_BATCH_2, **runner_args)``: a
    toy runner under the guard, checkpointing every iteration, batches in order."""
    def make(work_dir, action='stop', dataset_args=NAN_IN_BATCH_2, **kwargs):
        hooks = dict(nonfinite_guard=dict(type='NonFiniteGuardHook', action=action,
                                          max_consecutive_skips=kwargs.pop('max_skips', 5)),
                     checkpoint=dict(type='CheckpointHook', by_epoch=False, interval=1))
        return toy_training.build_runner(
            work_dir, hooks=hooks, dataset=toy_training.NoisyDataset(**dataset_args),
            shuffle=False, **kwargs)
    return make


def all_finite(tensors):
    return all(torch.isfinite(t).all() for t in tensors if t.is_floating_point())


def checkpoints(work_dir):
    return sorted(osp.basename(p) for p in glob.glob(osp.join(str(work_dir), '*.pth')))


@pytest.mark.parametrize('optim_wrapper', ['OptimWrapper', 'AutocastOptimWrapper'])
def test_stops_at_a_nan_loss_before_the_update(guarded_runner, tmp_path, optim_wrapper):
    runner = guarded_runner(tmp_path, optim_wrapper=optim_wrapper)
    with pytest.raises(NonFiniteTrainingError) as error:
        runner.train()
    message = str(error.value)
    assert 'non-finite training at iteration 2: loss=nan, loss_mse=nan' in message
    assert '; lr 0.1; the optimizer step was not taken' in message
    # the NaN step was not taken (the BN statistics of the NaN batch are, in memory)
    assert all_finite(runner.model.parameters())
    assert checkpoints(tmp_path) == ['iter_1.pth']


def test_stops_at_a_nan_gradient_under_a_finite_loss(guarded_runner, toy_training,
                                                       tmp_path):
    runner = guarded_runner(tmp_path, dataset_args={},
                            model=toy_training.RegressionModel(nan_gradient=True))
    before = copy.deepcopy(runner.model.state_dict())
    with pytest.raises(NonFiniteTrainingError, match='iteration 1: gradient norm=nan'):
        runner.train()
    for key, value in runner.model.state_dict().items():
        if key.endswith(('weight', 'bias')):
            assert torch.equal(value, before[key]), key
    assert checkpoints(tmp_path) == []


def test_stops_when_an_update_overflows_the_weights(guarded_runner, tmp_path):
    runner = guarded_runner(tmp_path, dataset_args={},
                            optimizer=dict(type='SGD', lr=math.inf))
    with pytest.raises(NonFiniteTrainingError,
                       match=r'iteration 1: \d+ weight tensors \(body\..*no longer '
                       'finite'):
        runner.train()
    assert checkpoints(tmp_path) == []


def test_a_frozen_non_finite_weight_is_refused_at_the_checkpoint(guarded_runner, tmp_path):
    # no gradient reaches a frozen parameter, so the per-iteration weight check leaves
    # it out; the checkpoint check reads every tensor of the state dict
    runner = guarded_runner(tmp_path, dataset_args={})
    runner.model.register_parameter(
        'frozen', torch.nn.Parameter(torch.full((3,), math.inf), requires_grad=False))
    with pytest.raises(NonFiniteTrainingError,
                       match=r'refusing to save the checkpoint of iteration 1: 1 of \d+ '
                       r'tensors are not finite \(frozen\)'):
        runner.train()
    assert checkpoints(tmp_path) == []


def test_skip_mode_leaves_the_model_untouched_and_counts(guarded_runner, tmp_path):
    runner = guarded_runner(tmp_path, action='skip', max_iters=1,
                            dataset_args=dict(nan_samples=[0]))
    before = copy.deepcopy(runner.model.state_dict())
    runner.train()
    for key, value in runner.model.state_dict().items():      # BN statistics included
        assert torch.equal(value, before[key]), key
    assert runner.message_hub.get_scalar('train/skipped_nonfinite').current() == 1


def test_skip_mode_trains_on_and_logs_the_count(guarded_runner, toy_training, tmp_path):
    # NaN samples in batches 2 and 4 of 4
    runner = guarded_runner(tmp_path, action='skip',
                            dataset_args=dict(nan_samples=[2, 6]))
    runner.train()
    assert all_finite(runner.model.state_dict().values())
    log = toy_training.log_text(tmp_path)
    assert 'non-finite batch skipped at iteration 2: loss=nan, loss_mse=nan' in log
    assert 'skipped_nonfinite: 2' in log
    assert 'loss: nan' not in log           # skipped values stay out of the averages
    assert checkpoints(tmp_path) == [f'iter_{i}.pth' for i in (1, 2, 3, 4)]


def test_skip_mode_stops_after_too_many_in_a_row(guarded_runner, tmp_path):
    runner = guarded_runner(tmp_path, action='skip', max_skips=2,
                            dataset_args=dict(nan_samples=range(8)))
    with pytest.raises(NonFiniteTrainingError,
                       match='iteration 3: .*3 non-finite batches in a row'):
        runner.train()


def test_refuses_to_save_a_non_finite_checkpoint():
    hook = HOOKS.build(dict(type='NonFiniteGuardHook'))
    state = dict(good=torch.ones(2), bad=torch.tensor([1.0, math.inf]),
                 count=torch.tensor(3))
    with pytest.raises(NonFiniteTrainingError, match='iteration 7: 1 of 3 tensors.*bad'):
        hook.before_save_checkpoint(None, dict(meta=dict(iter=7), state_dict=state))
    with pytest.raises(ValueError, match='action'):
        HOOKS.build(dict(type='NonFiniteGuardHook', action='ignore'))
