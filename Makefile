# Two commands: `make run` and `make test`. Both bootstrap .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The pages' npm libraries (package.json: @noble/curves for the beacon's BLS (§5.6) and the
# Ed25519 fallback (§12), @noble/post-quantum for ML-DSA-44 (§12.3), @paulmillr/qr for the
# receipt QR code (§14)), at the versions package-lock.json pins, bundled into ES modules
# under templates/static/vendor/ and served from /static: no CDN. The stamp marks the build.
VENDOR := templates/static/vendor/.built

.PHONY: run test lint bench clean

$(VENDOR): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	npm run --silent vendor
	touch $(VENDOR)

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
	$(PY) bench/browser_verify.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache node_modules templates/static/vendor
