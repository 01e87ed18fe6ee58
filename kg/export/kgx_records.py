"""The graph as KGX node and edge records, projected through the SSSOM table (ADR 0011)."""

from __future__ import annotations

import re
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from rdflib import RDF, RDFS, Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.export.biolink_projection import SSSOM_FILE, Projection
from kg.export.errors import ExportError
from kg.model.namespaces import CG, MAPPING_PREFIXES, PREFIXES

INFORES = "infores:cgkg"  # this project as a knowledge source (local; not in the Translator registry yet)
KNOWLEDGE_LEVEL = "knowledge_assertion"  # each edge states what a cited source asserts
AGENT_TYPE = "manual_agent"  # curators wrote every row by hand from the cited sources ...
AGENT_TYPE_BY_BASIS = {CG.BasisAISecondary: "automated_agent"}  # ... except what an AI summary generated
CODE_MATCHES = (SKOS.exactMatch, SKOS.closeMatch)  # codes that are xrefs (equivalent or near-equivalent)
CODED_TYPES = (CG.Drug, CG.DrugClass, CG.Condition)  # need a code or a stated reason why there is none
# which of a statement's properties give the edge's subject and object, by statement class
STATEMENT_ENDS = {
    CG.GuidelineStatement: (CG.aboutAgent, CG.appliesToPopulation),
    CG.Caution: (CG.aboutAgent, CG.appliesToPopulation),
    CG.DrugInteraction: (CG.interactant, CG.interactant),
}
# a caution for every patient on a co-medication (tramadol with an MAOI, ADR 0015) names no population: Biolink has
# no agent-to-drug-class edge for it (its predicates need a disease or phenotype), so it is omitted and counted
OMITTED_WITHOUT_OBJECT = {CG.Caution: CG.coMedication}
EDGE_VALUES = {  # statement property -> edge property (the value's skos:notation); Biolink has no slot for these
    CG.direction: "direction", CG.strength: "strength", CG.certainty: "certainty",
    CG.lineOfTherapy: "line_of_therapy", CG.evidenceBasis: "evidence_basis", CG.certaintyBasis: "certainty_basis",
    CG.severity: "severity", CG.interactionSeverity: "severity",
}
EDGE_TEXTS = (CG.statementText, CG.rationale, CG.effectText)
LOCAL_PREFIXES = {key.upper(): iri for key, iri in PREFIXES.items() if iri.startswith("https://w3id.org/cgkg/")}


@dataclass
class Records:
    nodes: list[dict[str, Any]] = field(default_factory=list)
    edges: list[dict[str, Any]] = field(default_factory=list)
    omitted: dict[str, int] = field(default_factory=dict)  # omitted class CURIE -> how many nodes


def local_curie(iri: URIRef) -> str:
    for prefix, base in sorted(LOCAL_PREFIXES.items(), key=lambda item: -len(item[1])):
        if str(iri).startswith(base) and "/" not in str(iri)[len(base):] and "#" not in str(iri)[len(base):]:
            return f"{prefix}:{str(iri)[len(base):]}"
    raise ExportError(f"node {iri}: not in a namespace of this project ({', '.join(LOCAL_PREFIXES.values())})")


def code_curie(iri: URIRef) -> str | None:
    for prefix, base in MAPPING_PREFIXES.items():
        if str(iri).startswith(base):
            return f"{prefix}:{str(iri)[len(base):]}"
    return None


class Projector:
    def __init__(self, graph: Graph, projection: Projection, id_prefixes: dict[str, list[str]],
                 known_prefixes: set[str]) -> None:
        self.graph, self.projection = graph, projection
        self.id_prefixes, self.known_prefixes = id_prefixes, known_prefixes
        self.ids: dict[URIRef, str] = {}
        self.coded = self._instances_or_subclasses(CODED_TYPES)

    def mapped_types(self, node: URIRef) -> list[URIRef]:
        """The nearest mapped classes above the node's asserted types (or superclasses, for a class node)."""
        g = self.graph
        start = [t for t in (*g.objects(node, RDF.type), *g.objects(node, RDFS.subClassOf)) if isinstance(t, URIRef)]
        found, seen, todo = set(), set(), list(start)
        while todo:
            term = todo.pop()
            if term in seen:
                continue
            seen.add(term)
            if self.projection.mapped(term):
                found.add(term)
            else:
                todo.extend(t for t in g.objects(term, RDFS.subClassOf) if isinstance(t, URIRef))
        return sorted(found)

    def codes(self, node: URIRef) -> list[str]:
        """The node's equivalent codes as CURIEs: exact and close terminology matches, PMID and DOI."""
        g = self.graph
        codes = {c for p in CODE_MATCHES for c in (code_curie(o) for o in g.objects(node, p)) if c}
        codes |= {f"PMID:{p}" for p in g.objects(node, CG.pmid)} | {f"doi:{d}" for d in g.objects(node, CG.doi)}
        return sorted(codes)

    def choose_id(self, node: URIRef, categories: list[str], shared: set[str]) -> str:
        """The first exact code in the Biolink category's id_prefixes order, then in our mapping order; else local.
        A code two nodes would share (a guideline and its abstract with one PMID) is an xref of both, no id; so is a
        code KGX does not read as a CURIE (a DOI has a '/' in its local part)."""
        exact = {c for c in (code_curie(o) for o in self.graph.objects(node, SKOS.exactMatch)) if c}
        exact |= {c for c in self.codes(node) if c.startswith(("PMID:", "doi:"))}
        usable = [c for c in exact if c.split(":")[0] in self.known_prefixes and c not in shared and _kgx_curie(c)]
        order = [p for cat in categories for p in self.id_prefixes.get(cat, [])] + list(MAPPING_PREFIXES)
        usable.sort(key=lambda c: (order.index(c.split(":")[0]) if c.split(":")[0] in order else len(order), c))
        return usable[0] if usable else local_curie(node)

    def node_record(self, node: URIRef, categories: list[str]) -> dict[str, Any]:
        g = self.graph
        codes = self.codes(node)
        if not codes and node in self.coded and (node, CG.unmappedReason, None) not in g:
            raise ExportError(f"node {local_curie(node)}: no terminology code (skos:exactMatch or closeMatch) and no "
                              "cg:unmappedReason (rule: every drug, drug class and condition has a code or a reason)")
        name = g.value(node, RDFS.label) or g.value(node, DCTERMS.title)
        if name is None:
            raise ExportError(f"node {local_curie(node)}: no rdfs:label (rule: every exported node has a name)")
        node_id = self.ids[node]
        record: dict[str, Any] = {"id": node_id, "category": categories, "name": str(name)}
        definition = g.value(node, SKOS.definition)
        if definition is not None:
            record["description"] = str(definition)
        xrefs = sorted(set(codes) - {node_id} | ({local_curie(node)} - {node_id}))
        if xrefs:
            record["xref"] = xrefs
        synonyms = sorted(str(s) for s in g.objects(node, SKOS.altLabel))
        if synonyms:
            record["synonym"] = synonyms
        record["iri"] = str(node)
        record["provided_by"] = [INFORES]
        return record

    def _instances_or_subclasses(self, classes: tuple[URIRef, ...]) -> set[URIRef]:
        found: set[URIRef] = set()
        for cls in classes:
            subclasses = set(self.graph.transitive_subjects(RDFS.subClassOf, cls))
            found |= {n for c in subclasses for n in self.graph.subjects(RDF.type, c) if isinstance(n, URIRef)}
            found |= {c for c in subclasses - {cls} if isinstance(c, URIRef)}
        return found

    def project(self) -> Records:
        records = Records()
        node_categories: dict[URIRef, list[str]] = {}
        statements: list[tuple[URIRef, URIRef]] = []
        for node in sorted({s for s in self.graph.subjects(CG.sourceTable, None) if isinstance(s, URIRef)}):
            types = self.mapped_types(node)
            if not types:
                raise ExportError(f"node {node}: none of its types has a row in {SSSOM_FILE.name} (rule: the class "
                                  "of every curated node maps to Biolink or is listed there as omitted)")
            categories = sorted({self.projection.categories[t] for t in types if t in self.projection.categories})
            statement_types = [t for t in types if t in STATEMENT_ENDS]
            if categories:
                node_categories[node] = categories
            elif statement_types and self._omitted_without_object(node, statement_types[0]):
                key = f"{self.graph.namespace_manager.normalizeUri(statement_types[0])} (no population)"
                records.omitted[key] = records.omitted.get(key, 0) + 1
            elif statement_types:
                statements.append((node, statement_types[0]))
            else:
                for t in types:
                    key = self.graph.namespace_manager.normalizeUri(t)
                    records.omitted[key] = records.omitted.get(key, 0) + 1
        self.assign_ids(node_categories)
        records.nodes = sorted((self.node_record(n, c) for n, c in node_categories.items()), key=lambda r: r["id"])
        edges = [*self.property_edges(), *(e for s, kind in statements for e in self.statement_edges(s, kind))]
        records.edges = sorted(edges, key=lambda e: (e["subject"], e["predicate"], e["object"], e["id"]))
        return records

    def assign_ids(self, node_categories: dict[URIRef, list[str]]) -> None:
        shared: set[str] = set()
        local = {local_curie(n) for n in node_categories}
        while True:  # each pass drops the codes the previous pass gave to two nodes
            for node, categories in node_categories.items():
                self.ids[node] = self.choose_id(node, categories, shared)
            clashes = {i for i, count in Counter(self.ids.values()).items() if count > 1} - shared - local
            if not clashes:
                return
            shared |= clashes

    def property_edges(self) -> Iterator[dict[str, Any]]:
        for prop, predicate in sorted(self.projection.predicates.items()):
            for s, o in self.graph.subject_objects(prop):
                if s in self.ids and o in self.ids and s != o:
                    yield self._edge(str(uuid.uuid5(uuid.NAMESPACE_URL, f"{s} {prop} {o}")), s, predicate, o,
                                     sorted(set(self._sources(s))))

    def _omitted_without_object(self, statement: URIRef, kind: URIRef) -> bool:
        """A statement with no object end by design (OMITTED_WITHOUT_OBJECT): no population, a co-medication."""
        instead = OMITTED_WITHOUT_OBJECT.get(kind)
        return instead is not None and self.graph.value(statement, STATEMENT_ENDS[kind][1]) is None \
            and self.graph.value(statement, instead) is not None

    def statement_edges(self, statement: URIRef, kind: URIRef) -> Iterator[dict[str, Any]]:
        g = self.graph
        subject_prop, object_prop = STATEMENT_ENDS[kind]
        subjects = sorted((o for o in g.objects(statement, subject_prop) if o in self.ids), key=self.ids.__getitem__)
        objects = sorted((o for o in g.objects(statement, object_prop) if o in self.ids), key=self.ids.__getitem__)
        if subject_prop == object_prop:  # a symmetric statement: the first end to the last (or itself)
            subjects, objects = subjects[:1], objects[-1:]
        if not subjects or not objects:
            missing = g.namespace_manager.normalizeUri(subject_prop if not subjects else object_prop)
            raise ExportError(f"statement {local_curie(statement)}: no exported {missing} "
                              "(rule: a statement edge needs both ends as nodes)")
        predicates = self.projection.predicates
        overrides = [predicates[v] for v in g.objects(statement, None) if v in predicates]
        predicate = min(overrides) if overrides else self.projection.predicates[kind]
        extra: dict[str, Any] = {}
        for prop, column in EDGE_VALUES.items():
            value = g.value(statement, prop)
            if value is not None:
                extra[column] = str(g.value(value, SKOS.notation) or value)
        extra["agent_type"] = AGENT_TYPE_BY_BASIS.get(g.value(statement, CG.evidenceBasis), AGENT_TYPE)
        in_force = g.value(statement, CG.inForce)
        if in_force is not None:
            extra["in_force"] = str(in_force).lower()
        texts = [str(t) for p in EDGE_TEXTS for t in g.objects(statement, p)]
        if texts:
            extra["description"] = " ".join(sorted(texts))
        many = len(subjects) * len(objects) > 1
        for s in subjects:
            for o in objects:
                edge_id = local_curie(statement)
                if many:
                    edge_id = f"{edge_id}.{self.ids[s].replace(':', '_')}.{self.ids[o].replace(':', '_')}"
                yield self._edge(edge_id, s, predicate, o, sorted(set(self._sources(statement))), extra)

    def _sources(self, node: URIRef) -> Iterator[str]:
        """The node's sources as publication references: the PMID, else the DOI, else the Publication node's id."""
        g = self.graph
        sources = {o for o in g.objects(node, PROV.wasDerivedFrom) if o in self.ids}
        sources |= {o for o in g.objects(node, DCTERMS.source) if o in self.ids}
        for source in sorted(sources):
            pmid, doi = g.value(source, CG.pmid), g.value(source, CG.doi)
            yield f"PMID:{pmid}" if pmid is not None else f"doi:{doi}" if doi is not None else self.ids[source]

    def _edge(self, edge_id: str, s: URIRef, predicate: str, o: URIRef, publications: list[str],
              extra: dict[str, Any] | None = None) -> dict[str, Any]:
        edge: dict[str, Any] = {"id": edge_id, "subject": self.ids[s], "predicate": predicate, "object": self.ids[o],
                                "knowledge_level": KNOWLEDGE_LEVEL, "agent_type": AGENT_TYPE,
                                "primary_knowledge_source": INFORES}
        if publications:
            edge["publications"] = publications
        edge.update(extra or {})  # a statement's own agent type replaces the default
        return edge


def _kgx_curie(text: str) -> bool:
    """KGX's own test of a CURIE (kgx.prefix_manager.PrefixManager.is_curie)."""
    return re.match(r"^[^ <()>:]*:[^/ :]+$", text) is not None


