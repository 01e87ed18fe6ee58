"""Layer 3, profile: everything that reads a patient profile (ADR 0017).

Reading JSON, YAML or Turtle, validating and converting to RDF (``reader``), the patient allow-list that keeps
a profile's triples about its patient (``isolation``, ADR 0006), exact YAML 1.2 and JSON reading (``yaml12``)
and drug names and codes as typed in a profile (``drug_names``). Imports only ``kg.base`` and ``kg.model``.
"""
