"""IRI -> CURIE by the longest matching namespace: ``longest_namespace`` for the writers of exports, ``compact``
(the project's prefixes by default) for what people read: query results, diffs, parameter messages."""

from __future__ import annotations

from collections.abc import Mapping

from rdflib import URIRef
from rdflib.term import Node

from kg.model.namespaces import PREFIXES


def longest_namespace(iri: str, prefixes: Mapping[str, str]) -> tuple[str, str] | None:
    """``(prefix, namespace)`` of the longest namespace in *prefixes* (prefix -> namespace) that *iri* starts with
    and extends (ties: the first prefix by name); None when none does.

    >>> longest_namespace("http://loinc.org/rdf#2276-4", {"loinc": "http://loinc.org/", "LOINC": "http://loinc.org/rdf#"})
    ('LOINC', 'http://loinc.org/rdf#')
    >>> longest_namespace("http://loinc.org/rdf#", {"LOINC": "http://loinc.org/rdf#"}) is None
    True
    """
    fits = [(p, ns) for p, ns in prefixes.items() if ns and iri.startswith(ns) and len(iri) > len(ns)]
    return min(fits, key=lambda pair: (-len(pair[1]), pair[0]), default=None)


def compact(term: Node | None, prefixes: Mapping[str, str] = PREFIXES) -> str:
    """IRI -> CURIE where a prefix fits (the longest namespace wins); literals -> their text; None -> ''.

    >>> compact(URIRef("https://w3id.org/cgkg/ontology#Drug")), compact(URIRef("http://example.org/x"))
    ('cg:Drug', 'http://example.org/x')
    """
    if term is None:
        return ""
    if isinstance(term, URIRef):
        text = str(term)
        best = max(
            ((p, iri) for p, iri in prefixes.items() if iri and text.startswith(iri)),
            key=lambda pair: (len(pair[1]), pair[0]),
            default=None,
        )
        return f"{best[0]}:{text[len(best[1]):]}" if best else text
    return str(term)
