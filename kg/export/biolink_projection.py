"""The projection of the graph onto the Biolink Model, read from its SSSOM table (ADR 0011).

``ontology/mappings/cgkg-to-biolink.sssom.tsv`` is the single source of truth: a class row gives a node
category, a property row an edge predicate, a statement-class row the predicate of the edge a statement
becomes, a vocabulary-value row (e.g. severity contraindicated) a more specific predicate for statements
with that value, and a row whose object is ``sssom:NoTermFound`` a deliberate omission.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import URIRef

from kg.base.paths import ONTOLOGY_DIR

SSSOM_FILE = ONTOLOGY_DIR / "mappings" / "cgkg-to-biolink.sssom.tsv"
NO_TERM_FOUND = "sssom:NoTermFound"


@dataclass(frozen=True)
class Projection:
    categories: dict[URIRef, str]  # our class -> biolink:Category
    predicates: dict[URIRef, str]  # our property, statement class or vocabulary value -> biolink:predicate
    omitted: frozenset[URIRef]  # our classes deliberately left out of the export
    curie_map: dict[str, str]

    def mapped(self, term: URIRef) -> bool:
        return term in self.categories or term in self.predicates or term in self.omitted


def read_sssom(path: Path) -> tuple[dict[str, str], list[dict[str, str]]]:
    """The curie map of the metadata block and the rows of an SSSOM TSV file."""
    curie_map: dict[str, str] = {}
    lines = path.read_text(encoding="utf-8").splitlines()
    in_map = False
    for line in (x for x in lines if x.startswith("#")):
        text = line[1:]
        if text.strip() == "curie_map:":
            in_map = True
        elif in_map and text.startswith("  "):
            prefix, _, iri = text.strip().partition(": ")
            curie_map[prefix] = iri
        else:
            in_map = False
    rows = list(csv.DictReader((x for x in lines if not x.startswith("#")), delimiter="\t"))
    return curie_map, rows


@cache
def projection(path: Path = SSSOM_FILE) -> Projection:
    curie_map, rows = read_sssom(path)

    def expand(curie: str) -> URIRef:
        prefix, _, local = curie.partition(":")
        return URIRef(curie_map[prefix] + local)

    categories: dict[URIRef, str] = {}
    predicates: dict[URIRef, str] = {}
    omitted: set[URIRef] = set()
    for row in rows:
        subject, target = expand(row["subject_id"]), row["object_id"]
        if target == NO_TERM_FOUND:
            omitted.add(subject)
        elif target.partition(":")[2][:1].isupper():
            categories[subject] = target
        else:
            predicates[subject] = target
    return Projection(categories, predicates, frozenset(omitted), curie_map)
