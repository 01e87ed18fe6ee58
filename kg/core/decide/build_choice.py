"""Which build a decision reads (ADR 0019, "Build sets"): the build whose guidelines are exactly those that treat the
patient's conditions, so that no other guideline's statements add options or reasons.

The conditions are the profile's ``conditions`` list (omitted: those of the build's guideline flagged
``default_for_profiles_without_conditions``, recorded in its report; a build recording none: the installed default); a
Turtle profile's are the treated conditions its patient ``cg:hasCondition`` (none: the default's). A build set
(kg/core/build/build_set.py) says which of its guidelines treats which condition and holds a build per selection;
a plain build folder's report says which guidelines it holds. No build of exactly those guidelines: a UserError
(exit 2) naming the command that makes one.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rdflib import RDF, Graph

from kg.base.errors import UserError, ValidationError
from kg.base.paths import PACKAGED_BUILD_DIR
from kg.core.build.build_set import (
    DEFAULT_FLAG,
    BuildSet,
    guidelines_treating,
    is_build_set,
    make_command,
    open_set,
)
from kg.core.build.knowledge import Knowledge, default_knowledge, load_knowledge, packaged_set
from kg.model.namespaces import CG
from kg.profile.fhir import is_fhir, profile_from_fhir
from kg.profile.fields import condition_fields, named_conditions, stated, stated_conditions
from kg.profile.reader import Profile, read_profile_file, validate_profile

ProfileSource = Path | str | dict[str, Any] | Graph | Profile


def knowledge_for(profile: ProfileSource, build_dir: Path | None = None, verify: bool = True,
                  today: dt.date | None = None) -> Knowledge:
    """The knowledge of the build in *build_dir* (default: the packaged build set) whose guidelines are exactly those
    treating the conditions of *profile* (validated as of *today*)."""
    folder = PACKAGED_BUILD_DIR if build_dir is None else Path(build_dir)
    packaged = build_dir is None and verify
    if is_build_set(folder):
        found = packaged_set() if packaged else open_set(folder, verify)
        assert found is not None
        if packaged:
            _load_early(found, profile)
        needed = guidelines_needed(found.guidelines, profile, found.where, today)
        return default_knowledge(needed) if packaged else load_knowledge(folder, verify, needed)
    knowledge = default_knowledge() if packaged else load_knowledge(folder, verify)
    if knowledge.selection is not None:  # a plain build whose report records its guidelines: they must be those
        where = f"--build {folder}"
        needed = guidelines_needed(knowledge.selection["guidelines"], profile, where, today)
        if needed != knowledge.guidelines:
            raise UserError(f"{where}: holds the guidelines {', '.join(sorted(knowledge.guidelines or ()))}; the "
                            f"profile's conditions need {', '.join(sorted(needed))}; make a build of those with: "
                            f"{make_command(needed)}")
    return knowledge


def _load_early(found: BuildSet, profile: ProfileSource) -> None:
    """Start loading the packaged build that the conditions a JSON or YAML profile names call for, before the profile
    is checked: its store then loads, and is copied for the first decision, while the installed packages' fields are
    read and the profile is validated (kg/core/build/knowledge.py; about 90 and 50 ms of a cold ``kg decide``). Only a
    guess: for a valid profile, the build ``guidelines_needed`` then chooses (read once, so the same); for any other
    source or problem nothing is started, and the checks that follow raise what they always raised, in their order."""
    try:
        data = read_profile_file(Path(profile)) if isinstance(profile, str | Path) else profile
        if not isinstance(data, dict) or is_fhir(data):
            return
        ids = {c for name in condition_fields() for c in stated(data, name) or ()}
        guidelines = found.guidelines
        default_knowledge(guidelines_treating(guidelines, ids or default_conditions(guidelines), found.where)
                          ).copy_for_the_first_decision()
    except Exception:  # noqa: BLE001 - a guess: whatever stops it is met again, and reported, by the checks
        return


def guidelines_needed(guidelines: Mapping[str, Mapping[str, Any]], profile: ProfileSource, where: str,
                      today: dt.date | None = None) -> frozenset[str]:
    """The ids of the guidelines (id -> the record of a build: the conditions it treats, id -> IRI) that treat the
    conditions of *profile*."""
    ids, classes = _conditions(profile, today)
    ids |= {c for info in guidelines.values() for c, iri in info["conditions"].items() if iri in classes}
    return guidelines_treating(guidelines, ids or default_conditions(guidelines), where)


def default_conditions(guidelines: Mapping[str, Mapping[str, Any]]) -> tuple[str, ...]:
    """The conditions of a profile that names none, for a build of *guidelines*: those of its guideline flagged
    ``default_for_profiles_without_conditions`` (recorded in the build), else the installed packages' default."""
    flagged = tuple(c for info in guidelines.values() if info.get(DEFAULT_FLAG) for c in info["conditions"])
    return flagged or named_conditions({})


def _conditions(profile: ProfileSource, today: dt.date | None) -> tuple[set[str], set[str]]:
    """The condition ids a JSON/YAML profile names (omitted: none, the build's default applies), or the
    classes of the conditions a Turtle (or loaded) profile's patient has, as IRIs; a profile that is not valid is a
    ValidationError here already."""
    source: Any = Path(profile) if isinstance(profile, str) else profile
    if isinstance(source, Profile):
        return set(), _condition_classes(source.graph)
    data, name = (read_profile_file(source), source.name) if isinstance(source, Path) else (source, "profile")
    if isinstance(data, Graph):
        return set(), _condition_classes(data)
    if is_fhir(data):  # a FHIR bundle: the conditions its records give (medications need no build here)
        data = profile_from_fhir(data, {}, today or dt.date.today()).profile
    problems = validate_profile(data, name, today)
    if problems:
        raise ValidationError(problems, what="patient profile")
    return set(stated_conditions(data)), set()


def _condition_classes(graph: Graph) -> set[str]:
    return {str(kind) for condition in graph.objects(None, CG.hasCondition)
            for kind in graph.objects(condition, RDF.type)}
