"""A JSON Schema compiled once into a verdict-only check: True only if jsonschema finds no error.

``compile_verdict(schema)`` turns the patient-profile schema into nested closures, so that a valid profile costs
a few microseconds instead of jsonschema's few hundred; it says nothing about *what* is wrong (on False, run
jsonschema for the messages). The semantics are those of the validator ``kg.profile.reader._schema_validator()``
builds: draft 2020-12, "integer" meaning a number written as an integer (``isinstance(v, int)``, never a bool,
never 2.0), and ``FormatChecker()`` asserting formats. Only the keywords that schema uses are compiled; any other
keyword, format or reference raises UnsupportedSchema naming it, so a caller falls back to jsonschema rather than
have a keyword silently ignored.

jsonschema's semantics kept here, some of them traps:

* a bool is never a number, an integer or 1; ``enum`` and ``uniqueItems`` compare with jsonschema's own equality
  (``jsonschema._utils.equal`` and ``uniq``: True != 1, 1 == 1.0, lists and objects deep), called as is for
  anything but plain strings, bools and numbers;
* ``minimum``, ``maximum`` and ``exclusiveMinimum`` fail only when the comparison that fails holds (``v < minimum``,
  ``v > maximum``, ``v <= exclusiveMinimum``): NaN compares false with everything, so jsonschema lets NaN through
  every bound, and so does this (infinities fail the bound they cross);
* keywords of one JSON type ignore instances of another (a ``pattern`` says nothing about a number);
* ``pattern`` is ``re.search``; lengths count code points; ``format: date`` is FormatChecker's own check;
* ``$ref`` applies next to its sibling keywords (2020-12).

>>> verdict = compile_verdict({"type": "integer", "minimum": 1})
>>> verdict(2), verdict(2.0), verdict(True), verdict(0)
(True, False, False, False)
>>> compile_verdict({"oneOf": [{"type": "string"}]})
Traceback (most recent call last):
...
kg.profile.schema_verdict.UnsupportedSchema: #: keyword 'oneOf' is not supported (validate with jsonschema)
"""

from __future__ import annotations

import numbers
import re
from collections.abc import Callable, Iterable
from typing import Any

Check = Callable[[Any], bool]

DIALECT = "https://json-schema.org/draft/2020-12/schema"
ANNOTATIONS = frozenset({"$schema", "$id", "title", "description"})  # ignored (the first two at the root only)
ROOT_ONLY = frozenset({"$schema", "$id", "$defs"})
NUMBER_KEYWORDS = frozenset({"minimum", "maximum", "exclusiveMinimum"})
STRING_KEYWORDS = frozenset({"minLength", "maxLength", "pattern"})
ARRAY_KEYWORDS = frozenset({"items", "minItems", "maxItems", "uniqueItems"})
OBJECT_KEYWORDS = frozenset({"properties", "required", "additionalProperties"})
KEYWORDS = (frozenset({"$defs", "$ref", "enum", "format", "type"})
            | NUMBER_KEYWORDS | STRING_KEYWORDS | ARRAY_KEYWORDS | OBJECT_KEYWORDS)
FORMATS = frozenset({"date"})  # checked with jsonschema's FormatChecker function for it
LOCAL_REF = re.compile(r"#/\$defs/([A-Za-z0-9_.-]+)")


class UnsupportedSchema(ValueError):
    """A keyword, value or reference the verdict does not compile: validate with jsonschema instead."""


def _is_number(v: Any) -> bool:  # jsonschema's "number": numbers.Number, never a bool
    t = type(v)
    return t is int or t is float or (not isinstance(v, bool) and isinstance(v, numbers.Number))


def is_strict_integer(v: Any) -> bool:
    """The profile schema's "integer" (the one rule: kg/profile/reader.py's jsonschema type checker is this too): a
    number written as an integer, never a bool (2.0 is not a trimester or a number of doses)."""
    return isinstance(v, int) and not isinstance(v, bool)


TYPES: dict[str, Check] = {
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "integer": is_strict_integer,
    "null": lambda v: v is None,
    "number": _is_number,
    "object": lambda v: isinstance(v, dict),
    "string": lambda v: isinstance(v, str),
}
KIND_OF_TYPE = {"integer": "number", "number": "number", "string": "string", "array": "array", "object": "object"}


def _valid(_: Any) -> bool:
    return True


def _invalid(_: Any) -> bool:
    return False


def compile_verdict(schema: dict[str, Any] | bool) -> Check:
    """The schema as a function of an instance: True only if jsonschema (as the profile reader builds it) finds no
    error in it. Raise UnsupportedSchema for a keyword, format, type name, value or ``$ref`` not compiled here."""
    return _Compiler(schema).compile(schema, "#")


def _all(checks: Iterable[Check]) -> Check:
    checks = tuple(checks)
    if not checks:
        return _valid
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)

    def every(v: Any) -> bool:
        for check in checks:
            if not check(v):
                return False
        return True

    return every


def _guarded(kind: Check, check: Check) -> Check:
    """``check`` where ``kind`` holds, nothing said otherwise (a keyword of one type ignores the others)."""
    return lambda v: not kind(v) or check(v)


class _Compiler:
    def __init__(self, root: Any) -> None:
        self.root = root
        self.defs: dict[str, Check] = {}
        self.pending: dict[str, list[Check]] = {}  # a definition being compiled: its forwarder, for a recursive $ref
        from jsonschema import FormatChecker
        from jsonschema._utils import equal, uniq  # jsonschema's equality is the contract (see the module doc)

        self.equal, self.uniq, self.formats = equal, uniq, FormatChecker().checkers

    def compile(self, schema: Any, where: str) -> Check:
        if schema is True:
            return _valid
        if schema is False:
            return _invalid
        if not isinstance(schema, dict):
            raise UnsupportedSchema(f"{where}: a schema must be an object or a boolean, not {schema!r}")
        for keyword in schema:
            if keyword not in KEYWORDS and keyword not in ANNOTATIONS:
                raise UnsupportedSchema(f"{where}: keyword {keyword!r} is not supported (validate with jsonschema)")
            if keyword in ROOT_ONLY and where != "#":
                raise UnsupportedSchema(f"{where}: keyword {keyword!r} is supported at the root only")
        if "$schema" in schema and schema["$schema"] != DIALECT:
            raise UnsupportedSchema(f"{where}: $schema {schema['$schema']!r} is not {DIALECT}")
        for name, definition in _mapping(schema.get("$defs", {}), where, "$defs").items():
            self.definition(name, definition)
        groups = {kind: self.group(kind, schema, where) for kind in ("number", "string", "array", "object")}
        checks: list[Check] = []
        if "type" in schema:
            names = [schema["type"]] if isinstance(schema["type"], str) else _strings(schema["type"], where, "type")
            for name in names:
                if name not in TYPES:
                    raise UnsupportedSchema(f"{where}: type {name!r} is not a JSON Schema type")
            if len(names) == 1:  # one type: only its own keywords can fail, the others' instances fail the type
                type_check, group = TYPES[names[0]], groups.get(KIND_OF_TYPE.get(names[0], ""))
                checks.append(type_check if group is None else _all([type_check, group]))
            else:
                predicates = tuple(TYPES[name] for name in names)
                checks.append(lambda v: any(p(v) for p in predicates))
                checks += [_guarded(TYPES[kind], group) for kind, group in groups.items() if group is not None]
        else:
            checks += [_guarded(TYPES[kind], group) for kind, group in groups.items() if group is not None]
        if "enum" in schema:
            checks.append(self.enum(schema["enum"], where))
        if "format" in schema:
            checks.append(self.format(schema["format"], where))
        if "$ref" in schema:
            checks.append(self.ref(schema["$ref"], where))
        return _all(checks)

    def group(self, kind: str, schema: dict[str, Any], where: str) -> Check | None:
        """The keywords of one JSON type, as one check of an instance known to be of that type (None: none)."""
        compile_group = {"number": self.number, "string": self.string, "array": self.array, "object": self.object}
        keywords = {"number": NUMBER_KEYWORDS, "string": STRING_KEYWORDS, "array": ARRAY_KEYWORDS,
                    "object": OBJECT_KEYWORDS}[kind]
        if not keywords & schema.keys():
            return None
        return _all(compile_group[kind](schema, where))

    def number(self, schema: dict[str, Any], where: str) -> list[Check]:
        checks: list[Check] = []
        if "minimum" in schema:
            low = _number(schema["minimum"], where, "minimum")
            checks.append(lambda v: not v < low)
        if "maximum" in schema:
            high = _number(schema["maximum"], where, "maximum")
            checks.append(lambda v: not v > high)
        if "exclusiveMinimum" in schema:
            above = _number(schema["exclusiveMinimum"], where, "exclusiveMinimum")
            checks.append(lambda v: not v <= above)
        return checks

    def string(self, schema: dict[str, Any], where: str) -> list[Check]:
        checks = _length_bounds(schema, where, "minLength", "maxLength")  # code points: len() of a str
        if "pattern" in schema:
            try:
                search = re.compile(schema["pattern"]).search
            except (re.error, TypeError) as error:
                raise UnsupportedSchema(f"{where}: pattern {schema['pattern']!r} is not a regex: {error}") from None
            checks.append(lambda v: search(v) is not None)
        return checks

    def array(self, schema: dict[str, Any], where: str) -> list[Check]:
        checks = _length_bounds(schema, where, "minItems", "maxItems")
        if "uniqueItems" in schema:
            if not isinstance(schema["uniqueItems"], bool):
                raise UnsupportedSchema(f"{where}: uniqueItems must be true or false")
            if schema["uniqueItems"]:
                checks.append(self.unique)
        if "items" in schema:
            item = self.compile(schema["items"], f"{where}/items")
            checks.append(lambda v: all(map(item, v)))
        return checks

    def unique(self, v: list[Any]) -> bool:
        for x in v:
            if type(x) is not str:
                return bool(self.uniq(v))  # jsonschema's own (bools apart from 0 and 1, 1 == 1.0, deep)
        return len(set(v)) == len(v)

    def object(self, schema: dict[str, Any], where: str) -> list[Check]:
        properties = {name: self.compile(sub, f"{where}/properties/{name}")
                      for name, sub in _mapping(schema.get("properties", {}), where, "properties").items()}
        required = tuple(_strings(schema.get("required", []), where, "required"))
        extra: Check | None = None  # no additionalProperties: any other key, any value
        if "additionalProperties" in schema:
            extra = self.compile(schema["additionalProperties"], f"{where}/additionalProperties")

        def check(v: dict[Any, Any]) -> bool:
            for name in required:
                if name not in v:
                    return False
            for key, value in v.items():
                sub = properties.get(key)
                if sub is None:
                    if extra is not None and not extra(value):
                        return False
                elif not sub(value):
                    return False
            return True

        return [check]

    def enum(self, values: Any, where: str) -> Check:
        if not isinstance(values, list):
            raise UnsupportedSchema(f"{where}: enum must be a list, not {values!r}")
        equal = self.equal

        def generic(v: Any) -> bool:
            return any(equal(each, v) for each in values)

        if any(type(each) not in (str, bool, int, float, type(None)) for each in values):
            return generic
        # plain values: a set per type says what ``equal`` says (1 == 1.0, True only True, a string only itself)
        strings = frozenset(each for each in values if type(each) is str)
        bools = frozenset(each for each in values if type(each) is bool)
        numbers_ = frozenset(each for each in values if type(each) in (int, float))
        null = None in values

        def check(v: Any) -> bool:
            t = type(v)
            if t is str:
                return v in strings
            if t is bool:
                return v in bools
            if t is int or t is float:
                return v in numbers_
            if v is None:
                return null
            return generic(v)

        return check

    def format(self, name: Any, where: str) -> Check:
        if not isinstance(name, str) or name not in FORMATS:
            raise UnsupportedSchema(f"{where}: format {name!r} is not supported (validate with jsonschema)")
        if name not in self.formats:  # FormatChecker accepts a format it does not know
            return _valid
        function, raises = self.formats[name]

        def check(v: Any) -> bool:
            try:
                return bool(function(v))
            except raises:
                return False

        return check

    def ref(self, ref: Any, where: str) -> Check:
        found = LOCAL_REF.fullmatch(ref) if isinstance(ref, str) else None
        if found is None:
            raise UnsupportedSchema(f"{where}: $ref {ref!r} is not a local #/$defs/<name> reference")
        return self.definition(found[1], None)

    def definition(self, name: str, definition: Any) -> Check:
        if name in self.defs:
            return self.defs[name]
        if name in self.pending:  # a recursive reference: call the definition once it is compiled
            cell = self.pending[name]
            return lambda v: cell[0](v)
        if definition is None:
            defs = self.root.get("$defs", {}) if isinstance(self.root, dict) else {}
            if name not in defs:
                raise UnsupportedSchema(f"$ref #/$defs/{name}: no such definition")
            definition = defs[name]
        self.pending[name] = []
        check = self.compile(definition, f"#/$defs/{name}")
        self.pending.pop(name).append(check)
        self.defs[name] = check
        return check


def _length_bounds(schema: dict[str, Any], where: str, fewest: str, most: str) -> list[Check]:
    """The checks of a length's lower and upper bound keywords (minLength/maxLength, minItems/maxItems)."""
    checks: list[Check] = []
    if fewest in schema:
        low = _count(schema[fewest], where, fewest)
        checks.append(lambda v: len(v) >= low)
    if most in schema:
        high = _count(schema[most], where, most)
        checks.append(lambda v: len(v) <= high)
    return checks


def _mapping(value: Any, where: str, keyword: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise UnsupportedSchema(f"{where}: {keyword} must be an object, not {value!r}")
    return value


def _strings(value: Any, where: str, keyword: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(each, str) for each in value):
        raise UnsupportedSchema(f"{where}: {keyword} must be a list of strings, not {value!r}")
    return value


def _number(value: Any, where: str, keyword: str) -> int | float:
    if type(value) not in (int, float):
        raise UnsupportedSchema(f"{where}: {keyword} must be a number, not {value!r}")
    return value  # type: ignore[no-any-return]


def _count(value: Any, where: str, keyword: str) -> int:
    if type(value) is not int or value < 0:
        raise UnsupportedSchema(f"{where}: {keyword} must be a non-negative integer, not {value!r}")
    return value
