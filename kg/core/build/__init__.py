"""The build: curated tables + ontology -> the checked build folder, and a build read back into a store.

``tables`` reads and validates the tables, ``transform`` turns rows into triples, ``header`` adds the graph's
own header, ``materialise`` the build-time closures, ``checks`` runs the QC queries, ``pipeline`` runs every
step (SHACL and the reasoner included) and writes the folder with its ``origin``; ``knowledge`` reads a build
(the packaged one by default) into a pyoxigraph store for decisions and queries. (``kg.build`` is the public
function ``kg.core.build.pipeline.build``.)
"""
