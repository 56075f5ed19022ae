"""The efficiency tools on small configs: what their JSON holds and how it hangs
together (no timed assertions: only counts, structure and internal consistency)."""
import json
import os.path as osp

import pytest

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

SMALL = osp.join(ROOT, 'configs', 'edc', 'edc_edc-small_1xb8-400it_generated-m3mcr-160x160.py')
TEACHER = osp.join(ROOT, 'configs', 'edc',
                   'edc-teacher_edc-small_1xb8-400it_generated-m3mcr-160x160.py')
DROP_IN = osp.join(ROOT, 'configs', 'edc',
                   'upernet_edc-small_1xb8-400it_generated-m3mcr-160x160.py')


def test_benchmark_interleaves_and_pairs(tool_runs, tmp_path):
    out = tmp_path / 'bench.json'
    tool_runs.load('tools/analysis_tools/benchmark_efficiency.py').main([
        SMALL, DROP_IN, '--inputs', '64x48', '--batch-sizes', '2', '--rounds', '3',
        '--flops-sizes', '32', '--matmul-size', '64', '--matmul-seconds', '0.01',
        '--threads', '1', '--out', str(out)])
    report = json.loads(out.read_text())
    assert report['settings']['rounds'] == 3 and report['settings']['threads'] == 1
    assert len(report['settings']['load_average_start']) == 3
    assert [m['params'] > 0 for m in report['models']] == [True, True]
    assert set(report['models'][0]['flops']) == {'32x32'}
    (setting,) = report['throughput']
    assert setting['input'] == [64, 48] and setting['batch'] == 2
    # two matmul rates and two models per round
    assert len(setting['load_average_per_measurement']) == 3 * 4
    matmul = setting['matmul_macs_per_s']['fp32']['values']
    first, second = setting['models']
    for model in (first, second):
        images = model['images_per_s']['values']
        assert len(images) == 3 and min(images) == model['images_per_s']['min']
        achieved = [rate * model['macs_per_image'] for rate in images]
        assert model['achieved_macs_per_s']['values'] == pytest.approx(achieved)
        assert model['fraction_of_matmul']['values'] == pytest.approx(
            [a / m for a, m in zip(achieved, matmul)])
    (ratio,) = setting['ratios']
    assert ratio['config'] == second['config']
    assert ratio['first_over_this']['values'] == pytest.approx(
        [a / b for a, b in zip(first['images_per_s']['values'],
                               second['images_per_s']['values'])])


def test_profile_tables(tool_runs, tmp_path):
    tool_runs.load('tools/analysis_tools/profile_inference.py').main([
        SMALL, '--size', '64', '48', '--batch', '1', '--warmup', '0', '--repeats', '1',
        '--threads', '1', '--module-depth', '3', '--out-dir', str(tmp_path)])
    report = json.loads((tmp_path / 'profile.json').read_text())
    assert sum(op['share'] for op in report['ops']) + report['outside_operators_share'] \
        == pytest.approx(1.0)
    names = {m['name'] for m in report['modules']}
    # the backbone and the heads run through forward_streams / forward_with_features
    assert {'backbone', 'decode_head', 'backbone.fusions.0',
            'backbone.optical_stream'} <= names
    assert all(name.count('.') < 3 for name in names)
    classes = {row['type'] for row in report['module_classes']}
    assert {'EDCBackbone', 'EDCSegHead', 'CloudRemovalHead'} <= classes
    assert (tmp_path / 'profile.txt').read_text().startswith('{')


def test_precision_agreement(tool_runs, tiny_benchmark, tmp_path):
    tool = tool_runs.load('tools/analysis_tools/precision_agreement.py')
    out = tmp_path / 'agreement.json'
    common = [SMALL, '--data-root', tiny_benchmark, '--num-samples', '2', '--threads', '1',
              '--out', str(out)]
    tool.main(common)
    report = json.loads(out.read_text())
    assert len(report['samples']) == 2 and 0 <= report['agreement'] <= 1
    assert report['samples'][0]['pixels'] == 90 * 90      # the label grid
    # the whole segmentor kept in fp32: the same computation as the reference
    tool.main(common + ['--fp32-modules', 'EDCSegmentor'])
    assert json.loads(out.read_text())['agreement'] == 1.0
    with pytest.raises(KeyError, match='NoSuchModule'):
        tool.main(common + ['--fp32-modules', 'NoSuchModule'])


def test_train_step_benchmark_of_a_student_and_a_teacher_config(tool_runs, tiny_benchmark,
                                                                tmp_path):
    out = tmp_path / 'train.json'
    tool_runs.load('tools/analysis_tools/benchmark_train_step.py').main([
        SMALL, TEACHER, '--data-root', tiny_benchmark, '--batch-size', '2', '--rounds', '2',
        '--iters', '1', '--warmup', '0', '--threads', '1', '--clock', 'cpu',
        '--out', str(out)])
    report = json.loads(out.read_text())
    assert report['settings']['batch_size'] == 2 and report['settings']['clock'] == 'cpu'
    first, second = report['results']
    assert len(first['seconds_per_iter']['values']) == 2
    assert report['ratios'][0]['first_over_this']['values'] == pytest.approx(
        [a / b for a, b in zip(first['seconds_per_iter']['values'],
                               second['seconds_per_iter']['values'])])
