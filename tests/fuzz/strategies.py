"""Hypothesis strategies for hostile patient profiles (shared by tests/fuzz/test_generated.py and the
long campaign, tests/fuzz/campaign.py). Each example is ``(kind, file name, bytes, clean)``: for a
Turtle profile carrying triples outside the patient allow-list, ``clean`` is the same profile without
them (accepting the hostile one would be an isolation failure, and its decision must equal the clean
one's); otherwise None."""

from __future__ import annotations

import json

from hypothesis import strategies as st

PT = "https://w3id.org/cgkg/patient/fuzz"
PREFIXES = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in (
    ("cg", "https://w3id.org/cgkg/ontology#"), ("rls", "https://w3id.org/cgkg/rls/"),
    ("owl", "http://www.w3.org/2002/07/owl#"), ("rdfs", "http://www.w3.org/2000/01/rdf-schema#"),
    ("xsd", "http://www.w3.org/2001/XMLSchema#")))
FIELDS = ["patient_id", "age_years", "sex", "pregnancy", "lactating", "esrd", "dialysis", "obstructive_sleep_apnea",
          "central_sleep_apnea", "copd", "valvular_heart_disease", "labs", "oral_iron_failed", "current_medications",
          "past_trials", "alcohol", "caffeine", "augmentation_signs", "smoker", "", "sex "]
INNER_KEYS = ["value", "unit", "date", "drug", "status", "trimester", "outcome"]
NUMBER_SPELLINGS = ["0100", "052", "-007", "1:20", "1_000", "0x1F", "0o17", ".nan", ".NaN", ".inf", "-.inf", "1e999",
                    "1e-999", "100", "75", "75.0", "0", "-0", "+12", "2.0", "0.5", ".5", "9" * 30, "yes", "~", "null"]
WORDS = ["female", "male", "unknown", "pregnant", "gabapentin", "lyrica", "%", "ng/mL", "2026-01-01", "2999-12-31",
         "abc\n", "response", "none", "yes"]
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True), TEXT, st.sampled_from(WORDS))
JSONISH = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS + INNER_KEYS), inner, max_size=5)),
    max_leaves=12)


@st.composite
def yaml_profiles(draw):
    lines = [f"sex: {draw(st.sampled_from(['female', 'male', 'f', '[x', 'yes']))}"]
    number = st.sampled_from(NUMBER_SPELLINGS)
    for _ in range(draw(st.integers(0, 6))):
        value = draw(st.one_of(number, number.map("{{value: {}, unit: ng/mL}}".format),
                               st.sampled_from(["gabapentin", "0100", "*a", "&a x"]).map("[{{drug: {}}}]".format),
                               TEXT.map(json.dumps)))
        lines.append(f"{draw(st.sampled_from(FIELDS))}: {value}")
    if draw(st.booleans()):
        lines.append(f"labs: {{ferritin: {{value: {draw(number)}, unit: ng/mL}}}}")
    if draw(st.integers(0, 9)) == 0:  # an alias bomb of random depth
        depth = draw(st.integers(2, 8))
        lines = ["b0: &b0 [x, x, x, x, x, x, x, x, x, x]"] + [
            f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 10)}]" for i in range(1, depth)] + lines
    draw(st.randoms()).shuffle(lines)
    return "yaml", "p.yaml", "\n".join(lines).encode("utf-8"), None


@st.composite
def json_profiles(draw):
    data = {"sex": "female", **draw(st.dictionaries(st.sampled_from(FIELDS), JSONISH, max_size=6))}
    text = json.dumps(data, allow_nan=True)
    if draw(st.booleans()):
        text = text[:-1] + ', "sex": "male"}'
    if draw(st.booleans()):
        text = text.replace("1", draw(st.sampled_from(["NaN", "Infinity", "01", "1e999", "1"])), 1)
    return "json", "p.json", text.encode("utf-8"), None


ALLOWED = [f"<{PT}> cg:ferritinNgPerMl 40.0 .", f"<{PT}> cg:ageYears 50.0 .", f"<{PT}> cg:takesAgent rls:gabapentin .",
           f"<{PT}> cg:hasCondition <{PT}/condition/1> . <{PT}/condition/1> a rls:copd ."]
HOSTILE = [
    f"<{PT}> a rls:failed-alpha-2-delta-trial .",
    "rls:aasm-2024 cg:supersededBy rls:evil .",
    "cg:ReasonSupports cg:rank 0 .",
    "rls:methadone cg:memberOfDrugClass rls:alpha-2-delta-ligands .",
    "cg:Patient rdfs:subClassOf rls:adult-rls .",
    "<urn:o> a owl:Ontology ; owl:imports <http://127.0.0.1:9/x.owl> .",
    "<urn:o> owl:imports <file:///etc/passwd> .",
    f"<{PT}/a/1> a cg:OptionAssessment ; cg:forPatient <{PT}> ; cg:assessedOption rls:gabapentin .",
    f"<{PT}/r/1> a cg:DecisionReason ; cg:forPatient <{PT}> ; cg:reasonFor rls:methadone .",
    "cg:f rdfs:subPropertyOf cg:ferritinNgPerMl .",
    f"<{PT}> cg:f -40.0 .",
    f"<{PT}> owl:sameAs rls:methadone .",
    f'<{PT}> cg:tsatPercent "NaN"^^xsd:decimal .',
    f'<{PT}> cg:ageYears "INF"^^xsd:double .',
    f"<{PT}> cg:hadTrial [ a cg:TreatmentTrial ; cg:trialOf rls:methadone ] .",
    "rls:methadone a cg:Patient .",
    f"<{PT}/x> a cg:Drug .",
    "rls:evil a cg:Caution ; cg:aboutAgent rls:gabapentin ; cg:severity cg:SeverityContraindicated .",
]


@st.composite
def turtle_profiles(draw):
    parts = [PREFIXES, f"<{PT}> a cg:Patient ."]
    parts += draw(st.lists(st.sampled_from(ALLOWED), max_size=3))
    if draw(st.integers(0, 4)) == 0:
        parts.append(draw(TEXT))  # syntax noise
    hostile = draw(st.lists(st.sampled_from(HOSTILE), max_size=3))
    clean = "\n".join(parts).encode("utf-8")
    return "ttl", "p.ttl", "\n".join(parts + hostile).encode("utf-8"), clean if hostile else None


@st.composite
def raw_bytes(draw):
    return "bytes", draw(st.sampled_from(["p.yaml", "p.json", "p.ttl"])), draw(st.binary(max_size=200)), None


PROFILES = st.one_of(yaml_profiles(), json_profiles(), turtle_profiles(), raw_bytes())
