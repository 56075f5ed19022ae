# Two entry points, each doing its own set-up on a machine that only has Python 3:
#   make demo   generate the default benchmark, train, test, print metrics, draw predictions
#   make test   the whole test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmseg_edc-installed

.PHONY: demo test install clean-demo

install: $(STAMP)

$(STAMP): setup.py requirements/runtime.txt requirements/tests.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e ".[tests]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tools/demo.py

test: $(STAMP)
	$(PY) -m pytest tests

clean-demo:
	rm -rf work_dirs/demo data/generated_m3mcr
