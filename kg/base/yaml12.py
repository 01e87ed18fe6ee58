"""Exact reading of YAML and JSON profiles: YAML 1.2 core-schema scalars, no duplicate keys, no NaN or
infinity, bounded alias expansion (ADR 0006).

PyYAML implements YAML 1.1, where ``0100`` is octal 64, ``1:20`` is sexagesimal 80, ``yes`` is true
and ``2026-01-02`` a date. Here only the YAML 1.2 core schema's forms are numbers and booleans
(everything else stays a string, which the JSON Schema then rejects), and numbers a reader could take
two ways are refused with a message rather than guessed: leading zeros (``0100``: octal in YAML 1.1,
100 in YAML 1.2), ``0o``/``0x`` forms, ``.nan``/``.inf`` and numbers too large for a float.

Readers return ``(data, problems)``: every reading problem of the document at once, each as
``(line, value, rule)`` (line 0 when unknown). A limit that stops reading (too many aliases, an
expansion that is too large, a recursive alias) is one problem and no data.

>>> [(line, value) for line, value, _ in load_yaml("value: 0100")[1]]
[(1, '0100')]
>>> load_yaml("age: 1:20\\nok: yes")[0]
{'age': '1:20', 'ok': 'yes'}
>>> load_json('{"a": 1, "a": 2}')[1]
[(0, 'a', 'duplicate key (each key may appear once in an object)')]
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, SequenceNode

from kg.base.input_limits import MAX_YAML_ALIASES, MAX_YAML_NODES

ReadProblem = tuple[int, str, str]  # (line, value, rule)

LEADING_ZERO = re.compile(r"^[-+]?0[0-9]")
LEADING_ZERO_RULE = ("a number with a leading zero is ambiguous (YAML 1.1 reads 0100 as octal 64, YAML 1.2 as 100): "
                     "write it without leading zeros")
DUPLICATE_KEY = "duplicate key (each key may appear once in an object)"
NOT_FINITE = "NaN and infinity are not numbers a profile may contain"


class _StopReading(Exception):
    """A limit was reached: reading stops with one problem."""

    def __init__(self, line: int, rule: str) -> None:
        super().__init__(rule)
        self.problem: ReadProblem = (line, "", rule)


class _Yaml12Checks:
    """YAML 1.2 core-schema constructors and the checks of this module, over either PyYAML parser."""

    problems: list[ReadProblem]

    def construct_mapping(self, node, deep=False):  # type: ignore[no-untyped-def]
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                self.problems.append((line, str(key), "a key must be text"))
            elif key in seen:
                self.problems.append((line, key, DUPLICATE_KEY))
            else:
                seen.add(key)
        return super().construct_mapping(node, deep=deep)

    def construct_yaml_int(self, node):  # type: ignore[no-untyped-def]
        text = self.construct_scalar(node)
        line = node.start_mark.line + 1
        if text.lower().lstrip("+-").startswith(("0o", "0x")):
            self.problems.append((line, text, "octal and hexadecimal numbers are not allowed: write a decimal number"))
            return text
        if LEADING_ZERO.match(text):
            self.problems.append((line, text, LEADING_ZERO_RULE))
        return int(text, 10)

    def construct_yaml_float(self, node):  # type: ignore[no-untyped-def]
        text = self.construct_scalar(node)
        line = node.start_mark.line + 1
        lowered = text.lower().lstrip("+-").lstrip(".")
        if lowered in ("inf", "infinity", "nan"):  # .inf, .nan, and what an explicit !!float tag lets through
            self.problems.append((line, text, NOT_FINITE))
            return text
        if LEADING_ZERO.match(text):
            self.problems.append((line, text, LEADING_ZERO_RULE))
        try:
            value = float(text)
        except ValueError:
            self.problems.append((line, text, "not a number (tagged !!float)"))
            return text
        if math.isinf(value):
            self.problems.append((line, text, "number too large"))
            return text
        return value


class _PureYaml12Loader(_Yaml12Checks, yaml.SafeLoader):
    """PyYAML's own parser: what the C one refuses (a lone surrogate escape) it reads, so the checks can name it."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems = []


# libyaml's parser and composer (PyYAML's C extension, in its wheels) where present: the same nodes, ten times faster;
# a document it refuses is read again by PyYAML's own parser, so every message stays as that parser gives it
class _Yaml12Loader(_Yaml12Checks, getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.problems = []


# YAML 1.2 core schema resolvers (https://yaml.org/spec/1.2.2/#1032-tag-resolution), replacing 1.1's.
_CORE = (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", list("~nN") + [""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    ("tag:yaml.org,2002:float",
     r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
     list("-+0123456789.")),
)
for _loader in (_Yaml12Loader, _PureYaml12Loader):
    _loader.yaml_implicit_resolvers = {}
    for _tag, _pattern, _first in _CORE:
        _loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)
    _loader.add_constructor("tag:yaml.org,2002:int", _Yaml12Checks.construct_yaml_int)
    _loader.add_constructor("tag:yaml.org,2002:float", _Yaml12Checks.construct_yaml_float)


def _expanded_size(root: Node) -> int:
    """Number of nodes after expanding every alias (shared nodes counted at each use); stops reading when over
    MAX_YAML_NODES, when an alias refers to a node that contains it, or at more than MAX_YAML_ALIASES aliases (each
    use of a node after its first is an alias: the composer gives every alias its anchor's node)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    aliases = 0

    def size(node: Node) -> int:
        nonlocal aliases
        key = id(node)
        if key in sizes:
            aliases += 1
            if aliases > MAX_YAML_ALIASES:
                rule = f"more than {MAX_YAML_ALIASES} aliases (*name): not allowed in a profile"
                raise _StopReading(node.start_mark.line + 1, rule)
            return sizes[key]
        if key in open_nodes:
            raise _StopReading(node.start_mark.line + 1, "a recursive alias (a node that contains itself)")
        open_nodes.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            children: list[Node] = list(node.value)
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        for child in children:
            total += size(child)
            if total > MAX_YAML_NODES:
                rule = f"more than {MAX_YAML_NODES} values after expanding aliases: not allowed in a profile"
                raise _StopReading(node.start_mark.line + 1, rule)
        open_nodes.discard(key)
        sizes[key] = total
        return total

    size(root)
    return sizes[id(root)]


def load_yaml(text: str) -> tuple[Any, list[ReadProblem]]:
    """One YAML document, read exactly (see the module docstring). Syntax errors raise yaml.YAMLError."""
    try:
        return _load(_Yaml12Loader(text))
    except yaml.YAMLError:
        return _load(_PureYaml12Loader(text))


def _load(loader: Any) -> tuple[Any, list[ReadProblem]]:
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        _expanded_size(node)
        data = loader.construct_document(node)
    except _StopReading as stop:
        return None, [stop.problem]
    finally:
        loader.dispose()
    return data, sorted(loader.problems)


def load_json(text: str) -> tuple[Any, list[ReadProblem]]:
    """A JSON document with duplicate keys, NaN/Infinity and overflowing numbers reported as problems.
    Syntax errors raise json.JSONDecodeError (a ValueError)."""
    problems: list[ReadProblem] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _ in items:
            if key in seen:
                problems.append((0, key, DUPLICATE_KEY))
            seen.add(key)
        return dict(items)

    def constant(name: str) -> str:
        problems.append((0, name, NOT_FINITE))
        return name

    def number(text: str) -> float | str:
        value = float(text)
        if math.isinf(value):
            problems.append((0, text, "number too large"))
            return text
        return value

    data = json.loads(text, object_pairs_hook=pairs, parse_constant=constant, parse_float=number)
    return data, problems
