"""The namespaces the tests name guideline content in, read from the packages' manifests: the core declares no
guideline's namespace (ADR 0019)."""

from __future__ import annotations

from rdflib import Namespace

from kg.base.paths import GUIDELINES_DIR
from kg.model.packages import read_manifest

RLS = Namespace(read_manifest(GUIDELINES_DIR / "rls-aasm-2024").namespace)
RLS_ABSENT = Namespace(f"{RLS}absent/")  # "condition stated absent" classes (ADR 0005)
