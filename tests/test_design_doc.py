"""Every ``docs/design.md §N`` cited in the repository names a section that exists."""
import os
import os.path as osp
import re

ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
DESIGN = osp.join(ROOT, 'docs', 'design.md')
#: Where citations live: the package, configs, tools, tests and the README.
SEARCHED = ('mmseg_edc', 'configs', 'tools', 'tests', 'README.md')
#: ``docs/design.md §3``, ``(`docs/design.md` §8.1)``: the path, then the section number.
CITATION = re.compile(r'docs/design\.md`?\s*§(\d+(?:\.\d+)?)')
#: ``## 3. Carrier-token attention`` or ``### 3.2 Creating the carrier tokens``.
HEADING = re.compile(r'^#{2,3} (\d+(?:\.\d+)?)\.? ', re.MULTILINE)


def design_sections():
    with open(DESIGN, encoding='utf-8') as f:
        return set(HEADING.findall(f.read()))


def searched_lines():
    """``(path, line number, line)`` of every searched file but this one."""
    paths = []
    for entry in SEARCHED:
        path = osp.join(ROOT, entry)
        if osp.isfile(path):
            paths.append(path)
        for folder, _, names in os.walk(path):
            paths.extend(osp.join(folder, n) for n in names if n.endswith(('.py', '.md')))
    this_file = osp.abspath(__file__)
    for path in sorted(p for p in paths if osp.abspath(p) != this_file):
        with open(path, encoding='utf-8') as f:
            for number, line in enumerate(f, 1):
                yield osp.relpath(path, ROOT), number, line


def citations():
    """``(path, line number, section)`` of every citation."""
    return [(path, number, section) for path, number, line in searched_lines()
            for section in CITATION.findall(line)]


def test_sections_are_numbered_once():
    with open(DESIGN, encoding='utf-8') as f:
        numbers = HEADING.findall(f.read())
    assert len(numbers) == len(set(numbers))
    # the fourteen top-level sections, 1 to 14, in order
    assert [n for n in numbers if '.' not in n] == [str(i) for i in range(1, 15)]


def test_every_citation_names_an_existing_section():
    found = citations()
    assert found, 'expected the README to cite docs/design.md sections'
    sections = design_sections()
    missing = [f'{path}:{line} cites §{section}' for path, line, section in found
               if section not in sections]
    assert missing == []


def test_nothing_cites_the_design_outside_the_repository():
    """The spec the project started from is not part of it: comments cite docs/design.md."""
    stale = re.compile(r'edc-spec|spec section|spec step|docs/data-formats\.md')
    assert [f'{path}:{number}' for path, number, line in searched_lines()
            if stale.search(line)] == []
