"""Running a library query or SPARQL text, embedded or on an endpoint, with parameters resolved once:
what ``kg query`` and ``kg.sparql`` share.

Embedded, the query runs on a pyoxigraph store (the packaged build by default) and values are bound by
substitution; on an endpoint it is sent over the SPARQL protocol with a VALUES block. Both give the same
result type (``kg/core/query/results.py``). Names, labels and CURIEs resolve against the local build; on an
endpoint, whether an IRI exists is asked of the endpoint itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from kg.base.errors import UserError
from kg.base.input_limits import DEFAULT_TIMEOUT_SECONDS, MAX_REPLY_BYTES
from kg.base.oxigraph_bridge import to_graph, to_ox
from kg.core.query.library import (
    Graphs,
    Query,
    query_from_argument,
    refuse_federation,
    refuse_undeclared_prefixes,
)
from kg.core.query.params import Names, bindings_for
from kg.core.query.results import Boolean, QueryResult, Solutions, from_engine
from kg.model.curies import compact
from kg.model.namespaces import PREFIXES

if TYPE_CHECKING:
    import pandas

    from kg.core.build.knowledge import Knowledge


MAX_EXAMPLES_TRIED = 5  # nodes of a kind tried for an example that gives rows


@dataclass(frozen=True)
class Target:
    """Where a query runs: ``knowledge`` (the local build: embedded data, and names for parameters), or
    ``endpoint`` (then ``knowledge`` only resolves names); ``graphs`` forms the embedded default graph."""

    knowledge: Knowledge
    endpoint: str | None = None
    graphs: Graphs = None
    timeout: float = DEFAULT_TIMEOUT_SECONDS
    max_bytes: int = MAX_REPLY_BYTES
    extra_prefixes: tuple[tuple[str, str], ...] = ()

    def prefixes(self, query: Query) -> dict[str, str]:
        """The prefixes for CURIEs in and out: the project's, the graph's, then the query's own."""
        return {**PREFIXES, **dict(self.extra_prefixes), **query.prefixes}

    def names(self, query: Query) -> Names:
        knowledge = self.knowledge
        return Names(knowledge.store, knowledge.agents, knowledge.ambiguous, self._contains, self.prefixes(query))

    def _contains(self, term: URIRef | Literal) -> bool:
        if self.endpoint is not None:
            from kg.core.query.endpoint import contains

            return contains(self.endpoint, term, self.timeout, self.max_bytes)
        node, store = to_ox(term), self.knowledge.store
        return (isinstance(node, ox.NamedNode) and any(True for _ in store.quads_for_pattern(node, None, None))) \
            or any(True for _ in store.quads_for_pattern(None, None, node))


def execute(query: Query, target: Target, values: Mapping[str, object] | None = None) -> QueryResult:
    """Resolve ``values`` against the graph, bind them, run ``query`` where ``target`` says."""
    refuse_undeclared_prefixes(query)
    bindings = bindings_for(query, values or {}, target.names(query))
    if target.endpoint is not None:
        from kg.core.query.endpoint import run_remote

        return _shown(query, run_remote(query, target.endpoint, bindings, target.timeout, target.max_bytes))
    refuse_federation(query)
    substitutions = {ox.Variable(name): to_ox(term) for name, term in bindings.items()}
    try:
        return _shown(query, from_engine(target.knowledge.store.query(query.text, substitutions=substitutions,
                                                                      default_graph=target.graphs)))
    except SyntaxError as error:
        raise UserError(f"query '{query.name}' is not valid SPARQL: {str(error).splitlines()[0][:300]}") from None
    except (RuntimeError, OSError) as error:  # e.g. a bound variable the SELECT does not project
        unprojected = [name for name in bindings if f"variable ?{name} in its SELECT projection" in str(error)]
        if unprojected:  # the engine binds by substitution, which needs the variable in the result
            raise UserError(f"query '{query.name}': --param {unprojected[0]} binds ?{unprojected[0]}, which the "
                            f"query does not select: add ?{unprojected[0]} to its SELECT clause") from None
        raise UserError(f"query '{query.name}' failed: {str(error).splitlines()[0][:300]}") from None


def _shown(query: Query, result: QueryResult) -> QueryResult:
    """The answer as the question asks it: without the columns of its ``#+ filters:`` parameters."""
    return result.without(query.filters) if isinstance(result, Solutions) and query.filters else result


def parameter_examples(queries: list[Query], knowledge: Knowledge) -> dict[tuple[str, str], str]:
    """(query name, parameter) -> a value to type for it, from the graph: a name of one of the first nodes of the
    parameter's kind (``queries/kinds/<kind>.rq`` order) for which the query has rows, else of the first one."""
    target = Target(knowledge)
    examples: dict[tuple[str, str], str] = {}
    for query in queries:
        names = target.names(query)
        for param, kind_name in query.kinds:
            kind = names.kind(kind_name)
            tried = [e for e in (names.example(kind, m) for m in kind.members[:MAX_EXAMPLES_TRIED]) if e is not None]
            useful = (e for e in tried if _has_rows(execute(query, target, {param: e})))
            example = next(useful, tried[0] if tried else None)
            if example is not None:
                examples[(query.name, param)] = example
    return examples


def _has_rows(result: QueryResult) -> bool:
    return bool(result.rows()) if isinstance(result, Solutions) else not isinstance(result, Boolean) or result.value


class Rows(list):
    """The rows of a SELECT result: dicts of rdflib terms (None where unbound), with ``.vars`` and ``.df()``."""

    def __init__(self, rows: list[dict[str, Node | None]], variables: tuple[str, ...],
                 prefixes: Mapping[str, str] = PREFIXES) -> None:
        super().__init__(rows)
        self.vars = variables
        self.prefixes = dict(prefixes)

    def df(self, curies: bool = True) -> pandas.DataFrame:
        """The rows as a pandas DataFrame: literals as Python values (numbers, booleans, dates, text), IRIs as
        CURIEs (``curies=False``: full IRIs), unbound as None. Needs pandas (the notebooks or export extra)."""
        try:
            import pandas
        except ImportError:
            raise UserError("Rows.df() needs pandas: pip install 'cgkg[notebooks]'") from None

        def cell(term: Node | None) -> Any:
            if term is None:
                return None
            if isinstance(term, URIRef):
                return compact(term, self.prefixes) if curies else str(term)
            return term.toPython() if hasattr(term, "toPython") else str(term)

        return pandas.DataFrame([[cell(row[v]) for v in self.vars] for row in self], columns=list(self.vars))


def sparql(text_or_name: str, endpoint: str | None = None, graph: Any = None, **bindings: object) -> Any:
    """Run a library query (``"cq/cautions"``), an .rq file or SPARQL text on the packaged build, on
    ``graph`` (a build folder, an RDF file, an rdflib Graph or a pyoxigraph Store) or on ``endpoint``.

    Bindings take CURIE strings (``agent="cg:Drug"``, or a package's ``"<prefix>:<id>"``), IRIs, names
    (``agent="Mirapex"``, as ``kg decide`` accepts), rdflib or pyoxigraph terms and Python literals. A SELECT gives
    ``Rows`` (a list of dicts with ``.vars`` and ``.df()``), an ASK a bool, a CONSTRUCT or DESCRIBE an rdflib Graph.

    >>> import kg
    >>> rows = kg.sparql("cq/cautions", agent="Mirapex")
    >>> "about" in rows.vars and {str(row["about"]) for row in rows} >= {"pramipexole", "dopamine agonists"}
    True
    >>> kg.sparql("ASK { ?agent ?p ?o }", agent="methadone")
    True
    >>> kg.sparql("cq/cautions", agent="methadon")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    kg.base.errors.UserError: --param agent=methadon: expected an agent ... Did you mean: methadone (...
    """
    query = query_from_argument(text_or_name)
    target = Target(_knowledge(graph), endpoint)
    result = execute(query, target, bindings)
    if isinstance(result, Solutions):
        return Rows(result.rows(), result.vars, target.prefixes(query))
    if isinstance(result, Boolean):
        return result.value
    graph_out = to_graph(result.triples)
    for prefix, namespace in target.prefixes(query).items():
        graph_out.bind(prefix, namespace)
    return graph_out


def _knowledge(graph: Any) -> Knowledge:
    from kg.core.build.knowledge import Knowledge, default_knowledge, knowledge_from_graph, load_knowledge

    if graph is None:
        return default_knowledge()
    if isinstance(graph, Knowledge):
        return graph
    if isinstance(graph, ox.Store):
        return Knowledge(graph, "memory")
    if isinstance(graph, Graph):
        return knowledge_from_graph(graph)
    path = Path(graph)
    if path.is_dir():
        return load_knowledge(path)
    from kg.base.graph_files import read_graph_file

    if not path.is_file():
        raise UserError(f"graph {path}: no such file or build folder")
    return knowledge_from_graph(read_graph_file(path, "graph").graph())

