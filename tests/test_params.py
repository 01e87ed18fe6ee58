"""Query parameters (kg/core/query/params.py): what a value may be, how it resolves against the packaged build, and
that a value naming nothing is an error with suggestions, never an empty answer."""

from __future__ import annotations

import pyoxigraph as ox
import pytest
from rdflib import XSD, BNode, Literal, URIRef

from kg.base.errors import UserError
from kg.core.build.knowledge import Knowledge, default_knowledge
from kg.core.query.execute import Target
from kg.core.query.library import load_query, query_from_text
from kg.core.query.params import bindings_for, parse_literal, parse_pairs, resolve
from kg.model.namespaces import CG, CODE_SYSTEMS
from tests.package_namespaces import RLS

CAUTIONS = load_query("cq/cautions")


@pytest.fixture(scope="module")
def names():
    return Target(default_knowledge()).names(CAUTIONS)


@pytest.mark.parametrize(("text", "literal"), [
    ('"plain"', Literal("plain")),
    ("'single'", Literal("single")),
    ('"x\\" } ; DROP ALL"', Literal('x" } ; DROP ALL')),
    ('"line\\nbreak \\\\ \\u00e9\\U0001F600"', Literal("line\nbreak \\ \u00e9\U0001F600")),
    ('"hi"@en-GB', Literal("hi", lang="en-GB")),
    ('"5"^^xsd:integer', Literal("5", datatype=XSD.integer)),
    ('"5"^^<http://www.w3.org/2001/XMLSchema#decimal>', Literal("5", datatype=XSD.decimal)),
    ("-42", Literal("-42", datatype=XSD.integer)),
    ("2.5", Literal("2.5", datatype=XSD.decimal)),
    ("1e3", Literal("1e3", datatype=XSD.double)),
    ("true", Literal("true", datatype=XSD.boolean)),
])
def test_literals_in_turtle_syntax(text, literal):
    parsed = parse_literal(text)
    assert parsed == literal and parsed.language == literal.language and parsed.datatype == literal.datatype


@pytest.mark.parametrize("text", ["methadone", "rls:methadone", '"unterminated', '"a" "b"', '"a"@', '"a"^^',
                                  '"raw\nnewline"', '"a"^^xsd:integer junk', "<http://example.org/x>"])
def test_text_that_is_not_one_literal_is_not_read_as_one(text):
    assert parse_literal(text) is None


def test_a_literal_with_an_unknown_datatype_prefix_is_an_error():
    with pytest.raises(UserError, match="unknown prefix 'nope:'"):
        parse_literal('"5"^^nope:integer')


@pytest.mark.parametrize(("value", "node"), [
    ("rls:methadone", RLS["methadone"]),
    ("<https://w3id.org/cgkg/rls/methadone>", RLS["methadone"]),
    ("https://w3id.org/cgkg/rls/methadone", RLS["methadone"]),
    ("methadone", RLS["methadone"]),
    ("  Methadone ", RLS["methadone"]),
    ("Mirapex", RLS["pramipexole"]),  # a brand name kg decide accepts
    ("RXNORM:704", RLS["amitriptyline"]),  # a code kg decide accepts: it names the drug
    ("rxnorm:704", RLS["amitriptyline"]),  # in any case, although rxnorm: is also a declared prefix
    ("opioids", RLS["opioids"]),  # the label of a drug class
    (URIRef(RLS["methadone"]), RLS["methadone"]),
    (ox.NamedNode(str(RLS["methadone"])), RLS["methadone"]),
    ("ng/mL", Literal("ng/mL")),  # no name, label or notation, but a value in the graph (a UCUM unit)
    ("RXNORM", URIRef(CODE_SYSTEMS["RXNORM"])),  # a code system's name: the system, as for a parameter of a kind
    ("LOINC:2276-4", URIRef("http://loinc.org/rdf#2276-4")),  # a code CURIE in the case terminologies write it
    ('"AI"', Literal("AI")),  # the text, quoted
    ("cg:BasisAISecondary", CG["BasisAISecondary"]),
])
def test_values_resolve_to_the_node_they_name(value, node, names):
    assert resolve("agent", value, names) == node


@pytest.mark.parametrize(("value", "text", "node"), [
    ("AI", "AI", "cg:BasisAISecondary"),  # the evidence basis AI (terminology: its notation) or the text
    ("ferritin", "ferritin", "cg:ferritinNgPerMl"),  # the patient quantity (notation) or the text
])
def test_a_text_that_is_also_a_nodes_notation_is_refused_naming_both(value, text, node, names):
    """With no kind declared, ``x=AI`` bound the text "AI" where statements hold the evidence-basis node: an empty
    answer with exit 0. Now both meanings are named with what to type for each."""
    with pytest.raises(UserError) as caught:
        resolve("x", value, names)
    message = str(caught.value)
    assert message.startswith(f"--param x={value}: '{value}' may mean the text \"{text}\" (--param x='\"{text}\"')")
    assert f"({node}) (--param x={node})" in message and "'#+ kinds: ?x KIND'" in message
    for typed, term in ((f'"{text}"', Literal(text)), (node, URIRef(names.prefixes["cg"] + node[3:]))):
        assert resolve("x", typed, names) == term  # each way the message offers resolves


@pytest.mark.parametrize(("value", "term"), [
    (Literal("any text"), Literal("any text")),
    ('"any text"@en', Literal("any text", lang="en")),
    (3, Literal(3)),
    (True, Literal(True)),
    (ox.Literal("x", language="de"), Literal("x", lang="de")),
])
def test_literals_are_taken_as_given(value, term, names):
    assert resolve("agent", value, names) == term


@pytest.mark.parametrize(("value", "hint"), [
    ("rls:methadon", "rls:methadone"),  # a typo in a CURIE
    ("methadon", "methadone (rls:methadone)"),  # a typo in a name
    ("https://w3id.org/cgkg/rls/pramipexol", None),
    (URIRef("https://w3id.org/cgkg/rls/nothing-here"), None),
])
def test_a_value_that_names_nothing_is_an_error_with_suggestions(value, hint, names):
    with pytest.raises(UserError, match="names nothing in the graph") as caught:
        resolve("agent", value, names)
    assert hint is None or f"Did you mean: {hint}" in str(caught.value)
    assert str(caught.value).count("--param agent=") == 1


def test_a_drug_code_gets_no_suggestion(names):
    """Codes one character apart are different drugs (ATC N06AX12 bupropion, N03AX12 gabapentin)."""
    with pytest.raises(UserError, match="names nothing") as caught:
        resolve("agent", "ATC:N06AX98", names)  # no such ATC code; N06AX13 became a drug of the graph
    assert "Did you mean" not in str(caught.value)


def test_a_label_shared_by_several_nodes_is_refused_not_guessed():
    store = ox.Store()
    label = ox.NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
    for local in ("a", "b"):
        store.add(ox.Quad(ox.NamedNode(f"http://example.org/{local}"), label, ox.Literal("same name")))
    names = Target(Knowledge(store, "memory")).names(query_from_text("SELECT ?x WHERE { ?x ?p ?o }"))
    with pytest.raises(UserError, match=r"names several nodes \(http://example.org/a, http://example.org/b\)"):
        resolve("x", "Same Name", names)


@pytest.mark.parametrize("value", ["rls:a b", "<https://example.org/a b>", "https://example.org/<x>", "rls:{x}",
                                   URIRef("https://example.org/a\"b")])
def test_an_iri_that_cannot_be_an_iri_is_an_error(value, names):
    with pytest.raises(UserError, match="is not a valid IRI"):
        resolve("agent", value, names)


def test_a_blank_node_cannot_be_bound(names):
    with pytest.raises(UserError, match="blank node"):
        resolve("agent", BNode("b0"), names)


def test_parameters_must_be_declared_and_required_ones_given(names):
    query = query_from_text("#+ params: ?agent ?issuer\n#+ optional: ?issuer\nSELECT ?agent ?issuer WHERE {}")
    with pytest.raises(UserError, match=r"has no parameter \?drug; it takes: \?agent, \?issuer"):
        bindings_for(query, {"drug": "methadone"}, names)
    with pytest.raises(UserError, match=r"parameter \?agent is required"):
        bindings_for(query, {"issuer": "rls:seed"}, names)
    assert bindings_for(query, {"agent": "methadone"}, names) == {"agent": RLS["methadone"]}
    with pytest.raises(UserError, match="declares no parameter"):
        bindings_for(query_from_text("#+ params:\nSELECT ?x WHERE {}"), {"x": "1"}, names)


def test_param_pairs():
    assert parse_pairs(["agent=rls:x", "?note=a=b", "empty="]) == {"agent": "rls:x", "note": "a=b", "empty": ""}
    for bad, message in (["agent"], "expected NAME=VALUE"), (["=x"], "expected NAME=VALUE"), \
                        (["a=1", "a=2"], "given twice"):
        with pytest.raises(UserError, match=message):
            parse_pairs(bad)


# LOINC codes from shared/reference/terminology.md (section 3): 2276-4 serum ferritin (the code threshold rules
# use), 2502-3 transferrin saturation; 20567-4 is ferritin by immunoassay (Mayo), which the graph holds only as a
# related code of the iron studies, not as a lab a threshold is on.
FERRITIN_LOINC = URIRef("http://loinc.org/rdf#2276-4")
LAB_THRESHOLDS = load_query("cq/lab-thresholds")
VALUE_SET = load_query("cq/exacerbating-drugs-value-set")


@pytest.fixture(scope="module")
def lab_names():
    return Target(default_knowledge()).names(LAB_THRESHOLDS)


@pytest.mark.parametrize("value", ["ferritin", " Ferritin ", "LOINC:2276-4", "loinc:2276-4", "2276-4",
                                   "<http://loinc.org/rdf#2276-4>", URIRef("http://loinc.org/rdf#2276-4")])
def test_a_value_resolves_to_the_node_of_the_kind_the_query_expects(value, lab_names):
    """``lab=ferritin`` means the lab test ferritin (its LOINC code), not the text 'ferritin' (the notation of the
    patient quantity), which matched no row."""
    assert LAB_THRESHOLDS.kind_of("lab") == "lab-test"
    assert bindings_for(LAB_THRESHOLDS, {"lab": value}, lab_names) == {"lab": FERRITIN_LOINC}


@pytest.mark.parametrize(("value", "system"), [("RXNORM", CODE_SYSTEMS["RXNORM"]), ("rxnorm", CODE_SYSTEMS["RXNORM"]),
                                               ("ATC", CODE_SYSTEMS["ATC"])])
def test_a_code_system_resolves_by_its_name(value, system, lab_names):
    assert bindings_for(VALUE_SET, {"system": value}, lab_names) == {"system": URIRef(system)}


@pytest.mark.parametrize(("query", "pair", "said"), [
    (LAB_THRESHOLDS, "lab=methadone", "'methadone' is rls:methadone, not one"),
    (LAB_THRESHOLDS, "lab=RXNORM:6813", "'RXNORM:6813' is rls:methadone, not one"),  # a drug code names its drug
    (LAB_THRESHOLDS, "lab=LOINC:20567-4", "'LOINC:20567-4' is loinc:20567-4, not one"),  # a code in another role
    (LAB_THRESHOLDS, "lab=LOINC:0000-0", "'LOINC:0000-0' names nothing"),
    (LAB_THRESHOLDS, "lab=cg:ferritinNgPerMl", "cg:ferritinNgPerMl is not one"),  # the quantity, not the lab
    (LAB_THRESHOLDS, 'lab="ferritin"', '"ferritin" is not one'),  # a literal is a value, taken as written
    (VALUE_SET, "system=SNOMEDCT", "'SNOMEDCT' is http://snomed.info/sct, not one"),  # no drug is coded in it
    (CAUTIONS, "agent=ferritin", "'ferritin' is "),
])
def test_a_value_of_another_kind_is_refused_naming_the_kind(query, pair, said, lab_names):
    name, _, value = pair.partition("=")
    kind = query.kind_of(name)
    with pytest.raises(UserError) as caught:
        bindings_for(query, {name: value}, lab_names)
    message = str(caught.value)
    assert message.startswith(f"--param {pair}: expected a") and f" {kind.replace('-', ' ')} (" in message
    assert said in message and f"kg query kinds/{kind}" in message
    members = lab_names.kind(kind).members
    assert any(lab_names.shown(m) in message for m in members), "no example or close match of the kind named"


def test_a_code_gets_no_close_match_by_spelling(lab_names):
    """Codes one character apart are different things: a wrong code gets examples of the kind, not a guess."""
    with pytest.raises(UserError) as caught:
        bindings_for(LAB_THRESHOLDS, {"lab": "LOINC:2276-5"}, lab_names)
    assert "Did you mean" not in str(caught.value) and "e.g. ferritin (loinc:2276-4)" in str(caught.value)


def test_a_close_match_of_the_kind_is_suggested(lab_names):
    with pytest.raises(UserError, match=r"Did you mean: ferritin \(loinc:2276-4\)\?") as caught:
        bindings_for(LAB_THRESHOLDS, {"lab": "feritin"}, lab_names)
    assert "'feritin' names nothing" in str(caught.value)
    with pytest.raises(UserError, match=r"Did you mean: ferritin \(loinc:2276-4\)\?"):  # the quantity's code
        bindings_for(LAB_THRESHOLDS, {"lab": "cg:ferritinNgPerMl"}, lab_names)


AGENT_PROFILE = load_query("cq/agent-profile")
FHIR_CODINGS = load_query("cq/fhir-codings")


@pytest.mark.parametrize(("query", "pair", "said", "meant"), [
    # ATC N06AX12 is bupropion, RxNorm 6813 methadone, 25480 gabapentin (terminology.md; the graph's mappings)
    (AGENT_PROFILE, "agent=N06AX12", "'N06AX12' is the code atc:N06AX12, not one", "bupropion (rls:bupropion)"),
    (AGENT_PROFILE, "agent=6813", '"6813"^^xsd:integer is not one', "methadone (rls:methadone)"),
    (FHIR_CODINGS, "concept=25480", '"25480"^^xsd:integer is not one', "gabapentin (rls:gabapentin)"),
    (LAB_THRESHOLDS, "lab=20567-4", "'20567-4' is the code loinc:20567-4, not one", None),  # a code of no lab
])
def test_a_bare_code_two_steps_from_the_kind_is_suggested_not_bound(query, pair, said, meant, lab_names):
    """A bare code names no system: it binds only a node of the kind that carries it (``lab=2276-4``); a node of
    the kind mapped to the code that carries it is suggested (type its name, or the code with its system)."""
    name, _, value = pair.partition("=")
    with pytest.raises(UserError) as caught:
        bindings_for(query, {name: value}, lab_names)
    message = str(caught.value)
    assert said in message
    assert (f"Did you mean: {meant}?" in message) if meant else "Did you mean" not in message


TREATMENT_OPTIONS = load_query("cq/treatment-options")
POPULATION_CRITERIA = load_query("cq/population-criteria")


@pytest.mark.parametrize(("query", "name", "value", "node"), [
    (TREATMENT_OPTIONS, "issuer", "aasm-2024", RLS["aasm-2024"]),  # a source by its id (sources.tsv)
    (POPULATION_CRITERIA, "population", "adult-rls", RLS["adult-rls"]),  # a population by its id, not only its label
    (POPULATION_CRITERIA, "population", "adult with RLS", RLS["adult-rls"]),
])
def test_a_node_may_be_named_by_its_table_id(query, name, value, node, lab_names):
    """``issuer=aasm-2024`` (the id the tables, the report and kg diff use) was refused as the text 'aasm-2024'."""
    assert bindings_for(query, {name: value}, lab_names) == {name: node}
    assert resolve(name, value, lab_names) == node  # with no kind too: an id names its node, like a label


def test_a_source_is_shown_by_its_id_not_its_title(lab_names):
    with pytest.raises(UserError) as caught:
        bindings_for(TREATMENT_OPTIONS, {"issuer": "AASM"}, lab_names)
    assert "e.g. aasm-2024 (rls:aasm-2024); " in str(caught.value)
    assert "Winkelman" not in str(caught.value)  # the title of aasm-2024
