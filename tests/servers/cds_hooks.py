"""``kg serve --cds-hooks`` in a real uvicorn process on a free 127.0.0.1 port, trusting one EHR whose ES384 key the
tests hold (they sign the JWTs the spec asks for), and a small FHIR server for the fhirServer fallback."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from tests.servers.ports import free_port, stop, wait_until_answering

ISSUER = "https://ehr.example.org"
KID = "ehr-key-1"
AS_OF = "2026-11-01"


@dataclass
class CdsService:
    base: str
    key: ec.EllipticCurvePrivateKey

    def token(self, path: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": self.base + path, "exp": now + 300, "iat": now, "jti": str(uuid.uuid4()),
                  **overrides}
        return jwt.encode(claims, self.key, algorithm="ES384", headers={"kid": KID, "typ": "JWT"})

    def headers(self, path: str, **overrides: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(path, **overrides)}"}


@pytest.fixture(scope="session")
def cds_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CdsService]:
    key = ec.generate_private_key(ec.SECP384R1())
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    issuers = tmp_path_factory.mktemp("cds") / "issuers.json"
    issuers.write_text(json.dumps({"issuers": {ISSUER: {"keys": [{**public, "kid": KID, "alg": "ES384"}]}}}))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--cds-hooks", "--port", str(port),
                                "--trusted-issuers", str(issuers), "--public-url", base, "--as-of", AS_OF],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_answering(f"{base}/cds-services", process, 120, "kg serve --cds-hooks")
        yield CdsService(base, key)
    finally:
        stop(process)


@dataclass
class FhirServer:
    """Answers the prefetch queries of one patient from a fixture Bundle; records the Authorization headers."""

    base: str
    seen: list[tuple[str, str | None]] = field(default_factory=list)


def fhir_server(bundle: dict[str, Any]) -> tuple[FhirServer, ThreadingHTTPServer]:
    resources = [e["resource"] for e in bundle["entry"]]
    port = free_port()
    served = FhirServer(f"http://127.0.0.1:{port}/fhir")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            served.seen.append((self.path, self.headers.get("Authorization")))
            path, _, _ = self.path.removeprefix("/fhir/").partition("?")
            kind, _, rid = path.partition("/")
            if rid:
                found = next((r for r in resources if r["resourceType"] == kind and r["id"] == rid), None)
                missing = {"resourceType": "OperationOutcome", "issue": [{"severity": "error", "code": "not-found"}]}
                body = found or missing
                status = 200 if found else 404
            else:
                status = 200
                included = "_include=MedicationRequest:medication" in self.path
                body = {"resourceType": "Bundle", "type": "searchset",
                        "entry": [{"resource": r, "search": {"mode": "match"}} for r in resources
                                  if r["resourceType"] == kind]
                        + [{"resource": r, "search": {"mode": "include"}} for r in resources
                           if included and r["resourceType"] == "Medication"]}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/fhir+json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return served, server


def prefetch_of(bundle: dict[str, Any], templates: dict[str, str]) -> dict[str, Any]:
    """A fixture Bundle as the prefetch an EHR sends for the discovery's templates: the Patient, and one searchset
    per other key with the resources of its type."""
    key_of = {template.split("?")[0].split("/")[0]: key for key, template in templates.items()}
    prefetch: dict[str, Any] = {key: {"resourceType": "Bundle", "type": "searchset", "entry": []}
                                for key in templates if key != "patient"}
    for entry in bundle["entry"]:
        resource = entry["resource"]
        if resource["resourceType"] == "Patient":
            prefetch["patient"] = resource
        elif resource["resourceType"] == "Medication":  # _include=MedicationRequest:medication
            prefetch[key_of["MedicationRequest"]]["entry"].append({"resource": resource, "search": {"mode": "include"}})
        elif resource["resourceType"] in key_of:
            prefetch[key_of[resource["resourceType"]]]["entry"].append({"resource": resource,
                                                                        "search": {"mode": "match"}})
    return prefetch


def load_bundle(folder: Path, name: str) -> dict[str, Any]:
    return json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
