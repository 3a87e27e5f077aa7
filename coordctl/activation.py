"""The activation checklist of a plan at one response level (DESIGN §3 ``activate``).

``build_checklist`` lists the plan's phases in order, each with its deadline (the start
of the response plus the phase's time target) and the duties that apply at the level,
with the departments accountable (牵头) and responsible (配合), and the contacts of every
department involved, 24-hour ones first. ``render_checklist`` lays it out as a terminal
table, Markdown with ``- [ ]`` boxes, or a printable HTML page.

The checklist is an internal document: it carries contacts unless ``contacts=False``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coordctl.agenda import Named, template_environment
from coordctl.errors import CoordctlError
from coordctl.values import Duration

FORMATS = ("table", "markdown", "html")


class UnknownLevel(CoordctlError):
    """``--level`` names no response level of the plan."""


@dataclass(frozen=True)
class ChecklistDuty:
    id: str
    task: str
    accountable: Named
    #: Responsible departments other than the accountable one.
    responsible: list[Named]
    consulted: list[Named]
    informed: list[Named]


@dataclass(frozen=True)
class ChecklistPhase:
    """One phase: ``deadline`` is the start plus ``within`` (None without either)."""

    id: str
    name: str
    within: Duration | None
    deadline: dt.datetime | None
    duties: list[ChecklistDuty]


@dataclass(frozen=True)
class ContactRow:
    role: str
    name: str | None
    phone: str | None
    always: bool


@dataclass(frozen=True)
class DepartmentContacts:
    department: Named
    contacts: list[ContactRow]

    @property
    def reachable(self) -> bool:
        """True when one of the contacts is reachable 24/7."""
        return any(c.always for c in self.contacts)


@dataclass(frozen=True)
class Checklist:
    """Everything on one activation checklist, localised, in output order."""

    plan: str
    plan_title: str
    plan_status: str
    owner: Named
    level: str
    level_name: str
    level_criteria: str
    at: dt.datetime | None
    phases: list[ChecklistPhase]
    #: None when contacts are left out (public audience).
    contacts: list[DepartmentContacts] | None
    locale: str
    workspace_name: str
    revision: Any = None
    templates_root: Path | None = None


def build_checklist(ws: Any, plan_id: str, level: str, at: dt.datetime | None,
                    locale: str = "zh-CN", contacts: bool = True) -> Checklist:
    """The checklist of ``plan_id`` at ``level``, deadlines counted from ``at`` (local
    time; None: time targets only). ``UnknownDocument`` for an unknown plan,
    ``UnknownLevel`` (exit 2) for a level the plan does not define."""
    from coordctl.agenda import named_department
    from coordctl.render import document, workspace_revision
    from coordctl.validation import did_you_mean
    from coordctl.values import localize

    plan = document(ws, "plan", plan_id)
    chosen = plan.level(level)
    if chosen is None:
        ids = [lv.id for lv in plan.levels]
        if not ids:
            raise UnknownLevel(f"plan '{plan.id}' defines no response levels: add levels "
                               "to it first")
        raise UnknownLevel(f"plan '{plan.id}' has no level '{level}'"
                           f"{did_you_mean(level, ids)}; its levels are: {', '.join(ids)}")

    def dept(ident: str) -> Named:
        return named_department(ws, ident, locale)

    def row(duty: Any) -> ChecklistDuty:
        return ChecklistDuty(duty.id, localize(duty.task, locale), dept(duty.accountable),
                             [dept(d) for d in duty.doers if d != duty.accountable],
                             [dept(d) for d in duty.consulted],
                             [dept(d) for d in duty.informed])

    applying = [duty for duty in plan.duties if duty.applies_at(chosen.id)]
    phases = []
    for phase in plan.phases:
        deadline = phase.within.after(at) if at is not None and phase.within else None
        phases.append(ChecklistPhase(phase.id, localize(phase.name, locale), phase.within,
                                     deadline,
                                     [row(d) for d in applying if d.phase == phase.id]))
    known = {phase.id for phase in plan.phases}
    for orphan in dict.fromkeys(d.phase for d in applying if d.phase not in known):
        # a duty naming a phase the plan lacks (check reports it): still on the list
        phases.append(ChecklistPhase(orphan, orphan, None, None,
                                     [row(d) for d in applying if d.phase == orphan]))

    people = None
    if contacts:
        from coordctl.matrix import involved

        people = []
        for ident in dict.fromkeys(d for duty in applying for d in involved(duty)):
            model = ws.departments.get(ident)
            listed = sorted(model.contacts if model else [], key=lambda c: not c.always)
            people.append(DepartmentContacts(dept(ident), [
                ContactRow(localize(c.role, locale), localize(c.name, locale) or None,
                           c.phone, c.always) for c in listed]))

    return Checklist(
        plan=plan.id,
        plan_title=localize(plan.title, locale),
        plan_status=plan.status,
        owner=dept(plan.owner),
        level=chosen.id,
        level_name=localize(chosen.name, locale),
        level_criteria=localize(chosen.criteria, locale),
        at=at,
        phases=phases,
        contacts=people,
        locale=locale,
        workspace_name=localize(ws.settings.name, locale),
        revision=workspace_revision(ws),
        templates_root=ws.root,
    )


# --- formats ---------------------------------------------------------------------------

def render_checklist(checklist: Checklist, fmt: str, links: Any = None) -> str:
    """The checklist as ``table`` (terminal), ``markdown`` or ``html``; ``links`` (a
    ``coordctl.render.Links``) links names to the site's pages in HTML."""
    from coordctl.render import Page, labels

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    if fmt == "table":
        return _table(checklist)
    words = labels(checklist.locale)["checklist"]
    title = checklist_title(checklist)
    page = Page(lang=checklist.locale, labels=labels(checklist.locale), title=title,
                workspace_name=checklist.workspace_name,
                audience="internal" if checklist.contacts is not None else "public",
                links=links if fmt == "html" else None, revision=checklist.revision)
    env = template_environment(checklist.templates_root, checklist.locale)
    return env.get_template(f"activate.{'html' if fmt == 'html' else 'md'}").render(
        checklist=checklist, page=page, words=words, heading=title,
        facts=facts(checklist),
        headings=[phase_heading(checklist, n, p)
                  for n, p in enumerate(checklist.phases, start=1)],
        columns=[[(words[key], attr) for key, attr in role_columns(p)]
                 for p in checklist.phases])


def checklist_title(checklist: Checklist) -> str:
    from coordctl.render import labels

    return labels(checklist.locale)["checklist"]["title"].format(plan=checklist.plan_title)


def level_text(checklist: Checklist) -> str:
    """``II级（重大）`` / ``II (Major)``."""
    from coordctl.render import labels

    if not checklist.level_name or checklist.level_name == checklist.level:
        return checklist.level
    return labels(checklist.locale)["checklist"]["level_text"].format(
        id=checklist.level, name=checklist.level_name)


def facts(checklist: Checklist) -> list[tuple[str, str]]:
    """(label, value) lines at the top: level, start, plan owner and status."""
    from coordctl.render import labels

    every = labels(checklist.locale)
    words = every["checklist"]
    start = f"{checklist.at:%Y-%m-%d %H:%M}" if checklist.at else words["no_start"]
    return [(words["level"], level_text(checklist)),
            (words["start"], start),
            (words["owner"], checklist.owner.name),
            (words["plan_status"],
             every["statuses"].get(checklist.plan_status, checklist.plan_status))]


def phase_target(checklist: Checklist, phase: ChecklistPhase) -> str:
    """A phase's deadline in words: ``14:10前完成（5分钟内）`` with a start time,
    ``启动后5分钟内完成`` without one, ``无时限要求`` when the phase has no target."""
    from coordctl.render import duration_in_words, labels

    words = labels(checklist.locale)["checklist"]
    if phase.within is None:
        return words["no_target"]
    within = duration_in_words(phase.within, checklist.locale)
    if phase.deadline is None or checklist.at is None:
        return words["target"].format(within=within)
    same_day = phase.deadline.date() == checklist.at.date()
    when = f"{phase.deadline:%H:%M}" if same_day else f"{phase.deadline:%Y-%m-%d %H:%M}"
    return words["deadline"].format(deadline=when, within=within)


def phase_heading(checklist: Checklist, number: int, phase: ChecklistPhase) -> str:
    """``1. 先期处置：14:10前完成（5分钟内）``."""
    from coordctl.render import labels

    return labels(checklist.locale)["checklist"]["phase"].format(
        number=number, phase=phase.name, target=phase_target(checklist, phase))


def _briefly(items: list[Named], locale: str) -> str:
    """Short names, for the terminal: ``公安、卫健``."""
    from coordctl.render import labels

    return labels(locale)["list_separator"].join(n.brief for n in items)


#: The department columns of a duty, after its task: (label key, attribute).
_ROLE_COLUMNS = (("accountable", "accountable"), ("responsible", "responsible"),
                 ("consulted", "consulted"), ("informed", "informed"))


def role_columns(phase: ChecklistPhase) -> list[tuple[str, str]]:
    """The (label key, attribute) of the department columns a phase's duties need:
    accountable always, the other roles when a duty of the phase has one."""
    return [(key, attr) for key, attr in _ROLE_COLUMNS
            if key == "accountable" or any(getattr(d, attr) for d in phase.duties)]


def _table(checklist: Checklist) -> str:
    from tabulate import tabulate

    from coordctl.render import labels

    every = labels(checklist.locale)
    words = every["checklist"]
    out = [checklist_title(checklist), ""]
    out += [every["fact"].format(label=label, value=value)
            for label, value in facts(checklist)]
    if checklist.level_criteria:
        out.append(every["fact"].format(label=words["criteria"],
                                        value=" ".join(checklist.level_criteria.split())))
    for number, phase in enumerate(checklist.phases, start=1):
        out += ["", phase_heading(checklist, number, phase)]
        if not phase.duties:
            out.append(words["no_duties"])
            continue
        shown = role_columns(phase)
        rows = [["[ ]", " ".join(d.task.split()), *(
            d.accountable.brief if attr == "accountable" else
            _briefly(getattr(d, attr), checklist.locale) for _, attr in shown)]
            for d in phase.duties]
        out.append(tabulate(rows, headers=["", words["task"], *(words[k] for k, _ in shown)],
                            tablefmt="simple", disable_numparse=True))
    out.append("")
    if checklist.contacts is None:
        out.append(words["public"])
        return "\n".join(out) + "\n"
    out.append(words["contacts"])
    rows = []
    for entry in checklist.contacts:
        name = entry.department.brief
        if entry.contacts and not entry.reachable:
            name = every["name_short"].format(name=name, short=words["unreachable"])
        if not entry.contacts:
            rows.append([name, words["no_contact"], "", "", ""])
        for index, contact in enumerate(entry.contacts):
            rows.append([name if index == 0 else "", contact.role, contact.name or "",
                         contact.phone or "", "✓" if contact.always else ""])
    out.append(tabulate(rows, headers=[words["department"], words["role"], words["person"],
                                       words["phone"], words["always"]],
                        tablefmt="simple", disable_numparse=True))
    return "\n".join(out) + "\n"
