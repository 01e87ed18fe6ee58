"""Clinical-guideline knowledge graph: curated tables -> OWL/RDF graph -> reasoner + SPARQL.

Public API::

    >>> import kg
    >>> tables = kg.load_tables()          # validated curated tables
    >>> len(tables["recommendations"]) > 0
    True
"""

from kg.build import BuildResult, build, build_graph
from kg.decision import Decision, decide
from kg.errors import UserError
from kg.load import load_tables
from kg.queries import Query, load_query, run_query

__all__ = [
    "BuildResult",
    "Decision",
    "decide",
    "Query",
    "UserError",
    "build",
    "build_graph",
    "load_query",
    "load_tables",
    "run_query",
]
__version__ = "0.1.0"
