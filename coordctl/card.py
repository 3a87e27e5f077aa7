"""A department's duty card (DESIGN §3 ``duties``): its duties in every plan, the
meetings it convenes or attends, the drills it takes part in and its open actions.

``duty_card`` collects the facts from valid documents into a ``Card``; ``render_card``
lays it out as a terminal table, Markdown or JSON. Contacts (names, phones) are personal
data: they are on the card only for the ``internal`` audience.

The JSON shape (``--format json``), a stable contract for scripts::

    {"department": {"id", "name", "short", "parent": {"id", "name"} | null, "email",
                    "exempt"},
     "locale", "audience", "today",
     "duties":   [{"plan", "plan_title", "phase", "phase_name", "within", "duty", "task",
                   "roles", "levels", "all_levels"}],
     "meetings": [{"id", "title", "role", "repeat", "repeat_words", "next_start",
                   "next_end", "location"}],
     "drills":   [{"id", "title", "plan", "plan_title", "type", "status", "start", "end",
                   "location"}],
     "actions":  [{"id", "title", "due", "overdue", "source"}],
     "contacts": [{"role", "name", "phone", "email", "always", "verified"}] | null}

Dates are ``YYYY-MM-DD``, times ISO 8601 with the workspace's UTC offset, ``within`` an
ISO 8601 duration; absent values are null. ``roles`` holds the matrix letters (``A/R``),
``levels`` the level ids the duty applies at (every level of the plan when
``all_levels``), ``role`` is ``convenor`` or ``member``. ``contacts`` is null unless the
audience is ``internal``. Duties follow plan file order and duty order; meetings are
sorted by next occurrence (none last), drills by start, actions by due date, each then by
id.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from coordctl.values import Duration

FORMATS = ("table", "markdown", "json")
AUDIENCES = ("public", "internal")

#: How far ahead the next occurrence of a meeting is looked for.
_HORIZON = dt.timedelta(days=366 * 10)


@dataclass(frozen=True)
class CardDuty:
    plan: str
    plan_title: str
    phase: str
    phase_name: str
    within: Duration | None
    duty: str
    task: str
    roles: str
    levels: list[str]
    all_levels: bool


@dataclass(frozen=True)
class CardMeeting:
    id: str
    title: str
    role: str
    repeat: str | None
    repeat_words: str
    next_start: dt.datetime | None
    next_end: dt.datetime | None
    location: str | None


@dataclass(frozen=True)
class CardDrill:
    id: str
    title: str
    plan: str
    plan_title: str
    type: str
    status: str
    start: dt.datetime
    end: dt.datetime
    location: str | None


@dataclass(frozen=True)
class CardAction:
    id: str
    title: str
    due: dt.date
    overdue: bool
    source: str | None


@dataclass(frozen=True)
class CardContact:
    role: str
    name: str | None
    phone: str | None
    email: str | None
    always: bool
    verified: dt.date | None


@dataclass(frozen=True)
class Card:
    """Everything on one department's duty card, localised, in output order."""

    id: str
    name: str
    short: str | None
    parent: str | None
    parent_name: str | None
    email: str | None
    exempt: str
    locale: str
    audience: str
    today: dt.date
    duties: list[CardDuty]
    meetings: list[CardMeeting]
    drills: list[CardDrill]
    actions: list[CardAction]
    #: None unless the audience is internal (personal data).
    contacts: list[CardContact] | None


def duty_card(ws: Any, department_id: str, locale: str = "zh-CN",
              audience: str = "public") -> Card:
    """The duty card of ``department_id``; ``UnknownDocument`` if there is no such valid
    department. Contacts are included only for ``audience="internal"``."""
    from coordctl.render import document
    from coordctl.values import localize

    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    dept = document(ws, "department", department_id)
    contacts = None
    if audience == "internal":
        contacts = [CardContact(localize(c.role, locale), localize(c.name, locale) or None,
                                c.phone, c.email, c.always, c.verified)
                    for c in dept.contacts]
    return Card(
        id=dept.id,
        name=localize(dept.name, locale),
        short=localize(dept.short, locale) or None,
        parent=dept.parent,
        parent_name=_department_name(ws, dept.parent, locale) if dept.parent else None,
        email=dept.email,
        exempt=dept.exempt,
        locale=locale,
        audience=audience,
        today=ws.today,
        duties=_duties(ws, dept.id, locale),
        meetings=_meetings(ws, dept.id, locale),
        drills=_drills(ws, dept.id, locale),
        actions=_actions(ws, dept.id, locale),
        contacts=contacts,
    )


def _department_name(ws: Any, ident: str, locale: str) -> str:
    from coordctl.values import localize

    dept = ws.departments.get(ident)
    return localize(dept.name, locale) if dept is not None else ident


def _duties(ws: Any, dept: str, locale: str) -> list[CardDuty]:
    from coordctl.matrix import role_letters
    from coordctl.values import localize

    out = []
    for plan, duty in ws.involvement.get(dept, ()):
        roles = role_letters(duty, dept)
        if roles:
            phase = plan.phase(duty.phase)
            out.append(CardDuty(
                plan=plan.id,
                plan_title=localize(plan.title, locale),
                phase=duty.phase,
                phase_name=localize(phase.name, locale) if phase else duty.phase,
                within=phase.within if phase else None,
                duty=duty.id,
                task=localize(duty.task, locale),
                roles=roles,
                levels=list(duty.levels) if duty.levels is not None
                else [level.id for level in plan.levels],
                all_levels=duty.levels is None,
            ))
    return out


def _meetings(ws: Any, dept: str, locale: str) -> list[CardMeeting]:
    from coordctl.render import repeat_in_words
    from coordctl.values import localize

    start = dt.datetime.combine(ws.today, dt.time.min)
    out = []
    for meeting in ws.meetings_by_department.get(dept, ()):
        role = "convenor" if meeting.convenor == dept else "member"
        upcoming = ws.occurrences(meeting.schedule, start, start + _HORIZON)
        following = upcoming[0] if upcoming else None
        out.append(CardMeeting(
            id=meeting.id,
            title=localize(meeting.title, locale),
            role=role,
            repeat=meeting.schedule.repeat,
            repeat_words=repeat_in_words(meeting.schedule.repeat, locale),
            next_start=following.start if following else None,
            next_end=following.end if following else None,
            location=localize(meeting.location, locale) or None,
        ))
    return sorted(out, key=lambda m: (m.next_start is None,
                                      m.next_start.timestamp() if m.next_start else 0, m.id))


def _drills(ws: Any, dept: str, locale: str) -> list[CardDrill]:
    from coordctl.values import localize

    out = []
    for drill in ws.drills_by_participant.get(dept, ()):
        plan = ws.plans.get(drill.plan)
        start = drill.schedule.start.replace(tzinfo=ws.tz)
        out.append(CardDrill(
            id=drill.id,
            title=localize(drill.title, locale),
            plan=drill.plan,
            plan_title=localize(plan.title, locale) if plan else drill.plan,
            type=drill.type,
            status=drill.status,
            start=start,
            end=start + drill.schedule.duration.as_timedelta(),
            location=localize(drill.location, locale) or None,
        ))
    return sorted(out, key=lambda d: (d.start, d.id))


def _actions(ws: Any, dept: str, locale: str) -> list[CardAction]:
    from coordctl.values import localize

    out = [CardAction(action.id, localize(action.title, locale), action.due,
                      action.due < ws.today, action.source)
           for action in ws.actions_by_owner.get(dept, ())
           if action.status == "open"]
    return sorted(out, key=lambda a: (a.due, a.id))


# --- formats ---------------------------------------------------------------------------

def render_card(card: Card, fmt: str) -> str:
    """The card as ``table`` (terminal), ``markdown`` or ``json``."""
    renderers = {"table": _table, "markdown": _markdown, "json": _json}
    if fmt not in renderers:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    return renderers[fmt](card)


def card_data(card: Card) -> dict[str, Any]:
    """The card as plain JSON data, in the documented shape (see the module docstring)."""

    def when(moment: dt.datetime | None) -> str | None:
        return moment.isoformat() if moment else None

    def day(date: dt.date | None) -> str | None:
        return date.isoformat() if date else None

    return {
        "department": {
            "id": card.id, "name": card.name, "short": card.short,
            "parent": {"id": card.parent, "name": card.parent_name} if card.parent else None,
            "email": card.email, "exempt": card.exempt,
        },
        "locale": card.locale,
        "audience": card.audience,
        "today": day(card.today),
        "duties": [{
            "plan": d.plan, "plan_title": d.plan_title, "phase": d.phase,
            "phase_name": d.phase_name, "within": d.within.iso() if d.within else None,
            "duty": d.duty, "task": d.task, "roles": d.roles, "levels": d.levels,
            "all_levels": d.all_levels,
        } for d in card.duties],
        "meetings": [{
            "id": m.id, "title": m.title, "role": m.role, "repeat": m.repeat,
            "repeat_words": m.repeat_words, "next_start": when(m.next_start),
            "next_end": when(m.next_end), "location": m.location,
        } for m in card.meetings],
        "drills": [{
            "id": d.id, "title": d.title, "plan": d.plan, "plan_title": d.plan_title,
            "type": d.type, "status": d.status, "start": when(d.start), "end": when(d.end),
            "location": d.location,
        } for d in card.drills],
        "actions": [{
            "id": a.id, "title": a.title, "due": day(a.due), "overdue": a.overdue,
            "source": a.source,
        } for a in card.actions],
        "contacts": None if card.contacts is None else [{
            "role": c.role, "name": c.name, "phone": c.phone, "email": c.email,
            "always": c.always, "verified": day(c.verified),
        } for c in card.contacts],
    }


def _json(card: Card) -> str:
    import json

    return json.dumps(card_data(card), ensure_ascii=False, indent=2) + "\n"


#: A section of the card as text: heading, column headers, rows.
Section = tuple[str, list[str], list[list[str]]]


def _sections(card: Card) -> tuple[str, list[tuple[str, str]], list[Section]]:
    """The card as text: its title, (label, value) facts, and (heading, header, rows)
    sections; every format lays these out its own way."""
    from coordctl.matrix import phase_text
    from coordctl.render import labels

    words = labels(card.locale)
    name = words["name_short"].format(name=card.name, short=card.short) \
        if card.short and card.short != card.name else card.name
    title = words["card_title"].format(card=words["duty_card"], department=name)
    facts = [(words["parent"], card.parent_name or ""), (words["email"], card.email or ""),
             (words["exempt"], card.exempt)]
    facts = [(label, value) for label, value in facts if value]

    def minute(moment: dt.datetime | None) -> str:
        return f"{moment:%Y-%m-%d %H:%M}" if moment else ""

    def levels(duty: CardDuty) -> str:
        return words["all_levels"] if duty.all_levels else ", ".join(duty.levels)

    sections: list[Section] = [
        (words["duties"],
         [words["plan"], words["phase"], words["task"], words["role"], words["levels"]],
         [[d.plan_title, phase_text(d.phase_name, d.within, card.locale), d.task,
           d.roles, levels(d)] for d in card.duties]),
        (words["meetings"],
         [words["meeting"], words["role"], words["repeat"], words["next"]],
         [[m.title, words["meeting_roles"][m.role], m.repeat_words, minute(m.next_start)]
          for m in card.meetings]),
        (words["drills"],
         [words["date"], words["drill"], words["type"], words["status"], words["plan"]],
         [[minute(d.start), d.title, words["drill_types"].get(d.type, d.type),
           words["statuses"].get(d.status, d.status), d.plan_title] for d in card.drills]),
        (words["open_actions"],
         [words["due"], words["id"], words["action"], words["status"]],
         [[a.due.isoformat(), a.id, a.title,
           words["overdue"] if a.overdue else words["statuses"]["open"]]
          for a in card.actions]),
    ]
    if card.contacts is not None:
        sections.append((
            words["contacts"],
            [words["role"], words["person"], words["phone"], words["email"], words["always"],
             words["verified"]],
            [[c.role, c.name or "", c.phone or "", c.email or "",
              "✓" if c.always else "", c.verified.isoformat() if c.verified else ""]
             for c in card.contacts]))
    return title, facts, sections


def _fact(locale: str, label: str, value: str) -> str:
    from coordctl.render import labels

    return labels(locale)["fact"].format(label=label, value=value)


def _table(card: Card) -> str:
    from tabulate import tabulate

    from coordctl.render import labels

    title, facts, sections = _sections(card)
    out = [title, ""]
    out += [_fact(card.locale, label, value) for label, value in facts]
    for heading, header, rows in sections:
        out += ["", heading]
        if rows:
            out.append(tabulate(rows, headers=header, tablefmt="simple",
                                disable_numparse=True))
        else:
            out.append(f"({labels(card.locale)['none']})")
    return "\n".join(out) + "\n"


def _markdown(card: Card) -> str:
    from tabulate import tabulate

    from coordctl.render import labels, markdown_cell

    title, facts, sections = _sections(card)
    out = [f"# {markdown_cell(title)}", ""]
    if facts:
        out += ["- " + markdown_cell(_fact(card.locale, label, value))
                for label, value in facts]
        out.append("")
    for heading, header, rows in sections:
        out += [f"## {markdown_cell(heading)}", ""]
        if rows:
            out.append(tabulate([[markdown_cell(c) for c in row] for row in rows],
                                headers=[markdown_cell(h) for h in header], tablefmt="pipe",
                                disable_numparse=True))
        else:
            out.append(f"({markdown_cell(labels(card.locale)['none'])})")
        out.append("")
    return "\n".join(out)
