"""SSSOM: every terminology mapping of the graph (its SKOS matches) as an SSSOM TSV with its YAML metadata block.

One row per ``skos:exactMatch``/``closeMatch``/``broadMatch``/``narrowMatch``/``relatedMatch`` triple between IRIs
(the curated ``mappings`` table and the ontology's own matches of its value sets to HL7 code systems). Columns:
subject and object ids as CURIEs with the standard prefixes (``RXNORM``, ``ATC``, ``SNOMEDCT``, ``ICD10CM``,
``MESH``, ``LOINC``, ``WIKIDATA``, ``CHEBI``; kg.model.namespaces), their labels where the graph has them, the
justification ``semapv:ManualMappingCuration`` (every mapping of the graph was chosen by a curator from a cited
source), and the mapping's provenance from its ``owl:Axiom`` annotation: ``see_also`` holds the URL (else the IRI)
of every source the row cites, ``comment`` its curation note.

The metadata block states the set's provenance: ``mapping_set_id`` (under the graph's ontology IRI),
``mapping_set_version`` (its ``owl:versionInfo``), ``mapping_set_source`` (its version IRI), ``license`` (its
``dcterms:license``), the graph's sha256 and the tool in ``mapping_set_description``, and ``mapping_date`` only
when the graph states a build date (``dcterms:issued``/``modified``/``date``/``created`` or
``prov:generatedAtTime`` on its ontology): never the wall clock, so the same graph gives the same bytes.
An IRI without a known prefix is an :class:`ExportError` naming it (SSSOM needs CURIEs).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml
from rdflib import OWL, RDF, RDFS, SKOS, BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from kg.export.errors import ExportError
from kg.export.source import ExportSource
from kg.model.curies import longest_namespace
from kg.model.namespaces import CG, CODE_SYSTEM_PREFIXES, MAPPING_PREFIXES, ONTOLOGY_IRI, PREFIXES
from kg.model.table_specs import MAPPING_PREDICATES

JUSTIFICATION = "semapv:ManualMappingCuration"
COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label", "mapping_justification",
           "see_also", "comment")
BUILD_DATE_PROPERTIES = (DCTERMS.issued, DCTERMS.modified, DCTERMS.date, DCTERMS.created, PROV.generatedAtTime)
# Prefixes SSSOM defines itself (sssom.context.SSSOM_BUILT_IN_PREFIXES): not repeated in the curie map.
_BUILT_IN = frozenset({"sssom", "owl", "rdf", "rdfs", "skos", "semapv"})
_CURIE_PREFIXES: dict[str, str] = {
    **{p: iri for p, iri in PREFIXES.items() if p.upper() not in MAPPING_PREFIXES},
    **MAPPING_PREFIXES,
    **CODE_SYSTEM_PREFIXES,
}


def _curie(iri: URIRef, used: dict[str, str]) -> str:
    text = str(iri)
    best = longest_namespace(text, _CURIE_PREFIXES)
    if best is None:
        raise ExportError(f"mapping term <{text}>: no CURIE prefix for it (rule: SSSOM ids are CURIEs; add its "
                          "prefix to kg.model.namespaces)")
    used[best[0]] = best[1]
    return f"{best[0]}:{text[len(best[1]):]}"


def _first_literal(graph: Graph, subject: URIRef, predicate: URIRef) -> str:
    values = sorted(str(v) for v in graph.objects(subject, predicate) if isinstance(v, Literal))
    return values[0] if values else ""


def _ontology(graph: Graph) -> URIRef:
    ontologies = sorted(o for o in graph.subjects(RDF.type, OWL.Ontology) if isinstance(o, URIRef))
    if not ontologies:
        raise ExportError("graph: no owl:Ontology (rule: the mapping set's id, version and license come from it)")
    own = [o for o in ontologies if o != ONTOLOGY_IRI]  # the data graph's own header, once it has one
    return (own or ontologies)[0]


def _provenance_of(graph: Graph, s: URIRef, p: URIRef, o: URIRef) -> tuple[list[str], str]:
    """(see_also URLs of the cited sources, curation note) from the mapping's owl:Axiom annotations."""
    links, notes = set(), set()
    for axiom in graph.subjects(OWL.annotatedSource, s):
        if (axiom, OWL.annotatedProperty, p) in graph and (axiom, OWL.annotatedTarget, o) in graph:
            for cited in graph.objects(axiom, DCTERMS.source):
                links.add(_first_literal(graph, cited, CG.url) or str(cited))
            notes.update(str(n) for n in graph.objects(axiom, SKOS.note))
    return sorted(links), " ".join(sorted(notes))


def mapping_rows(graph: Graph, used: dict[str, str]) -> list[list[str]]:
    rows = []
    for predicate_curie, predicate in MAPPING_PREDICATES.items():
        for s, o in graph.subject_objects(predicate):
            if isinstance(s, BNode) or not isinstance(o, URIRef):
                raise ExportError(f"mapping {s} {predicate_curie} {o}: subject and object must be IRIs "
                                  "(rule: a mapping links two named terms)")
            links, note = _provenance_of(graph, s, predicate, o)
            if any("|" in link for link in links):
                raise ExportError(f"mapping {s} {predicate_curie} {o}: a source URL contains '|' "
                                  "(rule: SSSOM multi-valued cells are '|'-separated)")
            rows.append([_curie(s, used), _first_literal(graph, s, RDFS.label), predicate_curie, _curie(o, used),
                         _first_literal(graph, o, RDFS.label), JUSTIFICATION, "|".join(links), note])
    return sorted(rows)


def metadata(source: ExportSource, used: dict[str, str]) -> dict[str, object]:
    graph, prov = source.graph, source.provenance
    ontology = _ontology(graph)
    licence = sorted(str(v) for v in graph.objects(ontology, DCTERMS.license))
    if not licence:
        raise ExportError(f"ontology {ontology}: no dcterms:license (rule: an SSSOM mapping set states its license)")
    version = _first_literal(graph, ontology, OWL.versionInfo) or ", ".join(prov.version_iris)
    title = _first_literal(graph, ontology, DCTERMS.title) or str(ontology)
    meta: dict[str, object] = {
        "curie_map": {p: used[p] for p in sorted(used) if p not in _BUILT_IN},
        "mapping_set_id": f"{ontology}/mappings.sssom.tsv",
        "mapping_set_version": version,
        "mapping_set_title": f"{title}: terminology mappings",
        "mapping_set_description": (f"Every SKOS match of the graph, exported by {prov.generated_by} from the graph "
                                    f"with sha256 {prov.graph_sha256}."),
        "license": licence[0],
    }
    if prov.version_iris:
        meta["mapping_set_source"] = list(prov.version_iris)
    for prop in BUILD_DATE_PROPERTIES:
        stated = _first_literal(graph, ontology, prop)
        if stated:
            meta["mapping_date"] = stated[:10]
            break
    return meta


def write_sssom(source: ExportSource, path: Path) -> None:
    used: dict[str, str] = {}
    rows = mapping_rows(source.graph, used)
    meta = yaml.safe_dump(metadata(source, used), sort_keys=False, allow_unicode=True, width=1000)
    buffer = io.StringIO()
    buffer.writelines(f"#{line}\n" for line in meta.splitlines())
    writer = csv.writer(buffer, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(COLUMNS)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode("utf-8"))
