"""The ``coordctl`` command line: options in, one library call, output and exit code out.

Only click is imported at start-up; every command imports what it needs when it runs,
so ``coordctl --help`` stays fast.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING, Any

import click

from coordctl import __version__
from coordctl.errors import CoordctlError

if TYPE_CHECKING:  # imported where used, so that --help stays light
    import datetime as dt
    from pathlib import Path

LOCALES = ("zh-CN", "en")


class Options:
    """Global options, shared by every command."""

    def __init__(self, directory: str | None, rev: str | None, today: dt.date | None,
                 locale: str | None, audience: str, debug: bool, cache: bool = True) -> None:
        self.directory, self.rev, self.today = directory, rev, today
        self.locale, self.audience, self.debug, self.cache = locale, audience, debug, cache

    def workspace(self, freeze: bool = True) -> Any:
        """Find and load the workspace (``-C DIR`` or upwards from the current folder).

        With ``freeze`` (one command, one workspace) the loaded objects are moved out of
        the cyclic collector's reach for the rest of the process; a long-running process
        that loads workspace after workspace (``serve --watch``) passes False."""
        from pathlib import Path

        from coordctl.workspace import open_workspace

        directory = Path(self.directory) if self.directory else None
        ws = open_workspace(directory, explicit=directory is not None, today=self.today,
                            rev=self.rev, cache=self.cache)
        if freeze:
            # The loaded documents live until the process ends: keep the cyclic garbage
            # collector from walking them again and again while rules and outputs run.
            gc.freeze()
        return ws

    def root(self) -> Path:
        """The workspace folder, without loading it."""
        from pathlib import Path

        from coordctl.source import find_root

        directory = Path(self.directory) if self.directory else None
        return find_root(directory or Path.cwd(), explicit=directory is not None)

    def locale_for(self, ws: Any) -> str:
        return self.locale or getattr(ws.settings, "locale", None) or "zh-CN"


def _parse_today(ctx: click.Context, param: click.Parameter, value: str | None
                 ) -> dt.date | None:
    if value is None:
        return None
    import datetime as dt

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
@click.option("--rev", metavar="REV",
              help="Read the workspace from this git revision (commit, branch, tag) instead "
                   "of the working tree, without a checkout.")
@click.option("--today", callback=_parse_today, metavar="DATE",
              help="Date that 'overdue', 'next' and 'upcoming' are measured from "
                   "(YYYY-MM-DD; default today).")
@click.option("--locale", type=click.Choice(LOCALES),
              help="Output language (default: the workspace's locale).")
@click.option("--audience", type=click.Choice(["public", "internal"]), default="public",
              show_default=True, help="Internal outputs may carry contacts (names, phones).")
@click.option("--no-cache", "no_cache", is_flag=True,
              help="Read and check every file afresh, without the cache of earlier runs.")
@click.option("--debug", is_flag=True, help="Show the traceback of internal errors.")
@click.version_option(__version__, prog_name="coordctl")
@click.pass_context
def cli(ctx: click.Context, directory: str | None, rev: str | None, today: dt.date | None,
        locale: str | None, audience: str, no_cache: bool, debug: bool) -> None:
    """Check, render and publish a jurisdiction's coordination work kept as YAML in git:
    departments, contingency plans and their duties, joint meetings, drills and actions.

    Exit codes: 0 success (warnings allowed), 1 the check found errors, 2 it could not run.
    """
    ctx.obj = Options(directory, rev, today, locale, audience, debug, cache=not no_cache)


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
    import datetime as dt

    from coordctl.check import FORMATTERS, check_workspace, selected_rules, summary
    from coordctl.output import emit
    from coordctl.workspace import open_cache, revision_source

    selected_rules(select, ignore)  # unknown rule ids are an error before any work
    root = options.root()
    result, notes = check_workspace(
        root, options.today or dt.date.today(), select, ignore,
        source=revision_source(root, options.rev),
        cache=open_cache(root) if options.cache else None, rev=options.rev)
    emit(FORMATTERS[fmt](result.findings), output)
    for note in notes:
        click.echo(f"coordctl: note: {note}", err=True)
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
    from pathlib import Path

    from coordctl.scaffold import init_workspace

    created = init_workspace(Path(directory), locale=init_locale or options.locale or "zh-CN",
                             git=not no_git, today=options.today,
                             warn=lambda text: click.echo(f"coordctl: warning: {text}",
                                                          err=True))
    click.echo(f"created a workspace in {created}; run 'coordctl -C {directory} check'",
               err=True)


def _parse_date(ctx: click.Context, param: click.Parameter, value: str | None
                ) -> dt.date | None:
    return _parse_today(ctx, param, value)


@cli.command()
@click.option("--department", metavar="DEPT",
              help="Only the meetings it convenes or attends and the drills it takes part in.")
@click.option("--kind", type=click.Choice(["drill", "meeting"]), help="Only drills or meetings.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@pass_options
def calendar(options: Options, department: str | None, kind: str | None,
             output: str | None) -> None:
    """iCalendar feed (RFC 5545) of drills and meetings, for calendar subscriptions.

    One event per meeting series or drill; UIDs are stable, SEQUENCE rises when an
    event's time, place or status changes (from git history). Feeds never carry
    personal contact data.
    """
    from coordctl.calendars import feed
    from coordctl.output import emit

    ws = options.workspace()
    emit(feed(ws, options.locale_for(ws), department=department, kind=kind), output)


@cli.command()
@click.argument("document", metavar="KIND/ID")
@click.option("--date", callback=_parse_date, metavar="DATE",
              help="Invite to this one occurrence (YYYY-MM-DD) instead of the series.")
@click.option("--send", is_flag=True,
              help="Mail it to every attendee department over SMTP (the smtp: settings; "
                   "password from COORDCTL_SMTP_PASSWORD).")
@click.option("-o", "--output", metavar="FILE", help="Write the .ics to FILE.")
@pass_options
def invite(options: Options, document: str, date: dt.date | None, send: bool,
           output: str | None) -> None:
    """A METHOD:REQUEST invitation for a meeting or drill: ORGANIZER the convenor (or
    the plan owner), one ATTENDEE per department."""
    from coordctl.calendars import invitation
    from coordctl.document_log import parse_ref
    from coordctl.output import emit

    kind, ident = parse_ref(document)
    ws = options.workspace()
    locale = options.locale_for(ws)
    result = invitation(ws, kind, ident, locale, date=date)
    for dept in result.missing:
        click.echo(f"coordctl: warning: department '{dept}' has no email and is not invited",
                   err=True)
    if not send:
        emit(result.ics, output)
        return
    from coordctl.mail import send as send_mail

    count = send_mail(ws.settings, result, result.body)
    if output:
        emit(result.ics, output)
    click.echo(f"sent {count} invitation{'s' if count != 1 else ''}", err=True)


@cli.command("diff")
@click.argument("old", required=False, metavar="[A]")
@click.argument("new", required=False, metavar="[B]")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]),
              default="text", show_default=True,
              help="text for a terminal, markdown for a pull request, json for scripts.")
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@pass_options
def diff_command(options: Options, old: str | None, new: str | None, fmt: str,
                 output: str | None) -> None:
    """Semantic diff of two revisions: documents added, removed and changed, duties
    reassigned, schedules moved, findings introduced and resolved.

    No argument: HEAD against the working tree (uncommitted and untracked files
    included). A: A against the working tree. A B: A against B.
    """
    from coordctl.diff import FORMATTERS, diff_workspaces
    from coordctl.history import open_repository
    from coordctl.output import emit
    from coordctl.workspace import load

    if options.rev:
        raise click.UsageError("diff takes its revisions as arguments, not --rev")
    root = options.root()
    repo = open_repository(root)
    after = load(root, options.today, source=repo.source(new)) if new else \
        load(root, options.today)
    # Only the files that differ are read for the older side.
    before = after.as_of(repo.resolve(old or "HEAD"), label=old or "HEAD")
    result = diff_workspaces(before, after, locale=options.locale_for(after))
    emit(FORMATTERS[fmt](result), output)


@cli.command("log")
@click.argument("document", metavar="KIND/ID")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@pass_options
def log_command(options: Options, document: str, fmt: str, output: str | None) -> None:
    """History of one document: every commit that changed it (newest first, across
    files and renames), with author, date, message and what changed."""
    from coordctl.document_log import document_log, format_json, format_text, parse_ref
    from coordctl.history import open_repository
    from coordctl.output import emit

    kind, ident = parse_ref(document)
    entries = document_log(open_repository(options.root()), kind, ident, options.rev or "HEAD")
    emit((format_json if fmt == "json" else format_text)(kind, ident, entries), output)


def _parse_moment(ctx: click.Context, param: click.Parameter, value: str | None
                  ) -> dt.datetime | None:
    if value is None:
        return None
    from coordctl.values import parse_local_datetime

    try:
        return parse_local_datetime(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command()
@click.argument("document", metavar="KIND/ID")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown",
              show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@pass_options
def render(options: Options, document: str, fmt: str, output: str | None) -> None:
    """One document as Markdown or HTML: a plan in the standard outline of a contingency
    plan, a department's duty card, a meeting series, a drill or an action."""
    from coordctl.document_log import parse_ref
    from coordctl.documents import render_document
    from coordctl.output import emit

    kind, ident = parse_ref(document)
    ws = options.workspace()
    emit(render_document(ws, kind, ident, fmt, options.locale_for(ws), options.audience),
         output)


@cli.command()
@click.argument("meeting")
@click.option("--date", callback=_parse_date, metavar="DATE",
              help="The occurrence on or after this date (default: --today).")
@click.option("--format", "fmt", type=click.Choice(["markdown", "html"]), default="markdown",
              show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@pass_options
def agenda(options: Options, meeting: str, date: dt.date | None, fmt: str,
           output: str | None) -> None:
    """Agenda of a meeting's next occurrence: standing items with a running clock, the
    actions it decided, members' overdue actions, what changed in plans since the last
    meeting, drills coming up, findings that concern members."""
    from coordctl.agenda import build_agenda, render_agenda
    from coordctl.output import emit

    ws = options.workspace()
    result = build_agenda(ws, meeting, date or ws.today, options.locale_for(ws),
                          options.audience)
    emit(render_agenda(result, fmt), output)


@cli.command()
@click.argument("plan")
@click.option("--level", required=True, metavar="LEVEL", help="The response level, e.g. I.")
@click.option("--at", "at", callback=_parse_moment, metavar="TIME",
              help="When the response starts (local time, e.g. 2027-05-20T14:05); "
                   "deadlines count from it.")
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "html"]),
              default="table", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write to FILE instead of stdout.")
@click.pass_context
def activate(ctx: click.Context, plan: str, level: str, at: dt.datetime | None, fmt: str,
             output: str | None) -> None:
    """Activation checklist: the plan's phases in order with deadlines, the duties at
    LEVEL with accountable and responsible departments, and their 24-hour contacts.

    It is an internal document and carries contacts, unless --audience public is given.
    """
    from coordctl.activation import build_checklist, render_checklist
    from coordctl.output import emit

    options = ctx.find_object(Options)
    source = ctx.parent.get_parameter_source("audience") if ctx.parent else None
    explicit_public = options.audience == "public" and \
        source is click.core.ParameterSource.COMMANDLINE
    ws = options.workspace()
    checklist = build_checklist(ws, plan, level, at, options.locale_for(ws),
                                contacts=not explicit_public)
    emit(render_checklist(checklist, fmt), output)


def _parse_jobs(ctx: click.Context, param: click.Parameter, value: str) -> int:
    if value == "auto":
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (
            os.cpu_count() or 1)
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise click.BadParameter(f"'{value}' is not a number of processes: use 1, 2, … "
                                 "or auto")
    return number


@cli.command()
@click.option("-o", "--output", "output", default="site", show_default=True, metavar="DIR",
              help="Folder of the site; replaced whole at the end of the build.")
@click.option("-j", "--jobs", "workers", default="1", show_default=True, metavar="N",
              callback=_parse_jobs,
              help="Make the pages in N processes (auto: one per CPU core). The site is "
                   "the same; where processes cannot be forked (Windows), one is used.")
@pass_options
def build(options: Options, output: str, workers: int) -> None:
    """The static site: a dashboard, a page for every plan, department, meeting, drill
    and action, the responsibility matrix, agendas, the check report and calendar feeds.

    Links are relative, so the site works from disk and from any web server. The folder
    is written atomically; a non-empty folder that coordctl did not build is refused.
    """
    from pathlib import Path

    from coordctl.site import build_site

    ws = options.workspace()
    result = build_site(ws, Path(output), options.locale_for(ws), options.audience,
                        progress=sys.stderr.isatty(), workers=workers)
    click.echo(f"built {result} ({options.audience}); open {Path(result) / 'index.html'}",
               err=True)


@cli.command()
@click.argument("directory", default="site", metavar="[DIR]")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (only this machine by default).")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--watch", is_flag=True, help="Rebuild the site when a workspace file changes.")
@pass_options
def serve(options: Options, directory: str, host: str, port: int, watch: bool) -> None:
    """Serve a built site (default: site/) over HTTP, with calendar headers for .ics."""
    from pathlib import Path

    from coordctl.serve import serve_site

    serve_site(Path(directory), host, port, options=options if watch else None)


def _terminated(signum: int, frame: Any) -> None:
    """SIGTERM (``kill``, ``timeout``, a CI job cancelled) unwinds like Ctrl-C, so that an
    interrupted build removes its temporary folder; the exit code is 128 + 15."""
    raise SystemExit(128 + signum)


def main() -> None:
    """Console entry point."""
    import signal

    signal.signal(signal.SIGTERM, _terminated)
    cli(prog_name="coordctl")


if __name__ == "__main__":  # pragma: no cover
    main()
