# The front door. Every target sets up what it needs itself (.venv, node_modules).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: demo test lint unit integration infra-test synth accuracy bench local lock openapi clean dashboard browser

# Python packages come from uv.lock through uv, at one pinned uv version bootstrapped from
# PyPI into .tools/ (the machine needs only Python 3.11). `uv sync --locked` installs exactly
# the locked versions and refuses a uv.lock that no longer matches pyproject.toml.
# To add or change a dependency: edit pyproject.toml, run `make lock`, commit both files.
# After a rebase whose uv.lock conflicts: take main's uv.lock, run `make lock`, commit.
UV_VERSION := 0.13.8
UV := .tools/uv-$(UV_VERSION)/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_LINK_MODE := copy
UV_SYNC := $(UV) sync --locked --quiet --python $(PYTHON)

$(UV):
	rm -rf .tools/uv-$(UV_VERSION)
	$(PYTHON) -m venv .tools/uv-$(UV_VERSION)
	.tools/uv-$(UV_VERSION)/bin/python -m pip install --quiet uv==$(UV_VERSION)

$(STAMP): pyproject.toml uv.lock | $(UV)
	$(UV_SYNC) --extra dev
	touch $(STAMP)

# The demo needs only the runtime dependencies (no CDK, no test tools): a fresh clone's
# `make demo` installs those alone, to stay well inside its time budget.
RUNTIME_STAMP := $(VENV)/.installed-runtime
$(RUNTIME_STAMP): pyproject.toml uv.lock | $(UV)
	$(UV_SYNC)
	touch $(RUNTIME_STAMP)

## lock: re-resolve uv.lock after editing the dependencies in pyproject.toml
lock: | $(UV)
	$(UV) lock --python $(PYTHON)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## dashboard: type-check and build the web dashboard into dashboard/dist (Vite, TypeScript)
DASHBOARD_SOURCES := $(shell find dashboard/src -type f) dashboard/index.html dashboard/vite.config.mts dashboard/tsconfig.json
dashboard/dist/index.html: node_modules/.installed $(DASHBOARD_SOURCES)
	npm run --silent dashboard:build -- --logLevel warn
dashboard: dashboard/dist/index.html

## browser: Debian's Chromium for the dashboard's end-to-end tests (Playwright drives it)
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium
browser: $(CHROMIUM)

## demo: start the local stack, drive a handful of simulated deliveries, print the table
demo: $(if $(wildcard $(STAMP)),$(STAMP),$(RUNTIME_STAMP)) dashboard/dist/index.html
	$(BIN)/doorproof demo

## test: lint, type-check, then every test suite: the unit tests on every core (pytest-xdist,
## each file on one worker so that its fixtures, the accuracy sets among them, are computed
## once), then integration, e2e and infra one at a time (each starts its own local stack)
test: $(STAMP) node_modules/.installed dashboard/dist/index.html $(CHROMIUM) lint
	$(BIN)/python -m pytest -q -p no:cacheprovider -n auto --dist loadfile tests/unit
	$(BIN)/python -m pytest -q -p no:cacheprovider --ignore=tests/unit

lint: $(STAMP) node_modules/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy functions doorproof infra tests app.py
	npm run --silent dashboard:check

unit: $(STAMP)
	$(BIN)/python -m pytest -q -n auto --dist loadfile tests/unit

integration: $(STAMP) dashboard/dist/index.html $(CHROMIUM)
	$(BIN)/python -m pytest -q tests/integration tests/e2e

infra-test: $(STAMP) node_modules/.installed dashboard/dist/index.html
	$(BIN)/python -m pytest -q tests/infra

## synth: cdk synth with cdk-nag, offline, no credentials, no Docker
synth: $(STAMP) node_modules/.installed dashboard/dist/index.html
	AWS_EC2_METADATA_DISABLED=true PATH=$(CURDIR)/$(BIN):$$PATH npx --no-install cdk synth --quiet

## openapi: rewrite functions/api/openapi.json after changing a route or a wire model (then
## commit it; `make test` fails while the committed document differs from the handlers')
openapi: $(STAMP)
	$(BIN)/python -m functions.api.openapi_document

## accuracy: the engine against the real recordings in ../shared/data, next to a baseline
accuracy: $(STAMP)
	$(BIN)/python -m doorproof.accuracy

## bench: benchmarks (ingest, processor, engine, cold imports, cost model); writes
## reports/bench.json (every figure) and reports/bench.md (the cost per 1,000 deliveries,
## the processor's own CPU, the handlers' cold imports: tests/bench/conftest.py)
bench: $(STAMP)
	mkdir -p reports
	$(BIN)/python -m pytest -q tests/bench --benchmark-only --benchmark-json=reports/bench.json -p no:cacheprovider

## local: keep a local stack running (Ctrl-C to stop)
local: $(STAMP) dashboard/dist/index.html
	$(BIN)/doorproof local --keys-file .doorproof/keys.json

clean:
	rm -rf $(VENV) .tools node_modules cdk.out build reports demo-output .doorproof dashboard/dist
