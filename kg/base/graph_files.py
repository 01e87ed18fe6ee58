"""The one reader of graph files a user names: ``--graph`` (query, reason, export), ``kg diff``, ``kg.sparql(graph=
FILE)`` (ADR 0006, ADR 0013; README "Limits of input"); Turtle profiles pass the same checks before parsing
(``checked_graph_bytes``).

A graph file is untrusted. Before any parser sees it: its size (``MAX_GRAPH_BYTES``), UTF-8 (a leading BOM is
ignored), how deeply it nests (``MAX_GRAPH_NESTING`` brackets or XML elements: parsers of deep JSON-LD crashed,
of deep RDF/XML took minutes, and deep Turtle overflows the writers downstream) and, for RDF/XML, its entity
declarations: only internal entities whose values hold no references (no "billion laughs"), whose expansion adds
at most ``MAX_ENTITY_EXPANSION`` times the file (no quadratic blowup) and never a file or URL (no external or
parameter entities). Then pyoxigraph parses it, streaming, refusing literals over ``MAX_LITERAL_CHARS``; JSON-LD
contexts are read from the document only (pyoxigraph is given no document loader: a remote or ``file:``
``@context`` is refused, never fetched). A file holds one graph: N3 formulas and named graphs are refused. Every
failure, a parser's crash or running out of memory included, is one UserError naming the file (exit 2).
"""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph

from kg.base.errors import UserError
from kg.base.input_limits import (
    MAX_ENTITY_EXPANSION,
    MAX_GRAPH_BYTES,
    MAX_GRAPH_NESTING,
    MAX_LITERAL_CHARS,
    read_user_bytes,
    refuse_utf16_32,
)
from kg.base.oxigraph_bridge import from_ox

EXTENSIONS = {"owl": ox.RdfFormat.RDF_XML}  # beyond pyoxigraph's own (ttl nt nq trig n3 rdf xml jsonld json)
DEFAULT_FORMAT = ox.RdfFormat.TURTLE
UTF8_CHUNK = 1 << 20

# Turtle, TriG, N3, N-Triples, N-Quads: what is not structure (strings, IRIs, comments), removed before counting
_TURTLE_OPAQUE = re.compile(rb'"""[^"\\]*(?:(?:\\.|"(?!""))[^"\\]*)*"""'
                            rb"|'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
                            rb'|"[^"\\\n]*(?:\\.[^"\\\n]*)*"'
                            rb"|'[^'\\\n]*(?:\\.[^'\\\n]*)*'"
                            rb'|<[^<>\s"{}|^`\\]*>|#[^\n]*')
_JSON_OPAQUE = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')
_XML_OPAQUE = re.compile(rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<[^<>]*/>", re.S)
_XML_END, _XML_START = re.compile(rb"</[^<>]*>"), re.compile(rb"<[^<>!?][^<>]*>")
_DOCTYPE = re.compile(rb"<!DOCTYPE\b(?:[^\[>]*)(?:\[(?P<subset>.*?)\]\s*)?>", re.S)
_ENTITY = re.compile(rb"<!ENTITY\s+(?P<parameter>%\s+)?(?P<name>[^\s\"'>%]+)\s+"
                     rb"(?:\"(?P<double>[^\"]*)\"|'(?P<single>[^']*)'|(?P<external>SYSTEM|PUBLIC)\b[^>]*?)\s*>", re.S)
_OPEN_CLOSE = {ox.RdfFormat.JSON_LD: (b"[{", b"]}")}
_TURTLE_BRACKETS = (b"[({", b"])}")
_XML_BRACKETS = (b"\x01", b"\x02")  # start and end tags, after the substitutions below (not XML characters)


@dataclass(frozen=True)
class GraphFile:
    """A graph file, read and checked: its triples (pyoxigraph), the prefixes it declared, its bytes' hash."""

    path: Path
    format: ox.RdfFormat
    triples: list[ox.Triple]
    prefixes: dict[str, str]
    sha256: str

    def store(self) -> ox.Store:
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in self.triples)
        return store

    def graph(self) -> Graph:
        """The triples as an rdflib graph, with the file's prefixes bound."""
        graph = Graph(bind_namespaces="none")
        for prefix, namespace in self.prefixes.items():
            graph.bind(prefix, namespace)
        for t in self.triples:
            graph.add((from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)))  # type: ignore[arg-type]
        return graph


def graph_format(path: Path) -> ox.RdfFormat:
    """The syntax of a graph file, from its extension; Turtle when the extension names none."""
    extension = path.suffix.lstrip(".").lower()
    return EXTENSIONS.get(extension) or ox.RdfFormat.from_extension(extension) or DEFAULT_FORMAT


def read_graph_file(path: Path, role: str = "--graph") -> GraphFile:
    """Read and check a graph file (see the module docstring); ``role`` names it in messages (``--graph``,
    ``OLD``...)."""
    path = Path(path)
    where = f"{role} {path}"
    data = read_user_bytes(path, role, MAX_GRAPH_BYTES)
    sha256 = hashlib.sha256(data).hexdigest()
    rdf_format = graph_format(path)
    data = checked_graph_bytes(data, rdf_format, where)
    parser = None
    try:
        parser = ox.parse(data, format=rdf_format)
        triples = [_checked(quad, rdf_format, where) for quad in parser]
    except UserError:
        raise
    except MemoryError:
        raise UserError(f"{where}: too large to read in memory (a literal or the file)") from None
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as error:  # noqa: BLE001 - a parser's error or panic: the file is not a readable graph
        raise UserError(f"{where}: not {_article(rdf_format)} graph ({_reason(error)})") from None
    return GraphFile(path, rdf_format, triples, dict(parser.prefixes) if parser is not None else {}, sha256)


def checked_graph_bytes(data: bytes, rdf_format: ox.RdfFormat, where: str) -> bytes:
    """What every graph text passes before a parser sees it, a file's or a Turtle profile's
    (kg/profile/isolation.py): UTF-8 (a leading BOM dropped), nesting depth, and RDF/XML entities."""
    data = _utf8(data, where)
    _check_nesting(data, rdf_format, where)
    if rdf_format == ox.RdfFormat.RDF_XML:
        _check_entities(data, where)
    return data


def _article(rdf_format: ox.RdfFormat) -> str:
    return f"an {rdf_format.name}" if rdf_format.name[0] in "AEINO" else f"a {rdf_format.name}"


def _reason(error: BaseException) -> str:
    text = str(error).splitlines()[0] if str(error) else type(error).__name__
    if "LoadDocumentCallback" in text or "remote context" in text:
        return "its @context names another document; JSON-LD contexts are read from the file only, never fetched"
    return text[:200]


def _utf8(data: bytes, where: str) -> bytes:
    """``data`` checked to be UTF-8 chunk by chunk (no copy of a large file as text), without a leading BOM."""
    refuse_utf16_32(data, where)
    decoder = codecs.getincrementaldecoder("utf-8")()
    for start in range(0, len(data), UTF8_CHUNK):
        pending = len(decoder.getstate()[0])
        try:
            decoder.decode(data[start:start + UTF8_CHUNK], final=start + UTF8_CHUNK >= len(data))
        except UnicodeDecodeError as error:
            at = start - pending + error.start
            raise UserError(f"{where}: not UTF-8 text (byte {at}: {data[at:at + 1]!r})") from None
    return data[3:] if data.startswith(codecs.BOM_UTF8) else data


def _check_nesting(data: bytes, rdf_format: ox.RdfFormat, where: str) -> None:
    """Refuse a file whose brackets (or XML elements) nest deeper than MAX_GRAPH_NESTING, counted on its
    structure only (strings, IRIs and comments removed first), in C-speed passes over the bytes."""
    if rdf_format == ox.RdfFormat.RDF_XML:
        structure = _XML_START.sub(b"\x01", _XML_END.sub(b"\x02", _XML_OPAQUE.sub(b"", _DOCTYPE.sub(b"", data))))
        opening, closing = _XML_BRACKETS
    elif rdf_format == ox.RdfFormat.JSON_LD:
        structure = _JSON_OPAQUE.sub(b"", data)
        opening, closing = _OPEN_CLOSE[rdf_format]
    else:
        structure = _TURTLE_OPAQUE.sub(b"", data)
        opening, closing = _TURTLE_BRACKETS
    kept = opening + closing
    brackets = structure.translate(None, bytes(b for b in range(256) if b not in kept))
    step = {b: 1 for b in opening} | {b: -1 for b in closing}
    deepest = max(accumulate(map(step.__getitem__, brackets)), default=0)
    if deepest > MAX_GRAPH_NESTING:
        what = "XML elements" if rdf_format == ox.RdfFormat.RDF_XML else "brackets"
        raise UserError(f"{where}: {what} nested {deepest} deep, more than the limit of {MAX_GRAPH_NESTING}")


def _check_entities(data: bytes, where: str) -> None:
    """RDF/XML: only internal entities with plain values, expanding the file by at most MAX_ENTITY_EXPANSION
    times (Protege's namespace entities, ``&owl;``, pass; billion laughs and quadratic blowups do not)."""
    doctype = _DOCTYPE.search(data)
    if doctype is None or not doctype.group("subset"):
        if b"<!ENTITY" in data:
            raise UserError(f"{where}: an XML entity declaration outside a DOCTYPE kg can read")
        return
    subset = doctype.group("subset")
    entities = list(_ENTITY.finditer(subset))
    if len(entities) != subset.count(b"<!ENTITY"):
        raise UserError(f"{where}: an XML entity declaration kg cannot read (only <!ENTITY name \"value\">)")
    body = data[doctype.end():]
    added = 0
    for entity in entities:
        name = entity.group("name").decode("utf-8", "replace")
        if entity.group("parameter") or entity.group("external"):
            kind = "a parameter entity" if entity.group("parameter") else "an external entity (a file or URL)"
            raise UserError(f"{where}: XML entity '{name}' is {kind}; entities are not read from anywhere else")
        value = entity.group("double") if entity.group("double") is not None else entity.group("single")
        if b"&" in value or b"%" in value:
            raise UserError(f"{where}: XML entity '{name}' refers to other entities; nested entities are refused "
                            "(they expand exponentially: 'billion laughs')")
        added += body.count(b"&" + entity.group("name") + b";") * len(value)
    if added > MAX_ENTITY_EXPANSION * len(data) or len(data) + added > MAX_GRAPH_BYTES:
        raise UserError(f"{where}: its XML entities would expand it by {added} bytes, more than "
                        f"{MAX_ENTITY_EXPANSION} times its size (or the limit of {MAX_GRAPH_BYTES} bytes)")


def _checked(quad: ox.Quad, rdf_format: ox.RdfFormat, where: str) -> ox.Triple:
    if not isinstance(quad.graph_name, ox.DefaultGraph):
        what = ("an N3 formula ({ ... }), which is not RDF" if rdf_format == ox.RdfFormat.N3 else
                "a named graph")
        raise UserError(f"{where}: holds {what}; a graph file holds one graph (its default graph) only")
    if isinstance(quad.object, ox.Literal) and len(quad.object.value) > MAX_LITERAL_CHARS:
        raise UserError(f"{where}: a literal of {len(quad.object.value)} characters, more than the limit of "
                        f"{MAX_LITERAL_CHARS}")
    return quad.triple
