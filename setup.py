"""Install mmseg_edc: ``pip install -e .`` (add ``[tests]`` for the test suite)."""
import os.path as osp

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def read_requirements(name):
    with open(osp.join(HERE, 'requirements', name)) as f:
        return [
            line.split('#')[0].strip() for line in f
            if line.split('#')[0].strip()
        ]


def read_version():
    scope = {}
    with open(osp.join(HERE, 'mmseg_edc', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


setup(
    name='mmseg_edc',
    version=read_version(),
    description='EDC: efficient discrepancy-conditioned optical-SAR fusion for '
    'land-cover segmentation under clouds, as an MMSegmentation 1.x extension',
    long_description=open(osp.join(HERE, 'README.md')).read(),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmseg_edc', 'mmseg_edc.*']),
    python_requires='>=3.10',
    install_requires=read_requirements('runtime.txt'),
    extras_require=dict(tests=read_requirements('tests.txt')),
    license='Apache-2.0',
    zip_safe=False,
)
