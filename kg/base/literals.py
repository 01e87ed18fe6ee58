"""Typed literals in one canonical lexical form, so that a graph survives a Turtle round trip
unchanged (rdflib compares literals by lexical form: "75" and "75.0" differ).

>>> decimal_literal("75")
rdflib.term.Literal('75.0', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
>>> decimal_literal("19.90")
rdflib.term.Literal('19.9', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
>>> as_sparql_writes_decimal(Decimal("1.0"))
rdflib.term.Literal('1', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#decimal'))
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache

from rdflib import XSD, Literal, URIRef


@lru_cache(maxsize=65_536, typed=True)  # a literal is immutable; the same dose or lab value recurs in a cohort
def decimal_literal(value: str | Decimal | int | float) -> Literal:
    """xsd:decimal in Turtle's canonical form: digits, a point, at least one fraction digit."""
    number = Decimal(str(value)).normalize()
    text = format(number, "f")
    if "." not in text:
        text += ".0"
    return Literal(text, datatype=XSD.decimal)


def as_sparql_writes_decimal(value: Decimal) -> Literal:
    """xsd:decimal as the SPARQL engine (Oxigraph) writes a result: no trailing ".0" ("1", "1.5"), so that a value
    the compiled decision computes or copies from the patient's graph equals the reference query's."""
    return Literal(format(value.normalize(), "f"), datatype=XSD.decimal)


# Terms an output row repeats for every patient ("ask", "yes", a drug's IRI): made once each (rdflib terms are
# immutable, so one object serves every row; making a Literal costs a few microseconds). Bounded: a patient's own
# IRI is made once per decision and falls out.
@lru_cache(maxsize=16_384)
def plain_literal(text: str) -> Literal:
    """``Literal(text)``, made once per text."""
    return Literal(text)


@lru_cache(maxsize=16_384)
def iri(text: str) -> URIRef:
    """``URIRef(text)``, made once per text."""
    return URIRef(text)


TRUE = Literal(True)
BOOLEANS = {flag: Literal(str(flag).lower(), datatype=XSD.boolean) for flag in (True, False)}  # as SPARQL writes them
