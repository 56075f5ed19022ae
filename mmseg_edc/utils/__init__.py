"""Helpers shared by the command-line tools."""
from .cli import add_runner_args, load_config
from .packaged import config_argument, config_path, packaged_configs, resource_dir

__all__ = ['add_runner_args', 'load_config', 'config_argument', 'config_path',
           'packaged_configs', 'resource_dir']
