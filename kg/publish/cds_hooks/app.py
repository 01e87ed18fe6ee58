"""``kg serve --cds-hooks``: a CDS Hooks 2.0 service (FastAPI, run by uvicorn), a thin layer over ``kg.decide``.

``GET /cds-services`` (discovery), ``POST /cds-services/{id}`` (patient-view, order-select, order-sign) and
``POST /cds-services/{id}/feedback``. A call's FHIR data (prefetch, else the EHR's FHIR server) is decided as one
FHIR Bundle input (kg/profile/fhir/); for an order hook the drafted MedicationRequests are decided as if taken, so
that the decision's status, dose checks and interactions cover them. Nothing of a call is kept: each decision takes
its own store (kg/core/build/knowledge.py) and the response is the only output (the JWT ``jti`` values are kept until
they expire, for replay protection). Errors are JSON ``{"error": message}``: 400 a malformed request or FHIR input
(naming the member or the resource and element), 401 authentication, 404 an unknown service, 412 data the service
cannot get.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse

from kg.base.errors import UserError
from kg.core.build.knowledge import Knowledge
from kg.core.decide.decision import decide
from kg.publish.cds_hooks.auth import AuthError, Verifier
from kg.publish.cds_hooks.cards import order_cards, patient_view_cards
from kg.publish.cds_hooks.discovery import PATIENT_VIEW, SERVICES_BY_ID, discovery
from kg.publish.cds_hooks.feedback import checked_feedback
from kg.publish.cds_hooks.hook_request import HookCall, HookError, checked_call
from kg.report.decision_output import to_json_data

RXNORM_OF_AGENT = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?id ?code WHERE {
  ?agent skos:exactMatch ?code ; dcterms:identifier ?id .
  FILTER(STRSTARTS(STR(?code), "http://purl.bioontology.org/ontology/RXNORM/"))
} ORDER BY ?id ?code"""


@dataclass(frozen=True)
class Settings:
    knowledge: Knowledge
    verifier: Verifier | None  # None: --no-auth (development only)
    public_url: str | None = None  # the base URL the EHR calls (a JWT's aud); default: the URL of the request
    as_of: dt.date | None = None  # the decisions' date (default: today)


def rxnorm_codes(knowledge: Knowledge) -> dict[str, str]:
    """Drug id -> its RxNorm code (skos:exactMatch; the first when there are several)."""
    codes: dict[str, str] = {}
    for row in knowledge.store.query(RXNORM_OF_AGENT):  # type: ignore[union-attr]
        codes.setdefault(row["id"].value, row["code"].value.rsplit("/", 1)[-1])
    return codes


def create_app(settings: Settings) -> FastAPI:
    app = FastAPI(title="cgkg CDS Hooks service", docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET", "POST"],
                       allow_headers=["Authorization", "Content-Type"])
    rxnorm_of = rxnorm_codes(settings.knowledge)

    def authorised(request: Request) -> None:
        if settings.verifier is not None:
            base = settings.public_url.rstrip("/") if settings.public_url else str(request.base_url).rstrip("/")
            settings.verifier.verify(request.headers.get("authorization"), base + request.url.path)

    def answer(handler: Callable[[], Any]) -> JSONResponse:
        try:
            return JSONResponse(handler())
        except AuthError as error:
            return JSONResponse({"error": str(error)}, status_code=401, headers={"WWW-Authenticate": "Bearer"})
        except HookError as error:
            return JSONResponse({"error": error.message}, status_code=error.status)
        except UserError as error:
            return JSONResponse({"error": f"invalid FHIR input: {error}"}, status_code=400)

    @app.get("/cds-services")
    def services(request: Request) -> JSONResponse:
        return answer(lambda: (authorised(request), discovery())[1])

    @app.post("/cds-services/{service_id}")
    async def call(service_id: str, request: Request) -> JSONResponse:
        body = await request.body()
        return await _in_thread(lambda: answer(lambda: _hook(settings, rxnorm_of, service_id, body, request,
                                                               authorised)))

    @app.post("/cds-services/{service_id}/feedback")
    async def feedback(service_id: str, request: Request) -> JSONResponse:
        body = await request.body()

        def handle() -> dict[str, Any]:
            authorised(request)
            _service(service_id)
            checked_feedback(_json(body))
            return {}
        return answer(handle)

    return app


async def _in_thread(work: Callable[[], JSONResponse]) -> JSONResponse:
    from starlette.concurrency import run_in_threadpool

    return await run_in_threadpool(work)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as error:
        raise HookError(400, f"request body: not JSON ({error})") from None


def _service(service_id: str):  # type: ignore[no-untyped-def]  # -> Service
    if service_id not in SERVICES_BY_ID:
        raise HookError(404, f"no CDS service {service_id!r} (GET /cds-services lists them)")
    return SERVICES_BY_ID[service_id]


def _hook(settings: Settings, rxnorm_of: dict[str, str], service_id: str, body: bytes, request: Request,
          authorised: Callable[[Request], None]) -> dict[str, Any]:
    authorised(request)
    hook = checked_call(_service(service_id), _json(body))
    data = to_json_data(decide(_with_drafts(hook), knowledge=settings.knowledge,
                               today=settings.as_of or dt.date.today()))
    patient = str(hook.context["patientId"])
    if hook.service.hook == PATIENT_VIEW:
        return {"cards": patient_view_cards(data, patient)}
    return {"cards": order_cards(data, hook.draft_orders, settings.knowledge.agents, rxnorm_of)}


def _with_drafts(hook: HookCall) -> dict[str, Any]:
    """The patient's Bundle, checked to be the context's patient, with the drafted medication orders as active."""
    patients = [e["resource"] for e in _resources(hook.bundle) if e["resource"].get("resourceType") == "Patient"]
    for patient in patients:
        if patient.get("id") != hook.context["patientId"]:
            raise HookError(400, f"prefetch: Patient/{patient.get('id')} is not context.patientId "
                                 f"{hook.context['patientId']!r}")
    drafts = [{**order, "status": "active"} for order in hook.draft_orders
              if order.get("resourceType") == "MedicationRequest"]
    return {**hook.bundle, "entry": [*hook.bundle["entry"], *({"resource": d} for d in drafts)]}


def _resources(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    for entry in bundle.get("entry", []):
        resource = entry.get("resource") or {}
        found += _resources(resource) if resource.get("resourceType") == "Bundle" else [entry]
    return found


def serve(settings: Settings, host: str, port: int) -> None:
    """Run the service with uvicorn until stopped."""
    import uvicorn

    uvicorn.run(create_app(settings), host=host, port=port, log_level="warning")
