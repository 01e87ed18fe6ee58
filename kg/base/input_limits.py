"""Limits on untrusted input (ADR 0006, README "Limits of input"): one place for every bound on
input (the bounds of error messages are in kg/base/errors.py), and the one reader of user-named text files
(size checked before reading, UTF-8 required).

Every limit is far above what a real patient profile, table or reply needs, and low enough that a
hostile input is refused quickly with a message instead of exhausting time or memory.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from kg.base.errors import UserError

MAX_PROFILE_BYTES = 1_000_000  # a profile file (JSON, YAML, Turtle); real ones are < 5 kB
MAX_PROFILE_TRIPLES = 5_000  # a Turtle profile, after parsing
MAX_YAML_ALIASES = 100  # alias uses (*name) in one YAML document
MAX_YAML_NODES = 20_000  # YAML nodes after expanding aliases (an "alias bomb" expands exponentially)
MAX_REPLY_BYTES = 50_000_000  # a SPARQL endpoint's reply
DEFAULT_TIMEOUT_SECONDS = 30.0  # a SPARQL endpoint: total time for one query
MAX_GRAPH_BYTES = 500_000_000  # a graph given with --graph
MAX_QUERY_BYTES = 1_000_000  # a query's text (an .rq file, inline text or stdin); the library's are < 10 kB


def read_user_text(path: Path, what: str, max_bytes: int) -> str:
    """The text of a file the user named: a clear UserError if it is missing, too large or not UTF-8."""
    if not path.is_file():
        raise UserError(f"{what} {path}: no such file")
    size = path.stat().st_size
    if size > max_bytes:
        raise UserError(f"{what} {path}: {size} bytes, more than the limit of {max_bytes} bytes")
    with path.open("rb") as handle:
        data = handle.read(max_bytes + 1)  # the file may grow after stat()
    if len(data) > max_bytes:
        raise UserError(f"{what} {path}: more than the limit of {max_bytes} bytes")
    return decode_utf8(data, f"{what} {path}")


def read_user_stream(stream: BinaryIO, what: str, max_bytes: int) -> str:
    """The text of a stream the user gave (stdin): a clear UserError if it is too large or not UTF-8."""
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UserError(f"{what}: more than the limit of {max_bytes} bytes")
    return decode_utf8(data, what)


def decode_utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise UserError(f"{what}: not UTF-8 text (byte {error.start}: {data[error.start:error.start + 1]!r})") \
            from None
