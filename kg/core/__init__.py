"""Layer 4, core: making a build, running queries and deciding for a patient (ADR 0017).

``build/`` turns the tables and the ontology into the checked build and reads a build back (``knowledge``);
``query/`` holds everything that runs a SPARQL query; ``decide/`` classifies a patient and decides. The three
may import each other (the module graph has no cycle); below them they import only ``kg.base``, ``kg.model``
and ``kg.profile``.
"""
