"""Limits on untrusted input (ADR 0006, README "Limits of input"): one place for every bound on
input (the bounds of error messages are in kg/base/errors.py), and the one reader of user-named text files
(size checked before reading, UTF-8 required).

Every limit is far above what a real patient profile, table or reply needs, and low enough that a
hostile input is refused quickly with a message instead of exhausting time or memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from kg.base.errors import MAX_VALUE_CHARS, UserError, shorten

MAX_PROFILE_BYTES = 1_000_000  # a profile file (JSON, YAML, Turtle); real ones are < 5 kB
MAX_PROFILE_TRIPLES = 5_000  # a Turtle profile, after parsing
MAX_YAML_ALIASES = 100  # alias uses (*name) in one YAML document
MAX_YAML_NODES = 20_000  # YAML nodes after expanding aliases (an "alias bomb" expands exponentially)
MAX_REPLY_BYTES = 50_000_000  # a SPARQL endpoint's reply
DEFAULT_TIMEOUT_SECONDS = 30.0  # a SPARQL endpoint: total time for one query
MAX_GRAPH_BYTES = 500_000_000  # a graph given with --graph
MAX_QUERY_BYTES = 1_000_000  # a query's text (an .rq file, inline text or stdin); the library's are < 10 kB
MAX_GRAPH_NESTING = 100  # brackets ([ ( { <<) or XML elements open at once in a graph file; real ones: < 20
MAX_LITERAL_CHARS = 1_000_000  # one literal (or IRI) of a graph file; the longest of the build: < 2,000
MAX_ENTITY_EXPANSION = 10  # an RDF/XML file's entity references may make it at most this many times larger
MAX_PROFILE_NESTING = 20  # lists and mappings open at once in a JSON or YAML profile; the schema needs 4
UTF8_BOM = "\ufeff"  # a UTF-8 byte-order mark at the start of a text file is ignored (one rule, every file)


def read_user_text(path: Path, what: str, max_bytes: int) -> str:
    """The text of a file the user named: a clear UserError if it is missing, too large or not UTF-8."""
    return decode_utf8(read_user_bytes(path, what, max_bytes), f"{what} {path}")


def read_user_bytes(path: Path, what: str, max_bytes: int) -> bytes:
    """The bytes of a file the user named, size checked before reading: a clear UserError if it is missing, not
    a regular file, cannot be read (a name too long, no permission) or is larger than ``max_bytes``."""
    try:
        if not path.exists():
            raise UserError(f"{what} {path}: no such file")
        if not path.is_file():
            raise UserError(f"{what} {path}: not a file")
        size = path.stat().st_size
        if size > max_bytes:
            raise UserError(f"{what} {path}: {size} bytes, more than the limit of {max_bytes} bytes")
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)  # the file may grow after stat()
    except OSError as error:
        raise UserError(f"{what} {shorten(str(path), MAX_VALUE_CHARS)}: cannot be read ({error.strerror})") \
            from None
    if len(data) > max_bytes:
        raise UserError(f"{what} {path}: more than the limit of {max_bytes} bytes")
    return data


UTF16_32_BOMS = {b"\xff\xfe\x00\x00": "UTF-32", b"\x00\x00\xfe\xff": "UTF-32", b"\xff\xfe": "UTF-16",
                 b"\xfe\xff": "UTF-16"}


def refuse_utf16_32(data: bytes, what: str) -> None:
    """UserError when ``data`` starts with a UTF-16 or UTF-32 byte-order mark (said as such, not as a bad byte)."""
    for mark, encoding in UTF16_32_BOMS.items():
        if data.startswith(mark):
            raise UserError(f"{what}: not UTF-8 text: it starts with a {encoding} byte-order mark; save it as UTF-8")


def read_user_stream(stream: BinaryIO, what: str, max_bytes: int) -> str:
    """The text of a stream the user gave (stdin): a clear UserError if it is too large or not UTF-8."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UserError(f"{what}: more than the limit of {max_bytes} bytes")
    return decode_utf8(data, what)


def decode_utf8(data: bytes, what: str) -> str:
    """``data`` as UTF-8 text, without a leading byte-order mark (the one BOM rule: accepted and ignored, in
    every text file a user gives: profiles, graphs, tables); UserError naming the first bad byte otherwise.

    >>> decode_utf8(b"\\xef\\xbb\\xbfage: 1", "profile")
    'age: 1'
    """
    refuse_utf16_32(data, what)
    try:
        return data.decode("utf-8").removeprefix(UTF8_BOM)
    except UnicodeDecodeError as error:
        raise UserError(f"{what}: not UTF-8 text (byte {error.start}: {data[error.start:error.start + 1]!r})") \
            from None
