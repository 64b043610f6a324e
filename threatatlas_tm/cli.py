"""The command line: click options in, core calls, text out. The only place that exits."""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from threatatlas_tm import __version__
from threatatlas_tm.errors import ExitCode, UsageProblem

from threatatlas_tm.render import format_names

_COLOR_CHOICES = click.Choice(["auto", "always", "never"])
_state = {"debug": False}


def _use_color(choice: str, stream: object) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    return bool(getattr(stream, "isatty", lambda: False)())


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="threatatlas-tm")
@click.option("--debug", is_flag=True, help="Show the traceback of internal errors.")
def cli(debug: bool) -> None:
    """Threat models as code: validate YAML threat models, gate CI on their posture."""
    _state["debug"] = debug


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("-f", "--format", "fmt", type=click.Choice(format_names("validate")), default="text", show_default=True,
              help="Output format.")
@click.option("--color", type=_COLOR_CHOICES, default="auto", show_default=True,
              help="Colour the text output; auto honours NO_COLOR and TERM=dumb.")
def validate(paths: Sequence[str], fmt: str, color: str) -> int:
    """Check threat-model files against the format and report every problem.

    PATHS are files or folders (default: the current folder). Folders are searched for
    *.threatmodel.yaml, *.threatmodel.yml and threatmodel.yaml.
    """
    from threatatlas_tm.core.discover import MODEL_FILE_PATTERNS, discover
    from threatatlas_tm.core.validate import check_file, unreadable_report
    from threatatlas_tm.render import render
    from threatatlas_tm.render.problems_text import summary

    found = discover(paths)
    if not found.files and not found.unreadable:
        where = ", ".join(paths) or "the current folder"
        raise UsageProblem(f"no threat-model files under {where} (looked for {', '.join(MODEL_FILE_PATTERNS)})")
    reports = [check_file(path) for path in found.files]
    reports += [unreadable_report(path, reason) for path, reason in found.unreadable]
    use_color = _use_color(color, sys.stdout)
    click.echo(render("validate", fmt, reports, color=use_color), nl=False, color=use_color)
    click.echo(summary(reports), err=True)
    if any(r.unreadable for r in reports):
        return ExitCode.USAGE
    return ExitCode.OK if all(r.ok for r in reports) else ExitCode.FINDINGS


def _flag(name: str, help_text: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(f"--{name.replace('_', '-')}/--no-{name.replace('_', '-')}", name, default=None,
                        help=help_text)


def _gate_options(function: Callable[..., Any]) -> Callable[..., Any]:
    """The threshold options shared by `status` and `report`."""
    for option in reversed([
        _flag("fail_on_critical", "Fail when any critical threat exists (query parameter fail_on_critical)."),
        _flag("fail_on_unmitigated_high", "Fail when a high/critical threat has no active mitigation."),
        click.option("--min-mitigation-ratio", "ratio", metavar="R", help="Fail when the mitigated ratio is below R (0-1)."),
        click.option("--thresholds", "query", metavar="QUERY",
                     help="The security-status query string, e.g. 'fail_on_critical=true&min_mitigation_ratio=0.7'."),
        click.option("--generated-at", metavar="TIME", help="Fix the timestamp (ISO 8601); SOURCE_DATE_EPOCH also does."),
    ]):
        function = option(function)
    return function


def _flags(fail_on_critical: bool | None, fail_on_unmitigated_high: bool | None, ratio: str | None) -> dict[str, Any]:
    from threatatlas_tm.core.thresholds import parse_ratio

    return {"fail_on_critical": fail_on_critical, "fail_on_unmitigated_high": fail_on_unmitigated_high,
            "min_mitigation_ratio": None if ratio is None else parse_ratio("--min-mitigation-ratio", ratio)}


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
@_gate_options
@click.option("--product", type=int, help="Only the product with this id.")
@click.option("-f", "--format", "fmt", type=click.Choice(format_names("status")), default="json", show_default=True)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write the output here.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 when the gate fails (invalid models still exit 2).")
@click.option("--color", type=_COLOR_CHOICES, default="auto", show_default=True, help="Colour the text output.")
def status(paths: Sequence[str], fail_on_critical: bool | None, fail_on_unmitigated_high: bool | None,
           ratio: str | None, query: str | None, product: int | None, fmt: str, output: str | None,
           generated_at: str | None, exit_zero: bool, color: str) -> int:
    """Evaluate the security gate offline: the security-status document of each product.

    The options mean exactly what the endpoint's query parameters mean. Thresholds not given
    here come from --thresholds, then the model's `gate:` section, then threatatlas.yaml in
    the repository root.
    """
    from threatatlas_tm.core.gate import StatusRequest, run_status
    from threatatlas_tm.render import render, renderer_module
    from threatatlas_tm.render.problems_text import printable

    flags = _flags(fail_on_critical, fail_on_unmitigated_high, ratio)
    run = run_status(StatusRequest(paths, flags, query, product, generated_at))
    _report_invalid(run.invalid, color)
    if not run.results and not run.invalid:
        raise UsageProblem("no threat-model files found")
    if run.results:
        use_color = output is None and _use_color(color, sys.stdout)
        _write(render("status", fmt, run.results, color=use_color), output, use_color)
        if fmt == "github" and os.environ.get("GITHUB_STEP_SUMMARY"):
            _append(os.environ["GITHUB_STEP_SUMMARY"], renderer_module("status", "github").step_summary(run.results))
        if fmt != "text" or output is not None:
            for result in run.results:
                doc = result.document
                verdict = "passed" if doc["pass"] else "FAILED: " + "; ".join(doc["failures"])
                # printable(): a product name must not start a line of its own (CI runners read
                # workflow commands from stderr too)
                click.echo(f"threatatlas-tm: {printable(doc['product_name'])}: gate {verdict}", err=True)
    if run.invalid:
        return ExitCode.USAGE
    failed = any(not r.document["pass"] for r in run.results)
    return ExitCode.FINDINGS if failed and not exit_zero else ExitCode.OK


def _report_invalid(invalid: Sequence[Any], color: str) -> None:
    """Problems of unusable models go to stderr exactly as `validate` prints them."""
    if invalid:
        from threatatlas_tm.render.problems_text import render as render_problems

        click.echo(render_problems(invalid, color=_use_color(color, sys.stderr)), nl=False, err=True)


@cli.command()
@click.argument("path", type=click.Path())
@_gate_options
@click.option("-f", "--format", "fmt", type=click.Choice(format_names("report")), default="md", show_default=True)
@click.option("-o", "--output", help="Where to write (default: {product}-report.md or .docx here; - for stdout).")
@click.option("--color", type=_COLOR_CHOICES, default="auto", show_default=True, help="Colour the problem output.")
def report(path: str, fail_on_critical: bool | None, fail_on_unmitigated_high: bool | None, ratio: str | None,
           query: str | None, generated_at: str | None, fmt: str, output: str | None, color: str) -> int:
    """Write the threat-model report of one product as Markdown or DOCX.

    The report holds the security gate's verdict with the same thresholds as `status`.
    """
    from threatatlas_tm.core.gate import StatusRequest, run_status
    from threatatlas_tm.core.report import build_report, report_file_name

    run = run_status(StatusRequest([path], _flags(fail_on_critical, fail_on_unmitigated_high, ratio), query,
                                   None, generated_at))
    _report_invalid(run.invalid, color)
    if run.invalid:
        return ExitCode.USAGE
    if len(run.results) != 1:
        raise UsageProblem(f"{path}: a report covers one product; found {len(run.results)} (name one model file)")
    from threatatlas_tm.render import report_bytes

    built = build_report(run.results[0])
    data = report_bytes(built, fmt)
    target = output or report_file_name(built.model.product.name, fmt)
    if target == "-":
        if fmt == "docx" and sys.stdout.isatty():
            raise UsageProblem("refusing to write a DOCX file to a terminal; use --output FILE")
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        _write_bytes(target, data)
        click.echo(f"wrote {target}", err=True)
    return ExitCode.OK


def _write_bytes(target: str, data: bytes) -> None:
    try:
        Path(target).write_bytes(data)
    except OSError as error:
        raise UsageProblem(f"{target}: cannot write: {error.strerror or error}") from error


def _write(text: str, output: str | None, color: bool) -> None:
    if output is None:
        click.echo(text, nl=False, color=color)
        return
    _write_bytes(output, text.encode("utf-8"))


def _append(path: str, text: str) -> None:
    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        raise UsageProblem(f"GITHUB_STEP_SUMMARY {path}: cannot write: {error.strerror or error}") from error


@cli.command()
@click.argument("models", type=click.Path(exists=True, file_okay=False))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True)
@click.option("--tokens", type=click.Path(dir_okay=False), help="Tokens file (threatatlas-tm token create).")
@click.option("--no-auth", is_flag=True, help="Serve without authentication (loopback addresses only).")
def serve(models: str, host: str, port: int, tokens: str | None, no_auth: bool) -> int:
    """Serve the models of a folder: the hosted endpoint's URLs, report downloads, a dashboard.

    A threaded server for local use; in production run the same application under gunicorn.
    """
    from threatatlas_tm.server.run import serve_forever

    serve_forever(Path(models), host, port, Path(tokens) if tokens else None, no_auth)
    return ExitCode.OK


@cli.group()
def token() -> None:
    """Manage API tokens for the server."""


@token.command("create")
@click.option("--name", required=True, help="Who or what uses the token.")
@click.option("--products", help="Comma-separated product ids it may see (default: all).")
@click.option("--expires", type=click.DateTime(formats=["%Y-%m-%d"]), help="Last valid day, YYYY-MM-DD.")
@click.option("--tokens", "tokens_file", required=True, type=click.Path(dir_okay=False),
              help="The tokens file to add it to (created with mode 0600).")
def token_create(name: str, products: str | None, expires: Any, tokens_file: str) -> int:
    """Create a token: printed once; only its SHA-256 is stored."""
    from threatatlas_tm.server.tokens import add_token

    try:
        ids = [int(p) for p in products.split(",") if p.strip()] if products is not None else None
    except ValueError:
        raise UsageProblem(f"--products must be comma-separated product ids, not {products!r}") from None
    if ids is not None and not ids:
        raise UsageProblem("--products lists no product id; leave it out for a token that sees every product")
    raw = add_token(Path(tokens_file), name, ids, expires.date() if expires else None)
    click.echo(raw)
    click.echo(f"stored the SHA-256 of token {name!r} in {tokens_file}; the token is not shown again", err=True)
    return ExitCode.OK


@cli.command()
@click.argument("path", required=False, default="threatmodel.yaml", type=click.Path())
@click.option("--name", default="My Product", show_default=True, help="Product name.")
@click.option("--id", "product_id", type=click.IntRange(min=1), default=1, show_default=True, help="Product id.")
@click.option("--schema-ref", default=None, help="Schema URL or path for the editor modeline (default: the $id URL).")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(path: str, name: str, product_id: int, schema_ref: str | None, force: bool) -> int:
    """Write a commented starter model that validates as written."""
    from threatatlas_tm.starter import write_starter

    written = write_starter(path, name=name, product_id=product_id, schema_ref=schema_ref, overwrite=force)
    click.echo(f"wrote {written}; check it with: threatatlas-tm validate {written}", err=True)
    return ExitCode.OK


@cli.command()
@click.option("--name", type=click.Choice(["threat-model", "security-status"]), default="threat-model",
              show_default=True, help="Which schema: the model format, or the security-status response.")
@click.option("--path", "show_path", is_flag=True, help="Print the installed schema file's path instead.")
@click.option("-f", "--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True,
              help="json: the JSON Schema itself; markdown: the format reference generated from it.")
def schema(name: str, show_path: bool, fmt: str) -> int:
    """Print a JSON Schema: the threat-model format (for editors) or the security-status response."""
    from threatatlas_tm.core.schema import load_schema, schema_file

    if show_path:
        click.echo(str(schema_file(name)))
    elif fmt == "markdown":
        from threatatlas_tm.render.schema_docs import render_reference

        click.echo(render_reference(load_schema(name), name), nl=False)
    else:
        click.echo(schema_file(name).read_text(encoding="utf-8"), nl=False)
    return ExitCode.OK


@cli.command()
@click.option("-f", "--format", "fmt", type=click.Choice(["text", "markdown"]), default="text", show_default=True)
def rules(fmt: str) -> int:
    """List every rule validate can report."""
    from threatatlas_tm.render import rules_table

    click.echo(rules_table.render_markdown() if fmt == "markdown" else rules_table.render_text(), nl=False)
    return ExitCode.OK


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI and map every outcome to an exit code, in this one place."""
    # A run builds up to a million small acyclic objects and then ends: the cyclic collector
    # would only rescan them (one full pass costs 0.1 s at 10,000 threats). Reference counting
    # still frees everything.
    gc.disable()
    from threatatlas_tm.core.source import InputError
    from threatatlas_tm.core.thresholds import ThresholdError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="threatatlas-tm", standalone_mode=False)
    except click.exceptions.Exit as stop:
        return int(stop.exit_code)
    except click.ClickException as error:
        error.show()
        return ExitCode.USAGE
    except (UsageProblem, InputError, ThresholdError) as error:
        click.echo(f"threatatlas-tm: error: {error}", err=True)
        return ExitCode.USAGE
    except click.exceptions.Abort:
        click.echo("threatatlas-tm: interrupted", err=True)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback for users
        if _state["debug"]:
            import traceback

            traceback.print_exc()
        click.echo(f"threatatlas-tm: internal error: {type(error).__name__}: {error} "
                   "(rerun with --debug for the traceback, and please report it)", err=True)
        return ExitCode.INTERNAL
    return int(result) if isinstance(result, int) else ExitCode.OK
