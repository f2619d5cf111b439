# Two commands on a fresh machine:  make demo  (set up + post-deploy run against the embedded demo)
#                                   make test  (the engine's own tests)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
ENV ?= demo

.PHONY: demo test check coverage faults bench report clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[demo,test]'
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

bench: $(VENV)/.installed  ## issue 10's speed targets as ratios in one run (make bench BENCH_ARGS="--quick --repeat 1")
	$(PY) -m benchmarks $(BENCH_ARGS)

report:  ## render the newest archive of ENV as one offline HTML file (needs Node.js; fetches Allure 3 from npm)
	@latest=$$(ls -d reports/$(ENV)/2* 2>/dev/null | tail -n 1); \
	test -n "$$latest" || { echo "no archive under reports/$(ENV)/ yet: run make demo (or make check ENV=...)"; exit 1; }; \
	out=reports/html/$(ENV)/$$(basename "$$latest"); rm -rf "$$out" && \
	npx --yes allure@3 awesome "$$latest/allure-results" -o "$$out" --single-file && echo "report: $$out/index.html"

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
