"""FHIR R4 patient input: a Bundle (collection, searchset, transaction...) or a resource -> the project's profile
dict and an input report, driven by the packages' ``profile_fhir.tsv`` (guidelines/TABLES.md).

``records`` reads and validates the input (R4B models), ``statuses`` says which records count, ``dosage`` computes
daily doses from R4 Dosage, ``mapping`` reads and checks the table, ``reading`` applies it, ``report`` lists what
was used, not used, ambiguous or left unknown.
"""

from kg.profile.fhir.reading import FhirProfile, profile_from_fhir
from kg.profile.fhir.records import is_fhir

__all__ = ["FhirProfile", "is_fhir", "profile_from_fhir"]
