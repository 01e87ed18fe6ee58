"""Regenerate tests/fuzz/corpus/ (run once by hand: python -m tests.fuzz.make_corpus). The corpus files
are the test data; this script only documents how they were made. Each file is one hostile input from
issue 7; Turtle injections are the bundled example patient plus the injected triples."""

from __future__ import annotations

import json
from pathlib import Path

from kg.base.paths import EXAMPLE_PROFILE
from kg.core.build.knowledge import default_knowledge
from kg.model.namespaces import CG
from kg.profile.reader import read_yaml, to_rdf

CORPUS = Path(__file__).parent / "corpus"
PT = "https://w3id.org/cgkg/patient/example-treatment-resistant"
HEADER = """@prefix cg: <https://w3id.org/cgkg/ontology#> .
@prefix rls: <https://w3id.org/cgkg/rls/> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
@prefix pt: <https://w3id.org/cgkg/patient/> .
"""
INJECTIONS = {  # file name -> injected Turtle (issue 7, D1, D2, D5, D7, low items)
    "patient-typed-as-population": "pt:example-treatment-resistant a rls:failed-alpha-2-delta-trial .",
    "superseded-guideline": "rls:aasm-2024 cg:supersededBy rls:evil .",
    "effect-rank-changed": "cg:ReasonSupports cg:rank 0 .",
    "new-caution": ("rls:evil-caution a cg:Caution, owl:NamedIndividual ; cg:aboutAgent rls:gabapentin ;"
                    " cg:severity cg:SeverityContraindicated ; cg:appliesToPopulation rls:adult-rls ;"
                    " cg:evidenceBasis cg:BasisPrimary ; rdfs:label \"evil\" ."),
    "new-recommendation": ("rls:evil-rec a cg:GradedRecommendation, owl:NamedIndividual ; cg:aboutAgent rls:methadone ;"
                           " cg:direction cg:DirectionFor ; cg:issuedBy rls:aasm-2024 ;"
                           " cg:appliesToPopulation rls:adult-rls ; cg:lineOfTherapy cg:LineFirst ;"
                           " cg:evidenceBasis cg:BasisPrimary ; rdfs:label \"evil\" ."),
    "drug-class-membership": "rls:methadone cg:memberOfDrugClass rls:alpha-2-delta-ligands .",
    "tbox-subclass": "cg:Patient rdfs:subClassOf rls:failed-alpha-2-delta-trial .",
    "tbox-equivalent-class": "rls:adult-rls owl:equivalentClass cg:Patient .",
    "subproperty-bypass": ("cg:fakeFerritin rdfs:subPropertyOf cg:ferritinNgPerMl .\n"
                           "pt:example-treatment-resistant cg:fakeFerritin -40.0 ."),
    "option-assessment": (f"<{PT}/assessment/1> a cg:OptionAssessment ; cg:forPatient pt:example-treatment-resistant ;"
                          " cg:assessedOption rls:gabapentin ; cg:decisionStatus cg:StatusContraindicated ."),
    "decision-reason": (f"<{PT}/reason/1> a cg:DecisionReason ; cg:forPatient pt:example-treatment-resistant ;"
                        " cg:reasonFor rls:methadone ; cg:effectOnOption cg:ReasonSupports ;"
                        " cg:basedOn rls:aan2016-cabergoline ."),
    "owl-imports-http": "<urn:evil> a owl:Ontology ; owl:imports <http://127.0.0.1:9/evil.owl> .",
    "owl-imports-file": "<urn:evil> owl:imports <file:///etc/passwd> .",
    "patient-imports": "pt:example-treatment-resistant owl:imports <http://127.0.0.1:9/evil.owl> .",
    "same-as-drug": "pt:example-treatment-resistant owl:sameAs rls:methadone .",
    "condition-typed-as-population": (f"pt:example-treatment-resistant cg:hasCondition <{PT}/condition/99> .\n"
                                      f"<{PT}/condition/99> a rls:failed-alpha-2-delta-trial ."),
    "derived-property": "<{trial}> cg:adequacyUndetermined true .",  # {trial}: the base profile's trial node
    "patient-node-typed-as-drug": f"<{PT}/x> a cg:Drug ; cg:memberOfDrugClass rls:alpha-2-delta-ligands .",
    "second-patient": "<https://w3id.org/cgkg/patient/other> a cg:Patient ; cg:ferritinNgPerMl 500.0 .",
    "nan-ferritin": "pt:example-treatment-resistant cg:tsatPercent \"NaN\"^^xsd:decimal .",
    "infinite-double": "pt:example-treatment-resistant cg:ageYears \"INF\"^^xsd:double .",
    "blank-trial": "pt:example-treatment-resistant cg:hadTrial [ a cg:TreatmentTrial ; cg:trialOf rls:methadone ] .",
}
STANDALONE = {  # whole files: hostile profiles that are not injections into the example
    "blank-node-patient.ttl": HEADER + "[] a cg:Patient ; cg:ferritinNgPerMl 40.0 .\n",
    "drug-as-patient.ttl": HEADER + "rls:methadone a cg:Patient ; cg:ferritinNgPerMl 40.0 .\n",
    "patient-prefix-of-the-graph.ttl": HEADER + "<https://w3id.org/cgkg> a cg:Patient .\n",
    "unwritable-iri.ttl": HEADER + "<https://w3id.org/cgkg/patient/p q> a cg:Patient .\n",
    "leading-zero-ferritin.yaml": "sex: female\nlabs:\n  ferritin: {value: 0100, unit: ng/mL}\n",
    "octal-age.yaml": "sex: female\nage_years: 052\n",
    "sexagesimal-age.yaml": "sex: female\nage_years: 1:20\n",
    "duplicate-key.yaml": "sex: female\nesrd: false\nesrd: true\n",
    "duplicate-key.json": '{"sex": "female", "sex": "male"}\n',
    "nan.json": '{"sex": "female", "labs": {"ferritin": {"value": NaN, "unit": "ng/mL"}}}\n',
    "infinity.yaml": "sex: female\nlabs:\n  tsat: {value: .inf, unit: '%'}\n",
    "huge-exponent.json": '{"sex": "female", "age_years": 1e999}\n',
    "alias-bomb.yaml": ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
                        "sex: female\n"),
    "recursive-alias.yaml": "sex: female\npast_trials: &x [*x]\n",
    "trimester-float.json": '{"sex": "female", "pregnancy": {"status": "pregnant", "trimester": 2.0}}\n',
    "patient-id-newline.json": '{"sex": "female", "patient_id": "abc\\n"}\n',
    "long-patient-id.json": json.dumps({"sex": "female", "patient_id": "a" * 5000}) + "\n",
    "many-medications.yaml": "sex: female\ncurrent_medications:\n" + "  - {drug: gabapentin}\n" * 150,
    "deep-nesting.json": '{"sex": "female", "labs": ' + "[" * 5000 + "]" * 5000 + "}\n",
    "huge-integer.json": '{"sex": "female", "age_years": ' + "9" * 5000 + "}\n",
    "python-tag.yaml": "sex: !!python/object/apply:os.system ['true']\n",
    "every-problem-at-once.yaml": ("sex: f\nlabs:\n  ferritin: {value: 40, unit: ng/mL, date: 2999-01-01}\n"
                                   "dialysis: true\nesrd: false\ncurrent_medications:\n  - {drug: gabapentine}\n"),
    "future-date-newline.json": '{"sex": "female", "labs": {"ferritin": {"value": 40, "unit": "ng/mL", '
                                '"date": "2020-01-01\\n"}}}\n',
}


def main() -> None:
    CORPUS.mkdir(exist_ok=True)
    knowledge = default_knowledge()
    _, graph = to_rdf(read_yaml(EXAMPLE_PROFILE.read_text(encoding="utf-8")), knowledge.agents)
    base = graph.serialize(format="nt")
    trial = min(str(t) for t in graph.objects(None, CG.hadTrial))  # node numbers follow the converter: look it up
    for name, injection in INJECTIONS.items():
        injection = injection.replace("{trial}", trial)
        (CORPUS / f"inject-{name}.ttl").write_text(f"{HEADER}\n{base}\n# injected:\n{injection}\n", encoding="utf-8")
    for name, text in STANDALONE.items():
        (CORPUS / name).write_text(text, encoding="utf-8")
    (CORPUS / "not-utf8.yaml").write_bytes(b"sex: female\npatient_id: caf\xe9\n")
    (CORPUS / "not-utf8.ttl").write_bytes(HEADER.encode() + b"<https://w3id.org/cgkg/patient/caf\xe9> a cg:Patient .\n")


if __name__ == "__main__":
    main()
