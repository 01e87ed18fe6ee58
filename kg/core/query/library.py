"""The SPARQL library: ``queries/**/*.rq`` files with ``#+`` headers, run on pyoxigraph.

A query file is runnable as-is in any SPARQL UI (it has its own PREFIX lines). Its header::

    #+ summary: the question in plain words
    #+ params: ?patient            (variables the caller may bind; required unless optional)
    #+ optional: ?patient          (parameters the query is written to answer correctly unbound)
    #+ kinds: ?agent agent         (the kind of node a parameter takes: queries/kinds/agent.rq lists them)
    #+ filters: ?guideline         (optional parameters that only select rows: projected, so the engine can bind
                                    them, but not shown in the answer, whose columns stay those of the question)
    #+ tags: cq, treatment

Parameters are bound with SPARQL substitutions (SEP-0007), never formatted into the text
(on an endpoint, ``kg/core/query/values_clause.py`` puts a checked VALUES block first in WHERE instead).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox
from rdflib import Graph
from rdflib.term import Node

from kg.base.errors import MAX_VALUE_CHARS, UserError, shorten
from kg.base.input_limits import MAX_QUERY_BYTES, read_user_stream, read_user_text
from kg.base.oxigraph_bridge import from_ox, to_ox, to_store
from kg.base.paths import QUERIES_DIR
from kg.model.namespaces import PREFIXES

Graphs = ox.NamedNode | ox.DefaultGraph | list[ox.NamedNode | ox.DefaultGraph] | None
Row = dict[str, Node | None]  # a SELECT's row: variable -> its rdflib term (None: unbound)
HEADER = re.compile(r"^#\+\s*(\w+)\s*:\s*(.*)$")
PREFIX_LINE = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*|):\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)
KIND_DECLARATION = re.compile(r"[?$]([A-Za-z_]\w*)\s+([a-z][a-z0-9-]*)")  # #+ kinds: ?lab lab-test, ?system ...
QUERY_FILE_SUFFIXES = (".rq", ".sparql")  # a query given as a path to a file of one's own
MAX_QUERY_SUGGESTIONS = 3  # close query names an unknown name gets
KINDS = "kinds"  # the folder of queries/ that lists the nodes of each kind
VARIABLE = re.compile(r"[?$]([A-Za-z_][A-Za-z0-9_]*)")
# what can hold the word SERVICE without being the keyword: strings (long ones first), IRIs, comments
NOT_KEYWORDS = re.compile(r"""'{3}(?:[^'\\]|\\.|'(?!''))*'{3}|"{3}(?:[^"\\]|\\.|"(?!""))*"{3}"""
                          r"""|'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*"|<[^<>"{}|^`\\\x00-\x20]*>|#[^\n\r]*""")
SERVICE_KEYWORD = re.compile(r"(?<![\w:?$-])SERVICE(?![\w:-])", re.IGNORECASE)  # not ?service, ex:service, a-service
# a prefixed name's prefix (SPARQL 1.1 grammar, rules [140] PNAME_NS, [168] PN_PREFIX), not part of a variable,
# a blank node label (_:b) or another prefixed name, in query code (strings, IRIs and comments blanked first)
PREFIX_DECLARATION = re.compile(r"(?<![\w:?$-])PREFIX\s+([A-Za-z][\w.-]*|):\s*<", re.IGNORECASE)  # anywhere
PREFIXED_NAME = re.compile(r"(?<![\w?$:.\-\u00B7])([A-Za-z](?:[\w.\-\u00B7]*[\w\-\u00B7])?)?:")
CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Query:
    name: str  # path below queries/ without .rq, e.g. "cq/treatment-options"
    path: Path
    text: str
    summary: str
    params: tuple[str, ...]  # every parameter, required and optional
    tags: tuple[str, ...]
    optional: tuple[str, ...] = ()
    declares_params: bool = True  # False: no #+ params header (an ad-hoc query): any variable may be bound
    kinds: tuple[tuple[str, str], ...] = ()  # (parameter, kind): the parameter takes a node of queries/kinds/<kind>.rq
    filters: tuple[str, ...] = ()  # optional parameters whose column the answer leaves out (#+ filters:)

    def kind_of(self, param: str) -> str | None:
        """The kind of node ``param`` takes (a query name below ``kinds/``), or None (any value)."""
        return dict(self.kinds).get(param)

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(p for p in self.params if p not in self.optional)

    @property
    def bindable(self) -> tuple[str, ...]:
        """The variables a caller may bind: the declared parameters, or (ad-hoc query) every variable."""
        if self.declares_params:
            return self.params
        return tuple(dict.fromkeys(VARIABLE.findall(self.text)))

    @property
    def prefixes(self) -> dict[str, str]:
        """The PREFIX declarations of the query text."""
        return dict(PREFIX_LINE.findall(self.text))


def query_from_text(text: str, name: str = "query") -> Query:
    """A query given as SPARQL text (its #+ headers are read as in a file)."""
    return _parse(text, name, Path(f"{name}.rq"))


def parse_query_file(path: Path, root: Path = QUERIES_DIR) -> Query:
    text = read_user_text(path, "query file", MAX_QUERY_BYTES)
    return _parse(text, path.relative_to(root).with_suffix("").as_posix(), path)


def query_from_argument(argument: str, stdin: BinaryIO | None = None, root: Path = QUERIES_DIR) -> Query:
    """What ``kg query`` and ``kg.sparql`` take: ``-`` (the text on ``stdin``), a path to an .rq or .sparql file,
    SPARQL text (anything with a space or a brace), else a library name (``cq/cautions``). Text is bounded like a
    file."""
    if argument == "-":
        if stdin is None:
            raise UserError("query '-': no standard input to read the query from")
        return query_from_text(read_user_stream(stdin, "query on standard input", MAX_QUERY_BYTES), "stdin")
    if Path(argument).suffix in QUERY_FILE_SUFFIXES and _is_file(Path(argument)):
        return load_query(argument, root)
    if any(c.isspace() for c in argument.strip()) or "{" in argument:
        if len(argument.encode("utf-8")) > MAX_QUERY_BYTES:
            raise UserError(f"query text: more than the limit of {MAX_QUERY_BYTES} bytes")
        return query_from_text(argument)
    return load_query(argument, root)


def _parse(text: str, name: str, path: Path) -> Query:
    header: dict[str, str] = {}
    for line in text.splitlines():
        match = HEADER.match(line)
        if match:
            header[match.group(1)] = match.group(2).strip()
    split = lambda key: tuple(v.strip() for v in header.get(key, "").split(",") if v.strip())  # noqa: E731
    variables = lambda key: tuple(v.lstrip("?$") for v in re.split(r"[,\s]+", header.get(key, "")) if v)  # noqa: E731
    filters = variables("filters")
    optional = tuple(dict.fromkeys(variables("optional") + filters))
    return Query(
        name=name,
        path=path,
        text=text,
        summary=header.get("summary", ""),
        params=tuple(dict.fromkeys(variables("params") + optional)),
        tags=split("tags"),
        optional=optional,
        declares_params="params" in header or "optional" in header or "filters" in header,
        kinds=tuple(KIND_DECLARATION.findall(header.get("kinds", ""))),
        filters=filters,
    )


def all_queries(root: Path = QUERIES_DIR) -> list[Query]:
    return [parse_query_file(p, root) for p in sorted(root.rglob("*.rq"))]


def load_query(name: str, root: Path = QUERIES_DIR) -> Query:
    """A query by name (``cq/treatment-options``, also written ``queries/cq/treatment-options.rq``), or by a path to
    an .rq (or .sparql) file."""
    path = Path(name)
    if path.suffix in QUERY_FILE_SUFFIXES and _is_file(path):
        return parse_query_file(path.resolve(), path.resolve().parent)
    candidate = root / f"{_library_name(name)}.rq"
    if not _is_file(candidate):
        if _is_file(path):
            raise UserError(f"query file {shorten(name, MAX_VALUE_CHARS)}: a query file's name ends in "
                            f"{' or '.join(QUERY_FILE_SUFFIXES)}")
        raise UserError(_no_query_named(name, root))
    return parse_query_file(candidate, root)


def _is_file(path: Path) -> bool:
    try:
        return path.is_file()
    except (OSError, ValueError):  # a name too long for a path, a NUL
        return False


def _library_name(name: str) -> str:
    return name.strip().removeprefix("queries/").removesuffix(".rq")


def _no_query_named(name: str, root: Path) -> str:
    """The message for a query name the library does not hold: the queries of that file name in another folder
    (``lab-thresholds`` -> ``cq/lab-thresholds``), else the closest names; the full list is ``kg queries``."""
    known = [p.relative_to(root).with_suffix("").as_posix() for p in sorted(root.rglob("*.rq"))]
    wanted = _library_name(name)
    stem = lambda query_name: query_name.rsplit("/", 1)[-1]  # noqa: E731
    close = [k for k in known if stem(k) == stem(wanted)] \
        or difflib.get_close_matches(wanted, known, n=MAX_QUERY_SUGGESTIONS, cutoff=0.75) \
        or [k for s in difflib.get_close_matches(stem(wanted), sorted({stem(k) for k in known}), cutoff=0.75)
            for k in known if stem(k) == s]
    hint = f". Did you mean: {', '.join(close[:MAX_QUERY_SUGGESTIONS])}?" if close else ""
    return f"no query named '{shorten(name, MAX_VALUE_CHARS)}'{hint} (kg queries lists all {len(known)} of them)"


def refuse_federation(query: Query) -> None:
    """Refuse a query with ``SERVICE`` before the embedded engine runs it: pyoxigraph would send its inner
    query to the URL it names (any server this machine reaches). The keyword is looked for outside strings,
    IRIs and comments, in the text as written and with its codepoint escapes (``\\u0053``) decoded."""
    if _federated(query.text):
        raise UserError(f"query '{query.name}' uses SERVICE (a federated query): refused, because the embedded "
                        "engine would send requests to the servers it names; run it on an endpoint that may "
                        "federate (kg query --endpoint URL), or remove the SERVICE clause")


def refuse_undeclared_prefixes(query: Query) -> None:
    """A prefixed name whose prefix the query does not declare is named as such (the SPARQL parser's own message
    lists the characters it expected instead), with the PREFIX line to add when the project knows the prefix."""
    undeclared = undeclared_prefixes(query.text)
    if undeclared:
        prefix = undeclared[0]
        known = f": add PREFIX {prefix}: <{PREFIXES[prefix]}>" if prefix in PREFIXES else \
            f": declare it with PREFIX {prefix}: <IRI>"
        more = f" (also {', '.join(repr(p + ':') for p in undeclared[1:])})" if undeclared[1:] else ""
        raise UserError(f"query '{shorten(query.name, MAX_VALUE_CHARS)}': undeclared prefix '{prefix}:'{more}{known}")


@lru_cache(maxsize=1024)
def undeclared_prefixes(text: str) -> tuple[str, ...]:
    """The prefixes of prefixed names in the query code that no PREFIX line of ``text`` declares, in order."""
    code = NOT_KEYWORDS.sub(" ", text)
    declared = set(PREFIX_DECLARATION.findall(text))
    used = (match.group(1) or "" for match in PREFIXED_NAME.finditer(code))
    return tuple(dict.fromkeys(p for p in used if p not in declared))


@lru_cache(maxsize=1024)  # the decision rules run for every patient
def _federated(text: str) -> bool:
    decoded = CODEPOINT_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), text)
    return any(SERVICE_KEYWORD.search(NOT_KEYWORDS.sub(" ", written)) for written in (text, decoded))


def _solutions(query: Query, data: Graph | ox.Store, bindings: dict[str, Node] | None, graphs: Graphs):
    refuse_federation(query)
    bindings = bindings or {}
    unknown = set(bindings) - set(query.params)
    if unknown:
        raise UserError(f"query '{query.name}' has no parameter(s) {', '.join(sorted(unknown))}; "
                        f"it takes: {', '.join(query.params) or 'none'}")
    store = data if isinstance(data, ox.Store) else to_store(data)
    substitutions = {ox.Variable(k): to_ox(v) for k, v in bindings.items()}
    try:
        return store.query(query.text, substitutions=substitutions, default_graph=graphs)
    except SyntaxError as error:
        refuse_undeclared_prefixes(query)
        raise UserError(f"query '{query.name}' is not valid SPARQL: {error}") from None
    except OSError as error:  # a broken rule file is a project bug, reported plainly
        raise UserError(f"query '{query.name}' failed: {error}") from None


def run_query(
    query: Query, data: Graph | ox.Store, bindings: dict[str, Node] | None = None, graphs: Graphs = None
) -> list[Row]:
    """Run a SELECT query; rows are dicts of rdflib terms (None for unbound). ``graphs``: the graphs of the
    store that form the query's default graph (default: the store's default graph)."""
    solutions = _solutions(query, data, bindings, graphs)
    if not isinstance(solutions, ox.QuerySolutions):
        raise UserError(f"query '{query.name}' is not a SELECT query")
    names = [v.value for v in solutions.variables if v.value not in query.filters]
    return [{name: from_ox(solution[name]) for name in names} for solution in solutions]


def run_construct(
    query: Query, data: Graph | ox.Store, bindings: dict[str, Node] | None = None, graphs: Graphs = None
) -> list[ox.Triple]:
    """Run a CONSTRUCT query; its triples as pyoxigraph terms."""
    triples = _solutions(query, data, bindings, graphs)
    if not isinstance(triples, ox.QueryTriples):
        raise UserError(f"query '{query.name}' is not a CONSTRUCT query")
    return list(triples)
