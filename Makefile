# Two entry points, each doing its own set-up on a machine that only has Python 3:
#   make demo   generate the default benchmark, train, test, print metrics, draw predictions
#   make test   the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmseg_edc-installed

.PHONY: demo test install clean-demo

install: $(STAMP)

# The exact versions tested together first, then the package itself (editable, built
# with the setuptools just installed): its own requirements are ranges those satisfy.
$(STAMP): setup.py pyproject.toml requirements/runtime.txt requirements/tests.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check \
		-r requirements/runtime.txt -r requirements/tests.txt
	$(PY) -m pip install --quiet --disable-pip-version-check --no-build-isolation \
		-e ".[tests]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

test: $(STAMP)
	$(PY) -m pytest tests

clean-demo:
	rm -rf work_dirs/demo data/generated_m3mcr
