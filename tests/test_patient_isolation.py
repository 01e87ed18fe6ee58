"""Patient data isolated by construction (ADR 0006): the allow-list read from the closed patient shapes
agrees with the JSON/YAML conversion, rejects everything else, and the reasoner never fetches a URL or
opens a file named by its input (a local HTTP server on 127.0.0.1 records every request)."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef

from kg.base.errors import ValidationError
from kg.base.paths import EXAMPLE_PROFILE
from kg.core.build.knowledge import default_knowledge
from kg.model.namespaces import CG
from kg.model.reasoning import check_consistency
from kg.model.shacl import load_shapes, validate_graph
from kg.profile.isolation import knowledge_nodes, node_rules, offending_triples, patient_triples
from kg.profile.reader import load_profile, read_yaml, to_rdf
from tests.conftest import TESTS_DIR
from tests.package_namespaces import FERRITIN

CASES = sorted((TESTS_DIR / "cases").glob("*.yaml"))
PT = "https://w3id.org/cgkg/patient/p"
PREFIXES = ("@prefix cg: <https://w3id.org/cgkg/ontology#> .\n@prefix rls: <https://w3id.org/cgkg/rls/> .\n"
            "@prefix owl: <http://www.w3.org/2002/07/owl#> .\n")


@pytest.fixture(scope="module")
def knowledge():
    return default_knowledge()


def test_the_allow_list_comes_from_closed_shapes():
    rules = {r.name: r for r in node_rules()}
    assert FERRITIN in rules["PatientShape"].properties  # a package adds its own (ADR 0025)
    assert rules["PatientShape"].types == {CG.Patient, URIRef("http://www.w3.org/2002/07/owl#NamedIndividual"),
                                           CG.TrialHistoryUnknown, CG.MedicationListUnknown}  # ADR 0015
    assert rules["PatientConditionShape"].type_superclasses == {CG.Condition}
    assert rules["AbsentConditionShape"].type_superclasses == {CG.StatedAbsence}
    assert CG.rank not in set().union(*(r.properties for r in rules.values()))


@pytest.mark.parametrize("path", [EXAMPLE_PROFILE, *CASES], ids=lambda p: p.stem)
def test_every_converted_profile_is_inside_the_allow_list_and_the_closed_shapes(path: Path, knowledge):
    """One source: what the JSON/YAML conversion writes is exactly what a Turtle profile may state."""
    data = read_yaml(path.read_text(encoding="utf-8"))
    data = data.get("profile", data)
    patient, graph = to_rdf(data, knowledge.agents)
    assert offending_triples(graph, patient, knowledge_nodes(knowledge.graph)) == []
    assert len(patient_triples(graph, patient, knowledge.graph)) == len(graph)


def test_closed_shapes_reject_an_unlisted_property_even_without_the_python_check(knowledge):
    graph = Graph().parse(data=PREFIXES + f"<{PT}> a cg:Patient ; cg:rank 0 .", format="turtle")
    result = validate_graph(graph + knowledge.graph, load_shapes("patient-*.ttl"))
    assert not result.conforms and "ClosedConstraintComponent" in result.text


def _decide_ttl(tmp_path: Path, body: str, knowledge):
    path = tmp_path / "p.ttl"
    path.write_text(PREFIXES + body, encoding="utf-8")
    return load_profile(path, knowledge.agents, knowledge_graph=knowledge.graph)


def test_blank_node_patient_is_rejected(tmp_path, knowledge):
    with pytest.raises(ValidationError, match="not a blank node"):
        _decide_ttl(tmp_path, "[] a cg:Patient ; cg:ferritinNgPerMl 40.0 .", knowledge)


def test_drug_iri_as_the_patient_is_rejected(tmp_path, knowledge):
    with pytest.raises(ValidationError, match="is a knowledge-graph node"):
        _decide_ttl(tmp_path, "rls:methadone a cg:Patient .", knowledge)


def test_subproperty_axiom_cannot_smuggle_a_negative_ferritin(tmp_path, knowledge):
    """D5: 'cg:f rdfs:subPropertyOf cg:ferritinNgPerMl . pt cg:f -40' was decided on."""
    with pytest.raises(ValidationError) as caught:
        _decide_ttl(tmp_path, "cg:f <http://www.w3.org/2000/01/rdf-schema#subPropertyOf> cg:ferritinNgPerMl .\n"
                              f"<{PT}> a cg:Patient ; cg:f -40.0 .", knowledge)
    rules = sorted(p.rule for p in caught.value.problems)
    assert rules[0] == "a schema (TBox) axiom is not allowed in a profile"
    assert rules[1].startswith("property not allowed on a node of PatientShape")


def test_offending_triples_are_listed_first_n_and_k_more(tmp_path, knowledge):
    body = f"<{PT}> a cg:Patient .\n" + "".join(f"rls:drug-{i} cg:rank {i} .\n" for i in range(120))
    with pytest.raises(ValidationError) as caught:
        _decide_ttl(tmp_path, body, knowledge)
    message = str(caught.value)
    assert len(caught.value.problems) == 120
    assert "120 problem(s)" in message and "... and 70 more" in message
    assert message.count("\n  - ") == 50


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self):  # noqa: N802 - http.server's name
        type(self).hits.append(self.path)
        body = (PREFIXES + "<urn:x> a owl:Nothing .\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/turtle")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def recording_server():
    _Recorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()
    server.server_close()


@pytest.mark.reasoner
def test_the_reasoner_never_fetches_an_import_or_opens_a_named_file(recording_server, tmp_path, java):
    """D2: owl:imports made owlready2 fetch the URL (and open file:///etc/passwd). Both imported
    documents here make the ontology inconsistent if they are ever read."""
    url, hits = recording_server
    secret = tmp_path / "secret.ttl"
    secret.write_text(PREFIXES + "<urn:y> a owl:Nothing .\n", encoding="utf-8")
    graph = Graph().parse(data=PREFIXES + f"""
        <urn:onto> a owl:Ontology ; owl:imports <{url}/evil.ttl> , <{secret.as_uri()}> .
        cg:Thing a owl:Class . <urn:z> a cg:Thing .""", format="turtle")
    result = check_consistency(graph)
    assert hits == []
    assert result.consistent and not result.error


def test_a_profile_naming_a_local_server_is_refused_without_a_request(recording_server, tmp_path, knowledge):
    url, hits = recording_server
    with pytest.raises(ValidationError, match="may not import"):
        _decide_ttl(tmp_path, f"<{PT}> a cg:Patient ; owl:imports <{url}/evil.ttl> .", knowledge)
    assert hits == []


def test_decimal_literal_of_a_patient_is_finite(knowledge):
    nan = '"NaN"^^<http://www.w3.org/2001/XMLSchema#decimal>'
    graph = Graph().parse(data=PREFIXES + f"<{PT}> a cg:Patient ; cg:ferritinNgPerMl {nan} .", format="turtle")
    found = offending_triples(graph, URIRef(PT), knowledge_nodes(knowledge.graph))
    assert [t[0][2] for t in found] == [Literal("NaN", datatype=URIRef("http://www.w3.org/2001/XMLSchema#decimal"))]


def test_a_turtle_profile_with_too_many_trials_is_refused(tmp_path, knowledge):
    """D6: 1,000 past trials took 45 s to decide; Turtle profiles have the JSON Schema's count limits."""
    trials = "".join(f"<{PT}> cg:hadTrial <{PT}/trial/{i}> . <{PT}/trial/{i}> a cg:TreatmentTrial ; "
                     f"cg:trialOf rls:gabapentin ; cg:trialOutcome cg:OutcomeResponse .\n" for i in range(150))
    with pytest.raises(ValidationError, match="at most 101 treatment trials"):
        _decide_ttl(tmp_path, f"<{PT}> a cg:Patient .\n" + trials, knowledge)
