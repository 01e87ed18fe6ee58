"""Everything that runs a SPARQL query (ADR 0017).

``library``: the ``queries/**/*.rq`` files with their ``#+`` headers, and running one on a pyoxigraph store;
``params``: what a user types for a parameter, resolved once against the graph; ``execute``: a query on a
target, embedded or on an endpoint (what ``kg query`` and ``kg.sparql`` share); ``values_clause``: binding on
an endpoint with a VALUES block; ``endpoint``: the SPARQL 1.1 protocol, bounded; ``results``: one result type
whichever engine answered.
"""
