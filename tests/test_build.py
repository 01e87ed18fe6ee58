"""Build: deterministic bytes, golden fixture graph (isomorphism), atomic writes, failures write nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.base.errors import ValidationError
from kg.base.paths import BUILT_GRAPH_NAME
from kg.core.build.pipeline import OUTPUT_NAMES, BuildFailed, build, serialize
from tests.conftest import BROKEN_TABLES, FIXTURE_TABLES, GOLDEN, copy_package

GOLDEN_FIXTURE_GRAPH = GOLDEN / "fixture-graph.ttl"


def test_fixture_build_matches_the_golden_graph(fixture_graph: Graph, update_golden: bool):
    if update_golden:
        GOLDEN_FIXTURE_GRAPH.write_bytes(serialize(fixture_graph))
    golden = Graph().parse(GOLDEN_FIXTURE_GRAPH)
    if not isomorphic(golden, fixture_graph):
        _, only_golden, only_built = graph_diff(to_isomorphic(golden), to_isomorphic(fixture_graph))
        pytest.fail(
            "fixture graph differs from tests/golden/fixture-graph.ttl (regenerate with --update-golden "
            f"if intended)\nonly in golden:\n{only_golden.serialize(format='nt')}\n"
            f"only in build:\n{only_built.serialize(format='nt')}"
        )


@pytest.mark.campaign  # two fresh interpreters, each building the real graph
def test_serialization_is_byte_identical_across_processes(tmp_path: Path):
    """Two independent builds (fresh interpreters, different hash seeds) give the same bytes."""
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        code = "import sys, kg; kg.build(sys.argv[1], reason=False)"
        subprocess.run([sys.executable, "-c", code, str(out)], check=True, env=env)
        outputs.append((out / BUILT_GRAPH_NAME).read_bytes())
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) > 100_000


@pytest.mark.reasoner
def test_fixture_build_writes_graph_and_report(tmp_path: Path, java: str):
    result = build(tmp_path / "out", source=FIXTURE_TABLES)
    assert sorted(p.name for p in result.files) == sorted(OUTPUT_NAMES)  # graph, entailments, decision tables, report
    written = Graph().parse(tmp_path / "out" / BUILT_GRAPH_NAME)
    assert isomorphic(written, result.graph)
    assert result.reasoner is not None and result.reasoner.ok
    assert not list(tmp_path.glob(".kg-build-*")), "the staging folder is removed"


def test_invalid_tables_write_nothing(tmp_path: Path):
    with pytest.raises(ValidationError):
        build(tmp_path / "out", source=BROKEN_TABLES)
    assert list(tmp_path.iterdir()) == []


def test_failing_qc_check_writes_nothing(tmp_path: Path):
    package = copy_package(FIXTURE_TABLES, tmp_path)
    tables = package / "tables"
    # a statement against an option that also claims a first line of therapy: valid cells, failing QC check
    path = tables / "recommendations.tsv"
    text = path.read_text()
    assert "\tagainst-standard-use\tconditional\tmoderate\tnot-applicable\t" in text
    path.write_text(text.replace("\tagainst-standard-use\tconditional\tmoderate\tnot-applicable\t",
                                 "\tagainst-standard-use\tconditional\tmoderate\tfirst-line\t", 1))
    with pytest.raises(BuildFailed, match="against-statement-with-line-of-therapy-violation"):
        build(tmp_path / "out", source=package, reason=False)
    assert not (tmp_path / "out").exists()
