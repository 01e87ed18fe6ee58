# Two commands work on a fresh machine (each sets itself up):
#   make demo   decide every treatment option for the bundled treatment-resistant patient
#   make test   run the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test setup java build clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

java:
	./scripts/ensure-java.sh

demo: setup java
	$(BIN)/kg decide --example

test: setup java
	$(BIN)/pytest

build: setup java
	$(BIN)/kg build --out build

clean:
	rm -rf build $(VENV) .pytest_cache
