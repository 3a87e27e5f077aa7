"""The agenda of a meeting's next occurrence (DESIGN §3 ``agenda``).

``build_agenda`` collects, for one occurrence, what the attending departments (the
convenor and the members) should discuss: the standing items on a running clock, the
open actions earlier occurrences decided, their overdue actions, what changed in plans
since the previous occurrence (from git), the drills coming up and the check findings
that concern them. ``render_agenda`` lays that out as Markdown or HTML through the
``agenda.md`` / ``agenda.html`` templates.

Overdue means due before the meeting date, not before ``--today``: the agenda speaks
for the day of the meeting. Outputs depend only on the workspace, the date asked for
and the git history, never on the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from coordctl.errors import CoordctlError
from coordctl.findings import Finding

FORMATS = ("markdown", "html")
AUDIENCES = ("public", "internal")

#: Drills starting this many days from the meeting date (inclusive of that day) are listed.
DRILL_HORIZON_DAYS = 60

#: How far ahead the next occurrence is looked for.
_HORIZON = dt.timedelta(days=366 * 10)

#: Highlights of ``coordctl.diff.highlights`` that are not about plans (meetings and
#: drills moved): the agenda's change section leaves them out.
_NOT_PLAN_HIGHLIGHTS = frozenset({"moved"})


class NoOccurrence(CoordctlError):
    """The meeting has no occurrence on or after the date asked for."""


@dataclass(frozen=True)
class Named:
    """A referenced document as shown: its id, its localised name, and whether it is a
    valid document (only those get a link in the site)."""

    id: str
    name: str
    known: bool
    #: A department's short name (its name when it has none), for narrow tables.
    short: str = ""

    @property
    def brief(self) -> str:
        return self.short or self.name


@dataclass(frozen=True)
class Item:
    """A standing agenda item on the running clock.

    ``start`` is None once an earlier item without minutes has stopped the clock; ``end``
    is None for an item without minutes and after it.
    """

    number: int
    title: str
    presenter: Named | None
    minutes: int | None
    start: dt.datetime | None
    end: dt.datetime | None


@dataclass(frozen=True)
class ActionRow:
    id: str
    title: str
    owner: Named
    due: dt.date
    #: Days past due on the meeting date (0 when not overdue).
    days_overdue: int
    #: The document it came from: (kind, Named), or None.
    source: tuple[str, Named] | None

    @property
    def overdue(self) -> bool:
        return self.days_overdue > 0


@dataclass(frozen=True)
class DrillRow:
    id: str
    title: str
    type: str
    plan: Named
    start: dt.datetime
    end: dt.datetime
    location: str | None
    #: The attending departments that take part in it.
    attendees: list[Named]

    @property
    def named(self) -> Named:
        return Named(self.id, self.title, True)


@dataclass(frozen=True)
class PlanChange:
    plan: Named
    change: str  # added | removed | modified


@dataclass(frozen=True)
class PlanChanges:
    """What changed in plans since the previous occurrence.

    ``status`` is ``first`` (no previous occurrence), ``unavailable`` (no git, or no
    commit before the previous occurrence), or ``compared``.
    """

    status: str
    previous: dt.datetime | None = None
    commit: str | None = None
    commit_date: dt.date | None = None
    plans: tuple[PlanChange, ...] = ()
    highlights: tuple[str, ...] = ()


@dataclass(frozen=True)
class Agenda:
    """Everything on one occurrence's agenda, localised, in output order."""

    meeting: str
    title: str
    type: str
    start: dt.datetime
    end: dt.datetime
    location: str | None
    convenor: Named
    members: list[Named]
    items: list[Item]
    decided: list[ActionRow]
    overdue: list[ActionRow]
    changes: PlanChanges
    drills: list[DrillRow]
    findings: list[Finding]
    locale: str
    audience: str
    workspace_name: str
    revision: Any = None
    #: Workspace whose ``templates/`` may override the built-in templates.
    templates_root: Path | None = None

    @property
    def drill_horizon(self) -> int:
        return DRILL_HORIZON_DAYS


def build_agenda(ws: Any, meeting_id: str, on_or_after: dt.date, locale: str = "zh-CN",
                 audience: str = "public") -> Agenda:
    """The agenda of ``meeting_id``'s first occurrence on or after ``on_or_after``.

    ``UnknownDocument`` when there is no such valid meeting, ``NoOccurrence`` (exit 2)
    when the series has ended by then.
    """
    from coordctl.render import document, workspace_revision
    from coordctl.values import localize

    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    meeting = document(ws, "meeting", meeting_id)
    occurrence = _next_occurrence(ws, meeting, on_or_after)
    attendees = list(dict.fromkeys([meeting.convenor, *meeting.members]))
    day = occurrence.start.date()
    return Agenda(
        meeting=meeting.id,
        title=localize(meeting.title, locale),
        type=meeting.type,
        start=occurrence.start,
        end=occurrence.end,
        location=localize(meeting.location, locale) or None,
        convenor=named_department(ws, meeting.convenor, locale),
        members=[named_department(ws, d, locale) for d in meeting.members],
        items=running_clock(ws, meeting.agenda, occurrence.start, locale),
        decided=_decided(ws, meeting.id, day, locale),
        overdue=_overdue(ws, meeting.id, attendees, day, locale),
        changes=_plan_changes(ws, meeting, occurrence.start, locale),
        drills=_drills(ws, attendees, day, locale),
        findings=concerning(ws, attendees),
        locale=locale,
        audience=audience,
        workspace_name=localize(ws.settings.name, locale),
        revision=workspace_revision(ws),
        templates_root=ws.root,
    )


def _next_occurrence(ws: Any, meeting: Any, on_or_after: dt.date) -> Any:
    start = dt.datetime.combine(on_or_after, dt.time.min)
    found = ws.occurrences(meeting.schedule, start, start + _HORIZON, limit=1)
    if found:
        return found[0]
    earlier = ws.occurrences(meeting.schedule, meeting.schedule.start, start)
    last = f"; its last was on {earlier[-1].start:%Y-%m-%d}" if earlier else ""
    raise NoOccurrence(f"meeting '{meeting.id}' has no occurrence on or after "
                       f"{on_or_after}{last}: give an earlier --date")


def named_department(ws: Any, ident: str, locale: str) -> Named:
    from coordctl.values import localize

    dept = ws.departments.get(ident)
    if dept is None:
        return Named(ident, ident, False)
    return Named(ident, localize(dept.name, locale), True, localize(dept.short, locale))


def _named(ws: Any, kind: str, ident: str, locale: str) -> Named:
    """A document of any kind by its title (a department by its name)."""
    from coordctl.values import localize

    if kind == "department":
        return named_department(ws, ident, locale)
    models = {"plan": ws.plans, "meeting": ws.meetings, "drill": ws.drills,
              "action": ws.actions}.get(kind, {})
    model = models.get(ident)
    return Named(ident, localize(model.title, locale) if model else ident, model is not None)


def running_clock(ws: Any, items: list[Any], start: dt.datetime, locale: str) -> list[Item]:
    """The standing items timed from ``start``: each runs for its minutes; an item
    without minutes has a start but no end, and the items after it have no times."""
    from coordctl.values import localize

    out = []
    clock: dt.datetime | None = start
    for number, item in enumerate(items, start=1):
        begins = clock
        ends = clock + dt.timedelta(minutes=item.minutes) \
            if clock is not None and item.minutes else None
        clock = ends
        presenter = named_department(ws, item.presenter, locale) if item.presenter else None
        out.append(Item(number, localize(item.title, locale), presenter, item.minutes,
                        begins, ends))
    return out


def _action_row(ws: Any, action: Any, day: dt.date, locale: str) -> ActionRow:
    from coordctl.values import localize

    source = None
    if action.source_ref is not None:
        kind, ident = action.source_ref
        source = (kind, _named(ws, kind, ident, locale))
    return ActionRow(action.id, localize(action.title, locale),
                     named_department(ws, action.owner, locale), action.due,
                     max((day - action.due).days, 0), source)


def _decided(ws: Any, meeting_id: str, day: dt.date, locale: str) -> list[ActionRow]:
    """Open actions whose source is this meeting: what it decided, for its report back."""
    rows = [_action_row(ws, a, day, locale)
            for a in ws.actions_by_source.get(("meeting", meeting_id), ())
            if a.status == "open"]
    return sorted(rows, key=lambda r: (r.due, r.id))


def _overdue(ws: Any, meeting_id: str, attendees: list[str], day: dt.date,
             locale: str) -> list[ActionRow]:
    """Open actions of the attending departments due before the meeting date, except
    those this meeting decided (they are listed, marked overdue, with its decisions)."""
    source = f"meeting/{meeting_id}"
    owned = ws.actions_by_owner
    rows = [_action_row(ws, a, day, locale)
            for dept in dict.fromkeys(attendees) for a in owned.get(dept, ())
            if a.status == "open" and a.due < day and a.source != source]
    return sorted(rows, key=lambda r: (r.due, r.owner.id, r.id))


def _drills(ws: Any, attendees: list[str], day: dt.date, locale: str) -> list[DrillRow]:
    """Drills (not cancelled) starting within ``DRILL_HORIZON_DAYS`` of the meeting date
    in which an attending department takes part."""
    from coordctl.values import localize

    start = dt.datetime.combine(day, dt.time.min)
    end = start + dt.timedelta(days=DRILL_HORIZON_DAYS + 1)
    rows = []
    by_participant = ws.drills_by_participant
    concerned = {id(drill) for dept in attendees for drill in by_participant.get(dept, ())}
    for drill in ws.drills.values():
        if id(drill) not in concerned or drill.status == "cancelled":
            continue
        participants = set(ws.drill_participants(drill))
        taking_part = [d for d in attendees if d in participants]
        for occurrence in ws.occurrences(drill.schedule, start, end):
            rows.append(DrillRow(
                drill.id, localize(drill.title, locale), drill.type,
                _named(ws, "plan", drill.plan, locale), occurrence.start, occurrence.end,
                localize(drill.location, locale) or None,
                [named_department(ws, d, locale) for d in taking_part]))
    return sorted(rows, key=lambda r: (r.start, r.id))


def concerning(ws: Any, departments: list[str]) -> list[Finding]:
    """Check findings about ``departments``: those whose message names one of them in
    quotes, and those inside one of their department documents. One check run."""
    from coordctl.check import check

    quoted = [f"'{d}'" for d in departments]
    spans = [_span(ws, ws.entry("department", d)) for d in departments
             if ws.entry("department", d) is not None]
    out = []
    for finding in check(ws).findings:
        if any(q in finding.message for q in quoted) or any(
                finding.path == path and first <= finding.line < last
                for path, first, last in spans):
            out.append(finding)
    return sorted(out)


def _span(ws: Any, entry: Any) -> tuple[str, int, int]:
    """(path, first line, line after the last) of a document: it runs to the next
    document of its file."""
    following = [e.line for e in ws.documents_in.get(entry.path, ()) if e.line > entry.line]
    return entry.path, entry.line, min(following, default=1 << 62)


def _plan_changes(ws: Any, meeting: Any, start: dt.datetime, locale: str) -> PlanChanges:
    """The plans now against the last commit before the previous occurrence began."""
    from coordctl.history import GitError

    earlier = ws.occurrences(meeting.schedule, meeting.schedule.start,
                             start.replace(tzinfo=None))
    if not earlier:
        return PlanChanges("first")
    previous = earlier[-1].start
    repo = ws.repository
    if repo is None:
        return PlanChanges("unavailable", previous)
    try:
        sha = repo.last_commit_before(previous, ws.revision_id)
        if sha is None:
            return PlanChanges("unavailable", previous)
        # Meetings that met on the same days compare against the same commit: once each.
        memo = ws.__dict__.setdefault("_plan_changes", {})
        if (sha, locale) not in memo:
            memo[sha, locale] = _compared(ws, ws.as_of(sha), repo.commit_date(sha).date(),
                                          locale)
    except GitError:
        return PlanChanges("unavailable", previous)
    when, plans, words = memo[sha, locale]
    return PlanChanges("compared", previous, sha, when, plans, words)


def _compared(ws: Any, old: Any, when: dt.date, locale: str
              ) -> tuple[dt.date, tuple[PlanChange, ...], tuple[str, ...]]:
    """(date of ``old``, changed plans, highlights) of ``ws`` against ``old``."""
    from coordctl.diff import document_changes, highlights

    plans = []
    for change in document_changes(old, ws, kinds=("plan",)):
        named = _named(ws if change.change != "removed" else old, "plan", change.id, locale)
        if change.change == "removed":  # no page to link to any more
            named = Named(named.id, named.name, False)
        plans.append(PlanChange(named, change.change))
    words = tuple(h.text for h in highlights(old, ws, locale)
                  if h.what not in _NOT_PLAN_HIGHLIGHTS)
    return when, tuple(plans), words


# --- formats ---------------------------------------------------------------------------

def render_agenda(agenda: Agenda, fmt: str, links: Any = None) -> str:
    """The agenda as ``markdown`` or ``html``; ``links`` (a ``coordctl.render.Links``)
    links names to the site's pages in HTML, None makes a standalone page."""
    from coordctl.render import Page, labels

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    words = labels(agenda.locale)["meeting_agenda"]
    heading = words["title"].format(meeting=agenda.title)
    page = Page(lang=agenda.locale, labels=labels(agenda.locale), title=heading,
                workspace_name=agenda.workspace_name, audience=agenda.audience,
                links=links if fmt == "html" else None, revision=agenda.revision)
    env = template_environment(agenda.templates_root, agenda.locale)
    return env.get_template(f"agenda.{'html' if fmt == 'html' else 'md'}").render(
        agenda=agenda, page=page, words=words, heading=heading,
        when=meeting_time(agenda.start, agenda.end, agenda.locale))


@lru_cache(maxsize=16)
def template_environment(root: Path | None, locale: str) -> Any:
    """The Jinja2 environment of the agenda and checklist templates, with the filters
    ``md`` (text as literal Markdown), ``day`` (``2027-03-02``), ``clock`` (a start and an
    end as ``09:30–09:50``, either may be None), ``span`` (``2027-03-10 09:00–12:00``) and
    ``names`` (the names of ``Named`` items as a list: ``市公安局、市卫健委``).

    Cached: the site renders many pages; Jinja2 still reloads a changed template file."""
    from coordctl.render import environment, labels, markdown_cell

    env = environment(root)
    env.filters["md"] = lambda text: markdown_cell(str(text))
    env.filters["day"] = lambda moment: f"{moment:%Y-%m-%d}" if moment else ""
    env.filters["clock"] = lambda start, end=None: clock(start, end, locale)
    env.filters["span"] = lambda start, end: time_span(start, end, locale)
    env.filters["names"] = lambda items: labels(locale)["list_separator"].join(
        item.name for item in items)
    return env


def clock(start: dt.datetime | None, end: dt.datetime | None, locale: str) -> str:
    """``09:30–09:50``; ``09:30`` without an end; '' without a start."""
    from coordctl.render import labels

    if start is None:
        return ""
    if end is None:
        return f"{start:%H:%M}"
    return labels(locale)["meeting_agenda"]["time_range"].format(start=f"{start:%H:%M}",
                                                                 end=f"{end:%H:%M}")


def time_span(start: dt.datetime, end: dt.datetime, locale: str) -> str:
    """``2027-03-10 09:00–12:00`` (the end's date too when it is another day)."""
    from coordctl.render import labels

    tail = f"{end:%H:%M}" if end.date() == start.date() else f"{end:%Y-%m-%d %H:%M}"
    return labels(locale)["meeting_agenda"]["time_range"].format(
        start=f"{start:%Y-%m-%d %H:%M}", end=tail)


def long_date(day: dt.date, locale: str) -> str:
    """``2027年3月2日（星期二）`` / ``Tuesday 2 March 2027``."""
    from coordctl.render import labels

    every = labels(locale)
    words = every["meeting_agenda"]
    weekday = every["repeat_words"]["weekdays"][
        ("MO", "TU", "WE", "TH", "FR", "SA", "SU")[day.weekday()]]
    date = words["date"].format(year=day.year, month=words["months"][day.month - 1],
                                day=day.day)
    return words["date_weekday"].format(date=date, weekday=weekday)


def meeting_time(start: dt.datetime, end: dt.datetime, locale: str) -> str:
    """The date in words and the hours: ``2027年3月2日（星期二）09:30—11:30``."""
    from coordctl.render import labels

    words = labels(locale)["meeting_agenda"]
    if end.date() == start.date():
        return words["date_time"].format(date=long_date(start.date(), locale),
                                         time=clock(start, end, locale))
    return words["time_range"].format(
        start=words["date_time"].format(date=long_date(start.date(), locale),
                                        time=f"{start:%H:%M}"),
        end=words["date_time"].format(date=long_date(end.date(), locale),
                                      time=f"{end:%H:%M}"))
