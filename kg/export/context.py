"""The JSON-LD 1.1 context of the exports (``ontology/context.jsonld``), generated from the ontology's properties.

One term per property of the graph's ontology: its local name (a few read better shortened: ``ALIASES``).
Object properties whose range is one of the ontology's enumerations (individuals with a ``skos:notation``,
e.g. ``cg:Strength``) are ``@type: @vocab`` with a property-scoped context from notation to individual, so a
JSON user reads ``"strength": "strong"``; other object properties, and annotation properties whose every value
in the build is an IRI, are ``@type: @id`` (``"population": "<prefix>:..."``); data properties carry their range
datatype. Prefixes are ``kg.model.namespaces.PREFIXES``.

Regenerate after changing the ontology or the build: ``python -m kg.export.context`` (a test checks that the
committed file is up to date).
"""

from __future__ import annotations

import json
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef

from kg.base.errors import UserError
from kg.model.namespaces import CG, PREFIXES, PROV

ALIASES: dict[URIRef, str] = {
    CG.appliesToPopulation: "population",
    CG.aboutAgent: "agent",
    CG.aboutCondition: "condition",
    PROV.wasDerivedFrom: "sources",
}
BUILT_IN: dict[URIRef, str] = {RDFS.label: "label", RDFS.comment: "comment"}  # RDFS terms the ontology uses
CONTEXT_PREFIXES = {"rdf": str(RDF), **PREFIXES}


def compact(iri: str) -> str:
    """The IRI as prefix:suffix with the longest matching prefix of the context, else unchanged.

    >>> compact("https://w3id.org/cgkg/ontology#strength")
    'cg:strength'
    """
    best = max((ns for ns in CONTEXT_PREFIXES.values() if iri.startswith(ns) and ns[-1] in "/#"), key=len, default=None)
    if best is None or len(iri) == len(best) or iri[len(best):].startswith("//"):
        return iri
    prefix = next(p for p, ns in sorted(CONTEXT_PREFIXES.items()) if ns == best)
    return f"{prefix}:{iri[len(best):]}"


def local_name(iri: URIRef) -> str:
    text = str(iri)
    return text[max(text.rfind("#"), text.rfind("/")) + 1:]


def vocabulary(graph: Graph, cls: URIRef) -> dict[str, str]:
    """notation -> individual IRI for the individuals of an enumeration class; {} if it is none."""
    terms: dict[str, str] = {}
    for individual in sorted(graph.subjects(RDF.type, cls)):
        notation = graph.value(individual, SKOS.notation)
        if not isinstance(individual, URIRef) or not isinstance(notation, Literal):
            return {}
        if ":" in notation or "/" in notation:  # a JSON-LD term shaped like an IRI must expand to itself
            continue
        if str(notation) in terms:
            raise UserError(f"class {cls}: notation {notation!r} names two individuals (rule: notations are unique)")
        terms[str(notation)] = str(individual)
    return terms


def term_definitions(graph: Graph) -> dict[str, dict]:
    """term -> expanded term definition, for every property the graph declares."""
    terms: dict[str, dict] = {term: {"@id": compact(str(prop))} for prop, term in BUILT_IN.items()}
    owners: dict[str, URIRef] = {term: prop for prop, term in BUILT_IN.items()}
    for kind in (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty):
        for prop in sorted(p for p in graph.subjects(RDF.type, kind) if isinstance(p, URIRef)):
            term = ALIASES.get(prop, local_name(prop))
            if term in owners and owners[term] != prop:
                raise UserError(f"JSON-LD term {term!r}: names both {owners[term]} and {prop} "
                                "(rule: one term, one IRI)")
            owners[term] = prop
            terms[term] = {"@id": compact(str(prop)), **_coercion(graph, kind, prop)}
    return terms


def _coercion(graph: Graph, kind: URIRef, prop: URIRef) -> dict:
    ranges = [r for r in graph.objects(prop, RDFS.range) if isinstance(r, URIRef)]
    if kind == OWL.ObjectProperty:
        scoped = vocabulary(graph, ranges[0]) if len(ranges) == 1 else {}
        if scoped:
            return {"@type": "@vocab", "@context": {k: compact(v) for k, v in sorted(scoped.items())}}
        return {"@type": "@id"}
    if kind == OWL.DatatypeProperty:
        if len(ranges) == 1 and ranges[0] != XSD.string:
            return {"@type": compact(str(ranges[0]))}
        return {}
    values = list(graph.objects(None, prop))
    return {"@type": "@id"} if values and all(isinstance(v, URIRef) for v in values) else {}


def build_context(graph: Graph) -> dict:
    """The context document: ``{"@context": {...}}``."""
    context: dict = {"@version": 1.1}
    for prefix, iri in sorted(CONTEXT_PREFIXES.items()):
        context[prefix] = iri if iri[-1] in "/#" else {"@id": iri, "@prefix": True}
    context.update(term_definitions(graph))
    return {"@context": context}


def context_bytes(graph: Graph) -> bytes:
    return (json.dumps(build_context(graph), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8")


def main() -> None:
    """Regenerate ontology/context.jsonld from the packaged build (the ontology and the data it describes)."""
    from kg.base.paths import JSONLD_CONTEXT_FILE
    from kg.export.source import source_from_build

    Path(JSONLD_CONTEXT_FILE).write_bytes(context_bytes(source_from_build().graph))
    print(f"wrote {JSONLD_CONTEXT_FILE}")


if __name__ == "__main__":
    main()
