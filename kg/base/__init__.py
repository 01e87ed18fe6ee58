"""Layer 1, base: utilities that know no ontology and no guideline (ADR 0017).

User errors and the bounds of their messages (``errors``), limits on untrusted input and the one reader of
user-named files (``input_limits``), where files live in a checkout and in a wheel (``paths``), rdflib <->
pyoxigraph term conversions (``oxigraph_bridge``), canonical literals (``literals``), temporary folders
(``tempdirs``) and the progress display (``progress``). Imports nothing else of ``kg``.
"""
