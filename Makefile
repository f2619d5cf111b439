# Two commands on a fresh machine:  make demo  (set up + post-deploy run against the embedded demo)
#                                   make test  (the engine's own tests)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ENV ?= demo

.PHONY: demo test check coverage faults bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

demo: $(VENV)/.installed  ## the post-deploy suite against the built-in demo deployment
	$(PY) -m pytest -m postdeploy --env demo

check: $(VENV)/.installed  ## every cadence against ENV (make check ENV=staging)
	$(PY) -m pytest -m "postdeploy or daily or weekly or monthly" --env $(ENV)

test: $(VENV)/.installed  ## the engine's own tests
	$(PY) -m pytest tests -n auto -p no:cacheprovider

coverage: $(VENV)/.installed
	$(VENV)/bin/opsverify coverage

faults: $(VENV)/.installed
	$(VENV)/bin/opsverify faults

bench: $(VENV)/.installed
	$(PY) benchmarks/latency.py

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
