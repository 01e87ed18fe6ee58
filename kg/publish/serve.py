"""``kg serve``: the checked build on a local, read-only Oxigraph server (the ``oxigraph`` binary of the
``oxigraph`` PyPI package), for YASGUI, SPARQLWrapper or ``kg query --endpoint``.

The build is loaded with ``oxigraph load`` into a store folder in the temporary directory (named after
this process, see kg/base/tempdirs.py, and removed when the server stops), then served with
``oxigraph serve-read-only``. As in the embedded store, the build is the default graph and the DL
reasoner's entailments are the named graph ``INFERRED_GRAPH_IRI``: a query answers as ``kg query`` does;
``GRAPH <...inferred> {...}``, or Oxigraph's ``union-default-graph`` request parameter, reaches the
entailments (the server is not started with ``--union-default-graph``, which would make its answers
those of ``kg query --inferred``).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from kg.base.errors import UserError
from kg.base.paths import BUILT_GRAPH_NAME, INFERRED_GRAPH_IRI, INFERRED_GRAPH_NAME
from kg.base.tempdirs import fresh_dir

TEMP_PREFIX = "kg-serve-"
START_SECONDS = 30.0  # the server answers in well under a second (tech-notes 1.8)


@dataclass(frozen=True)
class Served:
    """A running server: where to point a browser and a SPARQL client."""

    base: str  # http://host:port
    folder: Path  # its store folder (removed when it stops)
    process: subprocess.Popen
    build: Path = Path()  # the build folder it serves

    @property
    def ui_url(self) -> str:
        return f"{self.base}/"

    @property
    def query_url(self) -> str:
        return f"{self.base}/query"


def oxigraph_binary() -> Path:
    """The ``oxigraph`` server binary: beside this Python (a venv's bin/) or on PATH."""
    beside = Path(sys.executable).parent / "oxigraph"
    found = beside if beside.is_file() else shutil.which("oxigraph")
    if found is None:
        raise UserError("the Oxigraph server is not installed: pip install oxigraph (it comes with cgkg[test]), "
                        "then run kg serve again")
    return Path(found)


@contextmanager
def serving(build_dir: Path | None = None, host: str = "127.0.0.1", port: int = 7878,
            verify: bool = True, guidelines: Collection[str] | None = None) -> Iterator[Served]:
    """The build (of a build set: the build of exactly *guidelines*, default all of them) served read-only until the
    block ends; then the server is stopped and its folder removed."""
    from kg.core.build.verify import open_build

    build = open_build(build_dir, verify, guidelines=guidelines).folder
    if not 0 < port < 65536:
        raise UserError(f"--port {port}: not a TCP port (1-65535)")
    binary = oxigraph_binary()
    folder = fresh_dir(Path(tempfile.gettempdir()), TEMP_PREFIX)
    process: subprocess.Popen | None = None
    try:
        store = folder / "store"
        load_build(binary, store, build)
        address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        with (folder / "server.log").open("wb") as log:
            process = subprocess.Popen([str(binary), "serve-read-only", "--location", str(store), "--bind", address],
                                       stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       start_new_session=True,  # Ctrl-C reaches kg, which stops it
                                       preexec_fn=_die_with_parent if sys.platform == "linux" else None)
        served = Served(f"http://{address}", folder, process, build)
        _wait_until_answering(served, folder / "server.log")
        yield served
    finally:
        if process is not None:
            _stop(process)
        shutil.rmtree(folder, ignore_errors=True)


def _die_with_parent() -> None:
    """In the child, before exec: SIGTERM when kg dies, even when it is killed (Linux prctl PR_SET_PDEATHSIG);
    the folder of a killed kg serve is removed by the next one (kg/base/tempdirs.py)."""
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)


def load_build(binary: Path, store: Path, build: Path) -> None:
    """Load a build folder into an Oxigraph store folder: the graph as the default graph, the reasoner's
    entailments (when the build has them) in their named graph, as the embedded store holds them."""
    _load(binary, store, build / BUILT_GRAPH_NAME, None)
    if (build / INFERRED_GRAPH_NAME).is_file():
        _load(binary, store, build / INFERRED_GRAPH_NAME, INFERRED_GRAPH_IRI)


def _load(binary: Path, store: Path, file: Path, graph: str | None) -> None:
    command = [str(binary), "load", "--location", str(store), "--file", str(file)]
    done = subprocess.run(command + (["--graph", graph] if graph else []), capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise UserError(f"--build {file.parent}: oxigraph could not load {file.name}: {last[:200]}")


def _wait_until_answering(served: Served, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            said = log.read_text(encoding="utf-8", errors="replace").strip().splitlines() or ["no message"]
            raise UserError(f"the Oxigraph server did not start on {served.base} (is the port in use?): "
                            f"{said[-1][:200]}")
        try:
            urllib.request.urlopen(f"{served.query_url}?query=ASK%7B%7D", timeout=1)  # noqa: S310 - our own server
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            time.sleep(0.05)
    raise UserError(f"the Oxigraph server did not answer on {served.base} within {START_SECONDS:g} s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
