"""The CDS Hooks 2.0 service (kg serve --cds-hooks) in a real uvicorn process, called with a real HTTP client and
signed JWTs: discovery, patient-view and order-sign cards, the spec's card rules, 400/401/404/412 answers, the
fhirServer fallback, feedback, and two parallel calls for two patients.

Expected cards are written from the sources, not from the service's output: the FDA 2017 contraindication of codeine
and tramadol in children under 12 (fda-ct17), the AASM 2024 recommendation against bupropion for RLS, the gabapentin
label's 3600 mg/day maximum, the FDA 2019 warning on gabapentinoids with opioids (fda-gaba), the seed's first step
(verify iron repletion: ferritin >75 ng/mL) and the benzodiazepine neonatal withdrawal caution in pregnancy."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from tests.servers.cds_hooks import (
    ISSUER,
    CdsService,
    fhir_server,
    load_bundle,
    prefetch_of,
)

FIXTURES = Path(__file__).parent / "fixtures" / "fhir"
DISCOVERY = "/cds-services"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
INDICATORS = {"info", "warning", "critical"}


def discovered(service: CdsService) -> dict[str, Any]:
    reply = requests.get(service.base + DISCOVERY, headers=service.headers(DISCOVERY), timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()


def templates(service: CdsService) -> dict[str, str]:
    return discovered(service)["services"][0]["prefetch"]


def hook_body(service: CdsService, hook: str, name: str, drafts: list[dict[str, Any]] = ()) -> dict[str, Any]:
    bundle = load_bundle(FIXTURES, name)
    patient = next(e["resource"]["id"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Patient")
    body: dict[str, Any] = {"hook": hook, "hookInstance": str(uuid.uuid4()),
                            "context": {"userId": "Practitioner/example", "patientId": patient},
                            "prefetch": prefetch_of(bundle, templates(service))}
    if drafts:
        body["context"]["draftOrders"] = {"resourceType": "Bundle", "type": "collection",
                                          "entry": [{"resource": d} for d in drafts]}
    return body


def call(service: CdsService, hook: str, body: Any, **overrides: Any) -> requests.Response:
    path = f"/cds-services/cgkg-{hook}"
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return requests.post(service.base + path, data=data, timeout=120,
                         headers={**service.headers(path, **overrides), "Content-Type": "application/json"})


def cards(service: CdsService, hook: str, name: str, drafts: list[dict[str, Any]] = ()) -> list[dict[str, Any]]:
    reply = call(service, hook, hook_body(service, hook, name, drafts))
    assert reply.status_code == 200, reply.text
    found = reply.json()["cards"]
    for card in found:
        assert_card_rules(card)
    return found


def assert_card_rules(card: dict[str, Any]) -> None:
    """CDS Hooks 2.0 card rules (fhir-cdshooks-omop.md §2.4, §2.7 cds-resp-1..6)."""
    assert no_empty_values(card)
    assert len(card["summary"]) < 140
    assert card["indicator"] in INDICATORS
    assert card["source"]["label"]
    suggestions = card.get("suggestions", [])
    if suggestions:
        assert card["selectionBehavior"] in ("at-most-one", "any")
    if card.get("selectionBehavior") == "at-most-one":
        assert sum(bool(s.get("isRecommended")) for s in suggestions) <= 1
    for action in (a for s in suggestions for a in s.get("actions", [])):
        assert action["description"] and action["type"] in ("create", "update", "delete")
        if action["type"] == "delete":
            assert action["resourceId"] and "resource" not in action
        else:
            assert action["resource"]["resourceType"]


def no_empty_values(value: Any) -> bool:
    if value is None or value in ("", [], {}):
        return False
    if isinstance(value, dict):
        return all(no_empty_values(v) for v in value.values())
    if isinstance(value, list):
        return all(no_empty_values(v) for v in value)
    return True


def order(patient: str, rxnorm: str, dose_mg: float | None = None, times_a_day: int = 1) -> dict[str, Any]:
    draft: dict[str, Any] = {"resourceType": "MedicationRequest", "id": f"draft-{rxnorm}", "status": "draft",
                             "intent": "order", "subject": {"reference": f"Patient/{patient}"},
                             "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": rxnorm}]}}
    if dose_mg is not None:
        draft["dosageInstruction"] = [{
            "timing": {"repeat": {"frequency": times_a_day, "period": 1, "periodUnit": "d"}},
            "doseAndRate": [{"doseQuantity": {"value": dose_mg, "unit": "mg", "system": "http://unitsofmeasure.org",
                                              "code": "mg"}}]}]
    return draft


def text_of(found: list[dict[str, Any]]) -> str:
    return json.dumps(found)


# ---- discovery and authentication ----------------------------------------------------------------------------


def test_discovery_lists_the_three_hooks_with_the_required_fields(cds_service: CdsService):
    services = discovered(cds_service)["services"]
    assert {s["hook"] for s in services} == {"patient-view", "order-select", "order-sign"}
    for service in services:
        assert no_empty_values(service)
        assert service["id"] and service["description"] and service["title"]
        assert all(isinstance(t, str) and "{{context.patientId}}" in t for t in service["prefetch"].values())
    prefetch = services[0]["prefetch"]
    assert prefetch["patient"] == "Patient/{{context.patientId}}"
    assert "http://loinc.org|2276-4" in prefetch["observations"]  # ferritin, from profile_fhir.tsv


@pytest.mark.parametrize("problem", ["no token", "HS256", "wrong audience", "unknown issuer", "expired"])
def test_a_call_without_a_valid_jwt_is_refused(cds_service: CdsService, problem: str):
    url = cds_service.base + DISCOVERY
    if problem == "no token":
        headers = {}
    elif problem == "HS256":
        token = jwt.encode({"iss": ISSUER, "aud": url, "exp": 9_999_999_999, "iat": 0, "jti": "x"}, "secret" * 6,
                           algorithm="HS256", headers={"kid": "ehr-key-1"})
        headers = {"Authorization": f"Bearer {token}"}
    elif problem == "wrong audience":
        headers = cds_service.headers(DISCOVERY, aud=cds_service.base + "/somewhere-else")
    elif problem == "unknown issuer":
        headers = cds_service.headers(DISCOVERY, iss="https://attacker.example.org")
    else:
        headers = cds_service.headers(DISCOVERY, exp=1_000_000, iat=999_000)
    reply = requests.get(url, headers=headers, timeout=30)
    assert reply.status_code == 401
    assert reply.json()["error"]


def test_a_replayed_jwt_is_refused(cds_service: CdsService):
    headers = cds_service.headers(DISCOVERY)
    assert requests.get(cds_service.base + DISCOVERY, headers=headers, timeout=30).status_code == 200
    again = requests.get(cds_service.base + DISCOVERY, headers=headers, timeout=30)
    assert again.status_code == 401 and "jti" in again.json()["error"]


# ---- patient-view ---------------------------------------------------------------------------------------------


def test_patient_view_of_the_example_patient(cds_service: CdsService):
    found = cards(cds_service, "patient-view", "example-treatment-resistant")
    by_summary = {c["summary"].split(":")[0]: c for c in found}
    # pramipexole: recommended against for standard use (augmentation); ferritin 42 is below the seed's >75 target
    assert by_summary["Stop or change"]["indicator"] == "warning"
    assert "pramipexole" in by_summary["Stop or change"]["summary"]
    assert "Verify iron repletion" in by_summary["Now"]["detail"]
    # alcohol and caffeine have no FHIR code: the decision asks for them
    assert "alcohol" in by_summary["Ask or measure first"]["detail"]


def test_patient_view_of_a_child_shows_the_fda_contraindications_as_critical(cds_service: CdsService):
    safety = next(c for c in cards(cds_service, "patient-view", "child") if c["summary"].startswith("Safety"))
    assert safety["indicator"] == "critical"
    assert "codeine" in safety["detail"] and "tramadol" in safety["detail"] and "fda-ct17" in safety["detail"]


def test_patient_view_of_a_pregnant_patient_on_clonazepam_warns(cds_service: CdsService):
    safety = next(c for c in cards(cds_service, "patient-view", "pregnant") if c["summary"].startswith("Safety"))
    assert safety["indicator"] == "warning"
    assert "clonazepam" in safety["detail"] and "withdrawal" in safety["detail"].lower()


def test_patient_view_asks_to_measure_ferritin_when_two_values_disagree(cds_service: CdsService):
    ask = next(c for c in cards(cds_service, "patient-view", "dialysis") if c["summary"].startswith("Ask"))
    assert "ferritin" in ask["detail"]
    assert any("ferritin" in s["label"] or "ferritin" in json.dumps(s) for s in ask["suggestions"])


# ---- order-sign -----------------------------------------------------------------------------------------------


def test_ordering_tramadol_for_a_child_is_a_critical_card(cds_service: CdsService):
    found = cards(cds_service, "order-sign", "child", [order("child-rls", "10689")])
    assert [c["indicator"] for c in found if c["summary"].startswith("tramadol")][0] == "critical"


def test_ordering_bupropion_for_rls_is_recommended_against(cds_service: CdsService):
    found = cards(cds_service, "order-select", "missing-labs", [order("missing-labs", "42347")])
    card = next(c for c in found if c["summary"].startswith("bupropion"))
    assert card["indicator"] == "warning" and "recommended against" in card["summary"]


def test_a_gabapentin_order_above_the_label_maximum_gets_a_dose_card(cds_service: CdsService):
    found = cards(cds_service, "order-sign", "missing-labs", [order("missing-labs", "25480", 1600, 3)])
    assert any("above maximum" in c["summary"] and "4800" in c["summary"] for c in found), text_of(found)


def test_an_opioid_order_next_to_gabapentin_warns_of_the_interaction(cds_service: CdsService):
    found = cards(cds_service, "order-sign", "example-treatment-resistant",
                  [order("example-treatment-resistant", "7804", 5, 2)])
    interaction = [c for c in found if "interacts with gabapentin" in c["summary"]]
    assert interaction and interaction[0]["indicator"] == "warning" and "fda-gaba" in interaction[0]["detail"]


def test_an_order_the_guideline_recommends_for_the_patient_gets_no_card(cds_service: CdsService):
    """AASM 2024 suggests vitamin C for adults with RLS and ESRD (the dialysis patient)."""
    assert cards(cds_service, "order-sign", "dialysis", [order("dialysis-rls", "1151")]) == []


# ---- bad requests, the FHIR server fallback, feedback, parallel calls ----------------------------------------


@pytest.mark.parametrize(("change", "status", "said"), [
    (lambda b: b"{not json", 400, "not JSON"),
    (lambda b: {**b, "hook": "order-sign"}, 400, "hook"),
    (lambda b: {**b, "hookInstance": "42"}, 400, "hookInstance"),
    (lambda b: {**b, "context": {"userId": "Practitioner/1"}}, 400, "context.patientId"),
    (lambda b: {**b, "fhirAuthorization": {"access_token": "x", "token_type": "Bearer"}}, 400, "fhirServer"),
    (lambda b: {**b, "context": {**b["context"], "patientId": "someone-else"}}, 400, "context.patientId"),
    (lambda b: {k: v for k, v in b.items() if k != "prefetch"}, 412, "fhirServer"),
])
def test_a_malformed_request_gets_a_clear_error(cds_service: CdsService, change, status: int, said: str):
    reply = call(cds_service, "patient-view", change(hook_body(cds_service, "patient-view", "child")))
    assert reply.status_code == status
    assert said in reply.json()["error"]


def test_invalid_fhir_in_a_draft_order_names_the_resource_and_element(cds_service: CdsService):
    draft = order("child-rls", "25480")
    draft["dosageInstruction"] = [{"doseQuantity": {"value": 300, "code": "mg"}}]  # the STU3 shape
    reply = call(cds_service, "order-sign", hook_body(cds_service, "order-sign", "child", [draft]))
    assert reply.status_code == 400
    assert "MedicationRequest/draft-25480" in reply.json()["error"]
    assert "dosageInstruction[0].doseQuantity" in reply.json()["error"]


def test_an_unknown_service_is_404(cds_service: CdsService):
    path = "/cds-services/no-such-service"
    reply = requests.post(cds_service.base + path, json={}, headers=cds_service.headers(path), timeout=30)
    assert reply.status_code == 404


def test_without_prefetch_the_data_is_fetched_from_the_fhir_server_with_the_bearer_token(cds_service: CdsService):
    with_prefetch = cards(cds_service, "patient-view", "pregnant")
    served, server = fhir_server(load_bundle(FIXTURES, "pregnant"))
    try:
        body = hook_body(cds_service, "patient-view", "pregnant")
        del body["prefetch"]
        body["fhirServer"] = served.base
        body["fhirAuthorization"] = {"access_token": "token-42", "token_type": "Bearer", "expires_in": 300,
                                     "scope": "patient/*.read", "subject": "cgkg"}
        reply = call(cds_service, "patient-view", body)
    finally:
        server.shutdown()
    assert reply.status_code == 200, reply.text
    assert [(c["summary"], c["detail"]) for c in reply.json()["cards"]] == \
        [(c["summary"], c["detail"]) for c in with_prefetch]
    assert served.seen and all(auth == "Bearer token-42" for _, auth in served.seen)


def test_feedback_is_checked_and_acknowledged(cds_service: CdsService):
    path = "/cds-services/cgkg-patient-view/feedback"
    good = {"feedback": [{"card": str(uuid.uuid4()), "outcome": "accepted", "outcomeTimestamp": "2026-11-01T10:00:00Z",
                          "acceptedSuggestions": [{"id": str(uuid.uuid4())}]}]}
    reply = requests.post(cds_service.base + path, json=good, headers=cds_service.headers(path), timeout=30)
    assert reply.status_code == 200 and reply.json() == {}
    bad = {"feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "2026-11-01T10:00:00Z"}]}
    reply = requests.post(cds_service.base + path, json=bad, headers=cds_service.headers(path), timeout=30)
    assert reply.status_code == 400 and "acceptedSuggestions" in reply.json()["error"]


def test_two_parallel_calls_for_two_patients_each_get_their_own_answer(cds_service: CdsService):
    def shown(found: list[dict[str, Any]]) -> list[tuple[str, str]]:
        return [(c["summary"], c.get("detail", "")) for c in found]

    alone = {name: shown(cards(cds_service, "patient-view", name)) for name in ("child", "pregnant")}
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = [(name, pool.submit(cards, cds_service, "patient-view", name))
                   for name in ("child", "pregnant", "child", "pregnant")]
        together = [(name, shown(future.result())) for name, future in futures]
    assert together == [(name, alone[name]) for name, _ in futures]
    assert alone["child"] != alone["pregnant"]
