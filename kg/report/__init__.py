"""The clinician-first report of a decision: a summary (now, stop or change, safety, ask or measure),
options grouped by what to do with them, and the explanation chain of one option. Grouping and
ordering come from the report vocabulary in the ontology (queries/decision/report-vocabulary.rq);
Python only formats.

Every renderer lives in this package (ADR 0017): the decision in each output format (``decision_output``:
JSON, text, HTML, Turtle), what the other commands print (``formatting``: query results, the query list, the
build summary, the diff, the release listing) and the model diagram for query writers (``model_diagram``)."""
