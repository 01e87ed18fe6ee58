"""The model diagram in docs/ is generated from the ontology and the packaged build, and is up to date."""

from __future__ import annotations

from kg.report.model_diagram import DOT_FILE, SVG_FILE, build_model, to_dot


def test_committed_diagram_is_up_to_date():
    model = build_model()
    assert DOT_FILE.read_text(encoding="utf-8") == to_dot(model), (
        "docs/model.dot is stale: regenerate with python -m kg.report.model_diagram")
    svg = SVG_FILE.read_text(encoding="utf-8")
    missing = [node for node in model.nodes if f">{node}<" not in svg]
    assert not missing, f"docs/model.svg lacks {missing}: regenerate with python -m kg.report.model_diagram"


def test_diagram_shows_the_links_the_cookbook_uses():
    dot = to_dot(build_model())
    for link in ('"cg:GuidelinePopulation" -> "cg:ThresholdCriterion" [label="cg:thresholdCriterion"',
                 '"cg:Drug" -> "cg:DrugClass" [label="cg:fallsUnder"',
                 '"cg:GradedRecommendation" -> "cg:GuidelinePopulation" [label="cg:appliesToPopulation"'):
        assert link in dot
