# Cargo Targeting System: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
COUNTRY ?=
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help install run test lint types unit integration contract conformance infra e2e synth deploy layer bench clean

help:
	@echo "make run    - start the whole system locally (moto, handlers, API, web app) with demo data"
	@echo "make test   - lint, type-check and run every test suite"
	@echo "make synth  - synthesise one CloudFormation stack per infra/countries/*.yaml (COUNTRY=JM for one)"
	@echo "make deploy - deploy a country's stack (COUNTRY=JM; needs AWS credentials)"
	@echo "make bench  - run the benchmarks and print their figures"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev,infra]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/cts local run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy layers/cts infra
	$(BIN)/mypy --follow-imports=silent functions/ingest/handler.py functions/score/handler.py functions/notify/handler.py
	cd functions/api && ../../$(BIN)/mypy --config-file ../../pyproject.toml app.py chalicelib

unit: $(STAMP)
	$(BIN)/pytest -q tests/unit

contract: $(STAMP)
	$(BIN)/pytest -q tests/contract

conformance: $(STAMP)
	$(BIN)/pytest -q tests/conformance

integration: $(STAMP)
	$(BIN)/pytest -q tests/integration

infra: $(STAMP)
	$(BIN)/pytest -q tests/infra

e2e: $(STAMP)
	$(BIN)/pytest -q tests/e2e

test: lint types unit contract conformance integration infra e2e

synth: $(STAMP)
	COUNTRY=$(COUNTRY) $(BIN)/python infra/app.py

layer: $(STAMP)
	rm -rf build/layer-deps && mkdir -p build/layer-deps
	$(BIN)/pip install --quiet --platform manylinux2014_aarch64 --implementation cp --python-version 3.12 \
		--only-binary=:all: --target build/layer-deps/python \
		'pydantic>=2.7,<3' 'python-stdnum>=1.20' 'pyyaml>=6.0' 'pynamodb>=6.0,<7' 'opensearch-py>=2.4' \
		'aws-lambda-powertools[tracer]>=3.0,<4' 'chalice>=1.31' 'pyjwt[crypto]>=2.8' 'rapidfuzz>=3.6'

deploy: layer
	@test -n "$(COUNTRY)" || (echo "set COUNTRY, e.g. make deploy COUNTRY=JM" && exit 1)
	npx --yes aws-cdk@2 deploy --app "COUNTRY=$(COUNTRY) $(BIN)/python infra/app.py" Cts-$(COUNTRY)

bench: $(STAMP)
	$(BIN)/cts bench all

clean:
	rm -rf cdk.out build .local .pytest_cache .mypy_cache .ruff_cache
