# Two commands on a fresh machine:  make demo  (set up + post-deploy run against the embedded demo)
#                                   make test  (the engine's own tests)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ENV ?= demo

.PHONY: setup demo test check coverage faults bench report clean

# setup is the only step that needs the registries (PyPI, npm): the suite at the versions constraints.txt pins, a
# pinned Node.js, and the pinned HTML renderer from opsverify/renderer/package-lock.json; rendering a report later
# works offline
$(VENV)/.installed: pyproject.toml constraints.txt opsverify/renderer/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[demo,test,report]'
	$(VENV)/bin/opsverify setup
	touch $@

setup: $(VENV)/.installed  ## the venv, the suite and the HTML renderer

demo: $(VENV)/.installed  ## the post-deploy suite against the built-in demo deployment
	$(PY) -m pytest -m postdeploy --env demo

check: $(VENV)/.installed  ## every cadence against ENV (make check ENV=staging)
	$(PY) -m pytest -m "postdeploy or daily or weekly or monthly" --env $(ENV)

# the tests start hundreds of pytest runs, each importing the suite (which pytest rewrites, as a plugin's package):
# its bytecode is kept in the checkout's __pycache__ folders, even where PYTHONDONTWRITEBYTECODE is set (CI images
# often set it), else every one of those runs would compile it again
test: $(VENV)/.installed  ## the engine's own tests
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest tests -n auto -p no:cacheprovider

coverage: $(VENV)/.installed
	$(VENV)/bin/opsverify coverage

faults: $(VENV)/.installed
	$(VENV)/bin/opsverify faults

bench: $(VENV)/.installed  ## issue 10's speed targets as ratios in one run (make bench BENCH_ARGS="--quick --repeat 1")
	$(PY) -m benchmarks $(BENCH_ARGS)

report: $(VENV)/.installed  ## the newest archive of ENV as one offline HTML file beside it (PUBLIC_KEY=file: only what it signed)
	$(VENV)/bin/opsverify report reports/$(ENV) $(if $(PUBLIC_KEY),--public-key $(PUBLIC_KEY))

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache renderer
