"""tools/analysis_tools/benchmark_seeds.py: the table of repeated runs and its resumable
ledger (the training runs themselves go through StepRunner, tested on its own)."""
import json

import pytest

@pytest.fixture(scope='module')
def seeds_tool(tool_runs):
    """tools/analysis_tools/benchmark_seeds.py imported as a module."""
    return tool_runs.load('tools/analysis_tools/benchmark_seeds.py')


def write_ledger(path):
    cloudy = {('edc', 0): 78.0, ('edc', 1): 79.0, ('edc', 2): 80.0,
              ('early-fusion', 0): 76.0, ('early-fusion', 1): 78.0,
              ('early-fusion', 2): 77.0}
    with open(path, 'w') as f:
        for (model, seed), value in cloudy.items():
            f.write(json.dumps(dict(model=model, data_seed=0, seed=seed,
                                    train_seconds=100.0 + seed,
                                    failed_teachers=int(model == 'edc' and seed == 1),
                                    metrics={'mIoU': value + 5, 'clear.mIoU': value + 10,
                                             'cloudy.mIoU': value})) + '\n')


def test_table_from_a_ledger(seeds_tool, tmp_path):
    write_ledger(tmp_path / 'results.jsonl')
    results = seeds_tool.read_results(str(tmp_path / 'results.jsonl'))
    assert len(results) == 6 and ('edc', 0, 2, 1.0) in results     # no scale: 1
    args = seeds_tool.parse_args(['--models', 'early-fusion', 'edc', '--baseline', 'edc',
                                  '--seeds', '0', '1', '2'])
    report = seeds_tool.table(results, args)
    edc, fusion = report['models']['edc'], report['models']['early-fusion']
    assert edc['metrics']['cloudy.mIoU']['mean'] == 79.0 and edc['versus_baseline'] == {}
    assert fusion['train_seconds']['mean'] == 101.0           # 100, 101, 102
    assert (edc['failed_teachers'], fusion['failed_teachers']) == (1, 0)
    diff = fusion['versus_baseline']['cloudy.mIoU']
    # early fusion - EDC per seed: -2, -1, -3 -> mean -2, sd 1, n 3
    assert diff['mean'] == -2.0 and diff['std'] == 1.0 and diff['n'] == 3
    text = seeds_tool.markdown(report)
    assert '| early-fusion | 3 | 0 | 101 |' in text and '| edc | 3 | 1 | 101 |' in text
    assert '-2.00 [-4.48, +0.48] (not separated)' in text


def test_baseline_must_be_one_of_the_models(seeds_tool):
    with pytest.raises(ValueError, match='--baseline edc is not among'):
        seeds_tool.parse_args(['--models', 'early-fusion', '--baseline', 'edc'])


def test_runs_at_another_budget_make_their_own_table(seeds_tool, tmp_path):
    """Runs of ``--schedule-scale 2`` share the ledger but neither the work dirs nor the
    table of the configs' own budget."""
    ledger = tmp_path / 'results.jsonl'
    write_ledger(ledger)
    with open(ledger, 'a') as f:
        for model, seed, cloudy in (('edc', 0, 90.0), ('edc', 1, 91.0),
                                    ('early-fusion', 0, 85.0), ('early-fusion', 1, 89.0)):
            f.write(json.dumps(dict(model=model, data_seed=0, seed=seed, schedule_scale=2.0,
                                    train_seconds=200.0, metrics={'cloudy.mIoU': cloudy}))
                    + '\n')
    results = seeds_tool.read_results(str(ledger))
    assert len(results) == 10
    args = seeds_tool.parse_args(['--models', 'edc', 'early-fusion', '--seeds', '0', '1',
                                  '--schedule-scale', '2', '--work-dir', 'w'])
    report = seeds_tool.table(results, args)
    assert report['schedule_scale'] == 2.0
    assert report['models']['edc']['metrics']['cloudy.mIoU']['mean'] == 90.5
    # early fusion - EDC per seed at twice the budget: -5, -2
    assert report['models']['early-fusion']['versus_baseline']['cloudy.mIoU']['mean'] == -3.5
    assert seeds_tool.seed_work_dir(args, 0, 1) == 'w/schedule-x2/data0/seed1'
    args = seeds_tool.parse_args(['--models', 'edc', '--work-dir', 'w'])
    assert seeds_tool.seed_work_dir(args, 0, 1) == 'w/data0/seed1'


def test_a_recorded_result_without_its_run_stops_the_table(seeds_tool, tmp_path):
    """A ledger result is used only while its work dirs show it was trained with the
    current configs; without them the tool says so instead of tabulating it."""
    data = tmp_path / 'data_seed0'
    data.mkdir()
    (data / 'generated_benchmark.json').write_text(json.dumps(dict(complete=True)))
    work = tmp_path / 'work'
    work.mkdir()
    write_ledger(work / 'results.jsonl')
    args = seeds_tool.parse_args(['--models', 'early-fusion', '--seeds', '0',
                                  '--work-dir', str(work), '--data-root',
                                  str(tmp_path / 'data')])
    with pytest.raises(FileNotFoundError, match='is recorded, but .*data0/seed0/'
                       'upernet_r18-tiny_early-fusion.* holds no finished run'):
        seeds_tool.run_all(args)


def test_a_failed_run_is_reported_and_the_others_go_on(seeds_tool, tmp_path, monkeypatch):
    """The student of seed 0 fails (a step exits 2): early fusion of seed 0 and both
    models of seed 1 still run; the table holds what finished, the failure is listed
    in it and ends the tool, and nothing of the failed run is recorded."""
    data = tmp_path / 'data_seed0'
    data.mkdir()
    (data / 'generated_benchmark.json').write_text(json.dumps(dict(complete=True)))

    def train_chain(runner, configs):
        if configs[-1].startswith('edc_') and runner.work_root.endswith('seed0'):
            raise SystemExit(2)
        return 5.0

    monkeypatch.setattr(seeds_tool.StepRunner, 'train_chain', train_chain)
    monkeypatch.setattr(seeds_tool.StepRunner, 'failed_runs', lambda runner, config: [])
    monkeypatch.setattr(seeds_tool.StepRunner, 'test',
                        lambda runner, config, **kwargs: {'mIoU': 80.0, 'cloudy.mIoU': 70.0})
    out = tmp_path / 'table.json'
    with pytest.raises(SystemExit, match=r'1 run\(s\) failed and are not in the table: '
                       r'edc data seed 0 seed 0 \(status 2\)'):
        seeds_tool.main(['--models', 'edc', 'early-fusion', '--seeds', '0', '1',
                         '--work-dir', str(tmp_path / 'work'),
                         '--data-root', str(tmp_path / 'data'), '--out', str(out)])
    with open(tmp_path / 'work' / 'results.jsonl') as f:
        recorded = [(r['model'], r['seed']) for r in map(json.loads, f)]
    assert recorded == [('early-fusion', 0), ('edc', 1), ('early-fusion', 1)]
    report = json.loads(out.read_text())
    assert report['failed_runs'] == [dict(model='edc', data_seed=0, seed=0, status=2)]
    assert report['models']['edc']['runs'] == 1
    assert 'Failed, not in the table: edc (data seed 0, seed 0).' in (
        tmp_path / 'table.md').read_text()


def test_a_ledger_kept_apart_resumes_without_the_work_dirs(seeds_tool, tmp_path,
                                                           monkeypatch):
    """Recorded runs carry the records of their configs, so a ledger committed apart
    from the work dirs (``--ledger``) is checked and tabulated in a new checkout
    without training anything; a line of before the records is given them once its
    work dirs pass the old check."""
    data = tmp_path / 'data_seed0'
    data.mkdir()
    (data / 'generated_benchmark.json').write_text(json.dumps(dict(complete=True)))
    trained = []

    def train_chain(runner, configs):
        trained.append(configs[-1])
        return 5.0

    monkeypatch.setattr(seeds_tool.StepRunner, 'train_chain', train_chain)
    monkeypatch.setattr(seeds_tool.StepRunner, 'test',
                        lambda runner, config, **kwargs: {'mIoU': 80.0, 'cloudy.mIoU': 70.0})
    ledger = tmp_path / 'docs' / 'results.jsonl'
    common = ['--models', 'early-fusion', '--seeds', '0', '--data-root',
              str(tmp_path / 'data'), '--ledger', str(ledger)]
    seeds_tool.main(common + ['--work-dir', str(tmp_path / 'work')])
    assert len(trained) == 1 and not (tmp_path / 'work' / 'results.jsonl').exists()
    (line,) = map(json.loads, ledger.read_text().splitlines())
    assert [entry['seed'] for entry in line['configs']] == [0]
    assert line['machine']['matmul_gmacs'] > 0 and line['machine']['cpu_count'] >= 1
    seeds_tool.main(common + ['--work-dir', str(tmp_path / 'new-checkout')])
    assert len(trained) == 1                            # checked, tabulated, not trained

    old_line = {k: v for k, v in line.items() if k != 'configs'}
    ledger.write_text(json.dumps(old_line) + '\n')
    checked = []
    monkeypatch.setattr(seeds_tool.StepRunner, 'check_recorded_chain',
                        lambda runner, configs, record=None: checked.append(record))
    seeds_tool.main(common + ['--work-dir', str(tmp_path / 'work')])
    lines = [json.loads(text) for text in ledger.read_text().splitlines()]
    assert checked == [None] and len(trained) == 1
    assert len(lines) == 2 and lines[1]['configs'] == line['configs']
