"""Speed of the FHIR input and of the CDS Hooks service (#18 targets: a patient-view call with prefetch under 100 ms
median on a warm service; a bundle of 200 resources parsed and decided under 300 ms), median wall time of several
runs, each against a baseline measured in the same process: ``kg.decide`` of the bundle's YAML twin (the decision
itself, without the FHIR reading).

* ``read 200``: profile_from_fhir on the bundled example patient padded to 200 resources (validation with the R4B
  models, mapping, dosage), alone;
* ``decide 200``: kg.decide of that bundle; ``decide twin``: kg.decide of the YAML twin (the baseline);
* ``patient-view``: POST /cds-services/cgkg-patient-view with prefetch to ``kg serve --cds-hooks --no-auth`` (a
  real uvicorn process on 127.0.0.1, warmed up by one call), HTTP round trip included.

Run: ``python benchmarks/bench_fhir.py [--runs N]``; writes benchmarks/results/bench_fhir.json.
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import json
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from kg.core.decide.decision import decide, default_knowledge
from kg.profile.fhir import profile_from_fhir
from kg.profile.reader import read_yaml

ROOT = Path(__file__).parent.parent
sys.path.insert(0, str(ROOT))  # the tests' helpers: the prefetch an EHR sends, a free port
FIXTURES = ROOT / "tests" / "fixtures" / "fhir"
RESULTS = Path(__file__).parent / "results"
AS_OF = dt.date(2026, 11, 1)
NAME = "example-treatment-resistant"


def median_seconds(action: Callable[[], object], runs: int) -> float:
    action()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def padded(bundle: dict[str, Any], size: int) -> dict[str, Any]:
    """The bundle with older lab results and encounters added up to *size* resources (all read, most superseded)."""
    padded = copy.deepcopy(bundle)
    template = next(e["resource"] for e in bundle["entry"] if e["resource"]["id"] == "hemoglobin")
    day = dt.date(2020, 1, 1)
    while len(padded["entry"]) < size:
        day += dt.timedelta(days=7)
        old = copy.deepcopy(template)
        old["id"] = f"hemoglobin-{day.isoformat()}"
        old["effectiveDateTime"] = day.isoformat()
        padded["entry"].append({"resource": old})
    return padded


def prefetch(bundle: dict[str, Any]) -> dict[str, Any]:
    from kg.publish.cds_hooks.discovery import prefetch_templates
    from tests.servers.cds_hooks import prefetch_of

    return prefetch_of(bundle, prefetch_templates())


def patient_view(bundle: dict[str, Any], runs: int) -> float:
    from tests.servers.ports import free_port

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--cds-hooks", "--no-auth", "--port", str(port),
                                "--as-of", AS_OF.isoformat()], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/cds-services", timeout=1)  # noqa: S310 - loopback
                break
            except OSError:
                time.sleep(0.2)
        body = {"hook": "patient-view", "hookInstance": "", "prefetch": prefetch(bundle),
                "context": {"userId": "Practitioner/1", "patientId": NAME}}

        def one() -> None:
            reply = requests.post(f"{base}/cds-services/cgkg-patient-view",
                                  json={**body, "hookInstance": str(uuid.uuid4())}, timeout=120)
            reply.raise_for_status()
        return median_seconds(one, runs)
    finally:
        process.terminate()
        process.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    knowledge = default_knowledge()
    bundle = json.loads((FIXTURES / f"{NAME}.json").read_text(encoding="utf-8"))
    big = padded(bundle, 200)
    twin = read_yaml((FIXTURES / f"{NAME}.yaml").read_text(encoding="utf-8"))
    results = {
        "resources": len(big["entry"]),
        "read 200 (s)": median_seconds(lambda: profile_from_fhir(big, knowledge.agents, AS_OF), args.runs),
        "decide 200 (s)": median_seconds(lambda: decide(big, knowledge=knowledge, today=AS_OF), args.runs),
        "decide twin (s)": median_seconds(lambda: decide(twin, knowledge=knowledge, today=AS_OF), args.runs),
        "patient-view with prefetch (s)": patient_view(bundle, args.runs),
        "runs": args.runs,
    }
    results["decide 200 / decide twin"] = results["decide 200 (s)"] / results["decide twin (s)"]
    results["patient-view / decide twin"] = results["patient-view with prefetch (s)"] / results["decide twin (s)"]
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_fhir.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    for key, value in results.items():
        print(f"{key:34} {value:.3f}" if isinstance(value, float) else f"{key:34} {value}")


if __name__ == "__main__":
    main()
