# The front door. Every target sets up what it needs itself (.venv, node_modules).
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1

.PHONY: demo test lint unit integration infra-test synth accuracy bench local clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The demo needs only the runtime dependencies (no CDK, no test tools): a fresh clone's
# `make demo` installs those alone, to stay well inside its time budget.
RUNTIME_STAMP := $(VENV)/.installed-runtime
$(RUNTIME_STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(RUNTIME_STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## demo: start the local stack, drive a handful of simulated deliveries, print the table
demo: $(if $(wildcard $(STAMP)),$(STAMP),$(RUNTIME_STAMP))
	$(BIN)/doorproof demo

## test: lint, type-check, then every test suite (unit, integration, infra)
test: $(STAMP) node_modules/.installed lint
	$(BIN)/python -m pytest -q -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy functions doorproof infra app.py

unit: $(STAMP)
	$(BIN)/python -m pytest -q tests/unit

integration: $(STAMP)
	$(BIN)/python -m pytest -q tests/integration tests/e2e

infra-test: $(STAMP) node_modules/.installed
	$(BIN)/python -m pytest -q tests/infra

## synth: cdk synth with cdk-nag, offline, no credentials, no Docker
synth: $(STAMP) node_modules/.installed
	AWS_EC2_METADATA_DISABLED=true PATH=$(CURDIR)/$(BIN):$$PATH npx --no-install cdk synth --quiet

## accuracy: the engine against the real recordings in ../shared/data, next to a baseline
accuracy: $(STAMP)
	$(BIN)/python -m doorproof.accuracy

## bench: benchmarks (ingest, processor, engine); writes reports/bench.json
bench: $(STAMP)
	mkdir -p reports
	$(BIN)/python -m pytest -q tests/bench --benchmark-only --benchmark-json=reports/bench.json -p no:cacheprovider

## local: keep a local stack running (Ctrl-C to stop)
local: $(STAMP)
	$(BIN)/doorproof local --keys-file .doorproof/keys.json

clean:
	rm -rf $(VENV) node_modules cdk.out build reports demo-output .doorproof
