"""The ``coordctl`` command line: options in, one library call, output and exit code out.

Only click is imported at start-up; every command imports what it needs when it runs,
so ``coordctl --help`` stays fast.
"""

from __future__ import annotations

import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from coordctl import __version__
from coordctl.errors import CoordctlError

LOCALES = ("zh-CN", "en")


@dataclass
class Options:
    """Global options, shared by every command."""

    directory: str | None
    today: dt.date | None
    locale: str | None
    audience: str
    debug: bool

    def workspace(self) -> Any:
        """Find and load the workspace (``-C DIR`` or upwards from the current folder)."""
        from coordctl.workspace import open_workspace

        directory = Path(self.directory) if self.directory else None
        return open_workspace(directory, explicit=directory is not None, today=self.today)

    def locale_for(self, ws: Any) -> str:
        return self.locale or getattr(ws.settings, "locale", None) or "zh-CN"


def _parse_today(ctx: click.Context, param: click.Parameter, value: str | None
                 ) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"'{value}' is not a date: use YYYY-MM-DD") from None


class _Group(click.Group):
    """Maps library errors to one-line messages and exit codes, in one place."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except CoordctlError as exc:
            if ctx.find_object(Options) and ctx.find_object(Options).debug:
                raise
            click.echo(f"coordctl: error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("coordctl: interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            sys.stderr.close()
            ctx.exit(1)
        except Exception as exc:
            options = ctx.find_object(Options)
            if options is not None and options.debug:
                raise
            click.echo(f"coordctl: internal error: {type(exc).__name__}: {exc}\n"
                       "This is a bug in coordctl; run again with --debug for the traceback "
                       "and report it.", err=True)
            ctx.exit(2)


pass_options = click.make_pass_decorator(Options)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"],
                                           "max_content_width": 100})
@click.option("-C", "directory", metavar="DIR",
              help="Workspace folder (default: the nearest folder upwards with coordctl.yaml).")
@click.option("--today", callback=_parse_today, metavar="DATE",
              help="Date that 'overdue', 'next' and 'upcoming' are measured from "
                   "(YYYY-MM-DD; default today).")
@click.option("--locale", type=click.Choice(LOCALES),
              help="Output language (default: the workspace's locale).")
@click.option("--audience", type=click.Choice(["public", "internal"]), default="public",
              show_default=True, help="Internal outputs may carry contacts (names, phones).")
@click.option("--debug", is_flag=True, help="Show the traceback of internal errors.")
@click.version_option(__version__, prog_name="coordctl")
@click.pass_context
def cli(ctx: click.Context, directory: str | None, today: dt.date | None, locale: str | None,
        audience: str, debug: bool) -> None:
    """Check, render and publish a jurisdiction's coordination work kept as YAML in git:
    departments, contingency plans and their duties, joint meetings, drills and actions.

    Exit codes: 0 success (warnings allowed), 1 the check found errors, 2 it could not run.
    """
    ctx.obj = Options(directory, today, locale, audience, debug)


@cli.command()
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github"]), default="text",
              show_default=True, help="text for people, json for scripts, github for CI "
                                      "annotations.")
@click.option("--select", multiple=True, metavar="RULES",
              help="Run only these rules (comma-separated or repeated).")
@click.option("--ignore", multiple=True, metavar="RULES",
              help="Skip these rules (comma-separated or repeated), on top of check.ignore.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("-o", "--output", metavar="FILE", help="Write the findings to FILE.")
@pass_options
def check(options: Options, fmt: str, select: tuple[str, ...], ignore: tuple[str, ...],
          strict: bool, output: str | None) -> None:
    """Validate every document and run the rules.

    Findings are printed as PATH:LINE:COL: SEVERITY RULE: message; a summary goes to
    stderr. Exit 1 when there are errors (or warnings with --strict).
    """
    from coordctl.check import FORMATTERS, check as run_check, selected_rules, summary
    from coordctl.output import emit

    selected_rules(select, ignore)  # unknown rule ids are an error before any work
    ws = options.workspace()
    result = run_check(ws, select, ignore)
    emit(FORMATTERS[fmt](result.findings), output)
    if fmt == "text":
        click.echo(summary(result), err=True)
    sys.exit(result.exit_code(strict))


@cli.command()
@click.argument("plans", nargs=-1, metavar="[PLAN]...")
@click.option("--by", type=click.Choice(["duty", "department"]), default="duty",
              show_default=True, help="Rows are duties (columns departments), or the reverse.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "csv", "html"]),
              default="table", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@pass_options
def matrix(options: Options, plans: tuple[str, ...], by: str, fmt: str,
           output: str | None) -> None:
    """Responsibility matrix: duties × departments with R/A/C/I.

    A = accountable (牵头), R = responsible (配合/执行), C = consulted, I = informed.
    Without PLAN, every plan.
    """
    from coordctl.matrix import build_matrix, render_matrix
    from coordctl.output import emit

    ws = options.workspace()
    table = build_matrix(ws, list(plans), by=by, locale=options.locale_for(ws))
    emit(render_matrix(table, fmt), output)


@cli.command()
@click.argument("department")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json"]),
              default="table", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@pass_options
def duties(options: Options, department: str, fmt: str, output: str | None) -> None:
    """A department's duty card: its duties in every plan, its meetings, drills and open
    actions."""
    from coordctl.card import duty_card, render_card
    from coordctl.output import emit

    ws = options.workspace()
    card = duty_card(ws, department, locale=options.locale_for(ws), audience=options.audience)
    emit(render_card(card, fmt), output)


@cli.command()
@click.option("--settings", is_flag=True,
              help="The schema of coordctl.yaml instead of the documents'.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
def schema(settings: bool, output: str | None) -> None:
    """JSON Schema (2020-12) of the document format, for editors and validators.

    Save it and point yaml-language-server at it, e.g. with a first line
    '# yaml-language-server: $schema=../coordctl.schema.json' in each file, or
    validate files with check-jsonschema --schemafile.
    """
    import json

    from coordctl.model import document_schema, settings_schema
    from coordctl.output import emit

    generated = settings_schema() if settings else document_schema()
    emit(json.dumps(generated, ensure_ascii=False, indent=2) + "\n", output)


@cli.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False))
@click.option("--locale", "init_locale", type=click.Choice(LOCALES),
              help="Default output language of the new workspace (default zh-CN).")
@click.option("--no-git", is_flag=True, help="Do not run git init or make a first commit.")
@pass_options
def init(options: Options, directory: str, init_locale: str | None, no_git: bool) -> None:
    """Create a new workspace in DIRECTORY (default: here): settings, example documents,
    git init and a first commit. Refuses a folder that already holds files."""
    from coordctl.scaffold import init_workspace

    created = init_workspace(Path(directory), locale=init_locale or options.locale or "zh-CN",
                             git=not no_git)
    click.echo(f"created a workspace in {created}; run 'coordctl -C {directory} check'",
               err=True)


def main() -> None:
    """Console entry point."""
    cli(prog_name="coordctl")


if __name__ == "__main__":  # pragma: no cover
    main()
