"""The data graph's own header: its ontology IRI, version IRI, licence and the ontology it conforms to (ADR 0009).

The built graph merges the schema (``ontology/cgkg.ttl``, the TBox with its own header) with the content built
from the tables. The content gets a header of its own, made only from the inputs (the data namespace, the
package version, the schema's version IRI), so the same tables give the same bytes in a checkout, an sdist or
an installed wheel. When and from which commit a build was made is recorded in its build report
(:mod:`kg.core.build.origin`), never in the graph.
"""

from __future__ import annotations

from rdflib import DCTERMS, OWL, RDF, VANN, Graph, Literal, URIRef

from kg import __version__
from kg.model.namespaces import ONTOLOGY_IRI
from kg.model.packages import Package, package_node

DATA_IRI = URIRef("https://w3id.org/cgkg/content")  # the content's ontology IRI (every package built, ADR 0019)
DATA_LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")  # the data's licence (ADR 0009); code: LICENSE
DATA_LICENSE_SPDX = "CC-BY-4.0"
CODE_LICENSE_SPDX = "Apache-2.0"  # the Python package, queries, shapes and tests: LICENSE
DATA_TITLE = "Clinical-guideline knowledge graph: content"
DATA_DESCRIPTION = (
    "Guideline content (statements, populations, interventions, dosing, cautions, terminology mappings and their "
    "sources) built from the curated tables on the cgkg ontology. A curation exercise from the sources it cites, "
    "each statement tagged with its evidence basis; not for patient care. Third-party terminology codes keep "
    "their owners' terms."
)


def data_version_iri(version: str = __version__) -> URIRef:
    """``https://w3id.org/cgkg/content/<version>``."""
    return URIRef(f"{DATA_IRI}/{version}")


def package_iri(package: Package) -> URIRef:
    """``https://w3id.org/cgkg/package/<id>/<version>``: which package, at which version (its content keeps the
    package's own namespace and is dcterms:isPartOf the unversioned package node)."""
    return URIRef(f"{package_node(package.id)}/{package.version}")


def add_data_header(graph: Graph, packages: tuple[Package, ...] = (), version: str = __version__) -> Graph:
    """Add the content's ontology header to *graph* (which holds the schema); return it.

    It references the schema by its version IRI with ``dcterms:conformsTo`` rather than ``owl:imports``: the
    built file already holds the schema, and an import of an IRI no server resolves would make OWL tools fail
    to open the file (the OWL export writes one self-contained ontology; ADR 0009)."""
    schema_version = graph.value(ONTOLOGY_IRI, OWL.versionIRI)
    graph.add((DATA_IRI, RDF.type, OWL.Ontology))
    graph.add((DATA_IRI, OWL.versionIRI, data_version_iri(version)))
    graph.add((DATA_IRI, OWL.versionInfo, Literal(version)))
    graph.add((DATA_IRI, DCTERMS.title, Literal(DATA_TITLE)))
    graph.add((DATA_IRI, DCTERMS.description, Literal(DATA_DESCRIPTION)))
    graph.add((DATA_IRI, DCTERMS.license, DATA_LICENSE))
    graph.add((DATA_IRI, DCTERMS.conformsTo, schema_version if schema_version is not None else ONTOLOGY_IRI))
    for package in packages:  # which packages, at which version, the content was built from
        part = package_iri(package)
        graph.add((DATA_IRI, DCTERMS.hasPart, part))
        graph.add((part, DCTERMS.isVersionOf, package_node(package.id)))
        graph.add((part, DCTERMS.identifier, Literal(package.id)))
        graph.add((part, DCTERMS.title, Literal(package.title)))
        graph.add((part, OWL.versionInfo, Literal(package.version)))
        # where its ids live: queries and checks read a package's content by these, never by a prefix of their own
        graph.add((part, VANN.preferredNamespaceUri, Literal(package.namespace)))
        graph.add((part, VANN.preferredNamespacePrefix, Literal(package.prefix)))
    return graph
