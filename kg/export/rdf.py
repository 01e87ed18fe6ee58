"""RDF serialisations of the build: Turtle, N-Triples, RDF/XML (JSON-LD: kg.export.jsonld).

Each holds the asserted graph plus the triples about the export (kg.export.provenance), with canonical
(RDFC-1.0) blank-node labels and sorted output, so the same graph gives the same bytes.
"""

from __future__ import annotations

import re
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox
from rdflib import Graph

from kg.base.oxigraph_bridge import invalid_iris, to_graph
from kg.export.errors import ExportError
from kg.export.provenance import provenance_graph
from kg.export.shared import shared
from kg.export.source import ExportSource
from kg.model.namespaces import PREFIXES

RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
XML_LOCAL_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*$")
RULE_IRI = "rule: every IRI of an export is an RFC 3987 IRI (no spaces, quotes or angle brackets)"
RULE_QNAME = ("rule: RDF/XML writes a predicate as an XML name, so its IRI must end in a letter or _ then letters, "
              "digits, - . _")


@shared
def export_triples(source: ExportSource) -> list[ox.Triple]:
    """What an RDF export writes: the graph and the triples about the export (kg.export.provenance), in the
    canonical order, refused with the offending IRIs when a syntax could not carry them."""
    return canonical_triples(source.graph, provenance_graph(source.provenance))


def canonical_triples(*graphs: Graph) -> list[ox.Triple]:
    """The union of the graphs (without copying them; blank-node labels must not clash: the provenance graph
    has none) with RDFC-1.0 blank-node labels, sorted: the one order the writers here walk."""
    try:
        data = b"".join(graph.serialize(format="nt", encoding="utf-8") for graph in graphs)
        dataset = ox.Dataset(ox.parse(data, format=ox.RdfFormat.N_TRIPLES))
    except Exception as error:  # rdflib refuses some IRIs with a bare Exception, Oxigraph with a SyntaxError
        bad = sorted({iri for graph in graphs for iri in invalid_iris(graph)})
        if not bad:
            raise
        shown = ", ".join(repr(iri) for iri in bad[:10])
        raise ExportError(f"{len(bad)} IRI(s) cannot be written: {shown}{' ...' if len(bad) > 10 else ''} "
                          f"({RULE_IRI})") from error
    dataset.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted((ox.Triple(q.subject, q.predicate, q.object) for q in dataset), key=str)


def write_turtle(source: ExportSource, path: Path) -> None:
    graph = to_graph(export_triples(source))
    for prefix, iri in PREFIXES.items():
        graph.bind(prefix, iri, override=True)
    path.write_bytes(graph.serialize(format="turtle", encoding="utf-8"))


def write_ntriples(source: ExportSource, path: Path) -> None:
    path.write_bytes("".join(f"{triple} .\n" for triple in export_triples(source)).encode("utf-8"))


def rdfxml_bytes(triples: list[ox.Triple]) -> bytes:
    """Deterministic RDF/XML: one rdf:Description per subject in sorted order, canonical rdf:nodeID labels.
    A predicate that does not end in an XML name (e.g. <http://example.org/1>) cannot be written: refused."""
    names = {p: _qname(p.value) for p in {t.predicate for t in triples}}
    unsplittable = sorted(p.value for p, name in names.items() if name is None)
    if unsplittable:
        raise ExportError(f"predicate(s) {', '.join(unsplittable[:10])}: RDF/XML cannot write them ({RULE_QNAME})")
    known = {RDF_NS: "rdf"} | {iri: prefix for prefix, iri in sorted(PREFIXES.items())}
    prefixes: dict[str, str] = {RDF_NS: "rdf"}
    for namespace, _ in sorted(filter(None, names.values())):
        prefixes.setdefault(namespace, known.get(namespace) or f"ns{len(prefixes)}")
    lines = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    lines += [f"    xmlns:{prefix}={quoteattr(ns)}" for ns, prefix in sorted(prefixes.items(), key=lambda i: i[1])]
    lines[-1] += ">"
    subject = None
    for triple in triples:
        if triple.subject != subject:
            if subject is not None:
                lines.append("  </rdf:Description>")
            subject = triple.subject
            lines.append(f"  <rdf:Description {_node_attribute('about', subject)}>")
        namespace, local = names[triple.predicate]  # type: ignore[misc]
        tag = f"{prefixes[namespace]}:{local}"
        value = triple.object
        if not isinstance(value, ox.Literal):
            lines.append(f"    <{tag} {_node_attribute('resource', value)}/>")
        elif value.language:
            lines.append(f"    <{tag} xml:lang={quoteattr(value.language)}>{_text(value.value)}</{tag}>")
        elif value.datatype.value == XSD_STRING:
            lines.append(f"    <{tag}>{_text(value.value)}</{tag}>")
        else:
            lines.append(f"    <{tag} rdf:datatype={quoteattr(value.datatype.value)}>{_text(value.value)}</{tag}>")
    if subject is not None:
        lines.append("  </rdf:Description>")
    lines.append("</rdf:RDF>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _text(text: str) -> str:
    return escape(text, {"\r": "&#13;"})  # XML parsers turn a bare CR into LF


def _node_attribute(kind: str, node: ox.NamedNode | ox.BlankNode) -> str:
    if isinstance(node, ox.BlankNode):
        return f"rdf:nodeID={quoteattr(node.value)}"
    return f"rdf:{kind}={quoteattr(node.value)}"


def _qname(iri: str) -> tuple[str, str] | None:
    """(namespace, local name) with the longest XML-name local part, or None."""
    match = XML_LOCAL_NAME.search(iri)
    return (iri[: match.start()], match.group()) if match else None


def write_rdfxml(source: ExportSource, path: Path) -> None:
    path.write_bytes(rdfxml_bytes(export_triples(source)))
