"""The ontology a build reads: the core (ontology/cgkg.ttl) and the ontology fragments of the packages built
(``guidelines/<id>/ontology.ttl``, ADR 0025), merged; and its enumerated vocabularies and patient quantities (the one
source of truth for allowed values: the table validator, the population rules and the transforms read them).

A fragment holds the terms a package needs that no other package does (the lab quantities of a guideline, a drug
kind of the shared package), with the same IRIs they had in the core: a published IRI never changes when the term
moves. Its rules (``fragment_problems``): it declares no ontology and imports nothing; it never declares a term the
core or another package of the build declares; the terms it declares live in the core namespace (``cg:``, for terms
published there) or in the package's own; and of a term it does not declare it states only annotations the term's
owner leaves open (the notation its tables write), once per build, except the label of a core term, which it may
reword for its builds (``WORDING``: the core's neutral "worsens the condition" becomes the words of the guideline's
condition; one package per build).

>>> sorted(quantities())
['age']
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rdflib import OWL, RDF, RDFS, SKOS, Graph, Namespace, URIRef
from rdflib.graph import ReadOnlyGraphAggregate
from rdflib.term import Node

from kg.base.errors import Problem, ValidationError
from kg.base.paths import ONTOLOGY_FILE, SHAPES_DIR
from kg.model.namespaces import CG, PREFIXES
from kg.model.packages import ONTOLOGY_FRAGMENT_NAME, SHAPES_FOLDER, Package

SH = Namespace("http://www.w3.org/ns/shacl#")
CORE = "ontology/cgkg.ttl"  # the core ontology as problems name it
ANNOTATIONS_WITHOUT_DECLARATION = (RDFS.label, RDFS.comment)  # built-in annotation properties
# what a package may reword of a core term in the builds that hold it (its value replaces the core's): the words that
# name the guideline's condition where the core says "the condition"
WORDING = (RDFS.label,)


def core_graph() -> Graph:
    """The core ontology (a fresh copy: the caller may add to it)."""
    return _core() + Graph()


@cache
def _core(ontology_file: Path = ONTOLOGY_FILE) -> Graph:
    from kg.base.oxigraph_bridge import parse_file

    return parse_file(ontology_file)


def show(term: Node, packages: Iterable[Package] = ()) -> str:
    """A term as a CURIE of the project's prefixes and those of *packages* (``cg:ageYears``), else its IRI."""
    text = str(term)
    prefixes = {**PREFIXES, **{p.prefix: p.namespace for p in packages}}
    for prefix, iri in sorted(prefixes.items(), key=lambda pair: -len(pair[1])):
        if text.startswith(iri) and len(text) > len(iri):
            return f"{prefix}:{text[len(iri):]}"
    return f"<{text}>"


def declared(graph: Graph) -> set[URIRef]:
    """The terms a graph declares: the IRIs it types (a class, a property, an individual)."""
    return {s for s in graph.subjects(RDF.type, None) if isinstance(s, URIRef)}


def fragment_file(package: Package) -> str:
    """The package's fragment as problems name it."""
    return f"{package.folder.name}/{ONTOLOGY_FRAGMENT_NAME}"


def read_fragments(packages: Sequence[Package]) -> tuple[dict[str, Graph], list[Problem]]:
    """Each package's fragment (package id -> graph; none for a package without one) and the problems of reading
    them."""
    fragments: dict[str, Graph] = {}
    problems: list[Problem] = []
    for package in packages:
        path = package.folder / ONTOLOGY_FRAGMENT_NAME
        if not path.exists():
            continue
        try:
            fragments[package.id] = Graph().parse(path, format="turtle")
        except Exception as error:  # noqa: BLE001 - any parser error is the package author's syntax error
            problems.append(Problem(fragment_file(package), 0, "", "", f"not readable Turtle: {str(error)[:200]}"))
    return fragments, problems


def fragment_problems(packages: Sequence[Package], fragments: Mapping[str, Graph],
                      core: Graph | None = None) -> list[Problem]:
    """Every problem of the packages' fragments, read together with the core (see the module's rules)."""
    core = _core() if core is None else core
    core_terms = declared(core)

    def named(term: Node) -> str:
        return show(term, packages)

    owner: dict[URIRef, str] = {term: CORE for term in core_terms}  # term -> the file that declares it
    problems: list[Problem] = []
    by_id = {p.id: p for p in packages}
    for package_id, fragment in fragments.items():
        file = fragment_file(by_id[package_id])
        for term in sorted(declared(fragment)):
            if term in core_terms:
                problems.append(Problem(file, 0, "", named(term), f"declared by the core ontology ({CORE}): a package "
                                        "never redefines a core term (it may give it an annotation the core leaves "
                                        "open, such as a notation, or reword its label)"))
            elif term in owner:
                problems.append(Problem(file, 0, "", named(term), f"also declared by {owner[term]}: a term is "
                                        "declared by one package of a build (move it to a package both require)"))
            else:
                owner[term] = file
            if not (str(term).startswith(str(CG._NS)) or str(term).startswith(by_id[package_id].namespace)):
                problems.append(Problem(file, 0, "", named(term), f"outside the core namespace ({CG._NS}) and the "
                                        f"package's own ({by_id[package_id].namespace}): declare it in one of them"))
    annotations = {*ANNOTATIONS_WITHOUT_DECLARATION, *(s for graph in (core, *fragments.values())
                                                       for s in graph.subjects(RDF.type, OWL.AnnotationProperty))}
    given: dict[tuple[Node, Node], str] = {(s, p): CORE for s, p, _ in core if isinstance(s, URIRef)}
    for package_id, fragment in fragments.items():
        file = fragment_file(by_id[package_id])
        own = declared(fragment)
        if (None, RDF.type, OWL.Ontology) in fragment or (None, OWL.imports, None) in fragment:
            problems.append(Problem(file, 0, "", "owl:Ontology", "a fragment is merged into the core ontology: it "
                                    "declares no ontology and imports nothing"))
        for subject, predicate in sorted({(s, p) for s, p, _ in fragment if isinstance(s, URIRef) and s not in own}):
            where = owner.get(subject)  # type: ignore[arg-type]
            if where is None:
                problems.append(Problem(file, 0, named(predicate), named(subject), "a term neither this fragment, the "
                                        "core nor another package of the build declares"))
            elif predicate not in annotations:
                problems.append(Problem(file, 0, named(predicate), named(subject), f"a statement about a term of "
                                        f"{where}: a package only annotates a term it does not declare"))
            elif (subject, predicate) in given and not (predicate in WORDING and given[(subject, predicate)] == CORE):
                problems.append(Problem(file, 0, named(predicate), named(subject), f"already given by "
                                        f"{given[(subject, predicate)]}: a package adds an annotation the term's "
                                        "owner leaves open, never a second one"))
        for subject, predicate in {(s, p) for s, p, _ in fragment if isinstance(s, URIRef)}:
            if given.get((subject, predicate), CORE) == CORE:
                given[(subject, predicate)] = file
    return problems


def read_checked(packages: Sequence[Package]) -> tuple[dict[str, Graph], list[Problem]]:
    """The fragments of *packages* (``read_fragments``) and every problem of them, their shapes' included."""
    fragments, problems = read_fragments(packages)
    problems += fragment_problems(packages, fragments)
    problems += shape_problems(packages, fragments)
    return fragments, problems


@cache
def checked_fragments(packages: tuple[Package, ...] = ()) -> dict[str, Graph]:
    """The fragments of *packages*, checked with the core and their shapes; a ValidationError listing every
    problem (that of ``ontology_graph``). Read once per set of packages: do not change the graphs returned."""
    fragments, problems = read_checked(packages)
    if problems:
        raise ValidationError(problems, what="package ontology")
    return fragments


def merge(packages: Sequence[Package]) -> tuple[Graph, list[Problem]]:
    """The core ontology with the fragments of *packages*, and every problem of those fragments (the graph holds
    them all the same, so that a table's allowed values are read as the author meant them)."""
    fragments, problems = read_checked(packages)
    graph = core_graph()
    core_terms = declared(graph)
    for fragment in fragments.values():
        for subject, predicate, _ in fragment.triples((None, None, None)):
            if predicate in WORDING and subject in core_terms:
                graph.remove((subject, predicate, None))  # the package's words for its builds
    for fragment in fragments.values():
        graph += fragment
    return graph, problems


@cache
def ontology_graph(packages: tuple[Package, ...] = ()) -> Graph:
    """The core ontology with the fragments of *packages* (none: the core alone); a ValidationError listing every
    problem of the fragments. Read once per set of packages: do not change the graph returned."""
    graph, problems = merge(packages)
    if problems:
        raise ValidationError(problems, what="package ontology")
    return graph


# ---- shapes ----------------------------------------------------------------------------------------------------


def shape_files(pattern: str, packages: Iterable[Package] = ()) -> list[Path]:
    """The SHACL files of the core (ontology/shapes/) and of *packages* (``guidelines/<id>/shapes/``) named like
    *pattern* (``kg-*.ttl``: shapes of the built graph; ``patient-*.ttl``: of a patient profile)."""
    folders = [SHAPES_DIR, *(p.folder / SHAPES_FOLDER for p in packages)]
    return [path for folder in folders for path in sorted(folder.glob(pattern))]


@cache
def _core_shape_subjects() -> frozenset[URIRef]:
    """The IRIs the core's shapes (ontology/shapes/, shipped with kg) state something about, read once, by pyoxigraph
    like the core ontology (no rdflib graph of them is needed here)."""
    import pyoxigraph as ox

    return frozenset(URIRef(triple.subject.value) for path in shape_files("*.ttl")
                     for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)
                     if isinstance(triple.subject, ox.NamedNode))


def shape_problems(packages: Sequence[Package], fragments: Mapping[str, Graph]) -> list[Problem]:
    """A package's patient shapes only add property shapes, to the core's node shapes, on properties its own
    fragment declares (they never loosen the core's allow-list of patient data, ADR 0006); its shapes of the built
    graph add shapes of their own, never statements about the core's."""
    core_shapes = _core_shape_subjects()
    problems: list[Problem] = []

    def named(term: Node) -> str:
        return show(term, packages)

    for package in packages:
        own = declared(fragments.get(package.id, Graph()))
        for path in sorted((package.folder / SHAPES_FOLDER).glob("*.ttl")):
            file = f"{package.folder.name}/{SHAPES_FOLDER}/{path.name}"
            try:
                shapes = Graph().parse(path, format="turtle")
            except Exception as error:  # noqa: BLE001 - the package author's syntax error
                problems.append(Problem(file, 0, "", "", f"not readable Turtle: {str(error)[:200]}"))
                continue
            patient = path.name.startswith("patient-")
            for subject, predicate, value in sorted(shapes):
                if not isinstance(subject, URIRef):
                    continue
                if subject in core_shapes and not (patient and predicate == SH.property):
                    problems.append(Problem(file, 0, named(predicate), named(subject), "a package's shapes never "
                                            "change a core shape (its patient shapes may add property shapes)"))
                elif patient and subject not in core_shapes:
                    problems.append(Problem(file, 0, named(predicate), named(subject), "a package's patient shapes "
                                            "only add property shapes to the core's patient node shapes"))
                elif patient and shapes.value(value, SH.path) not in own:
                    problems.append(Problem(file, 0, "sh:path", named(shapes.value(value, SH.path) or value),
                                            f"not a property {fragment_file(package)} declares: a package's patient "
                                            "shapes constrain only its own properties"))
    return problems


# ---- vocabularies and quantities -------------------------------------------------------------------------------


def vocabularies_in(graph: Graph) -> dict[URIRef, dict[str, URIRef]]:
    """For each vocabulary class: notation -> term (individuals of it, or subclasses of it)."""
    result: dict[URIRef, dict[str, URIRef]] = {}
    for term, notation in graph.subject_objects(SKOS.notation):
        owners = set(graph.objects(term, RDF.type))
        owners |= set(graph.transitive_objects(term, RDFS.subClassOf)) - {term}
        for owner in owners:
            result.setdefault(owner, {})[str(notation)] = term  # type: ignore[index]
    return result


@cache
def vocabularies(packages: tuple[Package, ...] = ()) -> dict[URIRef, dict[str, URIRef]]:
    """The vocabularies of the core and the fragments of *packages*."""
    return vocabularies_in(ontology_graph(packages))


@dataclass(frozen=True)
class Quantities:
    """The patient quantities a population rule compares: notation -> datatype property (age, a package's lab
    value), and for each the class of patients whose value is unknown (``cg:unknownValueOf``)."""

    properties: Mapping[str, URIRef]
    unknown: Mapping[URIRef, URIRef]

    @classmethod
    def of(cls, graph: Graph) -> Quantities:
        """The quantities an ontology (or a build) declares."""
        properties = {str(n): p for p, n in graph.subject_objects(SKOS.notation)
                      if isinstance(p, URIRef) and (p, RDF.type, OWL.DatatypeProperty) in graph}
        unknown = {p: c for c, p in graph.subject_objects(CG.unknownValueOf)
                   if isinstance(p, URIRef) and isinstance(c, URIRef)}
        return cls(properties, unknown)

    def __contains__(self, name: object) -> bool:
        return name in self.properties

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.properties))

    def __getitem__(self, name: str) -> URIRef:
        """The property of a quantity; a KeyError naming the quantities there are."""
        try:
            return self.properties[name]
        except KeyError:
            raise KeyError(f"{name!r} is not a patient quantity of the ontology (known: {', '.join(self)})") from None

    def unknown_class(self, name: str) -> URIRef:
        return self.unknown[self[name]]


@cache
def quantities(packages: tuple[Package, ...] = ()) -> Quantities:
    """The patient quantities of the core and the fragments of *packages* (checked as ``ontology_graph`` checks
    them), read from the graphs as they are: a package's rewording (``WORDING``) never names a quantity, so they are
    those of the merged ontology, without the cost of merging it (a cold ``kg decide`` reads them)."""
    return Quantities.of(ReadOnlyGraphAggregate([_core(), *checked_fragments(packages).values()]))
