"""``mmseg-edc``: the project's tools as one installed command.

Each command runs the packaged tool in this process with the remaining arguments, so
``mmseg-edc COMMAND --help`` shows the tool's own help. CONFIG may be a config file or
the name of a packaged config (``mmseg-edc configs`` lists them).
"""
import argparse
import fnmatch
import glob
import os.path as osp
import runpy
import sys

from .utils.packaged import packaged_configs, resource_dir

#: command -> (tool under the packaged tools/ folder, what it does)
TOOLS = {
    'train': ('train.py', 'train a model: CONFIG [--work-dir DIR] [--resume] [--amp] ...'),
    'test': ('test.py', 'test a checkpoint: CONFIG CHECKPOINT [--out DIR] [--show-dir DIR]'),
    'demo': ('demo.py', 'generate the benchmark, train, test and compare (make demo)'),
    'infer': ('large_scene_inference.py',
              'segment a whole scene: CONFIG CHECKPOINT --optical --sar --out'),
    'browse': (osp.join('analysis_tools', 'browse_dataset.py'),
               'draw every modality of dataset samples: CONFIG --output-dir DIR'),
    'efficiency': (osp.join('analysis_tools', 'benchmark_efficiency.py'),
                   'parameters, FLOPs (any channel count), images/s: CONFIG ...'),
}
#: folder of the dataset converters run by ``mmseg-edc convert NAME``
CONVERTERS = 'dataset_converters'
DESCRIPTION = """Run the tools of mmseg_edc (EDC optical-SAR segmentation under clouds).
CONFIG is a config file or the name of a packaged config (mmseg-edc configs lists
them); mmseg-edc COMMAND --help shows the options of a command's tool."""


def converters():
    """Converter name (file name without ``.py``) -> path."""
    paths = glob.glob(osp.join(resource_dir('tools'), CONVERTERS, '*.py'))
    return {osp.splitext(osp.basename(p))[0]: p for p in sorted(paths)}


def build_parser():
    listing = [f'  {name:<12}{help_text}' for name, (_, help_text) in TOOLS.items()]
    listing.append(f'  {"convert":<12}NAME [options]: run a dataset converter, NAME one '
                   'of ' + ', '.join(converters()))
    listing.append(f'  {"configs":<12}[PATTERN]: list the packaged configs (glob '
                   'pattern)')
    parser = argparse.ArgumentParser(
        prog='mmseg-edc', formatter_class=argparse.RawDescriptionHelpFormatter,
        description=DESCRIPTION,
        epilog='commands:\n' + '\n'.join(listing))
    parser.add_argument('command', choices=[*TOOLS, 'convert', 'configs'])
    parser.add_argument('args', nargs=argparse.REMAINDER,
                        help="the tool's arguments (COMMAND --help shows them)")
    return parser


def run_tool(script, args):
    """Run ``script`` as ``__main__`` with the command-line arguments ``args``."""
    saved_argv = sys.argv
    sys.argv = [script, *args]
    try:
        runpy.run_path(script, run_name='__main__')
    finally:
        sys.argv = saved_argv


def list_configs(pattern=None):
    for name, path in packaged_configs().items():
        if pattern is None or fnmatch.fnmatch(name, pattern):
            print(f'{name}  {path}')


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    command = parser.parse_args(argv[:1]).command
    args = argv[1:]
    if command == 'configs':
        if len(args) > 1:
            parser.error('configs takes at most one PATTERN')
        list_configs(*args)
    elif command == 'convert':
        available = converters()
        name = args[0].replace('-', '_') if args else None
        if name not in available:
            parser.error(f'convert needs a converter name first, one of: '
                         f'{", ".join(available)} (then its options; NAME --help)')
        run_tool(available[name], args[1:])
    else:
        script = osp.join(resource_dir('tools'), TOOLS[command][0])
        run_tool(script, args)


if __name__ == '__main__':
    main()
