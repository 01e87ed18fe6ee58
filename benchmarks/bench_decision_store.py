"""Where a decision puts its patient (ADR 0014): warm ``kg.decide`` on the bundled example, median of
``--runs`` calls per variant, the variants interleaved in one process (each on its own knowledge) and
reported as ratios to the first:

- ``own-store``: what kg/core/decide/decision.py does: a store of the decision's own, holding the build, reused once the
  decision gave it back clean (kg/core/build/knowledge.py);
- ``fresh-copy``: the same without reuse: a new copy of the build for every decision;
- ``named-graph``: one shared decision store, the patient in a named graph of its own, the rules' default
  graph the union of the build and that graph (pyoxigraph ``default_graph=[DefaultGraph(), graph]``);
- ``--against REV``: also the decision module as it was at a git revision (e.g. the shared store before ADR 0014).

Run: ``python benchmarks/bench_decision_store.py [--runs N] [--against REV]``;
writes benchmarks/results/bench_decision_store.json.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph as ox

import kg.core.decide.decision
from kg.base.oxigraph_bridge import to_ox
from kg.base.paths import EXAMPLE_PROFILE
from kg.core.build.knowledge import Knowledge, load_knowledge
from kg.core.decide.decision import PatientGraph, Row, _output_query, _rules
from kg.core.query.library import run_construct, run_query
from kg.profile.reader import read_yaml

ROOT = Path(__file__).parent.parent
RESULTS = Path(__file__).parent / "results"


class NamedGraphPatient(PatientGraph):
    """The patient in a named graph of one shared store, read with the build as a union default graph."""

    shared: dict[int, ox.Store] = {}

    @contextmanager
    def in_store(self) -> Iterator[PatientGraph]:
        self.store = self.shared.setdefault(id(self.knowledge), self.knowledge.fresh_store())
        self.name = ox.NamedNode(f"urn:uuid:{uuid.uuid4()}")
        try:
            self._add(self.graph)
            yield self
        finally:
            self.store.remove_graph(self.name)

    def _add(self, triples) -> None:  # type: ignore[no-untyped-def]
        store = self._store()
        quads = [ox.Quad(*(t.subject, t.predicate, t.object) if isinstance(t, ox.Triple) else map(to_ox, t),
                         self.name) for t in triples]
        store.extend(q for q in quads if ox.Quad(q.subject, q.predicate, q.object) not in store)

    def run_rules(self, folder: str, keep_as_rdflib: bool = True) -> None:
        for rule in _rules(folder):
            triples = run_construct(rule, self._store(), {"patient": self.patient}, self._dataset())
            if keep_as_rdflib:
                self.add(triples)
            else:
                self._add(triples)
                self.assessed += triples

    def select(self, name: str) -> list[Row]:
        query = _output_query(name)
        bindings = {"patient": self.patient} if "patient" in query.params else {}
        return run_query(query, self._store(), bindings, self._dataset())

    def _dataset(self) -> list[ox.DefaultGraph | ox.NamedNode]:
        return [ox.DefaultGraph(), self.name]


def _without_reuse(knowledge: Knowledge) -> Knowledge:
    knowledge.give_back_decision_store = lambda store: None  # type: ignore[method-assign]
    return knowledge


def _named_graph(profile: dict, knowledge: Knowledge) -> None:
    kg.core.decide.decision.PatientGraph = NamedGraphPatient  # type: ignore[misc]
    try:
        kg.core.decide.decision.decide(profile, knowledge=knowledge)
    finally:
        kg.core.decide.decision.PatientGraph = PatientGraph  # type: ignore[misc]


def _at_revision(revision: str) -> Callable[..., object]:
    """The decision module at ``revision`` (kg/core/decide/decision.py, or kg/decision.py before ADR 0017),
    imported as its own module (it reads the same queries and knowledge)."""
    for where in ("kg/core/decide/decision.py", "kg/decision.py"):
        shown = subprocess.run(["git", "show", f"{revision}:{where}"], cwd=ROOT, capture_output=True, text=True)
        if shown.returncode == 0:
            break
    source = shown.stdout
    path = Path(tempfile.mkdtemp()) / "decision_at_revision.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("decision_at_revision", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[spec.name] = module  # type: ignore[union-attr]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module.decide


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--against", help="a git revision: also time kg/core/decide/decision.py as it was there")
    args = parser.parse_args()
    example = read_yaml(EXAMPLE_PROFILE.read_text())
    variants: dict[str, Callable[[], object]] = {}
    if args.against:
        old_decide, old_knowledge = _at_revision(args.against), load_knowledge()
        variants[f"at {args.against}"] = lambda: old_decide(example, knowledge=old_knowledge)
    own, copy, named = load_knowledge(), _without_reuse(load_knowledge()), load_knowledge()
    variants["own-store"] = lambda: kg.core.decide.decision.decide(example, knowledge=own)
    variants["fresh-copy"] = lambda: kg.core.decide.decision.decide(example, knowledge=copy)
    variants["named-graph"] = lambda: _named_graph(example, named)
    times: dict[str, list[float]] = {name: [] for name in variants}
    for run in range(args.runs + 2):  # the first two are the warm-up
        order = list(variants) if run % 2 else list(reversed(variants))
        for name in order:
            started = time.perf_counter()
            variants[name]()
            if run >= 2:
                times[name].append(time.perf_counter() - started)
    medians = {name: statistics.median(samples) * 1000 for name, samples in times.items()}
    first = next(iter(medians.values()))
    results = {"runs": args.runs, **{f"{name}_ms": ms for name, ms in medians.items()},
               **{f"{name}_ratio": ms / first for name, ms in medians.items()}}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "bench_decision_store.json").write_text(json.dumps(results, indent=2) + "\n")
    for key, value in results.items():
        print(f"{key:<30} {value:.3f}" if isinstance(value, float) else f"{key:<30} {value}")


if __name__ == "__main__":
    main()
