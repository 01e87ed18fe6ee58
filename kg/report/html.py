"""The report as one self-contained, printable HTML page: inline CSS, no scripts, no external assets;
every text from the tables or the profile is escaped; no command-line hints (a page is read, not run). Optionally the
explanation chain of one option."""

from __future__ import annotations

from html import escape
from typing import Any

from kg.core.decide.decision import Decision
from kg.report.cross_guideline import tagged_statements
from kg.report.options import option_groups
from kg.report.summary import OTHER, algorithm_documents, by_kind, patient_description, section_key
from kg.report.vocabulary import Vocabulary, legend
from kg.report.why import chain_graph, why_svg

CSS = """
* { box-sizing: border-box; }
body { font: 14px/1.35 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1b1b1b;
       margin: 0 auto; max-width: 1200px; padding: 12px 20px; }
header { display: flex; justify-content: space-between; align-items: baseline; border-bottom: 2px solid #1b1b1b;
         padding-bottom: 4px; }
header h1 { font-size: 19px; margin: 0; }
header .meta { color: #555; font-size: 12px; }
#summary { display: grid; grid-template-columns: 1fr 1fr; gap: 8px; margin: 10px 0 14px; }
#summary section { border-radius: 6px; padding: 6px 10px; border-left: 6px solid; background: #f6f6f6; }
#summary h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; margin: 0 0 3px; }
#summary ul { margin: 0; padding-left: 16px; }
#summary li { margin: 1px 0; }
.s-now { border-color: #1a7f37 !important; background: #eef8f0 !important; }
.s-stop-or-change { border-color: #b35900 !important; background: #fff4e8 !important; }
.s-safety { border-color: #c62828 !important; background: #fdeeee !important; }
.s-ask-or-measure { border-color: #1f5fbf !important; background: #edf3fd !important; }
.s-other { border-color: #666 !important; }
.kind { font-weight: 600; }
.tag { color: #555; font-size: 12px; white-space: nowrap; }
h2.group { font-size: 15px; margin: 14px 0 4px; padding: 2px 8px; border-radius: 4px; color: #fff; }
.g-use-now { background: #1a7f37; } .g-ask-first { background: #1f5fbf; } .g-later { background: #6f42c1; }
.g-avoid { background: #c62828; } .g-not-covered { background: #666; } .g-tried-before { background: #8a6d00; }
.g-outside-sources { background: #9a3412; }
.gate { font-weight: 600; color: #6f42c1; }
p.legend { color: #555; font-size: 12px; margin-top: 10px; }
table { border-collapse: collapse; width: 100%; }
td, th { text-align: left; vertical-align: top; padding: 3px 6px; border-bottom: 1px solid #ddd; }
th { font-size: 12px; color: #444; }
td.opt { font-weight: 600; width: 22%; }
td.st { width: 22%; }
.reason { margin: 0; }
.effect { font-weight: 600; }
.note { color: #555; font-size: 12px; }
td .note { margin: 0; }
ol.steps li { margin: 1px 0; }
.mark { display: inline-block; min-width: 90px; font-weight: 600; }
svg.why { border: 1px solid #ccc; border-radius: 6px; background: #fff; margin-top: 6px; }
svg.why rect { fill: #f3f3f3; stroke: #888; }
svg.why text { font-size: 12px; fill: #111; }
svg.why .why-title { font-weight: 700; fill: #333; }
svg.why .why-fact rect { fill: #edf3fd; stroke: #1f5fbf; }
svg.why .why-population rect { fill: #f3edfd; stroke: #6f42c1; }
svg.why .why-statement rect { fill: #fff4e8; stroke: #b35900; }
svg.why .why-source rect { fill: #eef8f0; stroke: #1a7f37; }
@media print { body { max-width: none; padding: 0; font-size: 11px; } h2.group, #summary section
  { -webkit-print-color-adjust: exact; print-color-adjust: exact; } tr { break-inside: avoid; } }
"""


def _tag(bases: list[str] | str | None, sources: list[str]) -> str:
    bases = [bases] if isinstance(bases, str) else list(bases or [])
    inside = " · ".join(x for x in (", ".join(bases), ", ".join(sources)) if x)
    return f' <span class="tag">[{escape(inside)}]</span>' if inside else ""


def _summary(data: dict[str, Any], vocabulary: Vocabulary) -> str:
    sections = [(t.notation, t.label) for t in vocabulary.ordered("SummarySection")]
    sections += [(OTHER, "Other")] if data["summary"].get(OTHER) else []
    parts = ['<div id="summary" data-section="summary">']
    for notation, label in sections:
        items = data["summary"].get(section_key(notation), [])
        parts.append(f'<section class="s-{escape(notation)}"><h2>{escape(label)}</h2><ul>')
        if not items:
            parts.append("<li>nothing</li>")
        for label, entries in by_kind(items):
            body = "; ".join(f"{escape(subjects) + ': ' if subjects else ''}{escape(text)}{_tag(bases, sources)}"
                             for subjects, text, bases, sources in entries)
            parts.append(f'<li><span class="kind">{escape(label)}:</span> {body}</li>')
        parts.append("</ul></section>")
    parts.append("</div>")
    return "\n".join(parts)


def _cross_guideline(data: dict[str, Any]) -> str:
    """A decision on several guidelines: the conflicts (both sides, the link, what to do), then the concordances."""
    links = data.get("cross_guideline")
    if links is None:
        return ""
    parts = [f'<section id="conflicts" data-section="conflicts"><h2 class="group g-avoid">cross-guideline conflicts '
             f'({len(links["conflicts"])})</h2><table><tr><th>conflict</th><th>sides</th><th>what to do</th></tr>']
    for link in links["conflicts"]:
        sides = "".join(f'<p class="reason"><span class="effect">{escape(side["guideline"] or "link")}:</span> '
                        f'{escape(", ".join(side["agents"]))} '
                        f'{escape(tagged_statements(side))}'
                        f'{_tag(side["evidence_basis"], side["sources"])}</p>'
                        + "".join(f'<p class="note">says {escape(action)}</p>' for action in side["statement_actions"])
                        for side in link["sides"].values())
        parts.append(f'<tr><td class="opt">{escape(link["conflict"])} ({escape(link["kind"] or "")})'
                     f'<p class="note">{escape(link["mechanism"] or "")}</p></td><td>{sides}</td>'
                     f'<td>{escape(link["action"] or "")}</td></tr>')
    parts.append(f'</table><h2 class="group g-not-covered">concordances ({len(links["concordances"])}): both '
                 'guidelines disfavour; shown once, not as conflicts</h2><ul>')
    for link in links["concordances"]:
        sides = " / ".join(f'{escape(side["guideline"] or "")}: '
                           f'{escape(", ".join(s["statement"] for s in side["statements"]))}'
                           f'{_tag(side["evidence_basis"], side["sources"])}'
                           for name, side in link["sides"].items() if name != "link")
        parts.append(f'<li>{escape(link["conflict"])}: {sides}</li>')
    parts.append("</ul></section>")
    return "\n".join(parts)


def _options(data: dict[str, Any], decision: Decision, explain: bool) -> str:
    """The options by report group; on several guidelines, under each guideline in turn."""
    if "guidelines" not in data:
        return _option_groups(data, decision, explain)
    parts = []
    for group in data["guidelines"]:
        members = set(group["options"])
        parts.append(f'<h2 class="group g-not-covered" data-guideline="{escape(group["guideline"])}">options of '
                     f'{escape(group["title"])}</h2>')
        parts.append(_option_groups({**data, "options": [o for o in data["options"] if o["option"] in members]},
                                    decision, explain))
    return "\n".join(parts)


def _option_groups(data: dict[str, Any], decision: Decision, explain: bool) -> str:
    parts = []
    groups = option_groups(data, decision, explain)
    for group in groups:
        if group["hidden"]:
            continue
        heading = f'{escape(group["label"])} ({group["count"]})'
        parts.append(f'<h2 class="group g-{escape(group["notation"])}">{heading}</h2>')
        parts.append('<table><tr><th>option</th><th>status · grade · line</th><th>why</th></tr>')
        for row in group["rows"]:
            facts = " · ".join(x for x in (row["status_label"], row["grade"], row["line"]) if x)
            reasons = "".join(f'<p class="reason"><span class="effect">{escape(r["effect"])}:</span> '
                              f'{escape(r["text"])}{_tag(r["evidence_basis"], r["sources"])}</p>'
                              for r in row["reasons"]) \
                or ("" if row["gate"] else '<p class="reason">no current statement applies to this patient</p>')
            gate = f'<span class="gate">if {escape(row["gate"])} —</span> ' if row["gate"] else ""
            parts.append(f'<tr><td class="opt">{gate}{escape(", ".join(row["options"]))}</td>'
                         f'<td class="st">{escape(facts)}</td><td>{reasons}</td></tr>')
        parts.append("</table>")
    for group in (g for g in groups if g["hidden"]):
        parts.append(f'<p class="note">{group["count"]} option(s) {escape(group["label"])} not shown.</p>')
    return "\n".join(parts)


def _algorithm(data: dict[str, Any], vocabulary: Vocabulary, documents: str) -> str:
    """The algorithm's steps with their states; nothing when the build has no algorithm."""
    if not data["algorithm"]["steps"]:
        return ""
    parts = [f'<h2 class="group g-not-covered">algorithm{escape(documents)}</h2><ol class="steps">']
    for step in data["algorithm"]["steps"]:
        state = vocabulary.step_state(step["due"], step["done"])
        mark = state.label if state else f"due {step['due']}"
        parts.append(f'<li><span class="mark">{escape(mark)}</span> {escape(step["instruction"])}</li>')
    parts.append("</ol>")
    return "\n".join(parts)


def _why(data: dict[str, Any], decision: Decision, key: str) -> str:
    option, graph = chain_graph(data, decision, key)
    status = Vocabulary.of(decision).label("DecisionStatus", option["status"])
    heading = f'<h2 class="group g-ask-first" id="why">why {escape(option["label"])} is “{escape(status)}”</h2>'
    if not graph.number_of_nodes():
        return heading + '<p class="note">No current statement applies to this patient.</p>'
    return (heading + '<p class="note">patient fact → population → statement → source; hover a box for its full '
            'text.</p>' + why_svg(graph))


def to_html(data: dict[str, Any], decision: Decision, explain: bool = False, why: str | None = None) -> str:
    vocabulary = Vocabulary.of(decision)
    who = patient_description(data)
    why_html = _why(data, decision, why) if why else ""
    return "\n".join([
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Treatment report · {escape(str(data['patient']['id']))}</title>",
        f"<style>{CSS}</style></head><body>",
        f'<header><h1>Treatment report · patient {escape(str(data["patient"]["id"]))}'
        f'{escape(f" ({who})") if who else ""}</h1>'
        f'<span class="meta">reasoner {escape(decision.reasoner)} · '
        'a curation exercise, not for patient care</span></header>',
        *([conflicts] if (conflicts := _cross_guideline(data)) else []),
        _summary(data, vocabulary), why_html, _options(data, decision, explain),
        _algorithm(data, vocabulary, algorithm_documents(decision)),
        f'<p class="legend" data-section="legend">Tags in brackets [evidence basis · sources]: '
        f'{escape(legend(vocabulary))}.</p>',
        "</body></html>",
    ])
