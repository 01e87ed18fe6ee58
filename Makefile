# Two commands work on a fresh machine (each sets itself up):
#   make demo   build the knowledge graph from the bundled tables and answer the seed's question
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
	$(BIN)/kg build --out build
	$(BIN)/kg query cq/treatment-options --graph build/rls-kg.ttl --param issuer=rls:seed

test: setup java
	$(BIN)/pytest

build: setup java
	$(BIN)/kg build --out build

clean:
	rm -rf build $(VENV) .pytest_cache
