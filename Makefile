# Two commands: `make run` and `make test`. Both bootstrap .venv on a fresh machine.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The pages' npm libraries (package.json: @noble/curves for the beacon's BLS (§5.6) and the
# Ed25519 fallback (§12), @noble/post-quantum for ML-DSA-44 (§12.3), @paulmillr/qr for the
# receipt QR code (§14)), at the versions package-lock.json pins, bundled into ES modules
# under lottery_service/web/static/vendor/ and served from /static: no CDN; swagger-ui-dist's
# prebuilt bundle and CSS are copied there for /api/v1/docs. axe-core (devDependency) stays
# in node_modules for the browser tests and is never served. The stamp marks the build.
VENDOR := lottery_service/web/static/vendor/.built
PORT ?= 8000
COVERAGE := $(PY) -m coverage report --format=total

.PHONY: run test coverage lint bench clean

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
# verified, then the pages served on 127.0.0.1:$(PORT) with the URLs printed. Data in
# ./data (SUNSHINE_DATA), the CLI's default too; a busy port is refused at once.
run: $(STAMP) $(VENDOR)
	$(PY) -m lottery_service demo --serve --port $(PORT)

# The whole suite with coverage on every core (pytest-xdist; a test file stays on one
# worker, so its module fixtures are built once), then the coverage gates, ruff and mypy.
test: $(STAMP) $(VENDOR)
	mkdir -p build/coverage
	$(PY) -m coverage erase
	$(PY) -m pytest -q -n auto --dist loadfile --durations=25 --cov --cov-report=term
	$(MAKE) --no-print-directory coverage
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Gates: lottery_service and verifier at least 90 % each, the CLI at least 85 %.
coverage:
	@echo "coverage: lottery_service $$($(COVERAGE) --include='lottery_service/*') %," \
	  "verifier $$($(COVERAGE) --include='verifier/*') %," \
	  "cli.py $$($(COVERAGE) --include='lottery_service/cli.py') %"
	@$(COVERAGE) --include='lottery_service/*' --fail-under=90 >/dev/null
	@$(COVERAGE) --include='verifier/*' --fail-under=90 >/dev/null
	@$(COVERAGE) --include='lottery_service/cli.py' --fail-under=85 >/dev/null

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# One table and bench/latest.json (bench/suite.py): SCALE=city (default), or any of
# city,province,national (province and national take tens of minutes and GBs).
SCALE ?= city
bench: $(STAMP) $(VENDOR)
	nice $(PY) bench/suite.py --scales $(SCALE)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build node_modules lottery_service/web/static/vendor
