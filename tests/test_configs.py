"""Every method config parses, and its model, pipelines and evaluators build."""
import glob
import os.path as osp

import pytest
from mmengine.config import Config
from mmengine.registry import init_default_scope
from mmseg.registry import HOOKS, METRICS, MODELS, TRANSFORMS, VISUALIZERS

import mmseg_edc  # noqa: F401

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
CONFIGS = sorted(
    p for p in glob.glob(osp.join(ROOT, 'configs', '**', '*.py'), recursive=True)
    if '_base_' not in p)


def test_there_are_method_configs():
    assert len(CONFIGS) > 0


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_config_builds(path):
    cfg = Config.fromfile(path)
    init_default_scope(cfg.get('default_scope', 'mmseg'))
    assert cfg.custom_imports['imports'] == ['mmseg_edc']
    model = MODELS.build(cfg.model)
    assert sum(p.numel() for p in model.parameters()) > 0
    built = 0
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for transform in cfg[loader].dataset.pipeline:
            TRANSFORMS.build(transform)
            built += 1
    assert built > 0
    evaluators = cfg.test_evaluator
    for evaluator in evaluators if isinstance(evaluators, list) else [evaluators]:
        METRICS.build(evaluator)
    VISUALIZERS.build(cfg.visualizer)       # the hook draws with the current one
    HOOKS.build(dict(cfg.default_hooks.visualization))
    for always_on in ('nonfinite_guard', 'exact_resume'):     # from the schedule bases
        HOOKS.build(dict(cfg.default_hooks[always_on]))
    preprocessor = cfg.model.data_preprocessor
    channels = len(preprocessor.mean)
    backbone = cfg.model.backbone
    in_channels = backbone.get('in_channels') or (
        backbone.get('optical_channels', 4) + backbone.get('sar_channels', 2))
    assert in_channels == channels, (
        'backbone input channels must match the per-channel normalisation')
    if preprocessor.get('input_channels') is not None:
        assert len(preprocessor.input_channels) == channels
