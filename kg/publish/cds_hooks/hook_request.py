"""A CDS Hooks 2.0 service call (fhir-cdshooks-omop.md §2.2-2.3): the request checked (400 with a message naming
the member and the rule), the patient's FHIR data from ``prefetch``, else fetched from ``fhirServer`` with the
bearer token of ``fhirAuthorization`` (412 when neither gives it), gathered into one Bundle for ``kg.decide``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from kg.publish.cds_hooks.discovery import ORDER_SELECT, ORDER_SIGN, Service, prefetch_templates

FETCH_SECONDS = 10.0
MAX_PAGES = 5  # of one searchset fetched from the FHIR server
TOKEN = re.compile(r"\{\{\s*context\.(\w+)\s*\}\}")
ORDER_HOOKS = (ORDER_SELECT, ORDER_SIGN)


class HookError(Exception):
    """A request the service cannot answer: the HTTP status and the message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass(frozen=True)
class HookCall:
    """A checked call: its context, the patient's data as one Bundle, and the draft orders (order hooks)."""

    service: Service
    context: Mapping[str, Any]
    bundle: dict[str, Any]
    draft_orders: list[dict[str, Any]]


def bad(member: str, rule: str) -> HookError:
    return HookError(400, f"{member}: {rule}")


def checked_call(service: Service, body: Any) -> HookCall:
    """The call, checked against the spec's required members; its data gathered (prefetch, else the FHIR server)."""
    if not isinstance(body, Mapping):
        raise bad("request body", "must be a JSON object")
    if body.get("hook") != service.hook:
        raise bad("hook", f"{body.get('hook')!r} is not this service's hook {service.hook!r}")
    try:
        uuid.UUID(str(body.get("hookInstance")))
    except ValueError:
        raise bad("hookInstance", "required, a UUID") from None
    context = body.get("context")
    if not isinstance(context, Mapping):
        raise bad("context", "required, an object")
    for member in ("userId", "patientId"):
        if not isinstance(context.get(member), str) or not context[member]:
            raise bad(f"context.{member}", "required, a string")
    authorization = body.get("fhirAuthorization")
    if authorization is not None and not body.get("fhirServer"):
        raise bad("fhirServer", "required when fhirAuthorization is given (cds-r-1)")
    drafts = _draft_orders(service, context)
    prefetch = body.get("prefetch") or {}
    if not isinstance(prefetch, Mapping):
        raise bad("prefetch", "must be an object (key -> FHIR resource or Bundle)")
    resources = _gathered(prefetch, context, body.get("fhirServer"), authorization)
    return HookCall(service, context, {"resourceType": "Bundle", "type": "collection",
                                       "entry": [{"resource": r} for r in resources]}, drafts)


def _draft_orders(service: Service, context: Mapping[str, Any]) -> list[dict[str, Any]]:
    if service.hook not in ORDER_HOOKS:
        return []
    drafts = context.get("draftOrders")
    if not isinstance(drafts, Mapping) or drafts.get("resourceType") != "Bundle":
        raise bad("context.draftOrders", "required, a Bundle of draft orders")
    orders = [e.get("resource") for e in drafts.get("entry", []) if isinstance(e, Mapping)]
    if any(not isinstance(o, Mapping) or "resourceType" not in o for o in orders):
        raise bad("context.draftOrders.entry.resource", "must be FHIR resources")
    return [dict(o) for o in orders]


def _gathered(prefetch: Mapping[str, Any], context: Mapping[str, Any], server: Any,
              authorization: Any) -> list[dict[str, Any]]:
    """The prefetched resources (a key with no data is null or an empty Bundle), then the missing keys fetched."""
    templates = prefetch_templates()
    resources: list[dict[str, Any]] = []
    for key, value in prefetch.items():
        if key not in templates:
            raise bad(f"prefetch.{key}", f"not a prefetch key of this service ({', '.join(templates)})")
        if value is None:
            continue
        if not isinstance(value, Mapping) or "resourceType" not in value:
            raise bad(f"prefetch.{key}", "must be a FHIR resource, a Bundle or null")
        resources.append(dict(value))
    missing = [key for key in templates if key not in prefetch]
    if missing and not server:
        raise HookError(412, f"prefetch keys {', '.join(missing)} are missing and no fhirServer was given to fetch "
                             "them from")
    for key in missing:
        resources += _fetch(str(server), _filled(templates[key], context), authorization)
    return resources


def _filled(template: str, context: Mapping[str, Any]) -> str:
    return TOKEN.sub(lambda m: str(context.get(m.group(1), "")), template)


def _fetch(server: str, query: str, authorization: Any) -> list[dict[str, Any]]:
    """A query on the FHIR server (the pages of a searchset, up to MAX_PAGES), as resources."""
    headers = {"Accept": "application/fhir+json"}
    if isinstance(authorization, Mapping) and authorization.get("access_token"):
        headers["Authorization"] = f"Bearer {authorization['access_token']}"
    url: str | None = f"{server.rstrip('/')}/{query}"
    found: list[dict[str, Any]] = []
    for _ in range(MAX_PAGES):
        if url is None:
            break
        try:
            reply = requests.get(url, headers=headers, timeout=FETCH_SECONDS)
        except requests.RequestException as error:
            raise HookError(412, f"the FHIR server did not answer {query}: {type(error).__name__}") from None
        if reply.status_code == 404:
            return found
        if reply.status_code != 200:
            raise HookError(412, f"the FHIR server answered {query} with HTTP {reply.status_code}")
        data = reply.json()
        found.append(data)
        url = next((link.get("url") for link in data.get("link", []) if link.get("relation") == "next"), None) \
            if data.get("resourceType") == "Bundle" else None
    return found
