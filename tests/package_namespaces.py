"""The namespaces the tests name guideline content in, read from the packages' manifests: the core declares no
guideline's namespace (ADR 0019)."""

from __future__ import annotations

from rdflib import Namespace

from kg.base.paths import GUIDELINES_DIR
from kg.model.namespaces import CG
from kg.model.packages import read_manifest

RLS = Namespace(read_manifest(GUIDELINES_DIR / "rls-aasm-2024").namespace)
RLS_ABSENT = Namespace(f"{RLS}absent/")  # "condition stated absent" classes (ADR 0005)

# Terms the packages' ontology fragments declare (ADR 0025): their IRIs were published in the core namespace and kept
# it when they moved, so they are cg: IRIs that the generated CG constants no longer list.
CG_TERMS = Namespace(str(CG._NS))
FERRITIN = CG_TERMS.ferritinNgPerMl  # rls-aasm-2024/ontology.ttl
FERRITIN_UNKNOWN = CG_TERMS.FerritinUnknown  # rls-aasm-2024/ontology.ttl
IRON_FORMULATION = CG_TERMS.IronFormulation  # shared-drug-safety/ontology.ttl
