"""The static site (``coordctl build``): a dashboard, list pages, a page for every
document, agendas, the responsibility matrix, the check report and calendar feeds.

Every link is relative, so the site works from disk (``file://``) and from any web
server, and no page loads anything from elsewhere. The site is written into a new
hidden sibling folder and swapped in at the end: an interrupted or failed build leaves
the previous site whole. A marker file says a folder was built by coordctl; any other
non-empty folder is refused, never overwritten. The same workspace and ``today`` give a
byte-identical site (no clock; history comes from commit dates).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
import shutil
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from coordctl import parallel
from coordctl.errors import OutputError
from coordctl.render import (
    KIND_FOLDERS,
    TEMPLATES_DIR,
    Links,
    Page,
    environment,
    labels,
    workspace_revision,
)
from coordctl.values import localize

#: The file that marks a folder as a site coordctl built (and may replace).
MARKER = ".coordctl-site"
MARKER_TEXT = "This folder was built by 'coordctl build'; the next build replaces it whole.\n"
#: The dashboard lists meetings and drills this many days ahead.
UPCOMING_DAYS = 90
#: Above this many departments the all-plans matrix is one grid per plan.
MATRIX_COLUMNS = 60
#: The dashboard lists this many of the latest commits that changed documents.
RECENT_COMMITS = 10
#: Documents named per commit on the dashboard; the rest are counted.
DOCUMENTS_PER_CHANGE = 6
#: The order kinds are listed in.
KIND_ORDER = ("plan", "department", "meeting", "drill", "action")

_SAFE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


# --- what the pages show ----------------------------------------------------------------

@dataclass(frozen=True)
class Upcoming:
    """One occurrence of a meeting or drill on the dashboard."""

    start: dt.datetime
    end: dt.datetime
    kind: str
    id: str
    title: str
    location: str
    status: str | None = None
    #: Site path of the agenda page when this is the meeting's next occurrence.
    agenda: str | None = None


@dataclass(frozen=True)
class PlanPhases:
    """How many of one plan's phases have duties, and which do not."""

    plan: str
    title: str
    total: int
    uncovered: list[str]

    @property
    def covered(self) -> int:
        return self.total - len(self.uncovered)


@dataclass(frozen=True)
class Coverage:
    """Who holds duties, and which phases have duties."""

    departments: int
    holding: list[str]
    #: (department id, exempt reason or "") of departments that hold no duty.
    idle: list[tuple[str, str]]
    plans: list[PlanPhases]

    @property
    def phases(self) -> int:
        return sum(p.total for p in self.plans)

    @property
    def phases_covered(self) -> int:
        return sum(p.covered for p in self.plans)


@dataclass(frozen=True)
class Change:
    """One commit that changed documents: who, when, why, and which documents."""

    sha: str
    date: dt.datetime
    author: str
    subject: str
    documents: list[tuple[str, str]]

    @property
    def short(self) -> str:
        return self.sha[:10]


@dataclass(frozen=True)
class Feed:
    """One calendar feed on the calendars page."""

    file: str
    department: str | None
    title: str
    #: ``webcal://`` address where ``calendar.site_url`` is set, else None.
    webcal: str | None
    #: ``https://`` address where ``calendar.site_url`` is set, else None.
    web: str | None

    @property
    def web_parts(self) -> list[str]:
        """The web address cut after each ``/`` and ``.``, where a narrow screen may
        break the line."""
        return [part for part in re.findall(r"[^/.]*[/.]?", self.web or "") if part]


@dataclass
class _Job:
    """One step of the build: the file it writes and how to make its content."""

    path: str
    what: str
    make: Callable[[], str | bytes | None]
    #: Made from the workspace alone, so another process may make it (``-j``): the
    #: kind of page (``plan``, ``agenda``…); the pages that list others wait for these.
    alone: str = ""
    #: The meeting whose agenda this is: once made, the pages link it.
    agenda: str | None = None

    def run(self) -> bytes | None:
        """The content, encoded; a template error names the file."""
        import jinja2

        try:
            data = self.make()
        except jinja2.TemplateError as exc:
            raise OutputError(f"cannot build {self.path}: template error: {exc}") from None
        return data.encode("utf-8") if isinstance(data, str) else data


@dataclass
class _Writer:
    """Writes files under ``root`` and refuses to write one path twice (an id that
    clashes with a page name)."""

    root: Path
    written: dict[str, str] = field(default_factory=dict)

    def claim(self, rel: str, what: str) -> None:
        if rel in self.written:
            raise OutputError(f"{what} and {self.written[rel]} would both be {rel} in the "
                              "site: rename one of them")
        self.written[rel] = what

    def write(self, rel: str, what: str, data: str | bytes) -> None:
        self.claim(rel, what)
        _put(self.root, rel, data.encode("utf-8") if isinstance(data, str) else data)


def _put(root: Path, rel: str, data: bytes) -> None:
    """Write ``data`` to ``root/rel``, making its folders."""
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _write_page(root: Path, job: _Job) -> bool:
    """Make ``job``'s file under ``root``; False when it has none (an agenda of a series
    that is over). Claims are the parent's: see ``build_site``."""
    data = job.run()
    if data is None:
        return False
    _put(root, job.path, data)
    return True


def _make_pages(site: _Site, alone: list[_Job], root: Path, workers: int, progress: bool
                ) -> list[bool]:
    """Make the pages that stand alone, and the calendar feeds, under ``root`` in
    ``workers`` processes; whether each page was written."""
    wrote = [False] * len(alone)
    first: dict[str, int] = {}
    if workers > 1:
        # The first page of each kind is made here: what it computes once (templates,
        # indexes, the history it shows, parsed by the workers) is then inherited.
        for index, job in enumerate(alone):
            first.setdefault(job.alone, index)
        for index in first.values():
            wrote[index] = _write_page(root, alone[index])
    made_here = set(first.values())
    # The longest tasks first (the feeds, then the list pages), so that no process is
    # left with one of them at the end while the others wait.
    todo: list[int | None] = [None] if site.feeds_built else []
    todo += sorted((i for i in range(len(alone)) if i not in made_here),
                   key=lambda i: alone[i].alone != "list")
    tasks = [partial(site.write_feed_files, root) if i is None else
             partial(_write_page, root, alone[i]) for i in todo]
    bar: Any = contextlib.nullcontext()
    if progress:
        import click

        bar = click.progressbar(length=len(tasks), label="building site", file=sys.stderr,
                                item_show_func=lambda path: path)
    with bar:
        # a few tasks per message between processes, fewer for a small site (a
        # process holding many at the end would leave the others idle)
        chunk = min(8, max(1, len(tasks) // (64 * workers)))
        for task, result in parallel.run(tasks, workers, site.ws.cache, chunksize=chunk):
            index = todo[task]
            if index is not None:
                wrote[index] = result
            if progress:
                bar.update(1, alone[index].path if index is not None else "calendar/")
    return wrote


def coverage(ws: Any, locale: str) -> Coverage:
    """Departments holding duties (of all valid ones) and phases with duties per plan."""
    holding = [d for d in ws.departments if d in ws.holdings]
    idle = [(d, ws.departments[d].exempt) for d in ws.departments if d not in ws.holdings]
    plans = []
    for plan in ws.plans.values():
        used = {duty.phase for duty in plan.duties}
        plans.append(PlanPhases(plan.id, localize(plan.title, locale), len(plan.phases),
                                [localize(p.name, locale) for p in plan.phases
                                 if p.id not in used]))
    return Coverage(len(ws.departments), holding, idle, plans)


def upcoming(ws: Any, locale: str, days: int = UPCOMING_DAYS,
             agendas: dict[str, str] | None = None) -> list[Upcoming]:
    """Occurrences of meetings and drills from ``ws.today`` for ``days`` days, by start.

    The first occurrence of a meeting in ``agendas`` (meeting id -> site path) links
    its agenda, which is made for the next occurrence.
    """
    agendas = agendas or {}
    start = dt.datetime.combine(ws.today, dt.time.min)
    end = start + dt.timedelta(days=days)
    out: list[Upcoming] = []
    for meeting in ws.meetings.values():
        for index, occ in enumerate(ws.occurrences(meeting.schedule, start, end)):
            out.append(Upcoming(occ.start, occ.end, "meeting", meeting.id,
                                localize(meeting.title, locale),
                                localize(meeting.location, locale),
                                agenda=agendas.get(meeting.id) if index == 0 else None))
    for drill in ws.drills.values():
        for occ in ws.occurrences(drill.schedule, start, end):
            out.append(Upcoming(occ.start, occ.end, "drill", drill.id,
                                localize(drill.title, locale),
                                localize(drill.location, locale), status=drill.status))
    return sorted(out, key=lambda u: (u.start, KIND_ORDER.index(u.kind), u.id))


def overdue_actions(ws: Any) -> list[Any]:
    """Open actions past their due date, the longest overdue first."""
    return sorted((a for a in ws.actions.values() if a.status == "open" and a.due < ws.today),
                  key=lambda a: (a.due, a.id))


def recent_changes(ws: Any, limit: int = RECENT_COMMITS) -> list[Change] | None:
    """The latest commits that changed documents, newest first; None outside git.

    Read from the latest few times ``limit`` commits; the whole history only when fewer
    than ``limit`` of those changed a document (the others changed only comments or
    files coordctl does not read)."""
    commits: dict[str, Any] = {}
    documents: dict[str, list[tuple[str, str]]] = {}
    for read in (lambda: ws.history_since(None, limit=4 * limit), lambda: ws.histories):
        histories = read()
        if histories is None:
            return None
        commits.clear()
        documents.clear()
        for (kind, ident), history in histories.items():
            for revision in history.revisions:
                commits.setdefault(revision.sha, revision)
                documents.setdefault(revision.sha, []).append((kind, ident))
        if len(commits) >= limit:
            break
    newest = sorted(commits.values(), key=lambda r: (-r.date.timestamp(), r.sha))[:limit]

    def order(doc: tuple[str, str]) -> tuple[int, str]:
        return (KIND_ORDER.index(doc[0]) if doc[0] in KIND_ORDER else len(KIND_ORDER), doc[1])

    return [Change(r.sha, r.date, r.author, r.subject, sorted(documents[r.sha], key=order))
            for r in newest]


def level_file_name(level: str, index: int) -> str:
    """The part of an activation checklist's file name that names the level: the level
    id when it is safe in a file name and a URL, else ``level<N>``."""
    return level if _SAFE_NAME.fullmatch(level) else f"level{index}"


def feeds(ws: Any, locale: str) -> list[Feed]:
    """The calendar feeds the site publishes: all, then one per department."""
    base = ws.settings.calendar.site_url
    words = labels(locale)["site"]

    def addresses(file: str) -> tuple[str | None, str | None]:
        if not base:
            return None, None
        web = f"{base.rstrip('/')}/calendar/{file}"
        return "webcal://" + web.split("://", 1)[1], web

    out = [Feed("all.ics", None, words["feed_all"], *addresses("all.ics"))]
    for ident in sorted(ws.departments):
        name = localize(ws.departments[ident].name, locale)
        out.append(Feed(f"{ident}.ics", ident, name, *addresses(f"{ident}.ics")))
    return out


# --- formatting for templates ----------------------------------------------------------------

def _date_text(day: dt.date, locale: str) -> str:
    words = labels(locale)["site"]
    return words["date_format"].format(year=day.year, month=day.month, day=day.day,
                                       month_name=words["months"][day.month - 1])


def _weekday(day: dt.date, locale: str) -> str:
    names = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    return labels(locale)["repeat_words"]["weekdays"][names[day.weekday()]]


def _span_text(start: dt.datetime, end: dt.datetime, locale: str) -> str:
    """"2027年1月5日（星期二）09:30–11:30"; the end date too when it is another day."""
    words = labels(locale)["site"]
    until = f"{end:%H:%M}" if end.date() == start.date() else \
        f"{_date_text(end.date(), locale)} {end:%H:%M}"
    return words["span_format"].format(date=_date_text(start.date(), locale),
                                       weekday=_weekday(start.date(), locale),
                                       start=f"{start:%H:%M}", end=until)


# --- the build --------------------------------------------------------------------------------

def _overrides(root: Path | None) -> tuple[str, ...]:
    """Names of the workspace's template files: a new override needs a new environment
    (Jinja notices changed templates, not new ones that hide a built-in)."""
    folder = Path(root) / TEMPLATES_DIR if root is not None else None
    if folder is None or not folder.is_dir():
        return ()
    return tuple(sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")))


@lru_cache(maxsize=8)
def _environment(root: Path | None, overrides: tuple[str, ...]) -> Any:
    """The site's template environment, kept between builds so that ``serve --watch``
    and tests compile each template once. Filters: ``day(locale)`` and
    ``span(end, locale)``."""
    del overrides  # only part of the cache key
    env = environment(root)
    env.filters["day"] = _date_text
    env.filters["span"] = _span_text
    return env


class _Site:
    """Makes the pages of one site: the workspace, the language, the audience."""

    def __init__(self, ws: Any, locale: str, audience: str) -> None:
        from coordctl.check import check

        self.ws = ws
        self.locale = locale
        self.audience = audience
        self.words = labels(locale)
        overrides = _overrides(ws.root)
        # without overrides every workspace shares the built-in templates, compiled once
        self.env = _environment(ws.root if overrides else None, overrides)
        self.revision = workspace_revision(ws)
        self.findings = check(ws).findings
        self.agendas: dict[str, str] = {}
        self.feeds_built = bool(ws.settings.calendar.domain)

    # --- helpers ----------------------------------------------------------------------

    def page(self, title: str, depth: int) -> Page:
        return Page(lang=self.locale, labels=self.words, title=title,
                    workspace_name=localize(self.ws.settings.name, self.locale),
                    audience=self.audience, links=Links(depth), revision=self.revision)

    def render(self, template: str, title: str, depth: int, **context: Any) -> str:
        return self.env.get_template(template).render(
            page=self.page(title, depth), ws=self.ws, name=self.name, exists=self.exists,
            locale=self.locale, today=self.ws.today, **context)

    def models(self, kind: str) -> dict[str, Any]:
        """The valid documents of ``kind`` by id (none for an unknown kind)."""
        return {"department": self.ws.departments, "plan": self.ws.plans,
                "meeting": self.ws.meetings, "drill": self.ws.drills,
                "action": self.ws.actions}.get(kind, {})

    def name(self, kind: str, ident: str) -> str:
        """The title or name of a valid document, else its id."""
        model = self.models(kind).get(ident)
        if model is None:
            return ident
        return localize(getattr(model, "title", None) or getattr(model, "name", None),
                        self.locale) or ident

    def exists(self, kind: str, ident: str) -> bool:
        """True when ``kind/ident`` is a valid document, so it has a page to link."""
        return ident in self.models(kind)

    # --- jobs ---------------------------------------------------------------------------

    def jobs(self) -> Iterator[_Job]:
        """Every file of the site, in a fixed order (the order names are claimed in).
        The jobs that are not ``alone`` link the agendas: they are made after all others."""
        yield from self._agenda_jobs()
        if self.audience == "internal":
            yield from self._activation_jobs()
        for kind in KIND_ORDER:
            folder = KIND_FOLDERS[kind]
            for ident in self.models(kind):
                yield _Job(f"{folder}/{ident}.html", f"{kind} '{ident}'",
                           self._document(kind, ident), alone=kind)
        yield _Job("plans/index.html", "the list of plans", self.plans_page, alone="list")
        yield _Job("departments/index.html", "the list of departments", self.departments_page,
                   alone="list")
        # these two link the agendas: made once all agendas are
        yield _Job("meetings/index.html", "the list of meetings", self.meetings_page)
        yield _Job("drills/index.html", "the list of drills", self.drills_page, alone="list")
        yield _Job("actions/index.html", "the list of actions", self.actions_page,
                   alone="list")
        yield _Job("matrix.html", "the responsibility matrix", self.matrix_page,
                   alone="list")
        yield _Job("check.html", "the check report", self.check_page, alone="list")
        yield _Job("calendar/index.html", "the calendars page", self.calendars_page,
                   alone="list")
        yield _Job("index.html", "the dashboard", self.index_page)

    def _document(self, kind: str, ident: str) -> Callable[[], str]:
        def make() -> str:
            from coordctl.documents import render_document

            return render_document(self.ws, kind, ident, "html", self.locale,
                                   audience=self.audience, links=Links(1))

        return make

    def _agenda_jobs(self) -> Iterator[_Job]:
        for ident in self.ws.meetings:
            path = f"meetings/{ident}-agenda.html"

            def make(ident: str = ident) -> str | None:
                from coordctl.agenda import NoOccurrence, build_agenda, render_agenda

                try:
                    agenda = build_agenda(self.ws, ident, self.ws.today, self.locale,
                                          self.audience)
                except NoOccurrence:  # the series is over: no agenda, no link
                    return None
                return render_agenda(agenda, "html", links=Links(1))

            yield _Job(path, f"the agenda of meeting '{ident}'", make, alone="agenda",
                       agenda=ident)

    def activation_pages(self) -> dict[str, list[tuple[str, str]]]:
        """Plan id -> [(level id, site path)] of its activation checklists (internal)."""
        if self.audience != "internal":
            return {}
        return {plan.id: [(level.id, f"plans/{plan.id}-activate-"
                                     f"{level_file_name(level.id, index)}.html")
                          for index, level in enumerate(plan.levels, start=1)]
                for plan in self.ws.plans.values()}

    def _activation_jobs(self) -> Iterator[_Job]:
        for plan_id, pages in self.activation_pages().items():
            for level, path in pages:
                def make(plan_id: str = plan_id, level: str = level) -> str:
                    from coordctl.activation import build_checklist, render_checklist

                    checklist = build_checklist(self.ws, plan_id, level, None, self.locale,
                                                contacts=True)
                    return render_checklist(checklist, "html", links=Links(1))

                yield _Job(path, f"the level {level} activation checklist of plan "
                                 f"'{plan_id}'", make, alone="activation")

    # --- pages --------------------------------------------------------------------------

    def index_page(self) -> str:
        words = self.words["site"]
        errors = sum(1 for f in self.findings if f.severity == "error")
        return self.render(
            "site_index.html", words["dashboard"], 0,
            coverage=coverage(self.ws, self.locale),
            errors=errors, warnings=len(self.findings) - errors,
            upcoming=upcoming(self.ws, self.locale, UPCOMING_DAYS, self.agendas),
            upcoming_days=UPCOMING_DAYS,
            overdue=overdue_actions(self.ws),
            changes=recent_changes(self.ws),
            documents_per_change=DOCUMENTS_PER_CHANGE)

    def plans_page(self) -> str:
        return self.render("site_plans.html", self.words["plans"], 1,
                           plans=list(self.ws.plans.values()),
                           holders={p.id: self.ws.plan_holders(p)
                                    for p in self.ws.plans.values()},
                           activation=self.activation_pages())

    def departments_page(self) -> str:
        plans_of = {d: sorted({plan.id for plan, _ in self.ws.holdings.get(d, [])},
                              key=list(self.ws.plans).index)
                    for d in self.ws.departments}
        return self.render("site_departments.html", self.words["departments"], 1,
                           departments=list(self.ws.departments.values()),
                           holdings=self.ws.holdings, plans_of=plans_of,
                           feeds=self.feeds_built)

    def meetings_page(self) -> str:
        from coordctl.render import repeat_in_words

        start = dt.datetime.combine(self.ws.today, dt.time.min)
        horizon = start + dt.timedelta(days=366 * 10)
        nexts = {}
        for meeting in self.ws.meetings.values():
            found = self.ws.occurrences(meeting.schedule, start, horizon, limit=1)
            nexts[meeting.id] = found[0] if found else None
        return self.render("site_meetings.html", self.words["meetings"], 1,
                           meetings=list(self.ws.meetings.values()), nexts=nexts,
                           repeats={m.id: repeat_in_words(m.schedule.repeat, self.locale)
                                    for m in self.ws.meetings.values()},
                           agendas=self.agendas)

    def drills_page(self) -> str:
        drills = sorted(self.ws.drills.values(), key=lambda d: (d.schedule.start, d.id))
        tz = self.ws.tz
        spans = {d.id: (d.schedule.start.replace(tzinfo=tz),
                        (d.schedule.start + d.schedule.duration.as_timedelta())
                        .replace(tzinfo=tz)) for d in drills}
        return self.render("site_drills.html", self.words["drills"], 1, drills=drills,
                           spans=spans, participants={d.id: self.ws.drill_participants(d)
                                                      for d in drills})

    def actions_page(self) -> str:
        rank = {"open": 0, "done": 1, "dropped": 2}
        actions = sorted(self.ws.actions.values(),
                         key=lambda a: (rank.get(a.status, 3), a.due, a.id))
        return self.render("site_actions.html", self.words["actions"], 1, actions=actions)

    def matrix_page(self) -> str:
        from coordctl.matrix import build_matrix, involved

        involved_somewhere = {dept for plan in self.ws.plans.values() for duty in plan.duties
                              for dept in involved(duty)}
        if len(involved_somewhere) > MATRIX_COLUMNS:
            # A province: one grid of every duty against every department would have
            # millions of mostly empty cells. Each plan gets its own grid instead.
            sections = [(plan_id, build_matrix(self.ws, [plan_id], by="duty",
                                               locale=self.locale))
                        for plan_id in self.ws.plans]
            legend = self._legend(sections[0][1].legend)
            return self.render("site_matrix.html", self.words["matrix"], 0,
                               matrix=sections[0][1], groups=[], sections=sections,
                               legend=legend)
        matrix = build_matrix(self.ws, [], by="duty", locale=self.locale)
        legend = self._legend(matrix.legend)
        # rows by plan (a tbody each); a phase cell spans the plan's rows of that phase:
        # each row is [rows its phase cell spans (0: covered by the one above), cells]
        groups: list[tuple[str, list[list[Any]]]] = []
        run: list[Any] = []
        row_plans = [plan.id for plan in self.ws.plans.values() for _ in plan.duties]
        for plan_id, row in zip(row_plans, matrix.rows, strict=True):
            if not groups or groups[-1][0] != plan_id:
                groups.append((plan_id, []))
                run = []
            if run and run[1][1] == row[1]:
                run[0] += 1
                groups[-1][1].append([0, row])
            else:
                run = [1, row]
                groups[-1][1].append(run)
        return self.render("site_matrix.html", self.words["matrix"], 0, matrix=matrix,
                           groups=groups, sections=[], legend=legend)

    def _legend(self, legend: list[tuple[str, str]]) -> str:
        words = self.words
        return words["legend_line"].format(
            legend=words["legend"],
            items=words["list_separator"].join(
                words["legend_item"].format(letter=letter, meaning=meaning)
                for letter, meaning in legend))

    def check_page(self) -> str:
        errors = sum(1 for f in self.findings if f.severity == "error")
        return self.render("site_check.html", self.words["check_report"], 0,
                           findings=self.findings, errors=errors,
                           warnings=len(self.findings) - errors,
                           notes=sorted(set(self.ws.notes)))

    def calendars_page(self) -> str:
        return self.render("site_calendars.html", self.words["calendars"], 1,
                           feeds=feeds(self.ws, self.locale) if self.feeds_built else [],
                           built=self.feeds_built,
                           site_url=self.ws.settings.calendar.site_url)

    def claim_feeds(self, writer: _Writer) -> None:
        """Claim the names of the calendar feeds (``write_feed_files`` writes them)."""
        if not self.feeds_built:
            return
        for feed in feeds(self.ws, self.locale):
            writer.claim(f"calendar/{feed.file}",
                         f"the calendar feed of department '{feed.department}'"
                         if feed.department else "the calendar feed of all events")

    def write_feed_files(self, root: Path) -> bool:
        """Write the calendar feeds under ``root``."""
        from coordctl.calendars import write_feeds

        write_feeds(self.ws, self.locale, root / "calendar")
        return True


# --- the folder --------------------------------------------------------------------------------

def _check_target(out: Path) -> None:
    """Refuse to replace anything but a missing folder, an empty one, or a site coordctl
    built (it holds the marker)."""
    if out.is_symlink():
        raise OutputError(f"{out} is a symbolic link: give the folder it points to")
    if not out.exists():
        return
    if not out.is_dir():
        raise OutputError(f"{out} is a file, not a folder: choose another -o")
    if (out / MARKER).is_file():
        return
    try:
        empty = not any(out.iterdir())
    except OSError as exc:
        raise OutputError(f"cannot read {out}: {exc.strerror}") from None
    if not empty:
        raise OutputError(f"{out} is not empty and was not built by coordctl (no {MARKER}); "
                          "choose another -o or empty it")


def _sibling(out: Path, purpose: str) -> Path:
    """A new hidden folder name next to ``out`` (not created)."""
    while True:
        candidate = out.parent / f".{out.name}.{purpose}-{os.getpid()}-{secrets.token_hex(4)}"
        if not candidate.exists():
            return candidate


def _remove_leftovers(out: Path) -> None:
    """Remove the temporary folders of builds of ``out`` that were killed (SIGKILL, a
    power cut) and could not clean up: only folders named exactly as ``_sibling`` names
    them, whose process is gone, holding the site marker or nothing at all."""
    if os.name != "posix":  # os.kill(pid, 0) tests for a process only on POSIX
        return
    pattern = re.compile(rf"\.{re.escape(out.name)}\.(?:build|old)-(\d+)-[0-9a-f]{{8}}")
    try:
        entries = list(os.scandir(out.parent))
    except OSError:
        return
    for entry in entries:
        found = pattern.fullmatch(entry.name)
        if found is None or entry.is_symlink() or not entry.is_dir():
            continue
        try:
            os.kill(int(found.group(1)), 0)
            continue  # that build is still running (or the number was reused): keep
        except ProcessLookupError:
            pass
        except (PermissionError, OverflowError):  # another user's process: keep
            continue
        folder = Path(entry.path)
        try:
            ours = (folder / MARKER).is_file() or not any(folder.iterdir())
        except OSError:
            continue
        if ours:
            shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM back until the block is done: they arrive at its
    end. Where the system cannot (Windows), nothing is held."""
    mask = getattr(signal, "pthread_sigmask", None)
    if mask is None:
        yield
        return
    held = {signal.SIGINT, signal.SIGTERM}
    previous = mask(signal.SIG_BLOCK, [])  # what to go back to, before holding anything
    try:
        mask(signal.SIG_BLOCK, held)
        yield
    finally:
        mask(signal.SIG_SETMASK, previous)


def _swap(new: Path, out: Path) -> None:
    """Put ``new`` where ``out`` is: the old folder is renamed aside, the new one renamed
    into place, then the old one removed; a failed rename puts the old one back. An
    interrupt waits until all this is done: it never finds the site renamed aside, or
    half removed next to the new one."""
    _check_target(out)  # it may have changed while the site was built
    with _signals_held():
        old = None
        if out.exists():
            old = _sibling(out, "old")
            os.rename(out, old)
        try:
            os.rename(new, out)
        except BaseException:
            if old is not None:
                os.rename(old, out)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def build_site(ws: Any, out: Path, locale: str, audience: str = "public",
               progress: bool = False, workers: int = 1) -> Path:
    """Build the site of ``ws`` into the folder ``out`` (replaced whole at the end) and
    return ``out``. ``progress`` shows a progress bar on stderr; ``workers`` > 1 makes
    the pages in that many processes where the system can fork (the same files).

    ``OutputError`` (exit 2) when ``out`` is a non-empty folder coordctl did not build.
    """
    if audience not in ("public", "internal"):
        raise ValueError(f"audience must be public or internal, not {audience!r}")
    given = Path(out)
    out = Path(os.path.abspath(given))  # "." and ".." have no name to put a sibling next to
    if not out.name:
        raise OutputError(f"cannot build the site into {given}: choose a folder with -o")
    _check_target(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot write {out}: {exc.strerror}") from None
    temp = _sibling(out, "build")  # its name holds this process's id: no one else's
    try:
        temp.mkdir()  # in the try: an interrupt right after it still removes it
        writer = _Writer(temp)
        writer.write(MARKER, "the site marker", MARKER_TEXT)
        workers_before, ws.workers = ws.workers, workers  # the check's history too
        try:
            site = _Site(ws, locale, audience)
            jobs = list(site.jobs())
            alone = [job for job in jobs if job.alone]
            wrote = _make_pages(site, alone, temp, workers, progress)
        finally:
            ws.workers = workers_before
        # Claimed in the order of the jobs, whichever process made them first: a clash
        # of two names is reported the same way every time.
        for job, done in zip(alone, wrote, strict=True):
            if done:
                writer.claim(job.path, job.what)
                if job.agenda is not None:
                    site.agendas[job.agenda] = job.path
        for job in jobs:
            if not job.alone:
                data = job.run()
                if data is not None:
                    writer.write(job.path, job.what, data)
        site.claim_feeds(writer)
        _swap(temp, out)
        _remove_leftovers(out)
    except OSError as exc:
        shutil.rmtree(temp, ignore_errors=True)
        raise OutputError(f"cannot write {out}: {exc.strerror or exc}") from None
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return given

