"""Query parameters: from what a user types (``--param NAME=VALUE``) or passes in Python to RDF terms,
resolved once against the graph, then bound (embedded: substitutions; endpoint: a checked VALUES block).

A value is read, in this order, as:

* ``<IRI>``, or a bare ``http(s)://`` / ``urn:`` IRI (checked to be a valid IRI);
* a quoted literal in Turtle syntax (``"text"``, ``"text"@en``, ``"5"^^xsd:integer``, escapes ``\\n \\" \\\\``),
  or a Turtle number or boolean (``42``, ``2.5``, ``true``);
* a CURIE whose prefix the query, the graph or the project declares (``cg:Drug``, a package's
  ``<prefix>:<id>``), except a drug code (``RXNORM:``, ``ATC:``, any case), which names its agent as in
  ``kg decide``;
* a name: an agent's label, synonym or code as ``kg decide`` accepts it (``methadone``, ``Mirapex``,
  ``RXNORM:6813``), or the label of exactly one node of the graph;
* else the one term of the graph among: a code system's name (``RXNORM``), a code CURIE in any case
  (``LOINC:2276-4``), the plain text as a literal (``ng/mL``), the node with it as its notation. Text that is
  both a literal of the graph and a node's notation (``AI``) is refused naming both ways to write it.

With a kind (``#+ kinds: ?lab lab-test``), a name means the node of that kind it names, directly or one mapping
or code away (``lab=<notation>`` -> the quantity with that notation -> its LOINC code, or the bare code): see
``_of_kind``.

An IRI or a name must name something in the graph: otherwise it is a UserError with the closest
labels and CURIEs, never an empty answer. A quoted literal is taken as given (a value, not a name).

>>> parse_literal('"a \\\\"quoted\\\\" word"@en')
rdflib.term.Literal('a "quoted" word', lang='en')
>>> parse_literal("42"), parse_literal("cg:Drug")
(rdflib.term.Literal('42', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#integer')), None)
"""

from __future__ import annotations

import datetime
import decimal
import difflib
import re
import shlex
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NoReturn

import pyoxigraph as ox
from rdflib import XSD, BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, RDFS, SKOS
from rdflib.term import Node

from kg.base.errors import MAX_VALUE_CHARS, UserError, shorten
from kg.base.oxigraph_bridge import from_ox, is_valid_iri
from kg.core.query.library import KINDS, Query, load_query, run_query
from kg.model.curies import compact
from kg.model.namespaces import CG, CODE_SYSTEMS, MAPPING_PREFIXES, PREFIXES
from kg.profile.drug_names import is_code, normalise_name

# Turtle's string and number productions (https://www.w3.org/TR/turtle/#sec-grammar-grammar)
_ECHAR_OR_UCHAR = r"""\\(?:[tbnrf"'\\]|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8})"""
QUOTED = re.compile(
    rf'''(?:"((?:[^"\\\n\r]|{_ECHAR_OR_UCHAR})*)"|'((?:[^'\\\n\r]|{_ECHAR_OR_UCHAR})*)')'''
    r"(?:@([A-Za-z]+(?:-[A-Za-z0-9]+)*)|\^\^(?:<([^<>\"{}|^`\\\x00-\x20]*)>|([A-Za-z][\w.-]*|):([\w.-]*)))?",
    re.DOTALL,
)
ESCAPE = re.compile(_ECHAR_OR_UCHAR)
ECHARS = {"t": "\t", "b": "\b", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}
NUMBER_TYPES = [
    (re.compile(r"[+-]?[0-9]+"), XSD.integer),
    (re.compile(r"[+-]?[0-9]*\.[0-9]+"), XSD.decimal),
    (re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.?[0-9]+)[eE][+-]?[0-9]+"), XSD.double),
    (re.compile(r"true|false"), XSD.boolean),
]
IRI_SCHEMES = ("http://", "https://", "urn:")
LABELS = (RDFS.label, SKOS.prefLabel, SKOS.altLabel)
MAPPINGS = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch, SKOS.narrowMatch, SKOS.relatedMatch)
MAX_SUGGESTIONS = 5
MAX_EXAMPLE_CHARS = 40  # an example value kg queries shows; a longer name (a document's title) gives way to the CURIE


def parse_pairs(pairs: Iterable[str]) -> dict[str, str]:
    """``NAME=VALUE`` strings (``--param``) as a dict; a name given twice is an error."""
    values: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not name:
            raise UserError(f"--param '{shorten(pair, MAX_VALUE_CHARS)}': expected NAME=VALUE")
        if name in values:
            raise UserError(f"--param {name}: given twice")
        values[name] = value
    return values


def parse_literal(text: str, prefixes: Mapping[str, str] = PREFIXES) -> Literal | None:
    """A literal written in Turtle syntax (quoted, number or boolean), or None when ``text`` is not one."""
    for pattern, datatype in NUMBER_TYPES:
        if pattern.fullmatch(text):
            return Literal(text, datatype=datatype)
    match = QUOTED.fullmatch(text)
    if match is None:
        return None
    double, single, lang, datatype_iri, prefix, local = match.groups()
    lexical = ESCAPE.sub(_unescape, double if double is not None else single)
    if lang:
        return Literal(lexical, lang=lang)
    if prefix is not None:
        if prefix not in prefixes:
            raise UserError(f"literal {shorten(text, MAX_VALUE_CHARS)}: unknown prefix '{prefix}:' of its datatype")
        datatype_iri = prefixes[prefix] + local
    if datatype_iri is not None:
        return Literal(lexical, datatype=URIRef(_checked_iri(datatype_iri, text)))
    return Literal(lexical)


def _unescape(match: re.Match[str]) -> str:
    escape = match.group(0)
    return ECHARS[escape[1]] if len(escape) == 2 else chr(int(escape[2:], 16))


def _checked_iri(iri: str, given: object) -> str:
    if not is_valid_iri(iri):
        raise UserError(f"'{shorten(str(given), MAX_VALUE_CHARS)}' is not a valid IRI "
                        "(no spaces, <, >, quotes, braces, | ^ ` or backslashes)")
    return iri


@dataclass(frozen=True)
class Kind:
    """The nodes a parameter of one kind may be bound to: the rows of ``queries/kinds/<name>.rq`` on the graph,
    in its order (the first is the example ``kg queries`` shows)."""

    name: str
    members: tuple[Node, ...]

    @cached_property
    def member_set(self) -> frozenset[Node]:
        return frozenset(self.members)

    @property
    def noun(self) -> str:
        """How messages name the kind: ``lab-test`` -> 'a lab test'."""
        words = self.name.replace("-", " ")
        return f"{'an' if words[0] in 'aeiou' else 'a'} {words}"


@dataclass
class Names:
    """What values may name: the graph's nodes (is this IRI in it?), agents' names (``kg decide``'s) and labels.

    ``contains`` answers whether a term occurs in the graph queried (the embedded store, or the endpoint);
    ``store`` is the local build whose names, labels and CURIEs resolve names and give suggestions."""

    store: ox.Store
    agents: Mapping[str, URIRef]
    ambiguous: Mapping[str, list[URIRef]]
    contains: Callable[[URIRef | Literal], bool]
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES))
    _kinds: dict[str, Kind] = field(default_factory=dict, repr=False)  # each kind's nodes, read once

    @cached_property
    def labels(self) -> dict[str, list[URIRef]]:
        found: dict[str, set[URIRef]] = {}
        for predicate in LABELS:
            for quad in self.store.quads_for_pattern(None, ox.NamedNode(str(predicate)), None, ox.DefaultGraph()):
                if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
                    found.setdefault(normalise_name(quad.object.value), set()).add(URIRef(quad.subject.value))
        return {name: sorted(nodes) for name, nodes in found.items()}

    @cached_property
    def curies(self) -> list[str]:
        subjects = {quad.subject.value for quad in self.store.quads_for_pattern(None, None, None, ox.DefaultGraph())
                    if isinstance(quad.subject, ox.NamedNode)}
        return sorted(compact(URIRef(s), self.prefixes) for s in subjects)

    @cached_property
    def notations(self) -> dict[str, list[URIRef]]:
        return self._by_literal(SKOS.notation)

    @cached_property
    def identifiers(self) -> dict[str, list[URIRef]]:
        """Nodes by their table id (``dcterms:identifier``: a source id, a population id), the id the tables,
        the decision report and ``kg diff`` use."""
        return self._by_literal(DCTERMS.identifier)

    def _by_literal(self, predicate: URIRef) -> dict[str, list[URIRef]]:
        found: dict[str, set[URIRef]] = {}
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(str(predicate)), None, ox.DefaultGraph()):
            if isinstance(quad.subject, ox.NamedNode) and isinstance(quad.object, ox.Literal):
                found.setdefault(normalise_name(quad.object.value), set()).add(URIRef(quad.subject.value))
        return {name: sorted(nodes) for name, nodes in found.items()}

    def kind(self, name: str) -> Kind:
        """The kind ``name`` on this graph (``queries/kinds/<name>.rq``, run once)."""
        if name not in self._kinds:
            rows = run_query(load_query(f"{KINDS}/{name}"), self.store)
            self._kinds[name] = Kind(name, tuple(dict.fromkeys(r["node"] for r in rows if r["node"] is not None)))
        return self._kinds[name]

    def candidates(self, text: str) -> list[Node]:
        """Every node or value a name may mean, most specific first: the agent ``kg decide`` knows by it, nodes
        with it as a label or as their table id, the code system of that name (RXNORM), the code of a mapping CURIE
        in any case (LOINC:2276-4), the plain literal, nodes with it as their notation."""
        key, stripped = normalise_name(text), text.strip()
        found: list[Node] = [self.agents[key]] if key in self.agents else []
        found += [*self.ambiguous.get(key, []), *self.labels.get(key, []), *self.identifiers.get(key, [])]
        if stripped.upper() in CODE_SYSTEMS:
            found.append(URIRef(CODE_SYSTEMS[stripped.upper()]))
        prefix, colon, local = stripped.partition(":")
        if colon and local and prefix.upper() in MAPPING_PREFIXES:
            found.append(URIRef(MAPPING_PREFIXES[prefix.upper()] + local))
        found += [Literal(stripped), *self.notations.get(key, [])]
        return list(dict.fromkeys(found))

    def mapped(self, term: Node) -> list[Node]:
        """What ``term`` is mapped to or from (SKOS mappings, either way), and its notations (or, for a literal,
        the nodes it is the notation or the bare code of, ``2276-4``): one step from a name's node to the node of
        the kind a query wants."""
        node = ox.NamedNode(str(term)) if isinstance(term, URIRef) else ox.Literal(str(term))
        found: list[Node] = []
        if isinstance(term, URIRef):
            for predicate in (*MAPPINGS, SKOS.notation):
                found += [from_ox(q.object) for q in self.store.quads_for_pattern(node, ox.NamedNode(str(predicate)),
                                                                                  None, ox.DefaultGraph())]
            for predicate in MAPPINGS:
                found += [from_ox(q.subject) for q in self.store.quads_for_pattern(
                    None, ox.NamedNode(str(predicate)), node, ox.DefaultGraph())]
        elif isinstance(term, Literal):
            found += [from_ox(q.subject) for q in self.store.quads_for_pattern(
                None, ox.NamedNode(str(SKOS.notation)), node, ox.DefaultGraph())]
            found += self.coded(str(term))
        return list(dict.fromkeys(found))

    def coded(self, code: str) -> list[URIRef]:
        """The terminology codes (mapping targets) whose bare code (``cg:code``) is ``code``, in any system."""
        return [URIRef(q.subject.value) for q in self.store.quads_for_pattern(
            None, ox.NamedNode(str(CG.code)), ox.Literal(code.strip()), ox.DefaultGraph())
            if isinstance(q.subject, ox.NamedNode)]

    def display_names(self, term: Node) -> list[str]:
        """The names a user may type for ``term``: its notations and labels, those of what it is mapped to, then a
        code system's or a code's name (RXNORM, LOINC:2276-4)."""
        if isinstance(term, Literal):
            return [str(term)]
        names = self._own_names(term)
        for other in self.mapped(term):
            names += [str(other)] if isinstance(other, Literal) else self._own_names(other)
        systems = {iri: name for name, iri in CODE_SYSTEMS.items()}
        if str(term) in systems:
            names.append(systems[str(term)])
        names += [f"{prefix}:{str(term)[len(base):]}" for prefix, base in MAPPING_PREFIXES.items()
                  if str(term).startswith(base) and len(str(term)) > len(base)]
        return list(dict.fromkeys(names))

    def _own_names(self, term: Node) -> list[str]:
        node = ox.NamedNode(str(term))
        return [q.object.value for predicate in (SKOS.notation, *LABELS, DCTERMS.identifier)
                for q in self.store.quads_for_pattern(node, ox.NamedNode(str(predicate)), None, ox.DefaultGraph())
                if isinstance(q.object, ox.Literal)]

    def shown(self, term: Node) -> str:
        """A member as a message shows it: its first short name and its CURIE (``<label> (loinc:<code>)``, a
        source by its id, not its title: ``<id> (<prefix>:<id>)``), a literal as is."""
        if isinstance(term, Literal):
            return str(term)
        curie = self._curie(term)  # type: ignore[arg-type]
        short = [n for n in self.display_names(term) if len(n) <= MAX_EXAMPLE_CHARS and n != curie]
        return f"{short[0]} ({curie})" if short else curie

    def example(self, kind: Kind, member: Node) -> str | None:
        """A value to type for ``member`` of ``kind``: its first short name (else its CURIE) that resolves back
        to it, or None."""
        short = [n for n in self.display_names(member) if len(n) <= MAX_EXAMPLE_CHARS]
        for name in [*short, self._curie(member) if isinstance(member, URIRef) else ""]:  # type: ignore[arg-type]
            try:
                if name and _of_kind("example", name, self, kind) == member:
                    return name
            except UserError:
                continue
        return None

    def suggestions(self, value: str) -> list[str]:
        """The closest labels and CURIEs, one per node (never for a drug code: codes one character apart are
        different drugs)."""
        if is_code(value):
            return []
        names = [n for n in list(self.labels) + list(self.agents) if not is_code(n)]
        shown: dict[str, str] = {}  # CURIE -> how it is shown
        by_name = difflib.get_close_matches(normalise_name(value), names, n=MAX_SUGGESTIONS, cutoff=0.75)
        by_curie = difflib.get_close_matches(value, self.curies, n=MAX_SUGGESTIONS, cutoff=0.75)
        for curie in by_curie if ":" in value else []:  # a CURIE or IRI was meant: CURIEs first
            shown.setdefault(curie, curie)
        for name in by_name:
            for node in self._nodes(name):
                shown.setdefault(self._curie(node), f"{name} ({self._curie(node)})")
        for curie in by_curie:
            shown.setdefault(curie, curie)
        return list(shown.values())[:MAX_SUGGESTIONS]

    def _nodes(self, name: str) -> list[URIRef]:
        return [self.agents[name]] if name in self.agents else self.labels.get(name, [])

    def _curie(self, node: URIRef) -> str:
        return compact(node, self.prefixes)


def resolve(name: str, value: object, names: Names, kind: str | None = None) -> Node:
    """One parameter value as an RDF term (see the module doc); an error names the parameter and the value.
    With a ``kind`` (``#+ kinds:``), the value must be a node of that kind (see ``_of_kind``)."""
    if kind is not None:
        return _of_kind(name, value, names, names.kind(kind))
    where = f"--param {name}={shorten(str(value), MAX_VALUE_CHARS)}"
    if isinstance(value, ox.NamedNode | ox.Literal | ox.BlankNode):
        value = from_ox(value)
    if isinstance(value, BNode):
        raise UserError(f"{where}: a blank node cannot be bound (it names nothing outside one result)")
    if isinstance(value, Literal):
        return value
    if isinstance(value, bool | int | float | decimal.Decimal | datetime.date | datetime.datetime):
        return Literal(value)
    if isinstance(value, URIRef):
        return _existing(URIRef(_checked_iri(str(value), value)), where, str(value), names)
    if not isinstance(value, str):
        raise UserError(f"{where}: not an RDF term, a string or a number ({type(value).__name__})")
    return _from_text(name, value, where, names)


def _from_text(name: str, text: str, where: str, names: Names) -> Node:
    if text.startswith(("<", *IRI_SCHEMES)):
        inner = text[1:-1] if text.startswith("<") and text.endswith(">") else text
        return _existing(URIRef(_in_context(_checked_iri, where, inner, text)), where, text, names)
    literal = _in_context(parse_literal, where, text, names.prefixes)
    if literal is not None:
        return literal
    prefix, colon, local = text.partition(":")
    if colon and prefix in names.prefixes and not is_code(text):  # a drug code names its agent, as in kg decide
        iri = _in_context(_checked_iri, where, names.prefixes[prefix] + local, text)
        return _existing(URIRef(iri), where, text, names)
    return _named(name, text, where, names)


def _in_context(function: Callable[..., Any], where: str, *args: Any) -> Any:
    """``function(*args)``, its UserError prefixed with which parameter and value it is about."""
    try:
        return function(*args)
    except UserError as error:
        raise UserError(f"{where}: {error}") from None


def _named(name: str, text: str, where: str, names: Names) -> Node:
    """A name for a parameter of no declared kind: the agent ``kg decide`` knows by it, else the one node with it
    as a label, else the one term of the graph among its other candidates (``Names.candidates``: a code system's
    name, a code CURIE, the text itself, nodes with it as their notation). A text that is also a node's notation
    (``AI``, the notation of an evidence basis) is refused naming both, not bound to the text: which one a query
    wants depends on where the variable stands, and the wrong one is an empty answer."""
    key = normalise_name(text)
    if key in names.agents:
        return _existing(names.agents[key], where, text, names)
    labelled = names.ambiguous.get(key) or names.labels.get(key) or names.identifiers.get(key, [])
    if len(labelled) == 1:
        return _existing(labelled[0], where, text, names)
    if labelled:
        listed = ", ".join(compact(c, names.prefixes) for c in labelled)
        raise UserError(f"{where}: '{text}' names several nodes ({listed}); give one as a CURIE")
    meant = [c for c in names.candidates(text) if names.contains(c)]  # type: ignore[arg-type]
    if len(meant) == 1:
        return meant[0]
    if meant:
        listed = "; or ".join(f"{f'the text {c.n3()}' if isinstance(c, Literal) else names.shown(c)} "
                              f"(--param {name}={shlex.quote(_shown_term(c, names))})" for c in meant)
        raise UserError(f"{where}: '{text}' may mean {listed}. Give the one meant as written, or declare the kind "
                        f"of node ?{name} takes in the query's header ('#+ kinds: ?{name} KIND'; kg queries lists the "
                        f"kinds as {KINDS}/KIND)")
    _nothing(where, text, names)


def _existing(term: URIRef | Literal, where: str, text: str, names: Names) -> URIRef | Literal:
    if not names.contains(term):
        _nothing(where, text, names)
    return term


def _nothing(where: str, text: str, names: Names) -> NoReturn:
    hint = names.suggestions(text)
    raise UserError(f"{where}: names nothing in the graph (not an IRI or CURIE of it, a name, a label or a value "
                    "in it)"
                    + (f". Did you mean: {'; '.join(hint)}?" if hint else ""))


def _of_kind(name: str, value: object, names: Names, kind: Kind) -> Node:
    """``value`` as a node of ``kind``. An IRI, CURIE or literal is taken as written and must be one. A name
    means the first of its candidates (``Names.candidates``) that is one, else the one node of the kind its
    candidates are mapped to (a notation -> the quantity with that notation -> its LOINC code). Anything else is
    an error naming the kind, with close matches or examples: never an empty answer for a name."""
    where = f"--param {name}={shorten(str(value), MAX_VALUE_CHARS)}"
    text = value if isinstance(value, str) and not isinstance(value, URIRef | Literal) else None  # rdflib terms are str
    if text is None or _written_as_term(text, names):
        term = resolve(name, value, names)
        if term in kind.member_set:
            return term
        hint = [names.shown(m) for m in names.mapped(term) if m in kind.member_set] + _by_code(str(value), names, kind)
        _not_of_kind(where, str(value), f"{_shown_term(term, names)} is not one", kind, names, hint)
    candidates = names.candidates(text)
    for found in ([c for c in candidates if c in kind.member_set],
                  list(dict.fromkeys(m for c in candidates for m in names.mapped(c) if m in kind.member_set))):
        if len(found) == 1 or (found and found[0] == names.agents.get(normalise_name(text))):
            return _existing(found[0], where, text, names)  # type: ignore[arg-type]
        if found:
            listed = "; ".join(names.shown(f) for f in found[:MAX_SUGGESTIONS])
            raise UserError(f"{where}: '{text}' names several nodes of kind {kind.name} ({listed}); give one as a "
                            "CURIE")
    existing = sorted((c for c in candidates if names.contains(c)), key=lambda c: isinstance(c, Literal))  # type: ignore[arg-type]
    codes = names.coded(text)
    found = f"'{text}' is the code {', '.join(_shown_term(c, names) for c in codes)}, not one" if codes \
        else f"'{text}' is {_shown_term(existing[0], names)}, not one" if existing \
        else f"'{text}' names nothing in the graph"
    _not_of_kind(where, text, found, kind, names, _by_code(text, names, kind))


def _by_code(text: str, names: Names, kind: Kind) -> list[str]:
    """The nodes of ``kind`` mapped to a terminology code whose bare code is ``text`` (``N06AX12`` -> the agent
    mapped to ATC N06AX12): suggested, not bound, since a bare code names no system (see ``Names.mapped``)."""
    return list(dict.fromkeys(names.shown(m) for code in names.coded(text) for m in names.mapped(code)
                              if m in kind.member_set))


def _written_as_term(text: str, names: Names) -> bool:
    """An IRI, a literal in Turtle syntax, or a CURIE of a declared prefix (a drug code is a name)."""
    prefix, colon, _ = text.partition(":")
    return text.startswith(("<", *IRI_SCHEMES)) or _in_context(parse_literal, text, text, names.prefixes) is not None \
        or bool(colon and prefix in names.prefixes and not is_code(text))


def _shown_term(term: Node, names: Names) -> str:
    """An IRI as a CURIE, a literal in Turtle syntax with its datatype as a CURIE (``"6813"^^xsd:integer``)."""
    if isinstance(term, URIRef):
        return names._curie(term)
    if isinstance(term, Literal) and term.datatype is not None and not term.language:
        return f"{Literal(str(term)).n3()}^^{names._curie(term.datatype)}"
    return term.n3()


def _not_of_kind(where: str, text: str, found: str, kind: Kind, names: Names, hint: list[str]) -> NoReturn:
    prefix, colon, _ = text.partition(":")
    if not hint and not is_code(text) and not (colon and prefix.upper() in MAPPING_PREFIXES):  # codes: see suggestions
        shown = {name: member for member in kind.members for name in names.display_names(member)}
        close = difflib.get_close_matches(normalise_name(text), [normalise_name(n) for n in shown],
                                          n=MAX_SUGGESTIONS, cutoff=0.75)
        by_key = {normalise_name(n): m for n, m in shown.items()}
        hint = list(dict.fromkeys(names.shown(by_key[c]) for c in close))
    if not kind.members:
        raise UserError(f"{where}: expected {kind.noun} ({found}), and the graph has none ({KINDS}/{kind.name})")
    examples = "" if hint else "; e.g. " + "; ".join(names.shown(m) for m in kind.members[:MAX_SUGGESTIONS])
    raise UserError(f"{where}: expected {kind.noun} ({found}{examples}; all of them: kg query {KINDS}/{kind.name})"
                    + (f". Did you mean: {'; '.join(hint)}?" if hint else ""))


def bindings_for(query: Query, values: Mapping[str, object], names: Names) -> dict[str, Node]:
    """Every value resolved once. A name the query does not declare, or a required parameter left unbound,
    is an error naming the declared ones."""
    bindable = query.bindable
    unknown = [name for name in values if name not in bindable]
    if unknown:
        takes = f"takes: {', '.join('?' + p for p in bindable)}" if bindable else "declares no parameter"
        raise UserError(f"query '{query.name}' has no parameter {', '.join('?' + n for n in unknown)}; it {takes}")
    missing = [name for name in query.required if name not in values]
    if missing:
        raise UserError(f"query '{query.name}': parameter {', '.join('?' + n for n in missing)} is required "
                        f"(give --param {missing[0]}=VALUE)")
    return {name: resolve(name, value, names, query.kind_of(name)) for name, value in values.items()}
