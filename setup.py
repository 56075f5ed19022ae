"""Install mmseg_edc (README, "Installation").

``make install`` first installs the exact versions tested together
(``requirements/*.txt``), then this package editable. The requirements below are
compatible ranges, so a wheel installed into an existing environment keeps its torch
(CPU or CUDA build) and its mmcv (``mmcv-lite`` or a compiled ``mmcv``): mmcv is not
required here, the ``mmcv-lite`` extra brings the pure-Python one.

Besides the Python packages, a build puts into the wheel:

- ``configs/`` and ``tools/`` as ``mmseg_edc/.mim/configs`` and ``mmseg_edc/.mim/tools``
  (mmseg's layout for its own configs and tools), found by ``mmseg-edc`` and
  ``mmseg_edc.utils.packaged``; an editable install reads them from the checkout;
- ``mmseg_edc_compat.pth``, a one-line start-up hook that activates the
  compatibility layer (``_mmseg_edc_compat``) in every Python process of the
  environment.
"""
import os.path as osp
import shutil

from setuptools import Command, find_packages, setup
from setuptools.command.build import build
from setuptools.command.build_py import build_py

HERE = osp.dirname(osp.abspath(__file__))
PACKAGE = 'mmseg_edc'
#: folders shipped inside the package as <PACKAGE>/.mim/<folder>
MIM_FOLDERS = ('configs', 'tools')
#: the start-up hook: file name (sorted after setuptools' __editable__ files, whose
#: finder must be active first) and its line, run by site.py at interpreter start
STARTUP_PTH = 'mmseg_edc_compat.pth'
STARTUP_LINE = 'import _mmseg_edc_compat; _mmseg_edc_compat.install()\n'

INSTALL_REQUIRES = [
    'torch>=2.0',
    'mmengine>=0.10.0,<1.0.0',
    'mmsegmentation[multimodal]>=1.2.0,<2.0.0',
    'rasterio>=1.3',
    'numpy>=1.24',
    'scipy>=1.10',
    'threadpoolctl>=3.1',
]
EXTRAS_REQUIRE = {
    # mmsegmentation 1.2.x accepts mmcv >= 2.0.0rc4, < 2.2.0
    'mmcv-lite': ['mmcv-lite>=2.0.0rc4,<2.2.0'],
    # mmpretrain backbones as EDC streams (mmpretrain imports torchvision: install
    # the torchvision release that matches your torch)
    'mmpretrain': ['mmpretrain>=1.0.0,<2.0.0'],
    'tests': ['pytest>=7', 'mmpretrain>=1.0.0,<2.0.0'],
}


def read_version():
    scope = {}
    with open(osp.join(HERE, PACKAGE, 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


class BuildPyWithMim(build_py):
    """``build_py`` that also copies :data:`MIM_FOLDERS` into ``<PACKAGE>/.mim``.

    Skipped for editable installs, which import the package from the checkout where
    the folders sit next to it.
    """

    def run(self):
        super().run()
        if self.editable_mode:
            return
        for folder in MIM_FOLDERS:
            target = osp.join(self.build_lib, PACKAGE, '.mim', folder)
            if osp.isdir(target):
                shutil.rmtree(target)
            shutil.copytree(osp.join(HERE, folder), target,
                            ignore=shutil.ignore_patterns('__pycache__', '*.pyc'))


class BuildStartupPth(Command):
    """Write :data:`STARTUP_PTH` to the root of the wheel (site-packages).

    A regular build writes it into ``build_lib``, which becomes the wheel's root. An
    editable build (PEP 660) copies nothing from ``build_lib`` into its wheel, so the
    file goes straight into the editable wheel being assembled, which setuptools'
    ``editable_wheel`` sets as the ``install`` command's ``install_lib``.
    """

    description = 'write the start-up .pth file of the compatibility layer'
    user_options = []

    def initialize_options(self):
        self.build_lib = None
        self.editable_mode = False
        self.outputs = []

    def finalize_options(self):
        self.set_undefined_options('build_py', ('build_lib', 'build_lib'))

    def run(self):
        target_dir = (self.get_finalized_command('install').install_lib
                      if self.editable_mode else self.build_lib)
        self.mkpath(target_dir)
        path = osp.join(target_dir, STARTUP_PTH)
        with open(path, 'w') as f:
            f.write(STARTUP_LINE)
        self.outputs = [path]

    def get_outputs(self):
        return self.outputs

    def get_output_mapping(self):
        return {}


class BuildWithStartupPth(build):
    sub_commands = build.sub_commands + [('build_startup_pth', None)]


setup(
    name=PACKAGE,
    version=read_version(),
    description='EDC: efficient discrepancy-conditioned optical-SAR fusion for '
    'land-cover segmentation under clouds, as an MMSegmentation 1.x extension',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=[PACKAGE, f'{PACKAGE}.*', '_mmseg_edc_compat']),
    python_requires='>=3.10',
    install_requires=INSTALL_REQUIRES,
    extras_require=EXTRAS_REQUIRE,
    entry_points={'console_scripts': [f'mmseg-edc = {PACKAGE}.command_line:main']},
    cmdclass={'build': BuildWithStartupPth, 'build_py': BuildPyWithMim,
              'build_startup_pth': BuildStartupPth},
    license='Apache-2.0',
    zip_safe=False,
)
