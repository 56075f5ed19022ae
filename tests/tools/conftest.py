"""Fixtures of the tool tests: a tiny generated benchmark, untrained checkpoints of
packaged configs, the ``--cfg-options`` that cut a shipped config to a short run on it,
and tiny EDC configs that inherit shipped ones."""
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@pytest.fixture(scope='module')
def tiny_benchmark(tmp_path_factory):
    """A generated M3M-CR benchmark of 4 train, 1 val and 2 test tiles (seed 1): its
    root."""
    from mmseg_edc.synthesis import generate_m3mcr_benchmark
    root = tmp_path_factory.mktemp('generated') / 'm3mcr'
    generate_m3mcr_benchmark(str(root), num_train=4, num_val=1, num_test=2, seed=1)
    return str(root)


@pytest.fixture
def untrained_checkpoint(tmp_path):
    """``make(config_name)``: a checkpoint of the packaged config's inference model with
    its initial weights, written under ``tmp_path``; its path."""
    from mmengine.config import Config
    from mmengine.runner import save_checkpoint

    from mmseg_edc.apis import build_inference_model
    from mmseg_edc.utils.packaged import config_path

    def make(config_name):
        path = str(tmp_path / f'{config_name}.pth')
        model = build_inference_model(Config.fromfile(config_path(config_name)).model)
        save_checkpoint(dict(state_dict=model.state_dict()), path)
        return path
    return make


@pytest.fixture(scope='session')
def reference_config():
    """The tiny early-fusion reference config (a stock mmseg EncoderDecoder), a path."""
    return osp.join(ROOT, 'configs', 'references',
                    'upernet_r18-tiny_early-fusion_1xb8-600it_generated-m3mcr-160x160.py')


def short_run_options(data_root, max_iters):
    """``--cfg-options`` for a run of ``max_iters`` iterations on ``data_root``: batches of
    2 without workers, validation at the end, a checkpoint every 2 iterations, a log line
    every iteration, a constant learning rate."""
    return [
        '--cfg-options',
        *[f'{loader}.dataset.data_root={data_root}' for loader in
          ('train_dataloader', 'val_dataloader', 'test_dataloader')],
        'train_dataloader.batch_size=2', 'train_dataloader.num_workers=0',
        'train_dataloader.persistent_workers=False',
        'val_dataloader.num_workers=0', 'val_dataloader.persistent_workers=False',
        'test_dataloader.num_workers=0', 'test_dataloader.persistent_workers=False',
        f'train_cfg.max_iters={max_iters}', f'train_cfg.val_interval={max_iters}',
        'default_hooks.checkpoint.interval=2', 'default_hooks.logger.interval=1',
        'param_scheduler=[]',
    ]


@pytest.fixture(scope='session')
def cfg_options():
    """``cfg_options(data_root, max_iters)``: the options of a short run
    (:func:`short_run_options`)."""
    return short_run_options


TINY_EDC = """
model = dict(
    backbone=dict(stream_cfg=dict(embed_dims=(8, 16, 32, 64), depths=(1, 1, 1, 1),
                                  num_heads=(2, 2), pos_mlp_hidden=16)),
    decode_head=dict(decoder_channels=(16, 16, 8, 8, 8)){extra})
"""


class TinyEDCConfigs:
    """Config files that inherit a shipped EDC config with tiny stream and decoder widths,
    as a user's would."""

    #: a tiny cloud-removal head, to add as ``extra``
    CR_HEAD = (",\n    cloud_removal_head=dict(decoder_channels=(16, 16, 8, 8, 8),"
               " refine_channels=8)")

    @staticmethod
    def write(path, base, extra=''):
        """Write a config inheriting ``base`` to ``path`` (a ``pathlib.Path``), with
        ``extra`` (``,\\n    key=value`` text) added to its model; the path."""
        path.write_text(f"_base_ = ['{base}']\n" + TINY_EDC.format(extra=extra))
        return str(path)


@pytest.fixture(scope='session')
def tiny_edc_configs():
    """Tiny EDC config files (:class:`TinyEDCConfigs`)."""
    return TinyEDCConfigs()
