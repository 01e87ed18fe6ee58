"""The compiled decision (issue 17): the assessment rules flattened into decision tables once per build
(tables.py, from queries/compile/*.rq) and evaluated per patient by generic joins (evaluate.py). The SPARQL rules
(queries/decision/assess/*.rq) stay the reference: ``engine="sparql"``; tests/differential/test_engines.py
compares the two."""
