"""The one module that knows where the project's files live.

In a source checkout the ontology and queries sit at the repository root; in an installed
wheel they are packaged under ``kg/_resources/``. Curated tables are package data either way.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # kg/ (this module is kg/base/paths.py)
_PACKAGED = PACKAGE_DIR / "_resources"
_CHECKOUT = PACKAGE_DIR.parent


def _resource_root() -> Path:
    if (_PACKAGED / "ontology").is_dir():
        return _PACKAGED
    return _CHECKOUT


ROOT = _resource_root()
ONTOLOGY_DIR = ROOT / "ontology"
ONTOLOGY_FILE = ONTOLOGY_DIR / "cgkg.ttl"
JSONLD_CONTEXT_FILE = ONTOLOGY_DIR / "context.jsonld"  # generated: python -m kg.export.context
SHAPES_DIR = ONTOLOGY_DIR / "shapes"
QUERIES_DIR = ROOT / "queries"
CHECKS_DIR = QUERIES_DIR / "checks"
GUIDELINES_DIR = ROOT / "guidelines"  # the installed guideline packages (ADR 0019)
EXAMPLES_DIR = PACKAGE_DIR / "examples"
EXAMPLE_PROFILE = EXAMPLES_DIR / "treatment-resistant-patient.yaml"
BUILT_GRAPH_NAME = "kg.ttl"
INFERRED_GRAPH_NAME = "kg-inferred.ttl"  # what the DL reasoner entailed, beside the build
DECISION_TABLES_NAME = "kg-decision-tables.json"  # the rows of the compile queries, beside the build (ADR 0028)
PACKAGED_BUILD_DIR = PACKAGE_DIR / "built"  # the checked build set decisions read by default (make built)
BUILD_REPORT_NAME = "build-report.json"
BUILD_SET_MANIFEST_NAME = "builds.json"  # a build set: one build folder per guideline selection, and this (ADR 0019)
FHIR_BINDINGS_NAME = "fhir-bindings.tsv"  # FHIR-only bindings: UCUM units, observed conditions (a package's own too)
FHIR_BINDINGS_FILE = PACKAGE_DIR / "export" / FHIR_BINDINGS_NAME  # the core's: what the ontology itself defines (age)
FHIR_PROFILES_FILE = PACKAGE_DIR / "export" / "fhir-cpg-profiles.tsv"  # profile rules of the FHIR CPG export
# The named graphs that hold a build in a triple store (kg push, kg serve) and in the embedded store
BUILD_GRAPH_IRI = "https://w3id.org/cgkg/graph/build"  # kg.ttl; the default of kg push --graph
INFERRED_GRAPH_IRI = "https://w3id.org/cgkg/graph/inferred"  # kg-inferred.ttl, what the DL reasoner entailed
