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
    # one dict: mmseg's tools/test.py --out sets test_evaluator['output_dir']
    assert isinstance(cfg.test_evaluator, dict)
    METRICS.build(cfg.test_evaluator)
    VISUALIZERS.build(cfg.visualizer)       # the hook draws with the current one
    HOOKS.build(dict(cfg.default_hooks.visualization))
    # on in every run, from the schedule bases
    for always_on in ('nonfinite_guard', 'exact_resume', 'class_check'):
        HOOKS.build(dict(cfg.default_hooks[always_on]))


def band_declarations(cfg):
    """Every place a config states the band layout, as ``{where: bands}``."""
    found = {'bands': cfg.get('bands'), 'model.bands': cfg.model.get('bands')}
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        for index, transform in enumerate(cfg[loader].dataset.pipeline):
            if transform['type'] == 'LoadOpticalSARTile':
                found[f'{loader}.dataset.pipeline[{index}].bands'] = transform['bands']
    return {where: dict(bands) for where, bands in found.items() if bands is not None}


@pytest.mark.parametrize('path', CONFIGS, ids=lambda p: osp.relpath(p, ROOT))
def test_one_band_layout_per_config(path):
    declared = band_declarations(Config.fromfile(path))
    assert len(declared) >= 3, f'bands are not declared or not handed on: {declared}'
    assert len({tuple(sorted(b.items())) for b in declared.values()}) == 1, declared


def test_the_band_check_catches_a_child_that_overrides_only_the_root_value(tmp_path):
    """A child config re-declaring ``bands`` changes neither the (already parsed)
    pipelines nor the model: the check above names the disagreement."""
    child = tmp_path / 'child.py'
    child.write_text(f"_base_ = ['{CONFIGS[0]}']\nbands = dict(optical=13, sar=2)\n")
    declared = band_declarations(Config.fromfile(str(child)))
    assert declared['bands'] == dict(optical=13, sar=2)
    assert declared['model.bands'] != declared['bands']


def test_the_generated_benchmark_trains_with_the_m3mcr_pipeline_plus_the_tile_cache():
    """generated_m3mcr.py restates the M3M-CR training pipeline only to cache tiles: it
    may not drift from it otherwise."""
    base = osp.join(ROOT, 'configs', '_base_', 'datasets')
    m3mcr = Config.fromfile(osp.join(base, 'm3mcr.py')).train_dataloader.dataset.pipeline
    generated = Config.fromfile(
        osp.join(base, 'generated_m3mcr.py')).train_dataloader.dataset.pipeline
    assert generated[0] == dict(m3mcr[0], cache=True)
    assert generated[1:] == m3mcr[1:]
