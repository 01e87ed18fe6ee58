"""FHIR R4 Clinical Practice Guidelines (CPG-on-FHIR) export: one JSON Bundle (type collection).

* one ``PlanDefinition`` per treatment algorithm (the steps as ordered actions: ``prefix`` "Step N", each step after
  the one before it, its population as the applicability condition, its interventions as sub-actions);
* one ``PlanDefinition`` per guideline statement with one action carrying ``cqf-strengthOfRecommendation``,
  ``cqf-qualityOfEvidence`` (HL7 codes where the ontology's Strength/Certainty individuals have a ``skos:closeMatch``
  to them, and always the ontology's own code) and ``cpg-directionOfRecommendation``, the population as an
  ``applicability`` condition compiled by :mod:`kg.model.population.fhirpath`, and ``definitionCanonical`` to the
  intervention's ``ActivityDefinition``; ``relatedArtifact`` citations with DOI/PMID links;
* one ``PlanDefinition`` per guideline package of the build (ADR 0026; :mod:`kg.export.fhir_guidelines`): its title,
  version and table id from the build header, an action per statement and algorithm of its package
  (``definitionCanonical``), the documents that issued its statements as documentation; shared and crosswalk packages
  are no guideline and nothing of theirs is put under one (a shared drug's ActivityDefinition is referenced by the
  recommendations of each guideline about it);
* one ``ActivityDefinition`` per intervention (RxNorm-coded drugs, ATC-coded drug classes, where the graph has
  the code; otherwise the label only).

Each resource's ``meta.profile`` names the profiles it meets, read from the rules of
``kg/export/fhir-cpg-profiles.tsv`` (:mod:`kg.export.fhir_profiles`): a statement is a CPG recommendation definition
(type ``eca-rule``), the algorithm a CPG computable plan definition (type ``clinical-protocol``), an intervention
with one request kind a CPG computable activity; the FHIR R4 shareable profiles where the resource has all their
metadata (a description, among others). Every claim is checked again in :func:`validate_bundle`.

A population the backend cannot express gets the applicability expression ``false`` with a description that says
``NOT COMPUTABLE`` and why: the recommendation then never fires automatically (it never fires wrongly).

Provenance: ``Bundle.identifier`` is the SHA-256 of the graph, ``Bundle.meta.source`` the ontology version IRI,
``Bundle.meta.tag`` the tool and its version; every resource has ``version`` = the ontology's version and an
``identifier`` = the IRI of the graph node it comes from. No timestamp (the build records none), so the bytes
depend on the graph only. The Bundle is validated with the ``fhir.resources`` R4B models and every internal
canonical reference is resolved before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, SKOS

from kg.export.errors import ExportError
from kg.export.fhir_guidelines import GuidelineRecord, guideline_records, package_of
from kg.export.fhir_profiles import bundle_resolver, claim_violations, conforming, packaged_profiles
from kg.export.fhir_terminology import PRODUCT, codes, local_id, terminology_from_graph
from kg.export.source import ExportSource
from kg.model.namespaces import CG, CODE_SYSTEMS, FHIR_BASE, ONTOLOGY_IRI
from kg.model.population.fhirpath import LANGUAGE, NotComputable, Terminology, compile_rule
from kg.model.population.grammar import RuleError, parse

STRENGTH_EXTENSION = "http://hl7.org/fhir/StructureDefinition/cqf-strengthOfRecommendation"
QUALITY_EXTENSION = "http://hl7.org/fhir/StructureDefinition/cqf-qualityOfEvidence"
DIRECTION_EXTENSION = "http://hl7.org/fhir/uv/cpg/StructureDefinition/cpg-directionOfRecommendation"
# where a skos:closeMatch of a strength, certainty or direction names an HL7 code the export gives: THO code systems
# (recommendation-strength, evidence-quality) and the CPG IG's own (cpg-recommendation-direction-cs, CPG 2.0.0)
HL7_CODE_SYSTEMS = ("http://terminology.hl7.org/CodeSystem/", "http://hl7.org/fhir/uv/cpg/CodeSystem/")
IRI_SYSTEM = "urn:ietf:rfc:3986"  # Identifier.system for a URI value
GRAPH_HASH_SYSTEM = FHIR_BASE + "graph-sha256"
TOOL_SYSTEM = FHIR_BASE + "generated-by"
PUBLISHER = "cgkg developers"  # the project (pyproject.toml authors); publisher is metadata, no clinical fact
PLAN_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/plan-definition-type"
# A statement: when its population condition holds, its action applies ("eca-rule", what the CPG recommendation
# definition fixes). The algorithm: "a desired/typical sequence of clinical activities including preconditions,
# triggers and temporal relationships" (the code system's definition of "clinical-protocol"): ordered steps, each
# with its population as a condition and "after-end" relations. Not a CPG pathway: that profile forbids relatedAction.
RECOMMENDATION_TYPE = "eca-rule"
ALGORITHM_TYPE = "clinical-protocol"
# A guideline as a whole (ADR 0026): the type the CPG IG 2.0.0 fixes for its guideline-level PlanDefinition (the
# pathway, "a longitudinal view of the guideline"); the export claims the pathway profile only if it meets its rules.
GUIDELINE_TYPE = "clinical-protocol"
# ontology class of an intervention -> the FHIR request resource an ActivityDefinition of it creates (kind); a
# subclass (a kind of drug a guideline defines) has its superclass's
REQUEST_KIND = {
    CG.Drug: "MedicationRequest",
    CG.DrugClass: "MedicationRequest",
    CG.Device: "DeviceRequest",
    CG.DiagnosticTest: "ServiceRequest",
    CG.Procedure: "ServiceRequest",
    CG.LifestyleMeasure: "ServiceRequest",
}
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def write_fhir_cpg(source: ExportSource, path: Path) -> None:
    bundle = fhir_cpg_bundle(source)
    validate_bundle(bundle)
    path.write_text(json.dumps(bundle, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def fhir_id(iri: URIRef | str) -> str:
    """A stable FHIR id from an IRI: its local name, or a hash-suffixed prefix when that is not a valid id."""
    name = str(iri).rsplit("/", 1)[-1].rsplit("#", 1)[-1]
    if _FHIR_ID.match(name):
        return name
    digest = hashlib.sha256(str(iri).encode()).hexdigest()[:12]
    return (re.sub(r"[^A-Za-z0-9\-.]", "-", name)[:51] + "-" + digest).strip("-")


def canonical(resource_type: str, rid: str) -> str:
    return f"{FHIR_BASE}{resource_type}/{rid}"


def _text(graph: Graph, node: URIRef, prop: URIRef) -> str | None:
    value = graph.value(node, prop)
    return str(value) if isinstance(value, Literal) and str(value).strip() else None


class _Builder:
    def __init__(self, source: ExportSource) -> None:
        self.graph = source.graph
        self.provenance = source.provenance
        self.terminology: Terminology = terminology_from_graph(self.graph)
        version = self.graph.value(ONTOLOGY_IRI, OWL.versionInfo)
        self.version = str(version) if version is not None else self.provenance.tool_version
        self.activities: dict[URIRef, dict[str, Any]] = {}
        self.rules = {local_id(self.graph, p): str(r) for p, r in self.graph.subject_objects(CG.populationRule)
                      if isinstance(p, URIRef)}

    # --- common parts ---
    def label(self, node: URIRef, what: str) -> str:
        label = _text(self.graph, node, RDFS.label)
        if label is None:
            raise ExportError(f"{what} {local_id(self.graph, node)}: no rdfs:label (rule: every exported FHIR "
                              "resource has a title)")
        return label

    def head(self, resource_type: str, node: URIRef, rid: str | None = None) -> dict[str, Any]:
        rid = rid or fhir_id(node)
        return {"resourceType": resource_type, "id": rid, "url": canonical(resource_type, rid),
                "identifier": [{"system": IRI_SYSTEM, "value": str(node)}], "version": self.version,
                "publisher": PUBLISHER}

    def concept(self, node: URIRef) -> dict[str, Any]:
        """An ontology individual (strength, certainty, direction) as a CodeableConcept: its HL7 code where it has a
        skos:closeMatch to one (``HL7_CODE_SYSTEMS``), and always the ontology's own code (skos:notation)."""
        codings = []
        for match in sorted(self.graph.objects(node, SKOS.closeMatch)):
            system, _, code = str(match).partition("#")
            if system.startswith(HL7_CODE_SYSTEMS) and code:
                codings.append({"system": system, "code": code})
        notation = _text(self.graph, node, SKOS.notation)
        if notation is None:
            raise ExportError(f"{local_id(self.graph, node)}: no skos:notation "
                              "(rule: every enumerated value has a code)")
        label = _text(self.graph, node, RDFS.label) or notation
        codings.append({"system": str(ONTOLOGY_IRI), "code": notation, "display": label})
        return {"coding": codings, "text": label}

    def citation(self, document: URIRef) -> dict[str, Any]:
        title = _text(self.graph, document, DCTERMS.title) or self.label(document, "source document")
        parts = [title]
        issuer, year = _text(self.graph, document, CG.issuer), _text(self.graph, document, CG.publicationYear)
        if issuer or year:
            parts.append(", ".join(p for p in (issuer, year) if p))
        doi, pmid = _text(self.graph, document, CG.doi), _text(self.graph, document, CG.pmid)
        if doi:
            parts.append(f"doi:{doi}")
        if pmid:
            parts.append(f"PMID: {pmid}")
        artifact: dict[str, Any] = {"type": "citation", "label": local_id(self.graph, document), "display": title,
                                    "citation": ". ".join(parts)}
        urls = sorted(str(u) for u in self.graph.objects(document, CG.url))
        url = f"https://doi.org/{doi}" if doi else f"https://pubmed.ncbi.nlm.nih.gov/{pmid}/" if pmid else (
            urls[0] if urls else None)
        if url:
            artifact["url"] = url
        return artifact

    def citations(self, node: URIRef) -> list[dict[str, Any]]:
        documents = sorted(d for d in self.graph.objects(node, PROV.wasDerivedFrom) if isinstance(d, URIRef))
        return [self.citation(d) for d in documents]

    def applicability(self, population: URIRef) -> dict[str, Any]:
        pid = local_id(self.graph, population)
        rule = self.rules.get(pid)
        if rule is None:
            raise ExportError(f"population {pid}: no cg:populationRule (rule: every population has a rule)")
        label = self.label(population, "population")
        try:
            expression = compile_rule(parse(rule), self.terminology, self._resolve)
            description = f"Population {pid} ({label}): {rule}"
        except NotComputable as error:
            expression = "false"
            description = (f"NOT COMPUTABLE: population {pid} ({label}): {rule}. {error}. This action never applies "
                           "automatically; decide it by hand.")
        except RuleError as error:
            raise ExportError(f"population {pid}: rule {rule!r} does not parse: {error}") from None
        return {"kind": "applicability",
                "expression": {"language": LANGUAGE, "expression": expression, "description": description}}

    def _resolve(self, pid: str) -> Any:
        if pid not in self.rules:
            raise NotComputable(f"population {pid}", "no population rule in the graph")
        return parse(self.rules[pid])

    def activity(self, agent: URIRef) -> str:
        """The canonical URL of the intervention's ActivityDefinition (made once)."""
        if agent not in self.activities:
            label = self.label(agent, "intervention")
            resource = self.head("ActivityDefinition", agent)
            resource.update({"name": _name(resource["id"]), "title": label, "status": "draft", "experimental": True})
            kinds = sorted({REQUEST_KIND[c] for t in self.graph.objects(agent, RDF.type)
                            for c in self.graph.transitive_objects(t, RDFS.subClassOf)
                            if isinstance(c, URIRef) and c in REQUEST_KIND})
            if len(kinds) == 1:
                resource["kind"] = kinds[0]
            definition = _text(self.graph, agent, SKOS.definition)
            if definition:
                resource["description"] = definition
            system = CODE_SYSTEMS["ATC" if (agent, RDF.type, CG.DrugClass) in self.graph else "RXNORM"]
            codings = [{"system": c.system, "code": c.code} for c in codes(self.graph, agent, PRODUCT, system)]
            concept: dict[str, Any] = {"text": label}
            if codings:
                concept["coding"] = codings
            resource["productCodeableConcept" if resource.get("kind") == "MedicationRequest" else "code"] = concept
            related = self.citations(agent)
            if related:
                resource["relatedArtifact"] = related
            self.activities[agent] = resource
        return str(self.activities[agent]["url"])

    # --- resources ---
    def recommendation(self, statement: URIRef) -> dict[str, Any]:
        graph = self.graph
        label = self.label(statement, "statement")
        text = _text(graph, statement, CG.statementText)
        if text is None:
            raise ExportError(f"statement {local_id(self.graph, statement)}: no cg:statementText")
        resource = self.head("PlanDefinition", statement)
        in_force = graph.value(statement, CG.inForce)
        resource.update({
            "name": _name(resource["id"]), "title": label, "type": _plan_type(RECOMMENDATION_TYPE),
            "status": "draft" if in_force is None or in_force.toPython() is True else "retired",
            "experimental": True, "description": text,
        })
        related = self.citations(statement)
        issuer = graph.value(statement, CG.issuedBy)
        if isinstance(issuer, URIRef):
            guideline = self.citation(issuer)
            guideline["type"] = "documentation"
            related.insert(0, guideline)
        if related:
            resource["relatedArtifact"] = related
        action: dict[str, Any] = {"id": "recommendation", "title": label, "description": text}
        extensions = []
        for prop, url in ((CG.strength, STRENGTH_EXTENSION), (CG.certainty, QUALITY_EXTENSION),
                          (CG.direction, DIRECTION_EXTENSION)):
            value = graph.value(statement, prop)
            if isinstance(value, URIRef):
                extensions.append({"url": url, "valueCodeableConcept": self.concept(value)})
        if extensions:
            action["extension"] = extensions
        population = graph.value(statement, CG.appliesToPopulation)
        if isinstance(population, URIRef):
            action["condition"] = [self.applicability(population)]
        agent = graph.value(statement, CG.aboutAgent)
        if isinstance(agent, URIRef):
            action["definitionCanonical"] = self.activity(agent)
        resource["action"] = [action]
        return resource

    def algorithm(self, algorithm: URIRef | None, steps: list[URIRef], prefix: str = "") -> dict[str, Any]:
        """*prefix*: before the id of an algorithm its steps do not name, when two packages have one."""
        graph = self.graph
        first = steps[0]
        node = algorithm or first
        rid = fhir_id(algorithm) if algorithm is not None else f"{prefix}treatment-algorithm"
        resource = self.head("PlanDefinition", node, rid)
        if algorithm is None:
            resource["identifier"] = [{"system": IRI_SYSTEM, "value": str(s)} for s in steps]
        title = (self.label(algorithm, "algorithm") if algorithm is not None
                 else _text(graph, first, CG.section) or "Treatment algorithm")
        resource.update({"name": _name(rid), "title": title, "type": _plan_type(ALGORITHM_TYPE), "status": "draft",
                         "experimental": True})
        related: dict[str, dict[str, Any]] = {}
        actions = []
        previous: dict[URIRef, str] = {}
        for step in steps:
            number = graph.value(step, CG.stepNumber)
            action_id = f"step-{number}"
            previous.update({nxt: action_id for nxt in graph.objects(step, CG.nextStep) if isinstance(nxt, URIRef)})
            action: dict[str, Any] = {"id": action_id, "prefix": f"Step {number}",
                                      "title": self.label(step, "algorithm step")}
            instruction = _text(graph, step, CG.instruction)
            if instruction:
                action["description"] = instruction
            documentation = self.citations(step)
            if documentation:
                action["documentation"] = documentation
                related.update({a["label"]: a for a in documentation})
            population = graph.value(step, CG.appliesToPopulation)
            if isinstance(population, URIRef):
                action["condition"] = [self.applicability(population)]
            agents = sorted(a for a in graph.objects(step, CG.usesAgent) if isinstance(a, URIRef))
            if agents:
                action["action"] = [{"id": f"{action_id}-{fhir_id(a)}", "title": self.label(a, "intervention"),
                                     "definitionCanonical": self.activity(a)} for a in agents]
            actions.append((step, action))
        for step, action in actions:
            if step in previous:
                action["relatedAction"] = [{"actionId": previous[step], "relationship": "after-end"}]
        if related:
            resource["relatedArtifact"] = [related[k] for k in sorted(related)]
        resource["action"] = [a for _, a in actions]
        return resource

    def guideline(self, record: GuidelineRecord, statements: list[dict[str, Any]],
                  algorithms: list[dict[str, Any]], issuers: list[URIRef]) -> dict[str, Any]:
        """A guideline's own PlanDefinition (ADR 0026): an action per statement, then per algorithm, of its package."""
        resource = self.head("PlanDefinition", record.node, fhir_id(record.identifier))
        resource.update({"version": record.version, "name": _name(record.identifier), "title": record.title,
                         "type": _plan_type(GUIDELINE_TYPE), "status": "draft", "experimental": True})
        if issuers:
            resource["relatedArtifact"] = [{**self.citation(d), "type": "documentation"} for d in issuers]
        resource["action"] = [{"id": plan["id"], "title": plan["title"], "definitionCanonical": plan["url"]}
                              for plan in [*statements, *algorithms]]
        return resource

    def bundle(self) -> dict[str, Any]:
        graph = self.graph
        statement_classes = set(graph.subjects(RDFS.subClassOf * "*", CG.GuidelineStatement))  # type: ignore[operator]
        statements = sorted({s for c in statement_classes for s in graph.subjects(RDF.type, c)
                             if isinstance(s, URIRef)})
        recommendations = {s: self.recommendation(s) for s in statements}
        resources = list(recommendations.values())
        # an algorithm per package: steps that name none (cg:partOfAlgorithm) are one algorithm of their package
        by_algorithm: dict[tuple[URIRef | None, URIRef | None], list[URIRef]] = {}
        for step in graph.subjects(RDF.type, CG.AlgorithmStep):
            if isinstance(step, URIRef):
                algorithm = graph.value(step, CG.partOfAlgorithm)
                key = (package_of(graph, step), algorithm if isinstance(algorithm, URIRef) else None)
                by_algorithm.setdefault(key, []).append(step)
        records = guideline_records(graph)
        package_ids = {r.package: r.identifier for r in records}
        unnamed = [key for key in by_algorithm if key[1] is None]
        algorithms: dict[URIRef | None, list[dict[str, Any]]] = {}
        for package, algorithm in sorted(by_algorithm, key=lambda k: (str(k[0] or ""), str(k[1] or ""))):
            steps = sorted(by_algorithm[(package, algorithm)],
                           key=lambda s: (int(graph.value(s, CG.stepNumber) or 0), str(s)))
            prefix = f"{package_ids.get(package, fhir_id(str(package)))}-" if len(unnamed) > 1 else ""
            plan = self.algorithm(algorithm, steps, prefix)
            algorithms.setdefault(package, []).append(plan)
            resources.append(plan)
        for record in records:
            own = [s for s in statements if package_of(graph, s) == record.package]
            issuers = sorted({i for s in own for i in graph.objects(s, CG.issuedBy) if isinstance(i, URIRef)})
            resources.append(self.guideline(record, [recommendations[s] for s in own],
                                            algorithms.get(record.package, []), issuers))
        resources.extend(self.activities.values())
        ids = [(r["resourceType"], r["id"]) for r in resources]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ExportError(f"FHIR ids {duplicates}: two graph nodes give the same id (rule: ids are unique)")
        resources.sort(key=lambda r: (r["resourceType"], r["id"]))
        resources = _with_profiles(resources)
        prov = self.provenance
        meta: dict[str, Any] = {"tag": [{"system": TOOL_SYSTEM, "code": prov.tool, "display": prov.generated_by}]}
        if prov.version_iris:
            meta["source"] = prov.version_iris[0]
        return {"resourceType": "Bundle", "id": "cgkg-fhir-cpg", "meta": meta,
                "identifier": {"system": GRAPH_HASH_SYSTEM, "value": prov.graph_sha256}, "type": "collection",
                "entry": [{"fullUrl": r["url"], "resource": r} for r in resources]}


def _plan_type(code: str) -> dict[str, Any]:
    return {"coding": [{"system": PLAN_TYPE_SYSTEM, "code": code}]}


def _with_profiles(resources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each resource with ``meta.profile``: the profiles of the rules table it meets (none: no meta)."""
    profiles = packaged_profiles()
    resolve = bundle_resolver({"entry": [{"resource": r} for r in resources]})
    claimed = []
    for resource in resources:
        urls = conforming(resource, profiles, resolve)
        head = {"resourceType": resource["resourceType"], "id": resource["id"]}
        claimed.append({**head, "meta": {"profile": urls}, **resource} if urls else resource)
    return claimed


def _name(rid: str) -> str:
    """PlanDefinition/ActivityDefinition.name: a computer-friendly name (starts with a capital, no dashes)."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", rid) if part)[:255]


def fhir_cpg_bundle(source: ExportSource) -> dict[str, Any]:
    """The Bundle as a JSON-ready dict (deterministic: sorted, ids from IRIs, no timestamp)."""
    return _Builder(source).bundle()


def canonical_references(value: Any) -> Iterator[str]:
    """Every canonical reference inside a resource (``definitionCanonical`` and ``Reference.reference``)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("definitionCanonical", "reference") and isinstance(item, str):
                yield item
            else:
                yield from canonical_references(item)
    elif isinstance(value, list):
        for item in value:
            yield from canonical_references(item)


def unresolved_references(bundle: dict[str, Any]) -> list[str]:
    """References in the Bundle that name no resource in it (by canonical url or fullUrl), sorted."""
    known = {e.get("fullUrl") for e in bundle.get("entry", [])}
    known |= {e["resource"].get("url") for e in bundle.get("entry", []) if "resource" in e}
    found = {ref for e in bundle.get("entry", []) for ref in canonical_references(e.get("resource"))}
    return sorted(ref for ref in found if ref.split("|")[0] not in known)


def validate_bundle(bundle: dict[str, Any]) -> None:
    """Raise ExportError unless the Bundle parses with the fhir.resources R4B models, every reference resolves and
    every resource meets the rules of every profile its ``meta.profile`` claims."""
    from fhir.resources.R4B.bundle import Bundle
    from pydantic import ValidationError

    try:
        Bundle.model_validate(bundle)
    except ValidationError as error:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:10]]
        raise ExportError(f"FHIR Bundle invalid under the R4B models ({error.error_count()} errors): "
                          + "; ".join(problems)) from None
    dangling = unresolved_references(bundle)
    if dangling:
        raise ExportError(f"FHIR Bundle: {len(dangling)} references resolve to no resource in it, e.g. {dangling[:5]}")
    unmet = claim_violations(bundle)
    if unmet:
        raise ExportError(f"FHIR Bundle: {len(unmet)} claimed profiles not met, e.g. " + "; ".join(unmet[:5]))
