"""The documents people read (DESIGN §3 ``render``): a plan in the standard outline of a
Chinese contingency plan, a department's duty card, a meeting series, a drill and an
action, as Markdown for git hosting or as an HTML page.

``render_document`` looks the document up, collects what its page shows into a view
(localised text; ``Ref`` where another document is mentioned, so site pages can link to
it) and lays the view out with the template ``KIND.md`` or ``KIND.html``. Numbering,
order and what personal data may show are decided here; templates only lay out.
Markdown fields (descriptions, criteria, section bodies) reach the templates as Markdown
source: Markdown output passes them through, HTML renders them with the ``markdown``
filter (raw HTML escaped, unsafe links dropped).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from coordctl.errors import UnknownDocument

FORMATS = ("markdown", "html")
AUDIENCES = ("public", "internal")
_SUFFIX = {"markdown": "md", "html": "html"}

#: How many coming occurrences a meeting's page lists.
UPCOMING = 6
#: How many commits of a plan's change history its page lists, newest first.
HISTORY_ROWS = 20
#: How far ahead coming occurrences are looked for.
_HORIZON = dt.timedelta(days=366 * 10)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")


# --- what the templates get -----------------------------------------------------------------

@dataclass(frozen=True)
class Ref:
    """A mention of another document: a link to its page on the site, else its label."""

    kind: str
    id: str
    label: str
    #: The document is valid, so the site has a page to link to.
    exists: bool


#: A fact's value: text, one document, or several.
Value = str | Ref | list[Ref]


@dataclass(frozen=True)
class Fact:
    label: str
    value: Value
    #: A CSS class that marks the value (``overdue``, ``warning``, ``cancelled``), or ''.
    mark: str = ""


@dataclass(frozen=True)
class Titled:
    """A heading over Markdown source."""

    heading: str
    markdown: str


@dataclass(frozen=True)
class ContactRow:
    department: Ref
    role: str
    name: str
    phone: str
    email: str
    always: bool
    verified: str


@dataclass(frozen=True)
class DrillRow:
    when: str
    drill: Ref
    type: str
    status: str
    mark: str
    plan: Ref | None = None


@dataclass(frozen=True)
class ActionRow:
    action: Ref
    owner: Ref
    due: str
    status: str
    mark: str


@dataclass(frozen=True)
class OrgDuty:
    phase: str
    task: str
    role: str
    levels: str


@dataclass(frozen=True)
class OrgDepartment:
    heading: str
    department: Ref
    duties: list[OrgDuty]


@dataclass(frozen=True)
class DutyRow:
    task: str
    accountable: Ref
    responsible: list[Ref]
    consulted: list[Ref]
    informed: list[Ref]
    levels: str
    #: Markdown source, or ''.
    description: str


@dataclass(frozen=True)
class PhaseView:
    heading: str
    description: str
    duties: list[DutyRow]


@dataclass(frozen=True)
class HistoryRow:
    commit: str
    date: str
    author: str
    subject: str


@dataclass
class PlanView:
    """A plan in the outline of a contingency plan (一、总则 … 附件)."""

    title: str
    notice: str
    general: str
    purpose: Titled | None
    basis_heading: str
    basis: list[str]
    about_heading: str
    about: list[Fact]
    organisation: str
    organisation_intro: str
    departments: list[OrgDepartment]
    levels_heading: str
    levels: list[Titled]
    procedure: str
    procedure_intro: str
    phases: list[PhaseView]
    sections: list[Titled]
    appendices: str
    matrix_heading: str
    matrix: Any
    matrix_legend: str
    #: None unless the audience is internal (personal data).
    contacts_heading: str = ""
    contacts: list[ContactRow] | None = None
    drills_heading: str = ""
    drills: list[DrillRow] = field(default_factory=list)
    #: None outside git.
    history_heading: str = ""
    history: list[HistoryRow] | None = None
    history_note: str = ""


@dataclass(frozen=True)
class CardDutyRow:
    plan: Ref
    phase: str
    task: str
    role: str
    levels: str


@dataclass(frozen=True)
class MeetingRow:
    meeting: Ref
    role: str
    repeat: str
    next: str


@dataclass(frozen=True)
class AgendaRow:
    number: str
    title: str
    #: The presenting department, or '' when none is named.
    presenter: Ref | str
    minutes: str


@dataclass
class DepartmentView:
    title: str
    facts: list[Fact]
    description: str
    duties: list[CardDutyRow]
    meetings: list[MeetingRow]
    drills: list[DrillRow]
    actions: list[ActionRow]
    #: None unless the audience is internal.
    contacts: list[ContactRow] | None


@dataclass
class MeetingView:
    title: str
    facts: list[Fact]
    description: str
    upcoming: list[str]
    agenda: list[AgendaRow]
    agenda_total: str
    actions: list[ActionRow]


@dataclass
class DrillView:
    title: str
    notice: str
    facts: list[Fact]
    objectives: list[str]
    participants: list[Ref]
    participants_note: str
    description: str
    actions: list[ActionRow]


@dataclass
class ActionView:
    title: str
    notice: str
    facts: list[Fact]
    description: str


# --- entry point -----------------------------------------------------------------------------

def render_document(ws: Any, kind: str, ident: str, fmt: str, locale: str,
                    audience: str = "public", links: Any = None) -> str:
    """The document ``kind/ident`` as ``markdown`` or ``html``.

    ``links`` (a ``coordctl.render.Links``) makes mentions of other documents links
    between site pages; without it the page stands alone and shows names only. Contacts
    appear only for ``audience="internal"``. ``UnknownDocument`` when there is no such
    kind, or no valid document of it.
    """
    from coordctl.render import document, labels, page_for
    from coordctl.validation import did_you_mean
    from coordctl.workspace import KINDS

    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    if audience not in AUDIENCES:
        raise ValueError(f"audience must be one of {AUDIENCES}, not {audience!r}")
    if kind not in KINDS:
        raise UnknownDocument(f"unknown kind '{kind}'{did_you_mean(kind, KINDS)}: use one of "
                              f"{', '.join(KINDS)}")
    model = document(ws, kind, ident)
    views = _Views(ws, locale, audience)
    view = getattr(views, f"{kind}_page")(model)

    template = _environment(ws.root, _overrides(ws.root)).get_template(
        f"{kind}.{_SUFFIX[fmt]}")
    page = page_for(ws, locale, view.title, audience, links)
    text = template.render(doc=view, page=page, words=labels(locale))
    return text.rstrip("\n") + "\n" if fmt == "markdown" else text


def _overrides(root: Path | None) -> tuple[str, ...]:
    """The names of the workspace's own templates."""
    from coordctl.render import TEMPLATES_DIR

    folder = Path(root) / TEMPLATES_DIR if root is not None else None
    if folder is None or not folder.is_dir():
        return ()
    return tuple(sorted(p.name for p in folder.iterdir()))


@lru_cache(maxsize=8)
def _environment(root: Path | None, overrides: tuple[str, ...]) -> Any:
    """The template environment of a workspace with the documents' filters; kept, so a
    site build compiles each template once. Jinja reloads a template whose file changed;
    ``overrides`` (the workspace's template names) makes a new one when a file is added
    or removed."""
    from coordctl.render import environment, markdown_cell

    env = environment(root)
    env.filters["cell"] = markdown_cell
    env.filters["markdown_below"] = markdown_below
    env.filters["headings_below"] = headings_below
    env.tests["ref"] = lambda value: isinstance(value, Ref)
    return env


# --- mentions of other documents -------------------------------------------------------------
# Python, not Jinja macros: a page mentions hundreds of documents, and a macro call costs
# about ten times as much. ``_doc_macros.html`` exports them as ``ref``, ``refs``,
# ``value`` and ``marked``.

def _pass_context(function: Any) -> Any:
    import jinja2

    return jinja2.pass_context(function)


@_pass_context
def link_ref(context: Any, r: Ref) -> Any:
    """``r`` as a link to its page where the page has links and ``r`` a page, else its
    label; escaped."""
    from markupsafe import Markup, escape

    links = context.environment.getattr(context.resolve_or_missing("page"), "links")
    if links and r.exists:  # (not Markup's %: it escapes in Python, this in C)
        return Markup(f'<a href="{escape(links.url(r.kind, r.id))}">{escape(r.label)}</a>')
    return escape(r.label)


@_pass_context
def link_refs(context: Any, items: Any) -> Any:
    """Several mentions, separated by the locale's list separator."""
    from markupsafe import escape

    words = context.resolve_or_missing("words")
    separator = escape(context.environment.getattr(words, "list_separator"))
    return separator.join(link_ref(context, r) for r in items)


@_pass_context
def link_value(context: Any, v: Any) -> Any:
    """A fact's value, escaped: a mention, plain text, or several mentions."""
    from markupsafe import escape

    if isinstance(v, Ref):
        return link_ref(context, v)
    if isinstance(v, str):
        return escape(v)
    return link_refs(context, v)


def marked_html(text: Any, mark: str | None) -> Any:
    """``text`` escaped, in a ``<span class="MARK">`` when there is a mark."""
    from markupsafe import Markup, escape

    if mark:
        return Markup(f'<span class="{escape(mark)}">{escape(text)}</span>')
    return escape(text)


# --- Markdown fields -------------------------------------------------------------------------

_HTML_HEADING = re.compile(r"<(/?)h([1-6])>")


def headings_below(html: Any, level: int) -> Any:
    """Rendered Markdown (a ``Markup``) with its headings moved below ``level``, so a
    description's ``# Title`` does not break the page's heading order."""
    from markupsafe import Markup

    found = [int(m.group(2)) for m in _HTML_HEADING.finditer(str(html))]
    shift = max(0, level + 1 - min(found)) if found else 0
    if not shift:
        return html
    # markdown-it escapes raw HTML, so every <hN> in its output is one of its headings
    return Markup(_HTML_HEADING.sub(
        lambda m: f"<{m.group(1)}h{min(6, int(m.group(2)) + shift)}>", str(html)))


def markdown_below(text: str, level: int) -> str:
    """Markdown source with its top-level headings moved below ``level`` (``#`` under a
    ``##`` chapter becomes ``###``); other text is left as written."""
    from coordctl.render import _markdown_parser

    tokens = [t for t in _markdown_parser().parse(text)
              if t.type == "heading_open" and t.level == 0 and t.map]
    if not tokens:
        return text
    shift = max(0, level + 1 - min(int(t.tag[1]) for t in tokens))
    if not shift:
        return text
    lines = text.split("\n")
    for token in reversed(tokens):
        first, after = token.map
        depth = min(6, int(token.tag[1]) + shift)
        if token.markup.startswith("#"):
            marks = re.match(r" {0,3}#{1,6}", lines[first])
            if marks:
                indent = marks.group(0).rstrip("#")
                lines[first] = indent + "#" * depth + lines[first][marks.end():]
        else:  # a setext heading: its text lines, then the underline
            words = " ".join(line.strip() for line in lines[first:after - 1])
            lines[first:after] = ["#" * depth + " " + words]
    return "\n".join(lines)


# --- numbering -------------------------------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九 (the numbers of chapters)."""
    if not 0 < n < 100:
        return str(n)
    tens, ones = divmod(n, 10)
    text = ("" if tens == 0 else "十" if tens == 1 else _DIGITS[tens] + "十")
    return text + (_DIGITS[ones] if ones else "")


# --- views -----------------------------------------------------------------------------------

class _Views:
    """Builds the view of each kind of document for one locale and audience."""

    def __init__(self, ws: Any, locale: str, audience: str) -> None:
        from coordctl.render import labels

        self.ws = ws
        self.locale = locale
        self.audience = audience
        self.words = labels(locale)
        self.doc = self.words["doc"]

    # text ----------------------------------------------------------------------------------

    def text(self, value: Any) -> str:
        from coordctl.values import localize

        return localize(value, self.locale)

    def markdown(self, value: Any) -> str:
        return self.text(value).strip()

    def list_of(self, items: list[str]) -> str:
        return self.words["list_separator"].join(items)

    def date(self, day: dt.date | None) -> str:
        if day is None:
            return ""
        return self.doc["date"].format(year=day.year, month=day.month, day=day.day)

    def when(self, start: dt.datetime, end: dt.datetime) -> str:
        """An event's time: "2027年1月5日（星期二）09:30–11:30"."""
        weekday = self.words["repeat_words"]["weekdays"][_WEEKDAYS[start.weekday()]]
        first = self.doc["date_weekday"].format(date=self.date(start.date()), weekday=weekday)
        if end.date() == start.date():
            return self.doc["event_time"].format(date=first, start=f"{start:%H:%M}",
                                                 end=f"{end:%H:%M}")
        return self.doc["event_span"].format(date=first, start=f"{start:%H:%M}",
                                             end_date=self.date(end.date()),
                                             end=f"{end:%H:%M}")

    def schedule_when(self, schedule: Any) -> str:
        start = schedule.start
        return self.when(start, start + schedule.duration.as_timedelta())

    def chapter(self, number: int, title: str) -> str:
        shown = chinese_number(number) if self.locale == "zh-CN" else str(number)
        return self.doc["chapter"].format(n=shown, title=title)

    def subchapter(self, chapter: int, number: int, title: str) -> str:
        shown = chinese_number(number) if self.locale == "zh-CN" else str(number)
        return self.doc["subchapter"].format(chapter=chapter, n=shown, title=title)

    def levels_text(self, duty: Any) -> str:
        if duty.levels is None:
            return self.words["all_levels"]
        return self.list_of(list(duty.levels))

    # references ----------------------------------------------------------------------------

    def department(self, ident: str, short: bool = True) -> Ref:
        """A department by its short name (tables) or full name with the short one."""
        dept = self.ws.departments.get(ident)
        if dept is None:
            return Ref("department", ident, ident, False)
        name, abbreviation = self.text(dept.name), self.text(dept.short)
        if short:
            label = abbreviation or name
        elif abbreviation and abbreviation != name:
            label = self.words["name_short"].format(name=name, short=abbreviation)
        else:
            label = name
        return Ref("department", ident, label, True)

    def departments(self, idents: list[str]) -> list[Ref]:
        return [self.department(ident) for ident in idents]

    def ref(self, kind: str, ident: str) -> Ref:
        """Any document by its title (a department by its name)."""
        if kind == "department":
            return self.department(ident, short=False)
        models = {"plan": self.ws.plans, "meeting": self.ws.meetings,
                  "drill": self.ws.drills, "action": self.ws.actions}[kind]
        model = models.get(ident)
        if model is None:
            return Ref(kind, ident, ident, False)
        return Ref(kind, ident, self.text(model.title), True)

    # shared parts --------------------------------------------------------------------------

    def action_row(self, action: Any) -> ActionRow:
        overdue = action.status == "open" and action.due < self.ws.today
        if overdue:
            status = self.doc["overdue_days"].format(n=(self.ws.today - action.due).days)
        else:
            status = self.words["statuses"].get(action.status, action.status)
        return ActionRow(self.ref("action", action.id), self.department(action.owner),
                         self.date(action.due), status, "overdue" if overdue else "")

    def actions_from(self, kind: str, ident: str, open_only: bool) -> list[ActionRow]:
        """Actions whose source is ``kind/ident``, by due date then id."""
        found = [a for a in self.ws.actions_by_source.get((kind, ident), ())
                 if a.status == "open" or not open_only]
        return [self.action_row(a) for a in sorted(found, key=lambda a: (a.due, a.id))]

    def drill_row(self, drill: Any, with_plan: bool = False) -> DrillRow:
        return DrillRow(
            when=self.schedule_when(drill.schedule),
            drill=self.ref("drill", drill.id),
            type=self.words["drill_types"].get(drill.type, drill.type),
            status=self.words["statuses"].get(drill.status, drill.status),
            mark="cancelled" if drill.status == "cancelled" else "",
            plan=self.ref("plan", drill.plan) if with_plan else None)

    def contacts(self, idents: list[str]) -> list[ContactRow]:
        rows = []
        for ident in idents:
            dept = self.ws.departments.get(ident)
            if dept is None:
                continue
            ref = self.department(ident)
            if not dept.contacts:
                rows.append(ContactRow(ref, self.doc["no_contact"], "", "", "", False, ""))
            for contact in dept.contacts:
                rows.append(ContactRow(ref, self.text(contact.role), self.text(contact.name),
                                       contact.phone or "", contact.email or "",
                                       contact.always, self.date(contact.verified)))
        return rows

    # kinds ---------------------------------------------------------------------------------

    def plan_page(self, plan: Any) -> PlanView:
        from coordctl.matrix import build_matrix, involved, phase_text

        doc, words = self.doc, self.words
        chapters = iter(range(1, 100))

        general = next(chapters)
        sub = iter(range(1, 100))
        purpose = Titled(self.subchapter(general, next(sub), doc["purpose"]),
                         self.markdown(plan.description)) if plan.description else None
        basis_heading = self.subchapter(general, next(sub), doc["basis"]) if plan.basis else ""
        history = self.history(plan.id)
        about = [Fact(doc["hazard"], plan.hazard or ""),
                 Fact(doc["owner"], self.department(plan.owner, short=False)),
                 Fact(words["status"], words["statuses"].get(plan.status, plan.status)),
                 Fact(doc["reviewed"], self.date(plan.reviewed))]
        if history:
            last = history.revisions[0]
            about.append(Fact(doc["current_revision"], doc["revision_text"].format(
                commit=last.short, date=self.date(last.date.date()))))
        about = [fact for fact in about if fact.value]

        organisation = next(chapters)
        order = list(dict.fromkeys([*(plan.departments or []), *self.ws.plan_holders(plan)]))
        holders = set(self.ws.plan_holders(plan))
        org_sub = iter(range(1, 100))
        departments = []
        for ident in [d for d in order if d in holders]:
            duties = [OrgDuty(phase_text(self.text(p.name), p.within, self.locale)
                              if (p := plan.phase(duty.phase)) else duty.phase,
                              self.text(duty.task),
                              words["accountable"] if duty.accountable == ident
                              else words["responsible"],
                              self.levels_text(duty))
                      for duty in plan.duties if ident in duty.holders]
            ref = self.department(ident, short=False)
            departments.append(OrgDepartment(
                self.subchapter(organisation, next(org_sub), ref.label), ref, duties))

        levels_chapter = next(chapters)
        levels = [Titled(self.subchapter(levels_chapter, index, doc["level"].format(
                      id=level.id, name=self.text(level.name))), self.markdown(level.criteria))
                  for index, level in enumerate(plan.levels, 1)]

        procedure = next(chapters)
        known = {phase.id for phase in plan.phases}
        groups = [(phase_text(self.text(p.name), p.within, self.locale),
                   self.markdown(p.description), [d for d in plan.duties if d.phase == p.id])
                  for p in plan.phases]
        for ident in dict.fromkeys(d.phase for d in plan.duties if d.phase not in known):
            groups.append((ident, "", [d for d in plan.duties if d.phase == ident]))
        phases = [PhaseView(self.subchapter(procedure, index, name), description,
                            [self.duty_row(d) for d in duties])
                  for index, (name, description, duties) in enumerate(groups, 1)]

        sections = [Titled(self.chapter(next(chapters), self.text(s.title)),
                           self.markdown(s.body)) for s in plan.sections]

        appendix = iter(range(1, 100))
        matrix = build_matrix(self.ws, [plan.id], "duty", self.locale)

        def appendix_heading(title: str) -> str:
            return doc["appendix"].format(n=next(appendix), title=title)

        view = PlanView(
            title=self.text(plan.title),
            notice=doc["plan_notice"].get(plan.status, ""),
            general=self.chapter(general, doc["general"]),
            purpose=purpose,
            basis_heading=basis_heading,
            basis=[self.text(b) for b in plan.basis],
            about_heading=self.subchapter(general, next(sub), doc["about_plan"]),
            about=about,
            organisation=self.chapter(organisation, doc["organisation"]),
            organisation_intro=doc["organisation_intro"],
            departments=departments,
            levels_heading=self.chapter(levels_chapter, doc["response_levels"]),
            levels=levels,
            procedure=self.chapter(procedure, doc["response_procedure"]),
            procedure_intro=doc["procedure_intro"],
            phases=phases,
            sections=sections,
            appendices=doc["appendices"],
            matrix_heading=appendix_heading(words["matrix"]),
            matrix=matrix,
            matrix_legend=words["legend_line"].format(legend=words["legend"], items=self.list_of(
                [words["legend_item"].format(letter=letter, meaning=meaning)
                 for letter, meaning in matrix.legend])),
        )
        if self.audience == "internal":
            everyone = [*(plan.departments or []),
                        *(d for duty in plan.duties for d in involved(duty)), plan.owner]
            view.contacts_heading = appendix_heading(doc["contact_list"])
            view.contacts = self.contacts(list(dict.fromkeys(everyone)))
        drills = sorted(self.ws.drills_by_plan.get(plan.id, ()),
                        key=lambda d: (d.schedule.start, d.id))
        if drills:
            view.drills_heading = appendix_heading(doc["plan_drills"])
            view.drills = [self.drill_row(d) for d in drills]
        if history:
            view.history_heading = appendix_heading(doc["revision_history"])
            view.history = [HistoryRow(r.short, self.date(r.date.date()), r.author, r.subject)
                            for r in history.revisions[:HISTORY_ROWS]]
            if len(history.revisions) > HISTORY_ROWS:
                view.history_note = doc["history_more"].format(
                    total=len(history.revisions), shown=HISTORY_ROWS)
        return view

    def duty_row(self, duty: Any) -> DutyRow:
        responsible = [d for d in duty.doers if d != duty.accountable]
        return DutyRow(self.text(duty.task), self.department(duty.accountable),
                       self.departments(responsible), self.departments(duty.consulted),
                       self.departments(duty.informed), self.levels_text(duty),
                       self.markdown(duty.description))

    def history(self, plan_id: str) -> Any:
        """The plan's ``DocumentHistory`` when the workspace is in git and has one."""
        if self.ws.repository is None:
            return None
        histories = self.ws.output_histories
        history = histories.get(("plan", plan_id)) if histories else None
        return history if history is not None and history.revisions else None

    def department_page(self, dept: Any) -> DepartmentView:
        from coordctl.card import duty_card
        from coordctl.matrix import phase_text

        doc, words = self.doc, self.words
        card = duty_card(self.ws, dept.id, self.locale, self.audience)
        title = words["card_title"].format(card=words["duty_card"],
                                           department=self.department(dept.id,
                                                                      short=False).label)
        facts = [Fact(words["parent"], self.department(dept.parent, short=False))
                 if dept.parent else None,
                 Fact(words["email"], dept.email or ""),
                 Fact(words["exempt"], dept.exempt)]
        role_words = {"A": words["accountable"], "R": words["responsible"],
                      "C": words["consulted"], "I": words["informed"]}
        duties = [CardDutyRow(self.ref("plan", d.plan),
                              phase_text(d.phase_name, d.within, self.locale), d.task,
                              self.list_of([role_words[x] for x in d.roles.split("/")]),
                              words["all_levels"] if d.all_levels else self.list_of(d.levels))
                  for d in card.duties]
        meetings = [MeetingRow(self.ref("meeting", m.id), words["meeting_roles"][m.role],
                               m.repeat_words,
                               self.when(m.next_start.replace(tzinfo=None),
                                         m.next_end.replace(tzinfo=None))
                               if m.next_start and m.next_end else doc["no_next"])
                    for m in card.meetings]
        drills = [self.drill_row(self.ws.drills[d.id], with_plan=True) for d in card.drills]
        actions = [self.action_row(self.ws.actions[a.id]) for a in card.actions]
        return DepartmentView(
            title=title,
            facts=[f for f in facts if f is not None and f.value],
            description=self.markdown(dept.description),
            duties=duties, meetings=meetings, drills=drills, actions=actions,
            contacts=self.contacts([dept.id]) if card.contacts is not None else None)

    def meeting_page(self, meeting: Any) -> MeetingView:
        from coordctl.render import duration_in_words, repeat_in_words

        doc, words = self.doc, self.words
        schedule = meeting.schedule
        facts = [
            Fact(words["type"], doc["meeting_types"].get(meeting.type, meeting.type)),
            Fact(doc["convenor"], self.department(meeting.convenor, short=False)),
            Fact(words["members"], self.departments(meeting.members)),
            Fact(doc["first_meeting"] if schedule.repeat else doc["time"],
                 self.schedule_when(schedule)),
            Fact(doc["duration"], duration_in_words(schedule.duration, self.locale)),
            Fact(words["repeat"], repeat_in_words(schedule.repeat, self.locale)),
            Fact(doc["skipped"], self.list_of([self.date(d) for d in schedule.except_])),
            Fact(doc["location"], self.text(meeting.location)),
        ]
        start = dt.datetime.combine(self.ws.today, dt.time.min)
        upcoming = [self.when(o.start.replace(tzinfo=None), o.end.replace(tzinfo=None))
                    for o in self.ws.occurrences(schedule, start, start + _HORIZON,
                                                 limit=UPCOMING)]
        agenda = [AgendaRow(str(index), self.text(item.title),
                            self.department(item.presenter) if item.presenter else "",
                            words["minutes_n"].format(n=item.minutes) if item.minutes else "")
                  for index, item in enumerate(meeting.agenda, 1)]
        total = sum(item.minutes or 0 for item in meeting.agenda)
        return MeetingView(
            title=self.text(meeting.title),
            facts=[f for f in facts if f.value],
            description=self.markdown(meeting.description),
            upcoming=upcoming,
            agenda=agenda,
            agenda_total=words["minutes_n"].format(n=total) if total else "",
            actions=self.actions_from("meeting", meeting.id, open_only=True))

    def drill_page(self, drill: Any) -> DrillView:
        from coordctl.render import duration_in_words, repeat_in_words

        doc, words = self.doc, self.words
        schedule = drill.schedule
        cancelled = drill.status == "cancelled"
        facts = [
            Fact(doc["exercised_plan"], self.ref("plan", drill.plan)),
            Fact(words["type"], words["drill_types"].get(drill.type, drill.type)),
            Fact(doc["time"], self.schedule_when(schedule), "cancelled" if cancelled else ""),
            Fact(doc["duration"], duration_in_words(schedule.duration, self.locale)),
            Fact(words["repeat"], repeat_in_words(schedule.repeat, self.locale)
                 if schedule.repeat else ""),
            Fact(words["status"], words["statuses"].get(drill.status, drill.status),
                 "warning" if cancelled else ""),
            Fact(doc["location"], self.text(drill.location)),
        ]
        return DrillView(
            title=self.text(drill.title),
            notice=doc["drill_cancelled"] if cancelled else "",
            facts=[f for f in facts if f.value],
            objectives=[self.text(o) for o in drill.objectives],
            participants=self.departments(self.ws.drill_participants(drill)),
            participants_note=doc["participants_default"] if drill.participants is None
            else "",
            description=self.markdown(drill.description),
            actions=self.actions_from("drill", drill.id, open_only=False))

    def action_page(self, action: Any) -> ActionView:
        doc, words = self.doc, self.words
        row = self.action_row(action)
        source: Value = ""
        if action.source_ref:
            kind, ident = action.source_ref
            ref = self.ref(kind, ident)
            source = Ref(kind, ident, doc["source_text"].format(
                kind=doc["kinds"][kind], title=ref.label), ref.exists)
        facts = [
            Fact(words["id"], action.id),
            Fact(doc["owner_department"], self.department(action.owner, short=False)),
            Fact(words["source"], source),
            Fact(words["due"], row.due, row.mark),
            Fact(words["status"], row.status, row.mark),
            Fact(doc["closed"], self.date(action.closed)),
        ]
        return ActionView(
            title=self.text(action.title),
            notice=doc["action_overdue"].format(status=row.status) if row.mark else "",
            facts=[f for f in facts if f.value],
            description=self.markdown(action.description))
