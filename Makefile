# clgtv: `make publish` and `make test` do all set-up themselves.
PYTHON ?= python3
VENV ?= .venv
TARGET ?=
PORT ?= 8000
JOBS ?=
PYTEST_ARGS ?=
TEST_WORKERS ?= auto
CHROMIUM ?= /usr/bin/chromium

BIN := $(VENV)/bin
CLGTV := $(BIN)/clgtv
STAMP := $(VENV)/.installed-stamp
TEST_STAMP := $(VENV)/.installed-test-stamp
BENCH_STAMP := $(VENV)/.installed-bench-stamp
SOURCES := clgtv tests scripts bench
VOICES := /usr/share/asterisk/sounds/en_US_f_Allison /usr/share/doc/asterisk-core-sounds-en/core-sounds-en.txt.gz
VOICE_PACKAGES := asterisk-core-sounds-en-g722 asterisk-core-sounds-en

.DEFAULT_GOAL := help
.PHONY: help install check build publish serve test lint format bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(TEST_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

install: $(STAMP) ## Create .venv and install clgtv (test tools come with `make test`)

check: $(STAMP) ## Validate clgtv.yaml, shows and episodes
	$(CLGTV) check

build: $(STAMP) ## Process audio and render feeds and pages into build/site
	$(CLGTV) build $(if $(JOBS),-j $(JOBS))

publish: $(STAMP) ## Check, build and publish (TARGET=dir or s3://bucket/prefix; default: clgtv.yaml's target)
	$(CLGTV) publish $(if $(TARGET),--target $(TARGET)) $(if $(JOBS),-j $(JOBS))

serve: $(STAMP) ## Serve the published folder on PORT (default 8000), with HEAD and Range
	$(CLGTV) serve $(if $(TARGET),--dir $(TARGET)) --port $(PORT)

lint: $(TEST_STAMP) ## Lint and format-check with ruff
	$(BIN)/ruff check $(SOURCES)
	$(BIN)/ruff format --check $(SOURCES)

format: $(TEST_STAMP) ## Format the code with ruff
	$(BIN)/ruff check --fix $(SOURCES)
	$(BIN)/ruff format $(SOURCES)

test: $(TEST_STAMP) $(CHROMIUM) $(VOICES) lint ## Lint, then run the test suite (installs Debian's chromium and voices if missing)
	CLGTV_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# the browser tests drive a real headless Chromium; Debian's package, installed once
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "make test needs Chromium at $(CHROMIUM): install it or set CHROMIUM=/path"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium

$(BENCH_STAMP): $(TEST_STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	@touch $@

bench: $(BENCH_STAMP) $(VOICES) ## Run the benchmarks under bench/ (about an hour; see bench/README.md)
	$(BIN)/python bench/run.py

# real recorded voices, for the transcription tests (word error rate) and the audio bench's panel:
# Debian's Asterisk prompts and, in a second package, their texts
$(VOICES) &:
	@command -v apt-get >/dev/null || { echo "make test and make bench need Debian's $(VOICE_PACKAGES): install them"; exit 1; }
	apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(VOICE_PACKAGES)

clean: ## Remove build/ (the cache and staging site; keeps public/ and .venv)
	rm -rf build
