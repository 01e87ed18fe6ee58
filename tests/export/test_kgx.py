"""KGX (Biolink Model) export: KGX's own validator and loader, offline, on the real build (ADR 0011)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from rdflib import RDF, Literal, URIRef
from rdflib.namespace import SKOS

from kg.export import ExportError, ExportSource, export
from kg.export import biolink_offline as offline
from kg.export.biolink_projection import SSSOM_FILE, projection, read_sssom
from kg.export.kgx import records
from kg.export.kgx_records import INFORES, LOCAL_PREFIXES, Projector, code_curie
from kg.model.namespaces import CG
from tests.export.conftest import edited
from tests.package_namespaces import RLS

NO_NETWORK = {name: "http://127.0.0.1:9" for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}


@pytest.fixture(scope="module", autouse=True)
def no_network() -> Iterator[None]:
    """Every request KGX or bmt might make goes to a closed port: the tests prove the export works offline."""
    saved = {k: os.environ.get(k) for k in NO_NETWORK}
    os.environ.update(NO_NETWORK)
    yield
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


@pytest.fixture(scope="module")
def exported(build_source: ExportSource, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("kgx")
    return {fmt: export(build_source, fmt, out / fmt) for fmt in ("kgx-tsv", "kgx-jsonl")}


def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_kgx_validate_command_reports_zero_errors(exported: dict[str, Path], tmp_path: Path) -> None:
    folder = exported["kgx-tsv"]
    with pytest.raises(SystemExit) as done:  # KGX's own `kgx validate` command, offline
        offline.main(["validate", "-i", "tsv", str(folder / "nodes.tsv"), str(folder / "edges.tsv"),
                      "-o", str(tmp_path / "report.json")])
    assert done.value.code == 0, (tmp_path / "report.json").read_text(encoding="utf-8")
    assert offline.validate([exported["kgx-jsonl"] / "nodes.jsonl", exported["kgx-jsonl"] / "edges.jsonl"], "jsonl",
                            LOCAL_PREFIXES) == []


def test_the_validator_can_fail_on_a_hand_broken_file(exported: dict[str, Path], tmp_path: Path) -> None:
    broken = shutil.copytree(exported["kgx-tsv"], tmp_path / "broken")
    lines = (broken / "nodes.tsv").read_text(encoding="utf-8").splitlines(keepends=True)
    drug = next(i for i, line in enumerate(lines) if "\tbiolink:Drug\t" in line)
    lines[drug] = lines[drug].replace("\tbiolink:Drug\t", "\tbiolink:Medicine\t")
    local = next(i for i, line in enumerate(lines) if line.startswith("RLS:"))
    lines[local] = "UNDECLARED" + lines[local][len("RLS"):]
    (broken / "nodes.tsv").write_text("".join(lines), encoding="utf-8")
    errors = offline.validate([broken / "nodes.tsv", broken / "edges.tsv"], "tsv", LOCAL_PREFIXES)
    assert any("'Medicine' is unknown" in e for e in errors), errors
    assert any("prefix 'UNDECLARED'" in e for e in errors), errors


def test_jsonl_and_tsv_load_in_kgx_with_the_graphs_counts(build_source: ExportSource,
                                                          exported: dict[str, Path]) -> None:
    recs = records(build_source)
    expected = (len(recs.nodes), len(recs.edges))
    distinct = len({(e["subject"], e["predicate"], e["object"]) for e in recs.edges})
    assert expected[0] > 300 and expected[1] > distinct > 200  # parallel edges exist: their merging is tested
    jsonl, tsv = exported["kgx-jsonl"], exported["kgx-tsv"]
    loaded: dict[str, dict] = {}
    for files, fmt in (([jsonl / "nodes.jsonl", jsonl / "edges.jsonl"], "jsonl"),
                       ([tsv / "nodes.tsv", tsv / "edges.tsv"], "tsv")):
        assert offline.stream_counts(files, fmt) == expected, fmt
        graph = offline.load(files, fmt)
        assert (graph.number_of_nodes(), graph.number_of_edges()) == (expected[0], distinct), fmt
        loaded[fmt] = {n: data.get("name") for n, data in graph.nodes(data=True)}
    assert loaded["tsv"] == loaded["jsonl"] == {n["id"]: n["name"] for n in recs.nodes}  # quotes survive TSV


def test_export_is_byte_identical_twice(build_source: ExportSource, exported: dict[str, Path],
                                        tmp_path: Path) -> None:
    again = export(build_source, "kgx-jsonl", tmp_path / "again")
    first = exported["kgx-jsonl"]
    assert sorted(p.name for p in again.iterdir()) == ["edges.jsonl", "graph-metadata.json", "nodes.jsonl"]
    for name in ("nodes.jsonl", "edges.jsonl", "graph-metadata.json"):
        assert (again / name).read_bytes() == (first / name).read_bytes(), name


def test_a_deliberate_projection_read_from_the_sssom_table(exported: dict[str, Path]) -> None:
    nodes, edges = _jsonl(exported["kgx-jsonl"] / "nodes.jsonl"), _jsonl(exported["kgx-jsonl"] / "edges.jsonl")
    proj = projection()
    categories = {c for n in nodes for c in n["category"]}
    predicates = {e["predicate"] for e in edges}
    assert categories == set(proj.categories.values())  # every mapped class occurs, nothing else does
    assert predicates <= set(proj.predicates.values())
    assert "biolink:NamedThing" not in categories and not any("rdf" in p for p in predicates)
    assert all(not n["id"].startswith("_:") for n in nodes)  # no blank nodes (list cells, restrictions)


def _misfits(nodes: dict[str, list[str]], edges: list[dict]) -> set[tuple]:
    """Edges whose subject (object) has no category, ancestor or mixin that is the predicate's domain (range)."""
    tk = offline.toolkit()
    found = set()
    for edge in edges:
        slot = tk.get_element(edge["predicate"])
        for end, wanted in (("subject", slot.domain), ("object", slot.range)):
            ancestors = {a for c in nodes[edge[end]] for a in tk.get_ancestors(c, mixin=True, formatted=False)}
            if wanted is not None and wanted not in ancestors:
                found.add((edge["predicate"], end, wanted, tuple(nodes[edge[end]])))
    return found


def test_every_edge_fits_its_predicates_domain_and_range(exported: dict[str, Path]) -> None:
    """KGX does not check domain and range; the Biolink Model states them."""
    nodes = {n["id"]: n["category"] for n in _jsonl(exported["kgx-jsonl"] / "nodes.jsonl")}
    edges = _jsonl(exported["kgx-jsonl"] / "edges.jsonl")
    assert _misfits(nodes, edges) == set()
    population = next(i for i, c in nodes.items() if c == ["biolink:PopulationOfIndividualOrganisms"])
    wrong = {"subject": population, "predicate": "biolink:pharmacologically_interacts_with", "object": population}
    assert _misfits(nodes, [wrong])  # the check can fail


def test_sssom_table_passes_sssom_py_and_the_check_can_fail(tmp_path: Path) -> None:
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    def errors(path: Path) -> int:
        reports = validate(parse_sssom_table(path), fail_on_error=False).values()
        return sum(1 for report in reports for result in report.results if result.severity.name == "ERROR")

    broken = tmp_path / "broken.sssom.tsv"
    broken.write_text(SSSOM_FILE.read_text(encoding="utf-8").replace("semapv:ManualMappingCuration", "semapv:Guess", 1),
                      encoding="utf-8")
    assert errors(SSSOM_FILE) == 0
    assert errors(broken) > 0
    # the table was reviewed against the installed Biolink Model: a new model version asks for a new review
    version_line = next(x for x in SSSOM_FILE.read_text(encoding="utf-8").splitlines() if "object_source_version" in x)
    assert version_line.endswith("/" + offline.model_version())


def test_sssom_table_drives_the_categories(build_source: ExportSource, tmp_path: Path) -> None:
    curie_map, rows = read_sssom(SSSOM_FILE)
    assert {"biolink", "cg", "semapv", "skos", "sssom"} <= set(curie_map) and len(rows) > 20
    changed = tmp_path / "changed.sssom.tsv"
    changed.write_text(SSSOM_FILE.read_text(encoding="utf-8").replace(
        "cg:Device\tdevice\tskos:exactMatch\tbiolink:Device", "cg:Device\tdevice\tskos:broadMatch\tbiolink:NamedThing"),
        encoding="utf-8")
    tk = offline.toolkit()
    proj = projection(changed)
    ids = {c: list(tk.get_element(c).id_prefixes or []) for c in set(proj.categories.values())}
    recs = Projector(build_source.graph, proj, ids, set(offline.biolink_prefix_map())).project()
    assert {c for n in recs.nodes for c in n["category"]} == set(proj.categories.values())
    assert "biolink:NamedThing" in {c for n in recs.nodes for c in n["category"]}


def test_codes_from_the_mappings_are_ids_or_xrefs(build_source: ExportSource, exported: dict[str, Path]) -> None:
    graph = build_source.graph
    nodes = {n["iri"]: n for n in _jsonl(exported["kgx-jsonl"] / "nodes.jsonl")}
    checked = 0
    for node, code in graph.subject_objects(SKOS.exactMatch):
        if str(node) in nodes and code_curie(code):
            record = nodes[str(node)]
            assert code_curie(code) in [record["id"], *record.get("xref", [])], (node, code)
            checked += 1
    assert checked > 100
    prefixes = {n["id"].split(":")[0] for n in nodes.values()}
    assert {"CHEBI", "RXNORM", "SNOMEDCT", "PMID"} <= prefixes and prefixes <= {*offline.biolink_prefix_map(),
                                                                              *LOCAL_PREFIXES}


def test_edges_carry_the_required_provenance(build_source: ExportSource, exported: dict[str, Path]) -> None:
    edges = _jsonl(exported["kgx-jsonl"] / "edges.jsonl")
    enums = offline.toolkit().view.all_enums()
    assert {e["knowledge_level"] for e in edges} <= set(enums["KnowledgeLevelEnum"].permissible_values)
    assert {e["agent_type"] for e in edges} <= set(enums["AgentTypeEnum"].permissible_values)
    for edge in edges:  # a statement an AI summary generated (evidence basis AI) is not a curator's assertion
        assert edge["agent_type"] == ("automated_agent" if edge.get("evidence_basis") == "AI" else "manual_agent")
    assert {e["agent_type"] for e in edges} == {"automated_agent", "manual_agent"}
    assert {e["primary_knowledge_source"] for e in edges} == {INFORES}
    graph = build_source.graph
    recommendation = next(e for e in edges if e["id"] == "RLS:aasm2024-gabapentin")
    assert recommendation["direction"] == "for" and recommendation["strength"] == "strong"
    cited_pmids = {p for e in edges for p in e.get("publications", []) if p.startswith("PMID:")}
    graph_pmids = {f"PMID:{p}" for s in graph.subjects(RDF.type, CG.SourceDocument) for p in graph.objects(s, CG.pmid)}
    assert cited_pmids and cited_pmids <= graph_pmids


def _broken(build_source: ExportSource, add: list[tuple], remove: list[tuple]) -> ExportSource:
    return edited(build_source, add=add, remove=remove)


def test_a_node_whose_class_has_no_biolink_mapping_is_an_export_error(build_source: ExportSource,
                                                                      tmp_path: Path) -> None:
    mystery = RLS["mystery-node"]
    source = _broken(build_source, [(mystery, RDF.type, URIRef(CG._NS + "Mystery")),
                                    (mystery, CG.sourceTable, Literal("mysteries"))], [])
    with pytest.raises(ExportError, match="mystery-node: none of its types has a row"):
        export(source, "kgx-jsonl", tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_a_drug_without_a_code_or_a_reason_is_an_export_error(build_source: ExportSource, tmp_path: Path) -> None:
    drug = RLS["gabapentin"]
    source = _broken(build_source, [], [(drug, SKOS.exactMatch, None), (drug, SKOS.closeMatch, None),
                                        (drug, CG.unmappedReason, None)])
    with pytest.raises(ExportError, match="RLS:gabapentin: no terminology code"):
        export(source, "kgx-tsv", tmp_path / "out")
    assert not (tmp_path / "out").exists()
