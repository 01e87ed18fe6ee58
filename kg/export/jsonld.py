"""JSON-LD 1.1 export: one JSON object per node, each statement with its evidence inside, compacted with the
shipped context (``ontology/context.jsonld``, kg.export.context), which is embedded and written beside it.

The export is a folder: ``kg.jsonld``, whose ``@context`` is the shipped context itself (embedded, so the
document expands with no base IRI, no document loader and no network: ``pyld.jsonld.expand(doc)``), and
``context.jsonld`` (a copy of the shipped context, for documents of your own). ``@graph`` holds every IRI node
once, grouped by type then sorted by ``@id``; a blank node used once (class expressions, lists) is nested
where it is used, other blank nodes get their canonical (RDFC-1.0) label. The evidence of a statement is
inside it: the values of ``prov:wasDerivedFrom`` ("sources") are embedded as full copies of the source
documents (the same triples again: the graph is unchanged). Enumeration values read as their notation
(``"strength": "strong"``), IRIs as compact IRIs (``"population": "<prefix>:..."``). Keys are sorted: the same
graph gives the same bytes. The RDF is the graph plus the provenance triples (kg.export.provenance), as in
every RDF export.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF

from kg.export.context import build_context, compact, context_bytes
from kg.export.rdf import XSD_STRING, export_triples
from kg.export.source import ExportSource
from kg.model.namespaces import PROV

DOCUMENT_NAME = "kg.jsonld"
CONTEXT_NAME = "context.jsonld"
EMBEDDED = (str(PROV.wasDerivedFrom),)  # a statement's evidence: embedded as full node objects
XSD = "http://www.w3.org/2001/XMLSchema#"
NATIVE = {f"{XSD}integer", f"{XSD}boolean"}  # written as JSON numbers and booleans when canonical
CANONICAL_NATIVE = re.compile(r"true|false|-?(0|[1-9][0-9]{0,14})")


def write_jsonld(source: ExportSource, path: Path) -> None:
    context = build_context(source.graph)
    document = {"@context": context["@context"], "@graph": nodes(export_triples(source), context)}
    (path / DOCUMENT_NAME).write_bytes(_json(document))
    (path / CONTEXT_NAME).write_bytes(context_bytes(source.graph))


def _json(value: object) -> bytes:
    return (json.dumps(value, indent=1, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def nodes(triples: list[ox.Triple], context: dict) -> list[dict]:
    """The ``@graph`` array (see the module docstring)."""
    writer = _Writer(triples, context["@context"])
    roots = [s for s in writer.subjects if s not in writer.nested]
    objects = [writer.node(s, embed=True) for s in roots]
    return sorted(objects, key=lambda o: (_type_key(o), o["@id"]))


def _type_key(node: dict) -> str:
    types = node.get("@type", [])
    return ",".join(t for t in (types if isinstance(types, list) else [types]) if t != "owl:NamedIndividual")


class _Writer:
    def __init__(self, triples: list[ox.Triple], context: dict) -> None:
        self.terms = {d["@id"]: (term, d) for term, d in context.items() if isinstance(d, dict) and "@id" in d
                      and not d.get("@prefix")}
        self.by_subject: dict[object, list[ox.Triple]] = {}
        for triple in triples:
            self.by_subject.setdefault(triple.subject, []).append(triple)
        self.subjects = list(self.by_subject)
        uses = Counter(t.object for t in triples if isinstance(t.object, ox.BlankNode))
        parent = {t.object: t.subject for t in triples if isinstance(t.object, ox.BlankNode) and uses[t.object] == 1}
        self.nested = {b for b in parent if not _in_cycle(b, parent)}

    def node(self, subject: object, embed: bool) -> dict:
        obj: dict = {}
        if not isinstance(subject, ox.BlankNode) or subject not in self.nested:
            obj["@id"] = _id(subject)
        values: dict[str, list] = {}
        for triple in self.by_subject.get(subject, []):
            predicate = triple.predicate.value
            if predicate == str(RDF.type) and isinstance(triple.object, ox.NamedNode):
                values.setdefault("@type", []).append(compact(triple.object.value))
                continue
            term, definition = self.terms.get(compact(predicate), (compact(predicate), {}))
            values.setdefault(term, []).append(self.value(triple.object, definition, embed and predicate in EMBEDDED))
        for key, items in values.items():
            items = sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
            obj[key] = items[0] if len(items) == 1 else items
        return obj

    def value(self, term: object, definition: dict, embed: bool) -> object:
        coerced = definition.get("@type")
        if isinstance(term, ox.BlankNode):
            return self.node(term, embed=True) if term in self.nested else {"@id": _id(term)}
        if isinstance(term, ox.NamedNode):
            if embed and term in self.by_subject:
                return self.node(term, embed=False)
            notations = {v: k for k, v in definition.get("@context", {}).items()}
            iri = compact(term.value)
            if coerced == "@vocab" and iri in notations:
                return notations[iri]
            return iri if coerced in ("@id", "@vocab") and ":" in iri else {"@id": iri}
        return _literal(term, coerced)  # type: ignore[arg-type]


def _literal(literal: ox.Literal, coerced: str | None) -> object:
    if literal.language:
        return {"@language": literal.language, "@value": literal.value}
    datatype = literal.datatype.value
    if datatype in NATIVE and coerced in (None, compact(datatype)) and CANONICAL_NATIVE.fullmatch(literal.value):
        return json.loads(literal.value)  # the canonical form JSON-LD turns back into the same literal
    if datatype == XSD_STRING:
        return literal.value if coerced is None else {"@value": literal.value}
    if coerced == compact(datatype):
        return literal.value
    return {"@type": compact(datatype), "@value": literal.value}


def _id(node: object) -> str:
    return f"_:{node.value}" if isinstance(node, ox.BlankNode) else compact(node.value)  # type: ignore[attr-defined]


def _in_cycle(start: object, parent: dict) -> bool:
    seen, node = set(), start
    while node in parent:
        node = parent[node]
        if node == start or node in seen:
            return True
        seen.add(node)
    return False
