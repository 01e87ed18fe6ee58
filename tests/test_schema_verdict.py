"""The compiled schema verdict (kg/profile/schema_verdict.py) says valid exactly when jsonschema finds no error:
jsonschema as the profile reader builds it (``_schema_validator()``: the real schema file, the strict "integer",
FormatChecker), on synthetic, bundled, case and hostile profiles, on generated mutations of valid profiles, on
each keyword alone over any JSON value, and on the named traps; a schema with a keyword it does not compile is
refused, never half-checked."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.base.yaml12 import load_json, load_yaml
from kg.cohort.synth import synthesize
from kg.core.build.knowledge import default_knowledge
from kg.profile.reader import _schema, _schema_validator
from kg.profile.schema_verdict import UnsupportedSchema, compile_verdict
from tests.fuzz.strategies import json_profiles, yaml_profiles

ROOT = Path(__file__).parent.parent
SETTINGS: dict[str, Any] = {"deadline": None, "database": None, "suppress_health_check": list(HealthCheck)}


def jsonschema_valid(instance: Any, schema: dict[str, Any] | None = None) -> bool:
    """jsonschema's verdict: the reader's validator, or the same validator (type checker, format checker) on
    another schema."""
    validator = _schema_validator()
    if schema is not None:  # a validator of the same class (its own $ref resolver), with the same format checker
        validator = type(validator)(schema, format_checker=validator.format_checker)
    return not any(validator.iter_errors(instance))


@pytest.fixture(scope="module")
def verdict():
    return compile_verdict(_schema())


@pytest.fixture(scope="module")
def cohort() -> list[dict[str, Any]]:
    return list(synthesize(300, 1, default_knowledge()))


# --- profiles as they come --------------------------------------------------------------------------------------

def _read(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    return (load_json if path.suffix == ".json" else load_yaml)(text)[0]


def bundled_profiles() -> list[tuple[str, Any]]:
    """Every JSON/YAML mapping under kg/examples/ and tests/fixtures/, and the profile of every clinical case
    (tests/cases/, guidelines/*/cases/, the fixture guideline's cases)."""
    found: list[tuple[str, Any]] = []
    files = [p for folder in (ROOT / "kg" / "examples", ROOT / "tests" / "fixtures") for p in sorted(folder.rglob("*"))
             if p.suffix in (".json", ".yaml", ".yml")]
    files += sorted((ROOT / "tests" / "cases").glob("*.yaml")) + sorted((ROOT / "guidelines").glob("*/cases/*.yaml"))
    for path in files:
        data = _read(path)
        if isinstance(data, dict):
            name = str(path.relative_to(ROOT))
            found.append((name, data))
            if isinstance(data.get("profile"), dict):
                found.append((f"{name}: profile", data["profile"]))
    return found


def corpus_profiles() -> list[tuple[str, Any]]:
    """The hostile files of tests/fuzz/corpus/ that parse as JSON or YAML (NaN, infinity, a float trimester, a
    newline after an id or a date...); those the readers refuse (not UTF-8, a Python tag, nesting or an integer
    beyond the readers' limits) never reach a schema."""
    found = []
    for path in sorted((ROOT / "tests" / "fuzz" / "corpus").iterdir()):
        if path.suffix not in (".json", ".yaml"):
            continue
        try:
            found.append((path.name, _read(path)))
        except (UnicodeDecodeError, ValueError, RecursionError, yaml.YAMLError):
            continue
    return found


def test_every_synthetic_profile_is_valid_for_both(verdict, cohort):
    assert len(cohort) == 300
    for profile in cohort:
        assert verdict(profile) is True, profile
        assert jsonschema_valid(profile), profile


def test_bundled_fixture_and_case_profiles_agree_both_ways(verdict):
    profiles = bundled_profiles()
    outcomes = Counter()
    for name, profile in profiles:
        expected = jsonschema_valid(profile)
        assert verdict(profile) == expected, name
        outcomes[expected] += 1
    assert outcomes[True] >= 50 and outcomes[False] >= 5, outcomes  # case profiles valid; manifests, FHIR not


def test_hostile_corpus_agrees(verdict):
    profiles = corpus_profiles()
    assert len(profiles) >= 15
    for name, profile in profiles:
        assert verdict(profile) == jsonschema_valid(profile), name


@settings(max_examples=200, **SETTINGS)
@given(example=st.one_of(json_profiles(), yaml_profiles()))
def test_generated_hostile_profiles_agree(verdict, example):
    kind, _, text, _ = example
    try:
        data = (load_json if kind == "json" else load_yaml)(text.decode("utf-8"))[0]
    except (ValueError, RecursionError, yaml.YAMLError):
        return  # refused by the reader: never validated
    assert verdict(data) == jsonschema_valid(data), data


# --- mutations of valid profiles --------------------------------------------------------------------------------

def _schema_values(node: Any) -> Iterator[Any]:
    """Every enum value and property name of the schema (the real file): values right in one place, wrong in
    another."""
    if isinstance(node, dict):
        yield from node.get("enum", [])
        yield from node.get("properties", {})
        for value in node.values():
            yield from _schema_values(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_values(value)


SCHEMA_VALUES = sorted({json.dumps(v) for v in _schema_values(_schema())})
NUMBERS = [0, 1, 2, 3, 4, 24, 25, 100, 125, -1, 2.0, 1.0, 0.0, -0.0, 0.5, 100.5, 125.0, 125.00000000000003, 1e-300,
           -1e-300, 1e308, -1e308, 2**63, 10**40, -(10**40), 10**400, float("nan"), float("inf"), float("-inf")]
DATES = ["2024-01-01", "2024-02-29", "2023-02-29", "2024-02-30", "2024-13-01", "2024-1-1", " 2024-01-01",
         "2024-01-01 ", "2024-01-01\n", "2024-01-01T00:00:00", "20240101", "0000-01-01", "9999-12-31",
         "２０２４-01-01", "2024-W01-1", ""]
IDS = ["a", "a-b", "abc-123", "a--b", "-a", "a-", "Abc", "a b", "a\n", "a_b", "é", "x" * 64, "x" * 65, ""]
STRINGS = ["", " ", "x" * 200, "x" * 201, "\U0001f600" * 200, "\U0001f600" * 201, "é" * 64, "yes", "Yes", "YES",
           "true", "True", "1", "null", "none", "unknown", "µg/L", "ug/L", "%", *DATES, *IDS]
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.sampled_from(NUMBERS),
                    st.text(max_size=40), st.sampled_from(STRINGS), st.sampled_from(SCHEMA_VALUES).map(json.loads))
KEYS = st.one_of(st.sampled_from([json.loads(v) for v in SCHEMA_VALUES if v.startswith('"')]), st.text(max_size=8))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(KEYS, inner, max_size=4)), max_leaves=10)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield path
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, inner in items:
        yield from _paths(inner, (*path, key))


def _at(value: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        value = value[part]
    return value


@st.composite
def mutated_profiles(draw: st.DrawFn, bases: list[dict[str, Any]]) -> Any:
    """A valid profile with one to three changes: a value replaced by one of any JSON type, a key dropped (required
    or not), a key added (known elsewhere or unknown), a list item duplicated, a lab date or the id rewritten, a
    field taken from another valid profile."""
    profile: Any = copy.deepcopy(draw(st.sampled_from(bases)))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(profile))
        change = draw(st.sampled_from(["replace", "drop", "add", "duplicate", "date", "id", "transplant"]))
        if change == "replace":
            path = draw(st.sampled_from(paths))
            if not path:
                profile = draw(VALUES)
                continue
            _at(profile, path[:-1])[path[-1]] = draw(VALUES)
        elif change == "drop" and (keyed := [p for p in paths if p and isinstance(_at(profile, p[:-1]), dict)]):
            path = draw(st.sampled_from(keyed))
            del _at(profile, path[:-1])[path[-1]]
        elif change == "add" and (objects := [p for p in paths if isinstance(_at(profile, p), dict)]):
            _at(profile, draw(st.sampled_from(objects)))[draw(KEYS)] = draw(VALUES)
        elif change == "duplicate" and (lists := [p for p in paths if isinstance(_at(profile, p), list)]):
            items = _at(profile, draw(st.sampled_from(lists)))
            items.append(copy.deepcopy(draw(st.sampled_from(items))) if items else draw(VALUES))
        elif change == "date" and isinstance(profile, dict):
            lab = draw(st.sampled_from(["ferritin", "tsat"]))
            labs = profile.setdefault("labs", {})
            if isinstance(labs, dict):
                entry = labs.setdefault(lab, {"value": 10, "unit": "%" if lab == "tsat" else "ng/mL"})
                if isinstance(entry, dict):
                    entry["date"] = draw(st.one_of(st.sampled_from(DATES), st.text(max_size=12)))
        elif change == "transplant" and isinstance(profile, dict):  # a field of another valid profile
            donor = draw(st.sampled_from(bases))
            key = draw(st.sampled_from(sorted(donor)))
            profile[key] = copy.deepcopy(donor[key])
        elif change == "id" and isinstance(profile, dict):
            profile["patient_id"] = draw(st.one_of(st.sampled_from(IDS), st.from_regex(r"[a-z0-9-]{1,66}")))
    return profile


def test_mutated_profiles_agree_both_ways(verdict, cohort):
    bases = cohort[:100] + [p for _, p in bundled_profiles() if jsonschema_valid(p)]
    outcomes = Counter()

    @settings(max_examples=1500, **SETTINGS)
    @given(profile=mutated_profiles(bases))
    def agree(profile: Any) -> None:
        expected = jsonschema_valid(profile)
        assert verdict(profile) == expected, profile
        outcomes[expected] += 1

    agree()
    assert outcomes[True] >= 100 and outcomes[False] >= 300, outcomes  # both directions were exercised


# --- each keyword alone -----------------------------------------------------------------------------------------

NAN, INF = float("nan"), float("inf")
KEYWORD_SCHEMAS: dict[str, tuple[Any, list[Any], list[Any]]] = {  # name: schema, valid instances, invalid ones
    "type integer": ({"type": "integer"}, [0, -3, 10**400], [2.0, True, "1", None, 1e308]),
    "type number": ({"type": "number"}, [0, 2.0, -0.0, NAN, INF, 10**400], [True, False, "1", None, [1]]),
    "type boolean": ({"type": "boolean"}, [True, False], [0, 1, "true", None]),
    "type list": ({"type": ["string", "null", "array"]}, ["", None, []], [0, True, {}]),
    "type object with keywords of other types": (
        {"type": "object", "minimum": 1, "maxLength": 1, "required": ["a"]}, [{"a": "long"}], [{}, 0, "a", []]),
    "type integer with number keywords": (
        {"type": "integer", "minimum": 1, "maximum": 24}, [1, 24], [0, 25, 2.0, True, NAN, "3"]),
    "bounds": ({"minimum": 0, "maximum": 125}, [0, -0.0, 125, 125.0, NAN, "x", True, None], [-1, -1e-300, 126, INF]),
    "float bounds": ({"minimum": 0.5, "maximum": 100.5}, [0.5, 1, 100, 100.5], [0, 101, -INF]),
    "exclusiveMinimum": ({"exclusiveMinimum": 0}, [1e-300, 1, INF, NAN, False], [0, -0.0, 0.0, -1]),
    "enum of strings": ({"enum": ["yes", "no", "1", ""]}, ["yes", "", "1"], [True, 1, "Yes", "yes ", None]),
    "enum of scalars": ({"enum": [True, "yes", 1, 2.5, None]}, [True, 1, 1.0, 2.5, None], [False, 0, 2, "1", []]),
    "enum of numbers": ({"enum": [0, 1, 2.5]}, [0, 1, 1.0, -0.0, 2.5], [True, False, "1", None, [1]]),
    "enum of integers": ({"type": "integer", "enum": [1, 2, 3]}, [1, 3], [1.0, True, 4, "1"]),
    "enum with structures": (
        {"enum": [[1, "a"], {"a": [True]}, [], {}, 0, False]}, [[1.0, "a"], {"a": [True]}, [], {}, 0, 0.0, False],
        [[True, "a"], {"a": [1]}, [[]], True, None]),
    "uniqueItems": ({"uniqueItems": True}, [[], [1, True], [0, False], [[1], [True]], ["a", "b"], 1],
                    [[1, 1.0], ["a", "a"], [{"a": 1}, {"a": 1.0}], [[1, 2], [1, 2]], [None, None]]),
    "array": ({"type": "array", "minItems": 1, "maxItems": 3, "uniqueItems": True, "items": {"enum": ["a", "b", 1]}},
              [["a"], ["a", "b", 1], [1.0]], [[], ["a", "a"], ["a", "b", 1, 1.0], [True], "a"]),
    "items false": ({"items": False}, [[], "x", {}], [[None]]),
    "strings": ({"minLength": 1, "maxLength": 3, "pattern": "a"}, ["a", "xa", "\U0001f600\U0001f600a", 5],
                ["", "b", "aaaa"]),
    "anchored pattern": ({"pattern": "^[a-z0-9]+(-[a-z0-9]+)*(?![\\s\\S])"}, ["a-b", "abc", 1],
                         ["a\n", "a--b", "-a", "A", ""]),
    "format date": ({"format": "date"}, ["2024-02-29", 20240101, None], ["2024-02-30", "2024-1-1", " 2024-01-01",
                                                                        "2024-01-01\n", "20240101", "0000-01-01"]),
    "date": ({"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}(?![\\s\\S])"},
             ["2024-01-01"], ["2024-02-30", "2024-01-01\n", 20240101]),
    "object": ({"properties": {"a": {"type": "integer"}, "b": False}, "required": ["c"],
                "additionalProperties": {"type": "string"}},
               [{"c": "x"}, {"a": 1, "c": "x", "d": "y"}, [], "x"], [{}, {"a": 1.0, "c": "x"}, {"b": 1, "c": "x"},
                                                                      {"c": 1}]),
    "object without additionalProperties": ({"properties": {"a": {"type": "integer"}}}, [{"b": None}, {"a": 1}],
                                            [{"a": "1"}]),
    "additionalProperties false": ({"type": "object", "properties": {"a": True}, "additionalProperties": False},
                                   [{}, {"a": None}], [{"b": 1}, []]),
    "$ref with siblings": ({"$defs": {"short": {"type": "string", "maxLength": 2}}, "$ref": "#/$defs/short",
                            "minLength": 1}, ["a", "ab"], ["", "abc", 1]),
    "recursive $ref": ({"$defs": {"tree": {"type": ["array", "integer"], "items": {"$ref": "#/$defs/tree"}}},
                        "$ref": "#/$defs/tree"}, [1, [], [1, [2, [3]]]], [[1, [2, ["3"]]], "1", [1.5]]),
    "false": (False, [], [None, 0, {}]),
    "true": (True, [None, 0, {}], []),
}
ANY_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(-2, 30), st.floats(),
                       st.sampled_from(NUMBERS), st.text(max_size=6),
                       st.sampled_from(["a", "b", "yes", "no", "1", "", "aa", "aaaa", *DATES, *IDS]))
SMALL_LISTS = st.lists(st.sampled_from(["a", "b", 1, 1.0, True, 0, False, None, [1], [True]]), max_size=4)
ANY_JSON = st.one_of(ANY_SCALAR, SMALL_LISTS, st.recursive(ANY_SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["a", "b", "c", "d"]), inner, max_size=4)),
    max_leaves=8))


@pytest.mark.parametrize("name", KEYWORD_SCHEMAS)
def test_each_keyword_alone_agrees_on_any_json_value(name):
    schema, valid, invalid = KEYWORD_SCHEMAS[name]
    check = compile_verdict(schema)
    for expected, instances in ((True, valid), (False, invalid)):  # the traps: what jsonschema says, the verdict too
        for instance in instances:
            assert jsonschema_valid(instance, schema) is expected, instance
            assert check(instance) is expected, instance

    @settings(max_examples=300, **SETTINGS)
    @given(instance=ANY_JSON)
    def agree(instance: Any) -> None:
        assert check(instance) == jsonschema_valid(instance, schema), instance

    agree()


# --- named traps ------------------------------------------------------------------------------------------------

BASE = {"patient_id": "case-x", "age_years": 52, "sex": "female", "pregnancy": {"status": "pregnant", "trimester": 2},
        "esrd": "no", "alcohol": "none", "labs": {"ferritin": {"value": 40, "unit": "ng/mL", "date": "2026-10-01"}},
        "current_medications": [{"drug": "gabapentin", "daily_dose_mg": 300, "doses_per_day": 3}],
        "past_trials": [{"drug": "ropinirole", "max_daily_dose_mg": 2, "outcome": "augmentation", "adequate": True}],
        "conditions": ["restless-legs-syndrome"]}
TRAPS: list[tuple[str, tuple[Any, ...], Any, bool]] = [  # name, path, value (DROP: removed), valid for jsonschema
    ("the base profile", (), "KEEP", True),
    ("true as a trimester", ("pregnancy", "trimester"), True, False),
    ("2.0 as a trimester", ("pregnancy", "trimester"), 2.0, False),
    ("a trimester in the enum's range but not in it", ("pregnancy", "trimester"), 4, False),
    ("2.0 doses a day", ("current_medications", 0, "doses_per_day"), 2.0, False),
    ("true doses a day", ("current_medications", 0, "doses_per_day"), True, False),
    ("25 doses a day", ("current_medications", 0, "doses_per_day"), 25, False),
    ("an age of true", ("age_years",), True, False),
    ("an age of 125.0", ("age_years",), 125.0, True),
    ("an age just above 125", ("age_years",), 125.00000000000003, False),
    ("an age of -0.0", ("age_years",), -0.0, True),
    ("an age of NaN: jsonschema's bounds let it through", ("age_years",), float("nan"), True),
    ("an age of infinity", ("age_years",), float("inf"), False),
    ("an age of 1e308", ("age_years",), 1e308, False),
    ("an age of a huge integer", ("age_years",), 10**400, False),
    ("an age as a string", ("age_years",), "52", False),
    ("a dose of -0.0 (exclusive minimum 0)", ("current_medications", 0, "daily_dose_mg"), -0.0, False),
    ("a dose of 0", ("current_medications", 0, "daily_dose_mg"), 0, False),
    ("a dose of 1e-300", ("current_medications", 0, "daily_dose_mg"), 1e-300, True),
    ("a dose of infinity (no maximum)", ("current_medications", 0, "daily_dose_mg"), float("inf"), True),
    ("a dose of NaN", ("current_medications", 0, "daily_dose_mg"), float("nan"), True),
    ("tri-state 1 (not true)", ("esrd",), 1, False),
    ("tri-state 0 (not false)", ("esrd",), 0, False),
    ("tri-state true", ("esrd",), True, True),
    ("tri-state 'none' where only triStateOrNone takes it", ("esrd",), "none", False),
    ("tri-state 'Yes'", ("esrd",), "Yes", False),
    ("sex true", ("sex",), True, False),
    ("sex missing (required)", ("sex",), "DROP", False),
    ("pregnancy without its required status", ("pregnancy", "status"), "DROP", False),
    ("a unit in another Unicode spelling", ("labs", "ferritin", "unit"), "µg/L", True),
    ("a lab value as a bool", ("labs", "ferritin", "value"), False, False),
    ("a lab without its unit", ("labs", "ferritin", "unit"), "DROP", False),
    ("a date that is not in the calendar", ("labs", "ferritin", "date"), "2024-02-30", False),
    ("a date not zero-padded", ("labs", "ferritin", "date"), "2024-1-1", False),
    ("a date after a space", ("labs", "ferritin", "date"), " 2024-01-01", False),
    ("a date before a newline", ("labs", "ferritin", "date"), "2024-01-01\n", False),
    ("a leap day", ("labs", "ferritin", "date"), "2024-02-29", True),
    ("a leap day of a common year", ("labs", "ferritin", "date"), "2023-02-29", False),
    ("year 0", ("labs", "ferritin", "date"), "0000-01-01", False),
    ("a date as a number", ("labs", "ferritin", "date"), 20240101, False),
    ("an id with capitals", ("patient_id",), "Case-X", False),
    ("an id with a double hyphen", ("patient_id",), "case--x", False),
    ("an id with a trailing newline", ("patient_id",), "case-x\n", False),
    ("an id of 64 characters", ("patient_id",), "x" * 64, True),
    ("an id of 65 characters", ("patient_id",), "x" * 65, False),
    ("an empty drug name", ("current_medications", 0, "drug"), "", False),
    ("a drug name of 200 astral characters (400 UTF-16 units)", ("current_medications", 0, "drug"),
     "\U0001f600" * 200, True),
    ("a drug name of 201 characters", ("current_medications", 0, "drug"), "x" * 201, False),
    ("adequate as 1", ("past_trials", 0, "adequate"), 1, False),
    ("a trial without its outcome", ("past_trials", 0, "outcome"), "DROP", False),
    ("an empty conditions list (minItems 1)", ("conditions",), [], False),
    ("a condition twice (uniqueItems)", ("conditions",), ["restless-legs-syndrome"] * 2, False),
    ("both conditions", ("conditions",), ["chronic-insomnia", "restless-legs-syndrome"], True),
    ("a condition of another type", ("conditions",), [True], False),
    ("an empty medication list (no minItems)", ("current_medications",), [], True),
    ("101 medications (maxItems 100)", ("current_medications",), [{"drug": "x"}] * 101, False),
    ("100 identical medications (no uniqueItems)", ("current_medications",), [{"drug": "x"}] * 100, True),
    ("a medication with a key of another section", ("current_medications", 0, "outcome"), "response", False),
    ("an unknown top-level key", ("smoker",), "yes", False),
    ("an unknown lab", ("labs", "hemoglobin"), {"value": 1, "unit": "%"}, False),
    ("medications as a mapping", ("current_medications",), {"drug": "x"}, False),
    ("the profile a list", (), [], False),
    ("the profile null", (), None, False),
]


@pytest.mark.parametrize(("path", "value", "valid"), [t[1:] for t in TRAPS], ids=[t[0] for t in TRAPS])
def test_named_traps(verdict, path, value, valid):
    profile: Any = copy.deepcopy(BASE)
    if value == "KEEP":
        pass
    elif path == ():
        profile = value
    elif value == "DROP":
        del _at(profile, path[:-1])[path[-1]]
    else:
        _at(profile, path[:-1])[path[-1]] = value
    assert jsonschema_valid(profile) is valid  # the trap is what jsonschema says
    assert verdict(profile) is valid


# --- what is not compiled is refused ----------------------------------------------------------------------------

def _with(change: str) -> dict[str, Any]:
    schema = copy.deepcopy(_schema())
    places = {"root": schema, "property": schema["properties"]["labs"]["properties"]["ferritin"],
              "definition": schema["$defs"]["date"], "items": schema["properties"]["past_trials"]["items"],
              "additionalProperties": schema["properties"]["labs"]}
    place, keyword, value = change.split(" ", 2)
    if place == "additionalProperties":
        places[place][place] = {keyword: json.loads(value)}
    else:
        places[place][keyword] = json.loads(value)
    return schema


@pytest.mark.parametrize(("change", "named"), [
    ('root oneOf [{"required": ["sex"]}]', "'oneOf'"),
    ('property patternProperties {"^x": true}', "'patternProperties'"),
    ('definition const "2024-01-01"', "'const'"),
    ('items anyOf [true]', "'anyOf'"),
    ('additionalProperties minProperties 1', "'minProperties'"),
    ('root default {}', "'default'"),
    ('items $comment "x"', "'$comment'"),
    ('property unevaluatedProperties false', "'unevaluatedProperties'"),
    ('definition format "email"', "format 'email'"),
    ('property $ref "other.json#/x"', "$ref 'other.json#/x'"),
    ('property $ref "#/$defs/missing"', "#/$defs/missing"),
    ('items $id "urn:x"', "'$id'"),
    ('root $schema "http://json-schema.org/draft-07/schema#"', "draft-07"),
    ('property type "decimal"', "'decimal'"),
    ('property minimum true', "minimum"),
    ('property required "value"', "required"),
])
def test_a_schema_with_what_is_not_compiled_is_refused_naming_it(change, named):
    with pytest.raises(UnsupportedSchema, match=re.escape(named)):
        compile_verdict(_with(change))


def test_the_real_schema_compiles():
    assert compile_verdict(copy.deepcopy(_schema()))(BASE) is True
