"""KGX and the Biolink Model Toolkit without a network: everything from the installed packages.

At import time KGX builds a ``bmt.Toolkit()``, whose defaults download the Biolink Model YAML and its
predicate map from GitHub, and its validator reads the Biolink JSON-LD context from a URL in
``kgx/config.yml``. Hospital machines and CI often have no network, so :func:`configure` (called
before KGX is imported, once per process) points all three at local data:

* the Biolink Model schema: ``biolink_model/schema/biolink_model.yaml`` from the ``biolink-model``
  package (the version that package pins is the version validated against);
* the JSON-LD context (the prefixes KGX accepts in node ids): the prefix map the same package ships,
  ``biolink_model/prefixmaps/biolink-model-prefix-map.json``; KGX's two fallback contexts (Monarch,
  OBO) from ``prefixcommons/registry``;
* the predicate map (external predicates -> Biolink): the package does not ship it and validation does
  not read it (only ``Toolkit.get_element_by_mapping`` does), so it is empty.

``python -m kg.export.biolink_offline validate -i tsv nodes.tsv edges.tsv`` runs KGX's own
``kgx validate`` command on these settings.
"""

from __future__ import annotations

import json
import sys
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any

EMPTY_PREDICATE_MAP: dict[str, Any] = {"predicate mappings": []}
METADATA_NAME = "graph-metadata.json"  # written beside nodes/edges by the KGX export, with its curie map


def biolink_schema_path() -> Path:
    return Path(str(files("biolink_model") / "schema" / "biolink_model.yaml"))


@cache
def biolink_prefix_map() -> dict[str, str]:
    """The Biolink Model's JSON-LD prefix map (prefix -> IRI base) as the package ships it."""
    path = files("biolink_model") / "prefixmaps" / "biolink-model-prefix-map.json"
    return dict(json.loads(path.read_text(encoding="utf-8")))


def _prefixcommons_context(name: str) -> dict[str, Any]:
    data = json.loads((files("prefixcommons") / "registry" / f"{name}.jsonld").read_text(encoding="utf-8"))
    return dict(data.get("@context", data))


@cache
def configure() -> None:
    """Make bmt and KGX read local files only. Call before importing ``kgx.validator`` or ``kgx.transformer``."""
    try:
        import biolink_model  # noqa: F401
        import bmt.toolkit
        import kgx  # noqa: F401
    except ImportError as missing:
        from kg.export.errors import ExportError

        raise ExportError(f"KGX export: {missing.name} is not installed (install the export extra: "
                          "pip install 'cgkg[export]')") from None

    if "kgx.utils.kgx_utils" in sys.modules and not _offline_defaults(bmt.toolkit.Toolkit):
        raise RuntimeError("kgx was imported before kg.export.biolink_offline.configure() (it reads the network)")
    bmt.toolkit.Toolkit.__init__.__defaults__ = (str(biolink_schema_path()), EMPTY_PREDICATE_MAP)
    import kgx.config

    kgx.config.get_config()
    kgx.config.jsonld_context_map["biolink"] = biolink_prefix_map()
    kgx.config.jsonld_context_map["monarch_context"] = _prefixcommons_context("monarch_context")
    kgx.config.jsonld_context_map["obo_context"] = _prefixcommons_context("obo_context")
    import kgx.utils.kgx_utils as kgx_utils

    if kgx_utils._default_toolkit is None:  # share the toolkit KGX built at import: one schema load, not two
        kgx_utils._default_toolkit = kgx_utils.tk
    import logging

    logging.getLogger("KGX").setLevel(logging.ERROR)  # KGX logs every property it does not type-check


def _offline_defaults(toolkit_class: Any) -> bool:
    defaults = toolkit_class.__init__.__defaults__ or ()
    return bool(defaults) and defaults[0] == str(biolink_schema_path())


@cache
def toolkit() -> Any:
    """The Biolink Model Toolkit on the installed model (the one KGX validates with)."""
    configure()
    from kgx.utils.kgx_utils import get_toolkit

    return get_toolkit()


def model_version() -> str:
    return str(toolkit().get_model_version())


def register_prefixes(curie_map: dict[str, str]) -> None:
    """Add an export's own curie map (its local prefixes) to the JSON-LD context KGX checks node ids against."""
    configure()
    import kgx.config

    kgx.config.jsonld_context_map["biolink"] = {**biolink_prefix_map(), **curie_map}


def validate(files_: list[Path], input_format: str, curie_map: dict[str, str] | None = None) -> list[str]:
    """Run KGX's validator over the files as ``kgx validate`` does; return its errors, one line each.

    Node ids may use the Biolink context's prefixes and those of *curie_map* (the export's local nodes);
    any other prefix is an error.
    """
    register_prefixes(curie_map or {})
    from kgx.transformer import Transformer
    from kgx.validator import Validator

    validator = Validator()
    Transformer(stream=True).transform(
        input_args={"filename": [str(f) for f in files_], "format": input_format},
        output_args={"format": "null"},
        inspector=validator,
    )
    return _flatten({level: found for level, found in validator.get_errors().items() if level.upper() == "ERROR"})


def _flatten(errors: dict[str, Any]) -> list[str]:
    lines = []
    for level, by_type in sorted(errors.items()):
        for error_type, by_message in sorted(by_type.items()):
            for message, entities in sorted(by_message.items()):
                lines.append(f"{level} {error_type}: {message} ({', '.join(sorted(entities)[:5])})")
    return lines


def load(files_: list[Path], input_format: str) -> Any:
    """Load the files into KGX's graph store (a ``kgx.graph.nx_graph.NxGraph``). The store keys an edge by
    (subject, predicate, object), so parallel edges (two sources' statements about one pair) become one."""
    configure()
    from kgx.transformer import Transformer

    transformer = Transformer()
    transformer.transform(input_args={"filename": [str(f) for f in files_], "format": input_format})
    return transformer.store.graph


def stream_counts(files_: list[Path], input_format: str) -> tuple[int, int]:
    """Stream the files through KGX's Transformer (as ``kgx validate`` and ``kgx transform --stream`` do); return
    how many node and edge records it read."""
    configure()
    from kgx.transformer import Transformer
    from kgx.utils.kgx_utils import GraphEntityType

    counts = {GraphEntityType.NODE: 0, GraphEntityType.EDGE: 0}

    def count(kind: GraphEntityType, _record: list[Any]) -> None:
        counts[kind] += 1

    Transformer(stream=True).transform(
        input_args={"filename": [str(f) for f in files_], "format": input_format},
        output_args={"format": "null"},
        inspector=count,
    )
    return counts[GraphEntityType.NODE], counts[GraphEntityType.EDGE]


def main(argv: list[str] | None = None) -> None:
    """``python -m kg.export.biolink_offline <kgx command> ...``: KGX's own command line, offline. The curie map
    of a ``graph-metadata.json`` beside the input files (the export's local prefixes) is registered first."""
    args = list(sys.argv[1:] if argv is None else argv)
    for arg in args:
        metadata = Path(arg).parent / METADATA_NAME
        if Path(arg).is_file() and metadata.is_file():
            register_prefixes(json.loads(metadata.read_text(encoding="utf-8")).get("curie_map", {}))
    configure()
    from kgx.cli import cli

    cli.main(args=args, prog_name="kgx")


if __name__ == "__main__":
    main()
