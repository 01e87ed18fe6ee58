"""Clinical-guideline knowledge graph: curated tables -> OWL/RDF graph -> reasoner + SPARQL.

Public API::

    >>> import kg
    >>> tables = kg.load_tables()          # validated curated tables
    >>> len(tables["recommendations"]) > 0
    True
    >>> kg.sparql("cq/treatment-algorithm").df().shape[0]   # a competency question as a DataFrame
    6
    >>> import tempfile, pathlib
    >>> kg.export(None, "sssom", pathlib.Path(tempfile.mkdtemp()) / "graph.sssom.tsv").name  # the packaged build
    'graph.sssom.tsv'
"""

from importlib import import_module
from typing import Any

from kg.base.errors import UserError

# imported on first use, so that `kg decide` does not load the build's SHACL and reasoner stack
_LAZY = {
    "BuildResult": "kg.core.build.pipeline",
    "build": "kg.core.build.pipeline",
    "build_set": "kg.core.build.pipeline",
    "build_graph": "kg.core.build.pipeline",
    "Decision": "kg.core.decide.decision",
    "decide": "kg.core.decide.decision",
    "decide_many": "kg.core.decide.decision",
    "decide_cohort": "kg.cohort.decide",
    "decide_frame": "kg.cohort.frame",
    "load_tables": "kg.core.build.tables",
    "Query": "kg.core.query.library",
    "load_query": "kg.core.query.library",
    "run_query": "kg.core.query.library",
    "sparql": "kg.core.query.execute",
    "Rows": "kg.core.query.execute",
}


def __getattr__(name: str) -> Any:
    if name == "export":  # the package itself is callable: kg.export(graph, FORMAT, path)
        return import_module("kg.export")
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'kg' has no attribute {name!r}")


__all__ = [
    "BuildResult",
    "Decision",
    "decide",
    "decide_many",
    "decide_cohort",
    "decide_frame",
    "export",
    "Query",
    "UserError",
    "build",
    "build_graph",
    "build_set",
    "load_query",
    "load_tables",
    "run_query",
    "Rows",
    "sparql",
]
__version__ = "0.1.0"
