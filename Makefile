# aimi: `make demo` runs the product on its embedded defaults, `make test` runs the suite,
# `make lint` the static checks.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 5000
# Links in mail and the logins `aimi demo-data` prints point where the demo is served.
AIMI_PUBLIC_URL ?= http://127.0.0.1:$(PORT)
export AIMI_PUBLIC_URL
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/aimi db upgrade
	$(VENV)/bin/aimi demo-data
	@echo "aimi demo on http://127.0.0.1:$(PORT)/  (tenant portal: http://127.0.0.1:$(PORT)/t/demo/)"
	$(VENV)/bin/aimi run --host 127.0.0.1 --port $(PORT)

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# ruff, the layer contracts (lint-imports) and the type checker (mypy): see .ci/lint.
lint: $(STAMP)
	VENV=$(VENV) .ci/lint

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache
