"""The configs and tools shipped with the package, found by path or by name.

A wheel carries them as ``mmseg_edc/.mim/configs`` and ``mmseg_edc/.mim/tools``, the
layout mmseg uses for its own (``setup.py`` copies them there at build time). A source
checkout (``make install``'s editable install, or ``PYTHONPATH``) has them at the
repository root, next to the package.
"""
import argparse
import glob
import os.path as osp

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))


def resource_dir(folder):
    """``mmseg_edc/.mim/<folder>`` in a wheel, else ``<checkout>/<folder>``.

    Args:
        folder (str): ``'configs'`` or ``'tools'``.
    """
    candidates = (osp.join(PACKAGE_DIR, '.mim', folder),
                  osp.join(osp.dirname(PACKAGE_DIR), folder))
    for candidate in candidates:
        if osp.isdir(candidate):
            return candidate
    raise FileNotFoundError(
        f'the package has no {folder}/ folder (looked in {" and ".join(candidates)}); '
        'reinstall mmseg_edc from a wheel or a complete checkout')


def packaged_configs():
    """Name (file name without ``.py``) -> path of every config outside ``_base_``."""
    root = resource_dir('configs')
    paths = sorted(glob.glob(osp.join(root, '**', '*.py'), recursive=True))
    return {osp.splitext(osp.basename(path))[0]: path for path in paths
            if '_base_' not in osp.relpath(path, root).split(osp.sep)}


def config_path(config):
    """Path of a config given as a file, a packaged name or a packaged relative path.

    Args:
        config (str): an existing file (returned as given); else the name of a
            packaged config with or without ``.py``
            (``edc_edc-small_1xb8-400it_generated-m3mcr-160x160``); else a path
            relative to the package's resources (``configs/edc/....py``).

    Raises:
        FileNotFoundError: none of these exists.
    """
    if osp.isfile(config):
        return config
    name = config[:-3] if config.endswith('.py') else config
    configs = packaged_configs()
    if name in configs:
        return configs[name]
    relative = osp.join(osp.dirname(resource_dir('configs')), config)
    if osp.isfile(relative):
        return relative
    raise FileNotFoundError(
        f'no config file {config!r} and no packaged config of that name; '
        '`mmseg-edc configs` lists the packaged ones')


def config_argument(config):
    """:func:`config_path` for ``argparse`` (``type=config_argument``)."""
    try:
        return config_path(config)
    except FileNotFoundError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
