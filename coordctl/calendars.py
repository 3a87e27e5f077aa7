"""Calendar feeds (METHOD:PUBLISH) and invitations (METHOD:REQUEST) with ``icalendar``.

One VEVENT per meeting series or drill, in the workspace time zone with a VTIMEZONE,
RRULE and EXDATE for repeats. Everything in a feed is derived from the workspace and
its git history, never from the clock, so the same commit gives byte-identical feeds:
DTSTAMP and LAST-MODIFIED are the document's last change, SEQUENCE counts the commits
that changed its time, rule, place or status. Each VEVENT is serialised once and its
bytes reused for every department feed.

Traps of icalendar 7 handled here: an RRULE ``UNTIL`` is always written in UTC; the
REFRESH-INTERVAL gets ``VALUE=DURATION``; X-PUBLISHED-TTL is a real duration; the
calendar gets no random UID. Its VTIMEZONEs (RDATE lists, which Outlook misreads, with
spring onsets an hour late) are replaced by our own, with yearly RRULEs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from coordctl.errors import CoordctlError
from coordctl.values import localize
from coordctl.workspace import Entry, Workspace

PRODID = "-//coordctl//coordctl calendar feed//EN"
#: How often subscribed clients should refresh a feed.
REFRESH = dt.timedelta(hours=6)
#: VTIMEZONE transitions cover these years (deterministic, small).
ZONE_RANGE = (dt.date(2000, 1, 1), dt.date(2040, 1, 1))
#: Fields whose change makes clients update an event (SEQUENCE).
SEQUENCE_FIELDS = ("schedule", "location", "status")

_CRLF = b"\r\n"


class CalendarError(CoordctlError):
    """The workspace lacks what a calendar needs (e.g. ``calendar.domain``)."""


@dataclass
class Event:
    """One meeting series or drill as it goes into feeds."""

    entry: Entry
    departments: list[str]
    vevent: Any

    @property
    def kind(self) -> str:
        return self.entry.kind


def _domain(ws: Workspace) -> str:
    domain = ws.settings.calendar.domain
    if not domain:
        raise CalendarError("calendar feeds need calendar.domain in coordctl.yaml (the "
                            "right-hand side of every event UID, e.g. coord.example.gov.cn)")
    return domain


def page_url(ws: Workspace, kind: str, ident: str) -> str | None:
    """The event's page on the published site, where ``calendar.site_url`` is set."""
    base = ws.settings.calendar.site_url
    return f"{base.rstrip('/')}/{kind}s/{ident}.html" if base else None


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(dt.timezone.utc)


def _last_change(ws: Workspace, entry: Entry) -> tuple[dt.datetime, int]:
    """(when the document last changed, in UTC; how many commits moved the event)."""
    histories = ws.output_histories if ws.repository is not None else None
    history = (histories or {}).get((entry.kind, entry.id))
    if history is not None and history.last is not None:
        return _utc(history.last.date), history.count_changing(SEQUENCE_FIELDS)
    if ws.repository is not None and histories is None:
        # In git without usable history (a shallow clone, as CI makes): the commit's own
        # date keeps the feed deterministic for that commit.
        from coordctl.render import workspace_revision

        revision = workspace_revision(ws)
        if revision is not None:
            return _utc(ws.repository.commit_date(revision.sha)), 0
    try:
        mtime = (ws.root / entry.path).stat().st_mtime
    except OSError:
        mtime = 0
    return dt.datetime.fromtimestamp(int(mtime), dt.timezone.utc), 0


def _rrule(ws: Workspace, rule: str) -> Any:
    """The repeat rule as a ``vRecur`` with UNTIL in UTC (RFC 5545 with a TZID start)."""
    from icalendar import vRecur

    from coordctl.schedule import rule_parts

    parts = rule_parts(rule)
    if "UNTIL" in parts and not parts["UNTIL"].endswith("Z"):
        value = parts["UNTIL"]
        local = dt.datetime.strptime(value, "%Y%m%d").replace(hour=23, minute=59, second=59) \
            if len(value) == 8 else dt.datetime.strptime(value, "%Y%m%dT%H%M%S")
        parts["UNTIL"] = _utc(local.replace(tzinfo=ws.tz)).strftime("%Y%m%dT%H%M%SZ")
    return vRecur.from_ical(";".join(f"{k}={v}" for k, v in parts.items()))


def _exdates(ws: Workspace, schedule: Any) -> list[dt.datetime]:
    """EXDATEs for the schedule's ``except`` dates: every occurrence on such a date (a rule
    with BYHOUR has several a day, and coordctl skips them all), or for a repeat rule the
    start time on it."""
    from coordctl.schedule import expand

    out: list[dt.datetime] = []
    for day in sorted(set(schedule.except_)):
        midnight = dt.datetime.combine(day, dt.time())
        found = [o.start for o in expand(schedule.start, schedule.duration.as_timedelta(),
                                         schedule.repeat, (), ws.tz, midnight,
                                         midnight + dt.timedelta(days=1))]
        if not found and schedule.repeat:
            found = [dt.datetime.combine(day, schedule.start.time(), tzinfo=ws.tz)]
        out.extend(found)
    return out


def _names(ws: Workspace, departments: Iterable[str], locale: str) -> str:
    from coordctl.render import labels

    return labels(locale)["list_separator"].join(
        localize(ws.departments[d].name, locale) if d in ws.departments else d
        for d in departments)


def _description(ws: Workspace, entry: Entry, departments: list[str], locale: str) -> str:
    from coordctl.render import labels, repeat_in_words

    words = labels(locale)
    model = entry.model
    lines: list[str] = []

    def fact(label: str, value: str) -> str:
        return words["fact"].format(label=words[label], value=value)

    if entry.kind == "meeting":
        lines.append(fact("convenor", _names(ws, [model.convenor], locale)))
        if model.members:
            lines.append(fact("members", _names(ws, model.members, locale)))
        lines.append(fact("repeat", repeat_in_words(model.schedule.repeat, locale)))
        if model.agenda:
            lines.append(fact("agenda", "").rstrip())
            for number, item in enumerate(model.agenda, 1):
                extra = [_names(ws, [item.presenter], locale)] if item.presenter else []
                if item.minutes:
                    extra.append(words["minutes_n"].format(n=item.minutes))
                suffix = f" ({', '.join(extra)})" if extra else ""
                lines.append(f"{number}. {localize(item.title, locale)}{suffix}")
    else:
        plan = ws.plans.get(model.plan)
        title = localize(plan.title, locale) if plan else model.plan
        lines.append(fact("plan", title))
        lines.append(fact("type", words["drill_types"].get(model.type, model.type)))
        if model.objectives:
            lines.append(fact("objectives", "").rstrip())
            lines.extend(f"- {localize(o, locale)}" for o in model.objectives)
        lines.append(fact("participants", _names(ws, departments, locale)))
    url = page_url(ws, entry.kind, entry.id)
    if url:
        lines.append(fact("more_at", url))
    return "\n".join(lines)


def _organizer(ws: Workspace, entry: Entry, locale: str) -> Any:
    from icalendar import vCalAddress

    model = entry.model
    owner = model.convenor if entry.kind == "meeting" else getattr(
        ws.plans.get(model.plan), "owner", None)
    dept = ws.departments.get(owner) if owner else None
    if dept is None or not dept.email:
        return None
    address = vCalAddress(f"mailto:{dept.email}")
    address.params["CN"] = localize(dept.name, locale)
    return address


def attendees(ws: Workspace, entry: Entry) -> list[str]:
    """Departments expected at a meeting (convenor and members) or drill (participants)."""
    if entry.kind == "meeting":
        return list(dict.fromkeys([entry.model.convenor, *entry.model.members]))
    return list(dict.fromkeys(ws.drill_participants(entry.model)))


def _vevent(ws: Workspace, entry: Entry, locale: str, occurrence: dt.datetime | None = None
            ) -> Any:
    from icalendar import Alarm
    from icalendar import Event as VEvent

    model = entry.model
    schedule = model.schedule
    tz = ws.tz
    changed, sequence = _last_change(ws, entry)
    departments = attendees(ws, entry)
    event = VEvent()
    event.add("uid", f"{entry.kind}-{entry.id}@{_domain(ws)}")
    event.add("dtstamp", changed)
    event.add("last-modified", changed)
    event.add("sequence", sequence)
    start = (occurrence or schedule.start).replace(tzinfo=tz)
    if occurrence is not None:
        event.add("recurrence-id", occurrence.replace(tzinfo=tz))
    event.add("dtstart", start)
    event.add("dtend", (occurrence or schedule.start).replace(tzinfo=tz)
              + schedule.duration.as_timedelta())
    if schedule.repeat and occurrence is None:
        event.add("rrule", _rrule(ws, schedule.repeat))
    exdates = _exdates(ws, schedule) if occurrence is None else []
    if exdates:  # a one-off event whose own date is skipped has no occurrence left
        event.add("exdate", exdates)
    event.add("summary", localize(model.title, locale))
    if model.location:
        event.add("location", localize(model.location, locale))
    event.add("categories", [model.type])
    event.add("description", _description(ws, entry, departments, locale))
    url = page_url(ws, entry.kind, entry.id)
    if url:
        event.add("url", url)
    organizer = _organizer(ws, entry, locale)
    if organizer is not None:
        event.add("organizer", organizer)
    cancelled = entry.kind == "drill" and model.status == "cancelled"
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    for reminder in ws.settings.calendar.reminders:
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("trigger", -reminder.as_timedelta())
        alarm.add("description", localize(model.title, locale))
        event.add_component(alarm)
    return event


def events(ws: Workspace, locale: str, kind: str | None = None) -> list[Event]:
    """Every valid meeting series and drill (of ``kind``), in kind then id order."""
    out = []
    for each in ("meeting", "drill"):
        if kind not in (None, each):
            continue
        for entry in sorted(ws.valid(each), key=lambda e: e.id):
            out.append(Event(entry, attendees(ws, entry), _vevent(ws, entry, locale)))
    return out


def _calendar_header(ws: Workspace, name: str, method: str) -> Any:
    from icalendar import Calendar, vDuration, vText

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    if method == "PUBLISH":
        # vText escapes line breaks, ';' and ','; icalendar 7 leaves a plain str for
        # these two properties as it is, and refuses a line break in it
        cal.add("name", vText(name))
        cal.add("x-wr-calname", vText(name))
        cal.add("x-wr-timezone", ws.settings.timezone)
        refresh = vDuration(REFRESH)
        refresh.params["VALUE"] = "DURATION"
        cal.add("refresh-interval", refresh)
        cal.add("x-published-ttl", vDuration(REFRESH))
    return cal


def _timezone(ws: Workspace) -> bytes:
    return vtimezone(ws.settings.timezone)


@dataclass(frozen=True)
class _Transition:
    """One change of a zone's UTC offset."""

    onset: dt.datetime  # naive local time in the offset before the change (RFC 5545)
    before: dt.timedelta
    after: dt.timedelta
    name: str
    daylight: bool

    @property
    def observance(self) -> tuple[Any, ...]:
        return (self.before, self.after, self.name, self.daylight, self.onset.time())

    def weekday_rule(self, last: bool) -> tuple[int, int, int] | None:
        """(month, weekday, ordinal) of the onset: the nth weekday, or -1 for the last."""
        import calendar

        day = self.onset
        if last:
            if day.day + 7 <= calendar.monthrange(day.year, day.month)[1]:
                return None
            return day.month, day.weekday(), -1
        return day.month, day.weekday(), (day.day - 1) // 7 + 1


def _transitions(name: str) -> tuple[list[_Transition], Any]:
    """The offset changes of the zone ``name`` within ZONE_RANGE, and the zone itself."""
    from coordctl.schedule import zone

    tz = zone(name)
    utc = dt.timezone.utc
    moment = dt.datetime.combine(ZONE_RANGE[0], dt.time(), utc)
    end = dt.datetime.combine(ZONE_RANGE[1], dt.time(), utc)
    offset = moment.astimezone(tz).utcoffset()
    found = []
    while moment < end:
        following = moment + dt.timedelta(days=1)
        if following.astimezone(tz).utcoffset() != offset:
            low, high = moment, following  # the change lies in (low, high]: bisect it
            while high - low > dt.timedelta(seconds=1):
                middle = low + (high - low) // 2
                if middle.astimezone(tz).utcoffset() == offset:
                    low = middle
                else:
                    high = middle
            local = high.astimezone(tz)
            found.append(_Transition((high + offset).replace(tzinfo=None), offset,
                                     local.utcoffset(), local.tzname() or "",
                                     (local.dst() or dt.timedelta(0)) > dt.timedelta(0)))
            offset = local.utcoffset()
        moment = following
    return found, tz


def _yearly_rules(transitions: list[_Transition]
                  ) -> tuple[int, dict[tuple[Any, ...], tuple[int, int, int]]] | None:
    """The year from which every change follows a yearly weekday rule up to the end of
    ZONE_RANGE, and the rule of each observance; None for a zone without such rules
    now (no daylight saving time, or rules that are not "the nth weekday of a month")."""
    by_year: dict[int, list[_Transition]] = {}
    for each in transitions:
        by_year.setdefault(each.onset.year, []).append(each)
    final = ZONE_RANGE[1].year - 1
    if final not in by_year or len({t.observance for t in by_year[final]}) != \
            len(by_year[final]):
        return None
    rules: dict[tuple[Any, ...], tuple[int, int, int]] = {}
    since = ZONE_RANGE[0].year
    for last in by_year[final]:
        best: tuple[int, tuple[int, int, int]] | None = None
        for ordinal_last in (True, False):
            rule = last.weekday_rule(ordinal_last)
            if rule is None:
                continue
            year = final
            while year - 1 in by_year and len(by_year[year - 1]) == len(by_year[final]) and \
                    any(t.observance == last.observance and t.weekday_rule(ordinal_last) == rule
                        for t in by_year[year - 1]):
                year -= 1
            if best is None or year < best[0]:
                best = (year, rule)
        if best is None or best[0] > final - 2:  # one or two years make no rule
            return None
        rules[last.observance] = best[1]
        since = max(since, best[0])
    return since, rules


@lru_cache(maxsize=16)
def vtimezone(name: str) -> bytes:
    """A VTIMEZONE for the IANA zone ``name`` that clients which ignore IANA names read
    right: the current daylight-saving rules as yearly RRULEs (Outlook mishandles RDATE
    lists), earlier changes (from ZONE_RANGE on) as one observance each, and every
    onset in local time of the offset before it (RFC 5545 §3.6.5)."""
    from icalendar import Timezone, TimezoneDaylight, TimezoneStandard, vRecur

    transitions, tz = _transitions(name)
    component = Timezone()
    component.add("tzid", name)
    component.add("x-lic-location", name)
    rules = _yearly_rules(transitions)
    since, by_observance = rules if rules else (ZONE_RANGE[1].year + 1, {})

    def observance(daylight: bool, before: dt.timedelta, after: dt.timedelta, tzname: str,
                   onset: dt.datetime) -> Any:
        part = TimezoneDaylight() if daylight else TimezoneStandard()
        part.add("tzname", tzname)
        part.add("tzoffsetfrom", before)
        part.add("tzoffsetto", after)
        part.add("dtstart", onset)
        return part

    start = dt.datetime.combine(ZONE_RANGE[0], dt.time())
    local = start.replace(tzinfo=tz)
    if not transitions or local.dst():
        # the offset in force before the first change (clients assume standard time),
        # entered from standard time when it is daylight saving time
        saving = local.dst() or dt.timedelta(0)
        component.add_component(observance(saving > dt.timedelta(0),
                                           local.utcoffset() - saving, local.utcoffset(),
                                           local.tzname() or "", start))
    ruled: set[tuple[Any, ...]] = set()
    weekdays = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
    for each in transitions:
        if each.onset.year < since:
            component.add_component(observance(each.daylight, each.before, each.after,
                                               each.name, each.onset))
        elif each.observance not in ruled:
            ruled.add(each.observance)
            month, weekday, ordinal = by_observance[each.observance]
            part = observance(each.daylight, each.before, each.after, each.name, each.onset)
            part.add("rrule", vRecur.from_ical(
                f"FREQ=YEARLY;BYMONTH={month};BYDAY={ordinal}{weekdays[weekday]}"))
            component.add_component(part)
    return component.to_ical()


def _assemble(header: Any, parts: list[bytes]) -> bytes:
    """A VCALENDAR from its header properties and already serialised components."""
    head = header.to_ical()
    end = b"END:VCALENDAR" + _CRLF
    assert head.endswith(end)
    return head[: -len(end)] + b"".join(parts) + end


def feed_name(ws: Workspace, locale: str, department: str | None = None) -> str:
    title = localize(ws.settings.name, locale)
    if department is None:
        return title
    dept = ws.departments.get(department)
    return f"{title} — {localize(dept.name, locale) if dept else department}"


class Feeds:
    """Serialises each event once; ``feed()`` assembles any subset of them."""

    def __init__(self, ws: Workspace, locale: str, kind: str | None = None) -> None:
        self.ws = ws
        self.locale = locale
        self.events = events(ws, locale, kind)
        self._bytes = {id(e): e.vevent.to_ical() for e in self.events}
        self._zone = _timezone(ws)
        # A province builds a feed for each of 1,000 departments: find each one's events
        # in an index, not by scanning every event every time.
        self._by_department: dict[str, list[Event]] = {}
        for event in self.events:
            for dept in dict.fromkeys(event.departments):
                self._by_department.setdefault(dept, []).append(event)

    def feed(self, department: str | None = None) -> bytes:
        """The feed; always with the workspace's VTIMEZONE, so that a feed without events
        still has the one component RFC 5545 requires of a VCALENDAR."""
        chosen = self.events if department is None else self._by_department.get(department, [])
        header = _calendar_header(self.ws, feed_name(self.ws, self.locale, department),
                                  "PUBLISH")
        return _assemble(header, [self._zone, *(self._bytes[id(e)] for e in chosen)])


def feed(ws: Workspace, locale: str, department: str | None = None,
         kind: str | None = None) -> bytes:
    """One VCALENDAR (METHOD:PUBLISH): every event, or those ``department`` attends."""
    if department is not None:
        from coordctl.render import document

        document(ws, "department", department)
    return Feeds(ws, locale, kind).feed(department)


def write_feeds(ws: Workspace, locale: str, folder: Path) -> list[Path]:
    """``all.ics`` and ``<department>.ics`` for every department, into ``folder``."""
    feeds = Feeds(ws, locale)
    folder.mkdir(parents=True, exist_ok=True)
    written = [folder / "all.ics"]
    written[0].write_bytes(feeds.feed())
    for ident in sorted(ws.departments):
        path = folder / f"{ident}.ics"
        path.write_bytes(feeds.feed(ident))
        written.append(path)
    return written


# --- invitations ----------------------------------------------------------------------------

@dataclass
class Invitation:
    ics: bytes
    organizer: str | None
    recipients: list[tuple[str, str]]  # (department id, e-mail)
    missing: list[str]  # departments without an e-mail address
    subject: str
    #: Plain text for the e-mail: title, when, where, then the agenda (or objectives).
    body: str = ""


def invitation(ws: Workspace, kind: str, ident: str, locale: str,
               date: dt.date | None = None) -> Invitation:
    """A METHOD:REQUEST for a meeting series or drill, or (``date``) one occurrence."""
    from icalendar import vCalAddress

    from coordctl.render import document

    if kind not in ("meeting", "drill"):
        raise CoordctlError(f"only meetings and drills have invitations, not {kind}s")
    document(ws, kind, ident)
    entry = ws.entry(kind, ident)
    occurrence = None
    if date is not None:
        start = dt.datetime.combine(date, dt.time())
        found = ws.occurrences(entry.model.schedule, start, start + dt.timedelta(days=1))
        if not found:
            later = ws.occurrences(entry.model.schedule, start, start + dt.timedelta(days=3660),
                                   limit=1)
            hint = f" (the next time is {later[0].start:%Y-%m-%d})" if later else ""
            raise CoordctlError(f"{kind} '{ident}' does not take place on {date}{hint}")
        if entry.model.schedule.repeat:  # a one-off event is invited to as it is
            occurrence = found[0].start.replace(tzinfo=None)
    event = _vevent(ws, entry, locale, occurrence)
    recipients, missing = [], []
    invited = entry.model.members if kind == "meeting" else attendees(ws, entry)
    for dept_id in dict.fromkeys(invited):
        dept = ws.departments.get(dept_id)
        if dept is None or not dept.email:
            missing.append(dept_id)
            continue
        address = vCalAddress(f"mailto:{dept.email}")
        address.params["CN"] = localize(dept.name, locale)
        address.params["CUTYPE"] = "GROUP"
        address.params["ROLE"] = "REQ-PARTICIPANT"
        address.params["PARTSTAT"] = "NEEDS-ACTION"
        address.params["RSVP"] = "TRUE"
        event.add("attendee", address)
        recipients.append((dept_id, dept.email))
    header = _calendar_header(ws, feed_name(ws, locale), "REQUEST")
    ics = _assemble(header, [_timezone(ws), event.to_ical()])
    organizer = event.get("organizer")
    subject = localize(entry.model.title, locale)
    if occurrence is not None:
        subject = f"{subject} {occurrence:%Y-%m-%d %H:%M}"
    return Invitation(ics, str(organizer).removeprefix("mailto:") if organizer else None,
                      recipients, missing, subject,
                      _body(ws, entry, locale, occurrence or entry.model.schedule.start))


def _body(ws: Workspace, entry: Entry, locale: str, start: dt.datetime) -> str:
    """The invitation e-mail's text: title, date and place, then the description of the
    event (agenda or objectives, departments, link), as in the feed."""
    from coordctl.render import labels

    words = labels(locale)
    model = entry.model
    lines = [localize(model.title, locale),
             words["fact"].format(label=words["date"],
                                  value=f"{start:%Y-%m-%d %H:%M} ({ws.settings.timezone})")]
    if model.location:
        lines.append(localize(model.location, locale))
    return "\n".join([*lines, "", _description(ws, entry, attendees(ws, entry), locale)]) + "\n"
