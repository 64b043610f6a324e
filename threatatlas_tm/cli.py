"""The command line: click options in, core calls, text out. The only place that exits."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

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
@click.option("--path", "show_path", is_flag=True, help="Print the installed schema file's path instead.")
@click.option("-f", "--format", "fmt", type=click.Choice(["json", "markdown"]), default="json", show_default=True,
              help="json: the JSON Schema itself; markdown: the format reference generated from it.")
def schema(show_path: bool, fmt: str) -> int:
    """Print the threat-model JSON Schema (for editors and Schema Store)."""
    from threatatlas_tm.core.schema import load_schema, schema_file

    if show_path:
        click.echo(str(schema_file()))
    elif fmt == "markdown":
        from threatatlas_tm.render.schema_docs import render_reference

        click.echo(render_reference(load_schema()), nl=False)
    else:
        click.echo(schema_file().read_text(encoding="utf-8"), nl=False)
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
    from threatatlas_tm.core.source import InputError

    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = cli.main(args=args, prog_name="threatatlas-tm", standalone_mode=False)
    except click.exceptions.Exit as stop:
        return int(stop.exit_code)
    except click.ClickException as error:
        error.show()
        return ExitCode.USAGE
    except (UsageProblem, InputError) as error:
        click.echo(f"threatatlas-tm: error: {error}", err=True)
        return ExitCode.USAGE
    except click.exceptions.Abort:
        click.echo("threatatlas-tm: interrupted", err=True)
        return 130
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback for users
        if _state["debug"]:
            traceback.print_exc()
        click.echo(f"threatatlas-tm: internal error: {type(error).__name__}: {error} "
                   "(rerun with --debug for the traceback, and please report it)", err=True)
        return ExitCode.INTERNAL
    return int(result) if isinstance(result, int) else ExitCode.OK
