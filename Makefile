# Two commands: `make run` and `make test`. Both bootstrap .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# @noble/curves for the pages' beacon check (PROTOCOL.md §5.6), from npm at the versions
# package-lock.json pins, bundled into one ES module served from /static: no CDN.
VENDOR := templates/static/vendor/noble-curves-bls12-381.js

.PHONY: run test lint bench clean

$(VENDOR): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	npm run --silent vendor

$(STAMP): pyproject.toml | $(VENDOR)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo season on a generated district (resumes if interrupted), its bundle
# verified, then the pages served on 127.0.0.1:8000 with the URLs printed.
run: $(STAMP) $(VENDOR)
	$(PY) -m lottery_service demo --serve

test: $(STAMP) $(VENDOR)
	$(PY) -m pytest -q
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

bench: $(STAMP) $(VENDOR)
	$(PY) bench/city.py
	$(PY) bench/beacon.py
	$(PY) bench/ceremony_reload.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules templates/static/vendor
