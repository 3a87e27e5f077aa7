"""Every reference one document makes to another, and whether it resolves.

Used by the ``unknown-ref`` rule, and by coverage rules so that a typo in a reference
is reported once (as ``unknown-ref``), not again as a department or phase left idle.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from coordctl.workspace import Entry, Workspace

_DEPT_LISTS = ("responsible", "consulted", "informed")


@dataclass(frozen=True)
class Reference:
    """``entry`` names ``target`` of ``kind`` at ``loc``; phases and levels are in ``plan``."""

    entry: Entry
    loc: tuple[Any, ...]
    kind: str
    target: str
    subject: str
    role: str = ""
    plan: str | None = None
    holder: bool = False

    @property
    def at(self) -> tuple[int, int]:
        return self.entry.at(*self.loc)


def _references(entry: Entry) -> Iterator[Reference]:
    model, kind = entry.model, entry.kind
    subject = f"{kind} '{entry.id}'"

    def dept(loc: tuple[Any, ...], value: str | None, role: str, holder: bool = False,
             who: str = subject) -> Iterator[Reference]:
        if value is not None:
            yield Reference(entry, loc, "department", value, who, role, holder=holder)

    def depts(name: str, values: list[str] | None, role: str) -> Iterator[Reference]:
        for index, value in enumerate(values or []):
            yield from dept((name, index), value, role)

    if kind == "department":
        yield from dept(("parent",), model.parent, " as parent")
    elif kind == "plan":
        yield from dept(("owner",), model.owner, " as owner")
        yield from depts("departments", model.departments, " in departments")
        phase_ids = {p.id for p in model.phases}
        level_ids = {lv.id for lv in model.levels}
        for i, duty in enumerate(model.duties):
            who = f"duty '{duty.id}'"
            yield from dept(("duties", i, "accountable"), duty.accountable, "", True, who)
            for field in _DEPT_LISTS:
                for j, value in enumerate(getattr(duty, field) or []):
                    yield from dept(("duties", i, field, j), value, "",
                                    field == "responsible", who)
            yield Reference(entry, ("duties", i, "phase"), "phase", duty.phase, who,
                            plan=model.id, holder=duty.phase in phase_ids)
            for j, level in enumerate(duty.levels or []):
                yield Reference(entry, ("duties", i, "levels", j), "level", level, who,
                                plan=model.id, holder=level in level_ids)
    elif kind == "meeting":
        yield from dept(("convenor",), model.convenor, " as convenor")
        yield from depts("members", model.members, " as a member")
        for i, item in enumerate(model.agenda):
            yield from dept(("agenda", i, "presenter"), item.presenter, " as presenter")
    elif kind == "drill":
        yield Reference(entry, ("plan",), "plan", model.plan, subject, " as its plan")
        yield from depts("participants", model.participants, " as a participant")
    elif kind == "action":
        yield from dept(("owner",), model.owner, " as owner")
        if model.source_ref:
            source_kind, source_id = model.source_ref
            yield Reference(entry, ("source",), source_kind, source_id, subject, " as source")


def references(ws: Workspace) -> list[Reference]:
    """Every reference made by a valid document, in file order."""
    cached = ws.__dict__.get("_references")
    if cached is None:
        cached = [ref for kind in ("department", "plan", "meeting", "drill", "action")
                  for entry in ws.valid(kind) for ref in _references(entry)]
        ws.__dict__["_references"] = cached
    return cached


def resolves(ws: Workspace, ref: Reference) -> bool:
    """True when ``ref`` names something that exists, or may be defined in text that a
    YAML error left unread (that error is the one finding)."""
    if ref.kind == "phase":
        plan = ws.plans.get(ref.plan)
        return plan is None or plan.phase(ref.target) is not None
    if ref.kind == "level":
        plan = ws.plans.get(ref.plan)
        return plan is None or plan.level(ref.target) is not None
    return ws.exists(ref.kind, ref.target) or ref.target in ws.unread_words


def candidates(ws: Workspace, ref: Reference) -> list[str]:
    """The ids ``ref`` could have meant."""
    if ref.kind in ("phase", "level"):
        plan = ws.plans.get(ref.plan)
        if plan is None:
            return []
        return [p.id for p in plan.phases] if ref.kind == "phase" else [lv.id for lv in
                                                                         plan.levels]
    return ws.ids(ref.kind)


def unresolved(ws: Workspace) -> list[tuple[Reference, str | None]]:
    """References that name nothing, each with the id it most likely meant (or None)."""
    cached = ws.__dict__.get("_unresolved")
    if cached is None:
        import difflib

        cached = []
        for ref in references(ws):
            if not resolves(ws, ref):
                choices = candidates(ws, ref)
                close = difflib.get_close_matches(ref.target, choices, n=1, cutoff=0.6)
                if not close:
                    lowered = {c.lower(): c for c in choices}
                    close = [lowered[ref.target.lower()]] if ref.target.lower() in lowered \
                        else []
                cached.append((ref, close[0] if close else None))
        ws.__dict__["_unresolved"] = cached
    return cached


def masked(ws: Workspace, kind: str, ident: str, plan: str | None = None) -> bool:
    """True when an unknown reference probably meant ``ident``, so a coverage rule must
    not report it again: the reference's suggestion is ``ident``, or (within one plan)
    it had no suggestion at all."""
    for ref, suggestion in unresolved(ws):
        if ref.kind != kind:
            continue
        if kind == "department" and not ref.holder:
            continue
        if plan is not None and ref.entry.id != plan:
            continue
        if suggestion == ident or (plan is not None and suggestion is None):
            return True
    return False
