# Two commands work on a fresh machine (each sets itself up):
#   make demo   decide every treatment option for the bundled treatment-resistant patient
#   make test   run the test suite
#   make check  the quick loop, no Java: not reasoner, slow or integration (tests/conftest.py: fuzz, exports, CLI
#               subprocesses, notebooks, servers); --no-jvm fails any test that starts Java
#   make campaign  the long robustness campaigns left out of make test (kill at random moments, repeats across
#                  processes, HermiT on the whole build: pytest -m campaign); make test-all runs both
#   make differential  the long differential campaign: compiled decisions vs HermiT on >= 2,000 profiles
#   make differential-reference  regenerate HermiT's stored classifications the test suite compares with (after
#                      a change to the build or the derivation rules; tests/differential/reference.py)
#   make spark  install the spark extra (pyspark, 518 MB) and check cohorts decided on Spark in local mode equal the
#               one-process output on SPARK_PATIENTS (default 2,000) synthetic patients (not in make test: see README)
#   make fuzz   the long fuzz campaign (>= 10,000 hostile profiles; prints the outcome counts; not in CI)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all campaign check differential differential-reference fuzz spark setup java test-tools build built clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

java:
	./scripts/ensure-java.sh

# chromium, Virtuoso, Jena, the OWL API and javac for the full suite (apt-get; see the script)
test-tools:
	./scripts/ensure-test-tools.sh

demo: setup
	$(BIN)/kg decide --example

# one worker per core (pytest-xdist), a test file's tests on one worker (their module fixtures built once)
PARALLEL ?= -n auto --dist loadfile

test: setup java test-tools
	$(BIN)/pytest $(PARALLEL) -m "not campaign and not spark"

campaign: setup java test-tools
	$(BIN)/pytest $(PARALLEL) -m campaign

test-all: setup java test-tools
	$(BIN)/pytest $(PARALLEL)

check: setup
	$(BIN)/pytest -q -m "not reasoner and not slow and not campaign and not integration" --no-jvm $(PARALLEL)

# the long differential campaign: >= 2,000 profiles, compiled path vs HermiT (boundaries first)
differential: setup java
	$(BIN)/python -m tests.differential.campaign $(or $(DIFFERENTIAL_PROFILES),2000)

differential-reference: setup java
	$(BIN)/python -m tests.differential.reference $(or $(DIFFERENTIAL_PROFILES),2000)

spark: setup java
	$(BIN)/pip install --quiet -e '.[spark]'
	$(BIN)/pytest -p no:cacheprovider -m spark tests/test_cohort_spark.py

fuzz: setup java
	$(BIN)/python -m tests.fuzz.campaign $(or $(FUZZ_EXAMPLES),10000)

build: setup java
	$(BIN)/kg build --out build

# refresh the packaged build set that decisions and queries read (after changing tables or ontology): the build set
# (one build per guideline selection and builds.json, ADR 0019) copied as plain folders, then swapped in
built: build
	rm -rf kg/.built.new kg/.built.old && cp -RL build kg/.built.new
	if [ -d kg/built ]; then mv kg/built kg/.built.old; fi
	mv kg/.built.new kg/built && rm -rf kg/.built.old

clean:
	rm -rf build $(VENV) .pytest_cache
