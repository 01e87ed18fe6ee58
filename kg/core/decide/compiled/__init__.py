"""The compiled decision (issue 17): the assessment rules flattened into decision tables once per build
(tables.py, from queries/compile/*.rq) and evaluated per patient by generic joins (evaluate.py), or for a batch of
patients at once over boolean columns (batch.py, for cohorts: the same compact decisions). The SPARQL rules
(queries/decision/assess/*.rq) stay the reference: ``engine="sparql"``; tests/differential/test_engines.py
compares the two."""
