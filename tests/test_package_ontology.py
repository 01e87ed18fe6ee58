"""A package's ontology fragment and shapes (ADR 0025): the terms only a package needs are declared in its
``ontology.ttl`` (and their patient shapes in its ``shapes/``), merged into the builds that hold the package, with the
IRIs they were published under; the rules of kg/model/ontology.py refuse a fragment that redefines a core term, a term
two packages of one build declare, and a quantity nothing declares. The fixture guideline declares a quantity of its
own the same way, with no code written for it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

from kg.base.errors import ValidationError
from kg.base.paths import GUIDELINES_DIR
from kg.core.build.knowledge import knowledge_from_graph
from kg.core.build.pipeline import build_graph
from kg.core.build.tables import load_tables
from kg.core.decide.classify.compiled import classify_patient
from kg.model.namespaces import CG
from kg.model.ontology import ontology_graph, quantities, vocabularies
from kg.model.packages import packages
from kg.model.shacl import load_shapes
from tests.conftest import copy_packages
from tests.package_namespaces import FERRITIN, FERRITIN_UNKNOWN, IRON_FORMULATION

TOY = Path(__file__).parent / "fixtures" / "guidelines" / "toy-guideline"
TOY_NS = Namespace("https://w3id.org/cgkg/test-toy/")
PREFIXES = ("@prefix cg: <https://w3id.org/cgkg/ontology#> .\n@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
            "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
            "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
            "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
            "@prefix sh: <http://www.w3.org/ns/shacl#> .\n@prefix cgsh: <https://w3id.org/cgkg/shapes#> .\n"
            "@prefix toy: <https://w3id.org/cgkg/test-toy/> .\n")


def installed(*ids: str) -> tuple:
    return tuple(packages(GUIDELINES_DIR, list(ids)))


def add_to_fragment(root: Path, package: str, turtle: str, name: str = "ontology.ttl") -> None:
    path = root / package / name
    path.parent.mkdir(parents=True, exist_ok=True)
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    path.write_text(before + "\n" + PREFIXES + turtle + "\n", encoding="utf-8")


def problems(source: Path | list) -> str:
    with pytest.raises(ValidationError) as raised:
        load_tables(source)
    return str(raised.value)


# ---- the fragments of the installed packages ----------------------------------------------------------------------


def test_a_package_fragment_is_merged_into_the_builds_that_hold_it_with_its_published_iris():
    core, rls, insomnia = ontology_graph(), ontology_graph(installed("rls-aasm-2024")), \
        ontology_graph(installed("insomnia-aasm-2017"))
    assert (FERRITIN, RDF.type, OWL.DatatypeProperty) not in core  # the core names no lab value
    assert (FERRITIN, RDF.type, OWL.DatatypeProperty) in rls  # the same IRI, now declared by rls-aasm-2024
    assert (FERRITIN, RDF.type, OWL.DatatypeProperty) not in insomnia  # a build without the package lacks it
    assert (IRON_FORMULATION, RDFS.subClassOf, CG.Drug) in rls and (IRON_FORMULATION, RDFS.subClassOf, CG.Drug) \
        in insomnia  # shared-drug-safety's: every build holds it
    assert sorted(quantities()) == ["age"] and sorted(quantities(installed("rls-aasm-2024"))) == ["age", "ferritin",
                                                                                                   "tsat"]
    assert quantities(installed("rls-aasm-2024")).unknown_class("ferritin") == FERRITIN_UNKNOWN
    assert "iron-formulation" in vocabularies(installed("shared-drug-safety"))[CG.Intervention]
    assert "iron-formulation" not in vocabularies()[CG.Intervention]


def test_a_package_words_a_core_term_for_its_builds():
    """The core labels the effects for any condition; the RLS package's label replaces it in its builds (one label)."""
    core, rls = ontology_graph(), ontology_graph(installed("rls-aasm-2024"))
    assert list(core.objects(CG.EffectWorsens, RDFS.label)) == [Literal("worsens the condition")]
    assert list(rls.objects(CG.EffectWorsens, RDFS.label)) == [Literal("worsens RLS")]
    assert list(rls.objects(CG.FindingKeep, RDFS.label)) == [Literal("no need to stop for RLS")]
    assert "worsens-rls" in vocabularies(installed("rls-aasm-2024"))[CG.ExacerbationEffect]
    assert "worsens-rls" not in vocabularies()[CG.ExacerbationEffect]


def test_the_packages_patient_shapes_are_added_to_the_core_allow_list():
    core, rls = load_shapes("patient-*.ttl"), load_shapes("patient-*.ttl", installed("rls-aasm-2024"))
    sh = Namespace("http://www.w3.org/ns/shacl#")
    assert FERRITIN not in set(core.objects(None, sh.path))
    assert FERRITIN in set(rls.objects(None, sh.path))


# ---- the rules, each able to fail -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("turtle", "rule"), [
    ("cg:Drug a owl:Class .", "cg:Drug': declared by the core ontology (ontology/cgkg.ttl): a package never redefines"),
    ("cg:Drug rdfs:subClassOf cg:Agent .", "a statement about a term of ontology/cgkg.ttl: a package only annotates"),
    ('cg:Drug skos:notation "medicine" .', "already given by ontology/cgkg.ttl"),
    ('cg:Undeclared rdfs:label "x" .', "a term neither this fragment, the core nor another package of the build"),
    ("<http://example.org/x> a owl:Class .", "outside the core namespace"),
    ("<https://w3id.org/cgkg/ontology> owl:imports <http://example.org/o> .", "declares no ontology and imports"),
    ("cg:x a", "not readable Turtle"),
])
def test_a_fragment_that_breaks_a_rule_is_refused_naming_file_term_and_rule(tmp_path: Path, turtle: str, rule: str):
    root = copy_packages(tmp_path)
    add_to_fragment(root, "rls-aasm-2024", turtle)
    message = problems(root / "rls-aasm-2024")
    assert "rls-aasm-2024/ontology.ttl" in message and rule in message, message


def test_two_packages_of_one_build_may_not_declare_the_same_term(tmp_path: Path):
    root = copy_packages(tmp_path)
    add_to_fragment(root, "insomnia-aasm-2017", "cg:ferritinNgPerMl a owl:DatatypeProperty .")
    load_tables(root / "insomnia-aasm-2017")  # alone it may: no other package of that build declares it
    message = problems(root)  # every package: rls-aasm-2024 declares it too
    assert "value 'cg:ferritinNgPerMl': also declared by" in message and "insomnia-aasm-2017/ontology.ttl" in message


def test_two_packages_of_one_build_may_not_word_the_same_core_term(tmp_path: Path):
    root = copy_packages(tmp_path)
    add_to_fragment(root, "insomnia-aasm-2017", 'cg:FindingKeep rdfs:label "no need to stop for insomnia" .')
    assert list(load_tables(root / "insomnia-aasm-2017").ontology.objects(CG.FindingKeep, RDFS.label)) == [
        Literal("no need to stop for insomnia")]
    assert "value 'cg:FindingKeep': already given by" in problems(root)


def test_a_quantity_no_fragment_declares_is_refused_in_a_rule_and_in_a_profile_field(tmp_path: Path):
    root = copy_packages(tmp_path)
    path = root / "rls-aasm-2024" / "ontology.ttl"
    path.write_text(path.read_text(encoding="utf-8").replace('skos:notation "tsat"', 'skos:notation "tsat-percent"'),
                    encoding="utf-8")
    message = problems(root / "rls-aasm-2024")
    assert "populations.tsv" in message and "value 'tsat': population rule: not a patient quantity of the " \
                                           "ontology (known: age, ferritin, tsat-percent" in message, message
    assert "profile_fields.tsv" in message and "column 'quantity' value 'tsat': not one of: age, ferritin, " \
                                               "tsat-percent" in message
    assert "interventions.tsv" in message and "column 'measures' value 'tsat': not one of" in message


def test_a_profile_field_date_must_be_a_property_a_fragment_declares(tmp_path: Path):
    root = copy_packages(tmp_path)
    path = root / "rls-aasm-2024" / "tables" / "profile_fields.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("cg:tsatDate", "cg:tsatDay"), encoding="utf-8")
    assert "column 'date_property' value 'cg:tsatDay': must be a datatype property of the ontology" in \
        problems(root / "rls-aasm-2024")


@pytest.mark.parametrize(("turtle", "rule"), [
    ("cgsh:PatientShape sh:property [ sh:path cg:ageYears ; sh:maxCount 2 ] .", "not a property rls-aasm-2024/ontol"),
    ("cgsh:PatientShape sh:closed false .", "a package's shapes never change a core shape"),
    ("cgsh:NewShape sh:targetClass cg:Patient .", "only add property shapes to the core's patient node shapes"),
])
def test_package_patient_shapes_never_loosen_the_core_allow_list(tmp_path: Path, turtle: str, rule: str):
    root = copy_packages(tmp_path)
    add_to_fragment(root, "rls-aasm-2024", turtle, "shapes/patient-shapes.ttl")
    message = problems(root / "rls-aasm-2024")
    assert "rls-aasm-2024/shapes/patient-shapes.ttl" in message and rule in message, message


# ---- the fixture guideline declares a quantity of its own ----------------------------------------------------------

TOY_FRAGMENT = """
# a fictional lab value of a test fixture (not clinical content), in the fixture's own namespace
toy:wobbleScore a owl:DatatypeProperty , owl:FunctionalProperty ;
    rdfs:label "wobble score" ; skos:definition "A fictional score of a test fixture." ;
    rdfs:domain cg:Patient ; rdfs:range xsd:decimal ; skos:notation "wobble-score" .
toy:wobbleScoreDate a owl:DatatypeProperty , owl:FunctionalProperty ;
    rdfs:label "wobble score date" ; skos:definition "When the fictional score was taken." ;
    rdfs:domain cg:Patient ; rdfs:range xsd:dateTime .
toy:WobbleScoreUnknown a owl:Class ; rdfs:subClassOf cg:Patient ; rdfs:label "wobble score unknown" ;
    skos:definition "A patient whose fictional score is not known." ; cg:unknownValueOf toy:wobbleScore .
"""
TOY_SHAPES = "cgsh:PatientShape sh:property [ sh:path toy:wobbleScore ; sh:maxCount 1 ; sh:datatype xsd:decimal ] ."
TOY_POPULATION = "\t".join(("toy-wobbly", "wobbly (toy guideline)", "wobble-score >= 5",
                             "A fictional population of a test fixture.", "P", "toy-guideline-2099", "Scope",
                             "test fixture", "Fictional threshold of a test fixture.")) + "\n"
FIELD_COLUMNS = ("field", "type", "values", "unit", "minimum", "maximum", "required", "if_omitted", "if_unknown",
                 "condition", "agent", "quantity", "date_property", "description")
TOY_FIELDS = "".join("\t".join(row) + "\n" for row in (
    FIELD_COLUMNS,
    ("labs", "object", "", "", "", "", "no", "", "", "", "", "", "", "lab values"),
    ("labs.wobble", "lab", "", "1", "0", "", "no", "unknown", "", "", "", "wobble-score", "toy:wobbleScoreDate",
     "a fictional lab value of a test fixture"),
))


@pytest.fixture(scope="module")
def toy_with_a_lab(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture guideline, with a fictional lab value declared in its own fragment, a population comparing it and
    a profile field reporting it: data only."""
    folder = tmp_path_factory.mktemp("toy") / "toy-guideline"
    shutil.copytree(TOY, folder, ignore=shutil.ignore_patterns("cases"))
    (folder / "ontology.ttl").write_text(PREFIXES + TOY_FRAGMENT, encoding="utf-8")
    (folder / "shapes").mkdir()
    (folder / "shapes" / "patient-shapes.ttl").write_text(PREFIXES + TOY_SHAPES, encoding="utf-8")
    with (folder / "tables" / "populations.tsv").open("a", encoding="utf-8") as handle:
        handle.write(TOY_POPULATION)
    (folder / "tables" / "profile_fields.tsv").write_text(TOY_FIELDS, encoding="utf-8")
    return folder


def test_the_fixture_guideline_declares_its_own_quantity_and_is_built_and_classified(toy_with_a_lab: Path):
    tables = load_tables(toy_with_a_lab)
    assert sorted(tables.quantities) == ["age", "wobble-score"]  # the core's and its own: no RLS lab
    graph, _ = build_graph(tables)
    wobbly, possibly = TOY_NS["toy-wobbly"], TOY_NS["possible/toy-wobbly"]
    assert (TOY_NS.wobbleScore, RDF.type, OWL.DatatypeProperty) in graph
    assert (None, OWL.onProperty, TOY_NS.wobbleScore) in graph  # the population's OWL class compares it
    assert (None, CG.onQuantity, TOY_NS.wobbleScore) in graph  # and so does its criterion tree
    compiled = knowledge_from_graph(graph).compiled  # the JVM-free classifier reads the quantity from the build
    patient = URIRef("https://w3id.org/cgkg/patient/p")
    types = {}
    for name, value, extra in (("high", 7, None), ("low", 2, None), ("unknown", None, TOY_NS.WobbleScoreUnknown)):
        person = Graph()
        person.add((patient, RDF.type, CG.Patient))
        if value is not None:
            person.add((patient, TOY_NS.wobbleScore, Literal(str(value), datatype=XSD.decimal)))
        if extra is not None:  # as queries/decision/derive/01-unknown-values.rq types it
            person.add((patient, RDF.type, extra))
        types[name] = set(classify_patient(compiled, person, patient).objects(patient, RDF.type))
    assert wobbly in types["high"] and wobbly not in types["low"] and possibly not in types["low"]
    assert wobbly not in types["unknown"] and possibly in types["unknown"]


def test_the_fixture_guidelines_own_quantity_is_unknown_to_another_build(toy_with_a_lab: Path, tmp_path: Path):
    """Without its fragment the same rule names nothing: the quantity is the package's, not the core's."""
    bare = tmp_path / "toy-guideline"
    shutil.copytree(toy_with_a_lab, bare)
    (bare / "ontology.ttl").unlink()
    message = problems(bare)
    assert "value 'wobble-score': population rule: not a patient quantity of the ontology (known: age;" in message
    assert "toy-guideline/shapes/patient-shapes.ttl" in message  # its shapes constrain a property nothing declares


def test_a_fragment_term_is_never_the_node_of_a_row(toy_with_a_lab: Path, tmp_path: Path):
    clash = tmp_path / "toy-guideline"
    shutil.copytree(toy_with_a_lab, clash)
    add_to_fragment(tmp_path, "toy-guideline",
                    "toy:examplodine a owl:Class . <https://w3id.org/cgkg/test-toy/possible/x> a owl:Class .")
    message = problems(clash)
    assert "value 'toy:examplodine': the IRI of a row of the tables" in message
    assert "value 'toy:possible/x': the IRI of a row of the tables" in message
