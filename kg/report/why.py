"""The explanation chain of one option: patient fact -> population -> statement -> source, as a
networkx graph, as text lines, and as an inline SVG drawing (a layered layout, no external assets)."""

from __future__ import annotations

from collections import defaultdict
from html import escape
from typing import TYPE_CHECKING, Any

from kg.base.errors import UserError
from kg.core.decide.decision import Decision
from kg.report.summary import shorten
from kg.report.vocabulary import Vocabulary, reason_order

if TYPE_CHECKING:
    import networkx as nx  # imported when a chain is drawn: a decision without --why never needs it

LAYERS = ("fact", "population", "statement", "source")
LAYER_TITLES = ("patient fact", "population", "statement (effect on the option)", "source")


def find_option(data: dict[str, Any], key: str) -> dict[str, Any]:
    wanted = " ".join(key.lower().replace("-", " ").split())
    for option in data["options"]:
        if wanted in (option["option"].replace("-", " "), option["label"].lower()):
            return option
    raise UserError(f"--why: '{key}' is not a treatment option of this decision; give an option id or label, "
                    f"one of: {', '.join(sorted(o['option'] for o in data['options']))}")


def _facts(decision: Decision) -> dict[str, list[str]]:
    facts: dict[str, list[str]] = defaultdict(list)
    for row in decision.report.get("population-facts", []):
        population = str(row["population"]).rsplit("/", 1)[-1]
        fact = f"{row['propertyLabel']}: {row['valueLabel']}"
        if fact not in facts[population]:
            facts[population].append(fact)
    return facts


def chain_graph(data: dict[str, Any], decision: Decision, key: str) -> tuple[dict[str, Any], nx.DiGraph]:
    """Nodes carry layer, label and title (full text); edges run fact -> population -> statement -> source."""
    import networkx as nx

    option = find_option(data, key)
    vocabulary = Vocabulary.of(decision)
    populations = {p["population"]: p for p in data["populations"]}
    facts = _facts(decision)
    graph = nx.DiGraph()
    for reason in sorted(option["reasons"], key=lambda r: reason_order(vocabulary, r)):
        statement = f"statement:{reason['statement'] or reason['kind']}"
        effect = vocabulary.label("ReasonEffect", reason["effect"])
        basis = f" [{reason['evidence_basis']}]" if reason["evidence_basis"] else ""
        graph.add_node(statement, layer="statement", label=f"{effect}{basis}: {reason['statement'] or reason['kind']}",
                       title=reason["text"] or "", effect=reason["effect"])
        population = reason["population"]
        if population:
            info = populations.get(population, {})
            member = info.get("membership", "no")
            node = f"population:{population}"
            graph.add_node(node, layer="population", title=info.get("rule", ""),
                           label=f"{info.get('label', population)}" + (" (possibly)" if member == "possibly" else ""))
            graph.add_edge(node, statement)
            found = facts.get(population) or ([f"missing fact: {info.get('rule', '')}"] if member == "possibly"
                                              else [f"rule: {info.get('rule', population)}"])
            for fact in found:
                graph.add_node(f"fact:{fact}", layer="fact", label=fact, title=fact)
                graph.add_edge(f"fact:{fact}", node)
        else:
            fact = "no population: applies to this patient's drugs or history" \
                if reason["kind"] != "recommendation" else "no population restriction"
            graph.add_node(f"fact:{fact}", layer="fact", label=fact, title=fact)
            graph.add_edge(f"fact:{fact}", statement)
        for source in reason["sources"]:
            graph.add_node(f"source:{source}", layer="source", label=source, title=source)
            graph.add_edge(statement, f"source:{source}")
    return option, graph


def why_lines(data: dict[str, Any], decision: Decision, key: str) -> list[str]:
    option, graph = chain_graph(data, decision, key)
    status = Vocabulary.of(decision).label("DecisionStatus", option["status"])
    lines = [f"WHY {option['label']} is '{status}' (patient fact -> population -> statement -> source)"]
    statements = [n for n, d in graph.nodes(data=True) if d["layer"] == "statement"]
    for statement in statements:
        node = graph.nodes[statement]
        before = list(graph.predecessors(statement))
        populations = [graph.nodes[p]["label"] for p in before if graph.nodes[p]["layer"] == "population"]
        facts = [graph.nodes[f]["label"] for p in before for f in (graph.predecessors(p) if graph.nodes[p]["layer"]
                                                                 == "population" else [p])]
        sources = [graph.nodes[s]["label"] for s in graph.successors(statement)]
        chain = [", ".join(dict.fromkeys(facts))] + ([", ".join(populations)] if populations else []) + \
            [f"{node['label']} \"{shorten(node['title'], 80)}\"", ", ".join(sources) or "no source"]
        lines.append("  " + " -> ".join(chain))
    if not statements:
        lines.append("  no current statement applies to this patient")
    return lines


def _columns(graph: nx.DiGraph) -> dict[str, list[str]]:
    """Nodes per layer, statements in reason order, the other layers ordered by the mean position of their
    neighbours in the statement side (a barycentre pass, to keep arrows from crossing)."""
    columns = {layer: [n for n, d in graph.nodes(data=True) if d["layer"] == layer] for layer in LAYERS}
    index = {n: i for i, n in enumerate(columns["statement"])}
    for layer, neighbours in (("population", graph.successors), ("fact", graph.successors),
                              ("source", graph.predecessors)):
        for node in columns[layer]:
            near = [index[m] for m in neighbours(node) if m in index]
            index[node] = sum(near) / len(near) if near else 0
        columns[layer].sort(key=lambda n: index[n])
    return columns


def _lines(text: str, size: int) -> list[str]:
    """At most two lines of about size characters for a box."""
    words, lines = text.split(), [""]
    for word in words:
        if len(lines[-1]) + len(word) + 1 > size and lines[-1]:
            lines.append("")
        lines[-1] = f"{lines[-1]} {word}".strip()
    if len(lines) > 2:
        lines = [lines[0], shorten(" ".join(lines[1:]), size)]
    return [line if len(line) <= size else line[: size - 1] + "…" for line in lines]


def why_svg(graph: nx.DiGraph, box_width: int = 250, box_height: int = 40, gap_x: int = 50, gap_y: int = 12) -> str:
    """A layered drawing: one column per layer, boxes in order, straight arrows; every text escaped."""
    columns = _columns(graph)
    rows = max((len(c) for c in columns.values()), default=1) or 1
    top = 30
    height = top + rows * (box_height + gap_y)
    width = len(LAYERS) * (box_width + gap_x)
    position = {}
    for x_index, layer in enumerate(LAYERS):
        nodes = columns[layer]
        offset = (rows - len(nodes)) * (box_height + gap_y) / 2
        for y_index, node in enumerate(nodes):
            position[node] = (x_index * (box_width + gap_x), top + offset + y_index * (box_height + gap_y))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="why" role="img" viewBox="0 0 {width} {height}" '
             f'width="100%" aria-label="explanation chain">',
             '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
             'orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>']
    for x_index, title in enumerate(LAYER_TITLES):
        parts.append(f'<text x="{x_index * (box_width + gap_x) + 4}" y="16" class="why-title">{escape(title)}</text>')
    for a, b in graph.edges:
        (xa, ya), (xb, yb) = position[a], position[b]
        parts.append(f'<line x1="{xa + box_width}" y1="{ya + box_height / 2}" x2="{xb}" y2="{yb + box_height / 2}" '
                     'stroke="#777" stroke-width="1.2" marker-end="url(#arrow)"/>')
    for node, (x, y) in position.items():
        data = graph.nodes[node]
        css = f"why-{data['layer']}" + (f" why-effect-{escape(data['effect'])}" if data.get("effect") else "")
        lines = _lines(data["label"], box_width // 7)
        first = y + box_height / 2 + 4 - 7 * (len(lines) - 1)
        spans = "".join(f'<tspan x="{x + 8}" y="{first + 14 * i}">{escape(line)}</tspan>'
                        for i, line in enumerate(lines))
        parts.append(f'<g class="{css}"><title>{escape(data["title"] or data["label"])}</title>'
                     f'<rect x="{x}" y="{y}" width="{box_width}" height="{box_height}" rx="6"/>'
                     f'<text>{spans}</text></g>')
    parts.append("</svg>")
    return "\n".join(parts)
