"""Layer 2, model: the ontology and the tables' schema as Python (ADR 0017).

The project's IRIs (``namespaces``, generated from the ontology), the ontology's own graph and enumerated
values (``ontology``), IRI -> CURIE (``curies``), the column dictionary (``table_specs``), the population-rule
grammar and its backends (``population/``), and the two engines that give the ontology its meaning: SHACL
validation (``shacl``) and the DL reasoner (``reasoning``). Imports only ``kg.base``.
"""
