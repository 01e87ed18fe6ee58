"""The codes of the FHIR export, read from the graph (SKOS mappings) and from the FHIR bindings files: the core's
(``kg/export/fhir-bindings.tsv``, what the ontology defines) and each installed package's (``fhir-bindings.tsv`` in
its folder, for its own quantities and conditions).

The graph gives the codes: a condition's SNOMED CT / ICD-10-CM codes, a drug's RxNorm code, a drug class's ATC
code, a lab quantity's LOINC code (``skos:exactMatch``, ``skos:closeMatch`` and, where a narrower code implies the
concept, ``skos:narrowMatch``). The bindings file adds what only FHIR needs and the graph does not state: the UCUM
units a quantity's thresholds are in, which quantity comes from ``Patient.birthDate``, and conditions recorded as an
Observation with a coded or boolean value (pregnancy status, lactation), each row with its source and evidence basis.
"""

from __future__ import annotations

import csv
from pathlib import Path

from rdflib import DCTERMS, OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SKOS

from kg.base.paths import FHIR_BINDINGS_FILE, FHIR_BINDINGS_NAME
from kg.model.namespaces import CG, CODE_SYSTEMS
from kg.model.packages import discover
from kg.model.population.fhirpath import AgeQuantity, Coding, LabQuantity, ObservedValue, Terminology

IMPLYING = (SKOS.exactMatch, SKOS.closeMatch, SKOS.narrowMatch)  # a record with this code has the concept
BROADER_OR_SAME = (SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch)  # refuting this code refutes the concept
PRODUCT = (SKOS.exactMatch, SKOS.closeMatch)  # codes that name the product or class itself


def fhir_coding(graph: Graph, iri: URIRef | str) -> Coding | None:
    """The FHIR Coding of a mapped code IRI (e.g. rxnorm:25480) as the build states it (``cg:codeSystem`` and
    ``cg:code``, kg.core.build.transform.add_codings), or None if its scheme has no canonical system."""
    system, code = graph.value(URIRef(iri), CG.codeSystem), graph.value(URIRef(iri), CG.code)
    return Coding(str(system), str(code)) if system is not None and code is not None else None


def _curie(curie: str) -> Coding:
    prefix, _, code = curie.partition(":")
    return Coding(CODE_SYSTEMS[prefix], code)


def codes(graph: Graph, node: URIRef, predicates: tuple[URIRef, ...], system: str | None = None) -> tuple[Coding, ...]:
    found = {fhir_coding(graph, o) for p in predicates for o in graph.objects(node, p) if isinstance(o, URIRef)}
    return tuple(sorted(c for c in found if c is not None and (system is None or c.system == system)))


def local_id(graph: Graph, iri: URIRef) -> str:
    """A content node's id (its dcterms:identifier, ADR 0019); the IRI itself for any other node."""
    identifier = graph.value(iri, DCTERMS.identifier)
    return str(identifier) if identifier is not None else str(iri)


def _closure(graph: Graph, node: URIRef, up: bool) -> list[URIRef]:
    path = RDFS.subClassOf * "*" if up else ~RDFS.subClassOf * "*"  # type: ignore[operator]
    return sorted(n for n in graph.objects(node, path)
                  if isinstance(n, URIRef) and (n, DCTERMS.identifier, None) in graph)  # content nodes only


def read_bindings(path: Path = FHIR_BINDINGS_FILE) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def installed_bindings() -> list[dict[str, str]]:
    """The core's bindings, then every installed package's (a row about a node the graph lacks binds nothing)."""
    files = [FHIR_BINDINGS_FILE, *(p.folder / FHIR_BINDINGS_NAME for p in discover().values())]
    return [row for path in files if path.is_file() for row in read_bindings(path)]


def terminology_from_graph(graph: Graph, bindings: list[dict[str, str]] | None = None) -> Terminology:
    rows = installed_bindings() if bindings is None else bindings
    terminology = Terminology()
    units: dict[str, list[str]] = {}
    for row in rows:
        subject, kind, value = row["subject"], row["binding"], row["value"]
        if kind == "patient-birth-date":
            terminology.quantities[subject] = AgeQuantity()
        elif kind == "ucum-unit":
            units.setdefault(subject, []).append(value)
        elif kind == "observation":
            code, _, shown = value.partition("=")
            observed = ObservedValue(_curie(code), shown == "true" if shown in ("true", "false") else _curie(shown))
            terminology.condition_observations[subject] = (*terminology.condition_observations.get(subject, ()),
                                                           observed)
    for prop in graph.subjects(RDF.type, OWL.DatatypeProperty):
        notation = graph.value(prop, SKOS.notation)
        if isinstance(notation, Literal) and str(notation) in units and isinstance(prop, URIRef):
            loinc = codes(graph, prop, PRODUCT, CODE_SYSTEMS["LOINC"])
            terminology.quantities[str(notation)] = LabQuantity(loinc, tuple(sorted(units[str(notation)])))
    for condition in graph.subjects(RDFS.subClassOf * "+", CG.Condition):  # type: ignore[operator]
        if not isinstance(condition, URIRef):
            continue
        cid = local_id(graph, condition)
        own = codes(graph, condition, IMPLYING)
        if own or cid in terminology.condition_observations:  # narrower conditions add codes only to a coded one
            terminology.condition_codes[cid] = tuple(sorted({c for n in _closure(graph, condition, up=False)
                                                             for c in codes(graph, n, IMPLYING)}))
        terminology.absence_codes[cid] = tuple(sorted({c for n in _closure(graph, condition, up=True)
                                                       for c in codes(graph, n, BROADER_OR_SAME)}))
        reason = graph.value(condition, CG.unmappedReason)
        if reason is not None:
            terminology.uncomputable[cid] = f"no code that implies it ({reason})"
    rxnorm = CODE_SYSTEMS["RXNORM"]
    for agent in set(graph.subjects(CG.fallsUnder, None)):
        if isinstance(agent, URIRef) and (agent, RDF.type, CG.DrugClass) not in graph:
            terminology.agent_codes[local_id(graph, agent)] = codes(graph, agent, PRODUCT, rxnorm)
            for drug_class in graph.objects(agent, CG.fallsUnder):
                if drug_class != agent and isinstance(drug_class, URIRef):
                    key = local_id(graph, drug_class)
                    terminology.class_members[key] = tuple(sorted({*terminology.class_members.get(key, ()),
                                                                   local_id(graph, agent)}))
    return terminology
