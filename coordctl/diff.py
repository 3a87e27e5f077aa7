"""Semantic diff of two workspaces: what changed in whose duties (pure; no git inside).

Documents are matched by kind and id, never by file, so moving a document to another
file is no change. Fields are compared as written (the raw YAML data), list items with
an ``id`` matched by it: ``duties[cordon].accountable``. On top of the fields, the diff
says what matters to people: duties reassigned, departments that gained their first or
lost their last duty, schedules moved, response targets changed, and the check findings
the change introduces and resolves.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from coordctl.findings import Finding
from coordctl.values import localize
from coordctl.workspace import KINDS, Entry, Workspace


@dataclass
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass
class DocumentChange:
    kind: str
    id: str
    change: str  # added | removed | modified
    path: str
    fields: list[FieldChange] = field(default_factory=list)


@dataclass
class Highlight:
    """A change in plain words: ``what`` is a stable tag, ``text`` the sentence."""

    what: str
    text: str
    departments: list[str] = field(default_factory=list)


@dataclass
class WorkspaceDiff:
    old_label: str
    new_label: str
    changes: list[DocumentChange]
    highlights: list[Highlight]
    introduced: list[Finding]
    resolved: list[Finding]

    @property
    def empty(self) -> bool:
        return not (self.changes or self.introduced or self.resolved)

    def as_dict(self) -> dict[str, Any]:
        return {
            "from": self.old_label,
            "to": self.new_label,
            "changes": [
                {"kind": c.kind, "id": c.id, "change": c.change, "path": c.path,
                 "fields": [asdict(f) for f in c.fields]}
                for c in self.changes
            ],
            "findings": {"introduced": [f.as_dict() for f in self.introduced],
                         "resolved": [f.as_dict() for f in self.resolved]},
            "highlights": [asdict(h) for h in self.highlights],
        }


#: YAML's spelling of the floats that JSON cannot hold (and NaN is not equal to itself).
_NOT_FINITE = {"nan": ".nan", "inf": ".inf", "-inf": "-.inf"}


def plain(value: Any) -> Any:
    """YAML data as plain JSON-able values (marks dropped)."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return _NOT_FINITE[str(value)]
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def _ids(items: list[Any]) -> list[str] | None:
    """The ids of a list of mappings when every item has a distinct one, else None."""
    if not items or not all(isinstance(i, dict) and isinstance(i.get("id"), (str, int))
                            for i in items):
        return None
    ids = [str(i["id"]) for i in items]
    return ids if len(set(ids)) == len(ids) else None


def field_changes(old: Any, new: Any, path: str = "") -> Iterator[FieldChange]:
    """The differences between two values, with DESIGN §5 field paths; the values as
    ``plain`` makes them (a ``.nan`` read twice is no change)."""
    if old == new or plain(old) == plain(new):
        return
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(k for k in new if k not in old)]:
            sub = f"{path}.{key}" if path else str(key)
            if key not in new:
                yield FieldChange(sub, plain(old[key]), None)
            elif key not in old:
                yield FieldChange(sub, None, plain(new[key]))
            else:
                yield from field_changes(old[key], new[key], sub)
        return
    if isinstance(old, list) and isinstance(new, list):
        old_ids, new_ids = _ids(old), _ids(new)
        if old_ids is not None and new_ids is not None:
            by_old = dict(zip(old_ids, old, strict=True))
            by_new = dict(zip(new_ids, new, strict=True))
            for ident in [*old_ids, *(i for i in new_ids if i not in by_old)]:
                sub = f"{path}[{ident}]"
                if ident not in by_new:
                    yield FieldChange(sub, plain(by_old[ident]), None)
                elif ident not in by_old:
                    yield FieldChange(sub, None, plain(by_new[ident]))
                else:
                    yield from field_changes(by_old[ident], by_new[ident], sub)
            kept_old = [i for i in old_ids if i in by_new]
            kept_new = [i for i in new_ids if i in by_old]
            if kept_old != kept_new:
                yield FieldChange(f"{path}(order)", old_ids, new_ids)
            return
        if len(old) == len(new) and any(isinstance(i, dict) for i in old):
            for index, (a, b) in enumerate(zip(old, new, strict=True)):
                yield from field_changes(a, b, f"{path}[{index}]")
            return
    yield FieldChange(path, plain(old), plain(new))


def _documents(ws: Workspace) -> dict[tuple[str, str], Entry]:
    """(kind, id) -> the first document of that identity (remembered per workspace)."""
    known = ws.__dict__.get("_diff_documents")
    if known is not None:
        return known
    # the workspace's index holds the first document of each kind and id already
    out = {(kind, ident): entry for kind, entries in ws._index.items()
           for ident, entry in entries.items()}
    ws.__dict__["_diff_documents"] = out
    return out


def document_changes(old: Workspace, new: Workspace,
                     kinds: tuple[str, ...] = KINDS) -> list[DocumentChange]:
    """Added, removed and modified documents (of ``kinds``), sorted by kind (DESIGN
    order) and id."""
    before, after = _documents(old), _documents(new)
    # Documents that are the same object on both sides (``Workspace.as_of`` shares what
    # did not change) are skipped before sorting.
    differ = [key for key in before.keys() | after.keys()
              if key[0] in kinds and before.get(key) is not after.get(key)]
    # Comparing ``new`` with many past commits (a site's agendas) meets the same pair of
    # old and new document again and again: each pair is compared once.
    compared = new.__dict__.setdefault("_field_changes", {})
    changes = []
    for key in sorted(differ, key=lambda k: (KINDS.index(k[0]), k[1])):
        a, b = before.get(key), after.get(key)
        if a is None:
            changes.append(DocumentChange(key[0], key[1], "added", b.path))
        elif b is None:
            changes.append(DocumentChange(key[0], key[1], "removed", a.path))
        else:
            known = compared.get((id(a), id(b)))
            if known is None or known[0] is not a or known[1] is not b:
                known = compared[id(a), id(b)] = (
                    a, b, list(field_changes(plain(a.raw), plain(b.raw))))
            fields = list(known[2])
            if fields:
                changes.append(DocumentChange(key[0], key[1], "modified", b.path, fields))
    return changes


# --- what matters to people ---------------------------------------------------------------

def _name(ws: Workspace, dept: str, locale: str) -> str:
    model = ws.departments.get(dept)
    return f"{localize(model.name, locale)} ({dept})" if model else dept


def _duty_roles(ws: Workspace, plans: set[str]) -> dict[tuple[str, str], Any]:
    return {(plan.id, duty.id): duty for ident in plans
            if (plan := ws.plans.get(ident)) is not None for duty in plan.duties}


def _next(ws: Workspace, schedule: Any) -> dt.datetime | None:
    start = dt.datetime.combine(ws.today, dt.time())
    found = ws.occurrences(schedule, start, start + dt.timedelta(days=3660), limit=1)
    return found[0].start if found else None


_WORDS = {
    "en": {
        "reassigned": "plan '{plan}', duty '{duty}': accountable {old} → {new}",
        "joined": "plan '{plan}', duty '{duty}': {dept} now responsible",
        "left": "plan '{plan}', duty '{duty}': {dept} no longer responsible",
        "duty-added": "plan '{plan}': new duty '{duty}', accountable {dept}",
        "duty-removed": "plan '{plan}': duty '{duty}' removed (was accountable: {dept})",
        "first-duty": "{dept} now holds duties (it held none before)",
        "last-duty": "{dept} no longer holds any duty",
        "moved": "{kind} '{id}' moved: next occurrence {old} → {new}",
        "meeting": "meeting",
        "drill": "drill",
        "target": "plan '{plan}', phase '{phase}': time target {old} → {new}",
        "none": "none",
    },
    "zh-CN": {
        "reassigned": "预案「{plan}」职责「{duty}」：牵头单位 {old} → {new}",
        "joined": "预案「{plan}」职责「{duty}」：新增配合单位 {dept}",
        "left": "预案「{plan}」职责「{duty}」：{dept} 不再是配合单位",
        "duty-added": "预案「{plan}」：新增职责「{duty}」，牵头单位 {dept}",
        "duty-removed": "预案「{plan}」：删除职责「{duty}」（原牵头单位 {dept}）",
        "first-duty": "{dept} 开始承担职责（此前没有）",
        "last-duty": "{dept} 不再承担任何职责",
        "moved": "{kind}「{id}」时间调整：下次 {old} → {new}",
        "meeting": "会议",
        "drill": "演练",
        "target": "预案「{plan}」阶段「{phase}」：时限 {old} → {new}",
        "none": "无",
    },
}


def highlights(old: Workspace, new: Workspace, locale: str = "en") -> list[Highlight]:
    """The changes people care about, in plain words."""
    words = _WORDS.get(locale, _WORDS["en"])
    out: list[Highlight] = []
    # Plans that are the same object on both sides (``Workspace.as_of`` shares what did
    # not change) cannot differ: only the others are compared.
    changed = {ident for ident in old.plans.keys() | new.plans.keys()
               if old.plans.get(ident) is not new.plans.get(ident)}
    before, after = _duty_roles(old, changed), _duty_roles(new, changed)

    def name(dept: str) -> str:
        return _name(new if dept in new.departments else old, dept, locale)

    for key in sorted(set(before) | set(after)):
        plan, duty = key
        a, b = before.get(key), after.get(key)
        if a is None:
            out.append(Highlight("duty-added", words["duty-added"].format(
                plan=plan, duty=duty, dept=name(b.accountable)), b.holders))
            continue
        if b is None:
            out.append(Highlight("duty-removed", words["duty-removed"].format(
                plan=plan, duty=duty, dept=name(a.accountable)), a.holders))
            continue
        if a.accountable != b.accountable:
            out.append(Highlight("reassigned", words["reassigned"].format(
                plan=plan, duty=duty, old=name(a.accountable), new=name(b.accountable)),
                [a.accountable, b.accountable]))
        for dept in b.doers:
            if dept not in a.doers and dept != b.accountable:
                out.append(Highlight("joined", words["joined"].format(
                    plan=plan, duty=duty, dept=name(dept)), [dept]))
        for dept in a.doers:
            if dept not in b.doers and dept != a.accountable and dept != b.accountable:
                out.append(Highlight("left", words["left"].format(
                    plan=plan, duty=duty, dept=name(dept)), [dept]))
    # Only holders of the changed plans' duties can start or stop holding any duty; a
    # duty in a plan that did not change counts on both sides.
    held_before = {dept for duty in before.values() for dept in duty.holders}
    held_after = {dept for duty in after.values() for dept in duty.holders}

    def elsewhere(dept: str) -> bool:
        return any(plan.id not in changed for plan, _ in new.holdings.get(dept, ()))

    for dept in sorted(held_after - held_before):
        if dept in new.departments and not elsewhere(dept):
            out.append(Highlight("first-duty", words["first-duty"].format(dept=name(dept)),
                                 [dept]))
    for dept in sorted(held_before - held_after):
        if not elsewhere(dept):
            out.append(Highlight("last-duty", words["last-duty"].format(dept=name(dept)),
                                 [dept]))
    for kind, attr in (("meeting", "meetings"), ("drill", "drills")):
        olds, news = getattr(old, attr), getattr(new, attr)
        for ident in sorted(set(olds) & set(news)):
            if olds[ident] is news[ident] or olds[ident].schedule == news[ident].schedule:
                continue
            was, now = _next(old, olds[ident].schedule), _next(new, news[ident].schedule)
            if was == now:
                continue
            fmt = "%Y-%m-%d %H:%M"
            event = news[ident]
            # Who is expected there: a meeting's convenor and members, a drill's participants.
            expected = [event.convenor, *event.members] if kind == "meeting" else \
                new.drill_participants(event)
            out.append(Highlight("moved", words["moved"].format(
                kind=words[kind], id=ident, old=was.strftime(fmt) if was else words["none"],
                new=now.strftime(fmt) if now else words["none"]),
                list(dict.fromkeys(expected))))
    for ident in sorted(changed & old.plans.keys() & new.plans.keys()):
        old_phases = {p.id: p for p in old.plans[ident].phases}
        for phase in new.plans[ident].phases:
            was = old_phases.get(phase.id)
            if was is not None and str(was.within or "") != str(phase.within or ""):
                out.append(Highlight("target", words["target"].format(
                    plan=ident, phase=phase.id, old=was.within or words["none"],
                    new=phase.within or words["none"])))
    return out


def _finding_key(finding: Finding) -> tuple[str, str, str]:
    return finding.rule, finding.severity, finding.message


def finding_changes(old: list[Finding], new: list[Finding]
                    ) -> tuple[list[Finding], list[Finding]]:
    """Findings in ``new`` not in ``old`` (introduced) and the reverse (resolved).

    Findings are compared by rule and message, not line, so an edit above a finding
    that moves it down does not count as resolving and introducing it.
    """
    before, after = Counter(map(_finding_key, old)), Counter(map(_finding_key, new))
    introduced, resolved = [], []
    seen: Counter = Counter()
    for finding in new:
        key = _finding_key(finding)
        seen[key] += 1
        if seen[key] > before[key]:
            introduced.append(finding)
    seen.clear()
    for finding in old:
        key = _finding_key(finding)
        seen[key] += 1
        if seen[key] > after[key]:
            resolved.append(finding)
    return introduced, resolved


def diff_workspaces(old: Workspace, new: Workspace, locale: str = "en") -> WorkspaceDiff:
    """The semantic diff from ``old`` to ``new``."""
    from coordctl.check import check

    introduced, resolved = finding_changes(check(old).findings, check(new).findings)
    return WorkspaceDiff(old.label, new.label, document_changes(old, new),
                         highlights(old, new, locale), introduced, resolved)


# --- formats ---------------------------------------------------------------------------------

def _show(value: Any) -> str:
    if value is None:
        return "∅"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def _field_line(change: FieldChange) -> str:
    if isinstance(change.old, list) and isinstance(change.new, list) and \
            all(not isinstance(v, (dict, list)) for v in [*change.old, *change.new]):
        joined = [v for v in change.new if v not in change.old]
        left = [v for v in change.old if v not in change.new]
        parts = []
        if joined:
            parts.append("+" + ", +".join(map(str, joined)))
        if left:
            parts.append("-" + ", -".join(map(str, left)))
        if parts:
            return f"{change.field}: {' '.join(parts)}"
    return f"{change.field}: {_show(change.old)} → {_show(change.new)}"


def format_text(result: WorkspaceDiff) -> str:
    lines = [f"coordctl diff {result.old_label} → {result.new_label}"]
    if result.empty:
        return lines[0] + "\nno changes\n"
    if result.highlights:
        lines.append("")
        lines.extend(f"* {h.text}" for h in result.highlights)
    if result.changes:
        lines.append("")
    for change in result.changes:
        sign = {"added": "+", "removed": "-", "modified": "~"}[change.change]
        lines.append(f"{sign} {change.kind}/{change.id} ({change.path})")
        lines.extend(f"    {_field_line(f)}" for f in change.fields)
    for title, found in (("introduced", result.introduced), ("resolved", result.resolved)):
        if found:
            lines.append("")
            lines.append(f"findings {title}:")
            lines.extend(f"  {f}" for f in found)
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def format_markdown(result: WorkspaceDiff) -> str:
    lines = [f"### coordctl diff `{result.old_label}` → `{result.new_label}`", ""]
    if result.empty:
        return "\n".join([*lines, "No changes to the workspace."]) + "\n"
    if result.highlights:
        lines.append("**What changes for whom**")
        lines.append("")
        lines.extend(f"- {_md(h.text)}" for h in result.highlights)
        lines.append("")
    if result.changes:
        lines.extend(["| | document | field | change |", "|---|---|---|---|"])
        for change in result.changes:
            mark = {"added": "added", "removed": "removed", "modified": "modified"}[change.change]
            if not change.fields:
                lines.append(f"| {mark} | `{change.kind}/{change.id}` | | `{change.path}` |")
            for f in change.fields:
                line = _field_line(f).partition(": ")[2]
                lines.append(f"| {mark} | `{change.kind}/{change.id}` | `{_md(f.field)}` | "
                             f"{_md(line)} |")
        lines.append("")
    for title, found in (("Findings introduced", result.introduced),
                         ("Findings resolved", result.resolved)):
        if found:
            lines.append(f"**{title}**")
            lines.append("")
            lines.extend(f"- `{f.path}:{f.line}:{f.column}` {f.severity} `{f.rule}`: "
                         f"{_md(f.message)}" for f in found)
            lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def format_json(result: WorkspaceDiff) -> str:
    return json.dumps(result.as_dict(), ensure_ascii=False, indent=2) + "\n"


FORMATTERS = {"text": format_text, "markdown": format_markdown, "json": format_json}
