"""The clinician-first report of a decision: a summary (now, stop or change, safety, ask or measure),
options grouped by what to do with them, and the explanation chain of one option. Grouping and
ordering come from the report vocabulary in the ontology (queries/decision/report-vocabulary.rq);
Python only formats."""
