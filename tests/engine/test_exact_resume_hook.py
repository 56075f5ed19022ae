"""ExactResumeHook: a resumed toy run ends with the uninterrupted run's exact weights."""
import os.path as osp
import random

import numpy as np
import pytest
import torch

from mmseg_edc.engine.hooks.exact_resume_hook import CHECKPOINT_KEY
from mmseg_edc.engine.random_states import capture_random_states, restore_random_states

HOOK = dict(exact_resume=dict(type='ExactResumeHook'))


def draw():
    return random.random(), float(np.random.rand()), float(torch.rand(()))


def test_random_states_round_trip():
    states = capture_random_states()
    first = draw()
    restore_random_states(states)
    assert draw() == first


@pytest.fixture
def train(toy_training):
    """``train(work_dir, **runner_args)``: a toy run with the hook, trained; the runner."""
    def run(work_dir, **kwargs):
        runner = toy_training.build_runner(work_dir, hooks=HOOK, **kwargs)
        runner.train()
        return runner
    return run


def saved(work_dir, name):
    return torch.load(osp.join(str(work_dir), name), weights_only=False)


def assert_same_training_state(one, two):
    """Every model tensor and every optimizer state tensor equal, bit for bit."""
    assert one['state_dict'].keys() == two['state_dict'].keys()
    for key, value in one['state_dict'].items():
        assert torch.equal(value, two['state_dict'][key]), key
    for param, state in one['optimizer']['state'].items():
        for name, value in state.items():
            assert torch.equal(value, two['optimizer']['state'][param][name]), name


@pytest.mark.parametrize('num_workers', [0, 2])
def test_resumed_iterations_equal_the_uninterrupted_run(train, toy_training, tmp_path,
                                                        num_workers):
    # both runs validate at iteration 2 and 4; the uninterrupted one validates between
    # the iteration-2 checkpoint and batch 3, the resumed one does not
    train(tmp_path / 'whole', num_workers=num_workers)
    train(tmp_path / 'resumed', num_workers=num_workers,
          resume_from=str(tmp_path / 'whole' / 'iter_2.pth'))
    whole, resumed = saved(tmp_path / 'whole', 'iter_4.pth'), saved(
        tmp_path / 'resumed', 'iter_4.pth')
    assert_same_training_state(whole, resumed)
    assert whole[CHECKPOINT_KEY]['sampler'] == dict(
        type='InfiniteSampler', seed=0, batch_size=2, batches=4)
    assert 'bit-exact resume' in toy_training.log_text(tmp_path / 'resumed')


def test_resumed_epochs_equal_the_uninterrupted_run(train, tmp_path):
    train(tmp_path / 'whole', by_epoch=True, max_iters=2, val_interval=1)
    train(tmp_path / 'resumed', by_epoch=True, max_iters=2, val_interval=1,
          resume_from=str(tmp_path / 'whole' / 'epoch_1.pth'))
    assert_same_training_state(saved(tmp_path / 'whole', 'epoch_2.pth'),
                               saved(tmp_path / 'resumed', 'epoch_2.pth'))


def test_without_saved_states_resume_is_close_not_exact(train, toy_training, tmp_path):
    train(tmp_path / 'whole')
    checkpoint = saved(tmp_path / 'whole', 'iter_2.pth')
    del checkpoint[CHECKPOINT_KEY]
    torch.save(checkpoint, str(tmp_path / 'old.pth'))
    train(tmp_path / 'resumed', resume_from=str(tmp_path / 'old.pth'))
    assert 'holds no random states' in toy_training.log_text(tmp_path / 'resumed')
    whole, resumed = (saved(tmp_path / d, 'iter_4.pth')['state_dict']
                      for d in ('whole', 'resumed'))
    assert not all(torch.equal(whole[k], resumed[k]) for k in whole)


def test_load_from_does_not_restore_states(train, toy_training, tmp_path):
    # load_from starts a new run from iteration 0 with fresh seeds: with or without
    # the saved states in the checkpoint it must train identically
    train(tmp_path / 'whole')
    checkpoint = saved(tmp_path / 'whole', 'iter_2.pth')
    del checkpoint[CHECKPOINT_KEY]
    torch.save(checkpoint, str(tmp_path / 'weights_only.pth'))
    train(tmp_path / 'with', max_iters=2,
          load_from=str(tmp_path / 'whole' / 'iter_2.pth'))
    train(tmp_path / 'without', max_iters=2, load_from=str(tmp_path / 'weights_only.pth'))
    assert_same_training_state(saved(tmp_path / 'with', 'iter_2.pth'),
                               saved(tmp_path / 'without', 'iter_2.pth'))
    assert 'bit-exact resume' not in toy_training.log_text(tmp_path / 'with')


def test_a_changed_sampler_is_reported(train, toy_training, tmp_path):
    train(tmp_path / 'whole')
    train(tmp_path / 'resumed', batch_size=4,
          resume_from=str(tmp_path / 'whole' / 'iter_2.pth'))
    assert 'train sampler differs from the checkpoint\'s (batch_size 2 -> 4)' in (
        toy_training.log_text(tmp_path / 'resumed'))
