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


#: (loc, kind, target, subject, role, plan, holder): a reference before it is checked.
_Raw = tuple[tuple[Any, ...], str, str, str, str, Any, bool]


def _references(entry: Entry) -> Iterator[_Raw]:
    """Every reference ``entry`` makes, as plain tuples (cheap: most resolve)."""
    model, kind = entry.model, entry.kind
    subject = f"{kind} '{entry.id}'"
    if kind == "plan":
        yield ("owner",), "department", model.owner, subject, " as owner", None, False
        for index, value in enumerate(model.departments or ()):
            yield (("departments", index), "department", value, subject, " in departments",
                   None, False)
        phase_ids = {p.id for p in model.phases}
        level_ids = {lv.id for lv in model.levels}
        for i, duty in enumerate(model.duties):
            who = f"duty '{duty.id}'"
            yield ("duties", i, "accountable"), "department", duty.accountable, who, "", \
                None, True
            for field in _DEPT_LISTS:
                for j, value in enumerate(getattr(duty, field) or ()):
                    yield (("duties", i, field, j), "department", value, who, "", None,
                           field == "responsible")
            yield (("duties", i, "phase"), "phase", duty.phase, who, "", model.id,
                   duty.phase in phase_ids)
            for j, level in enumerate(duty.levels or ()):
                yield (("duties", i, "levels", j), "level", level, who, "", model.id,
                       level in level_ids)
    elif kind == "department":
        if model.parent is not None:
            yield ("parent",), "department", model.parent, subject, " as parent", None, False
    elif kind == "meeting":
        yield ("convenor",), "department", model.convenor, subject, " as convenor", None, \
            False
        for index, value in enumerate(model.members):
            yield ("members", index), "department", value, subject, " as a member", None, \
                False
        for i, item in enumerate(model.agenda):
            if item.presenter is not None:
                yield (("agenda", i, "presenter"), "department", item.presenter, subject,
                       " as presenter", None, False)
    elif kind == "drill":
        yield ("plan",), "plan", model.plan, subject, " as its plan", None, False
        for index, value in enumerate(model.participants or ()):
            yield (("participants", index), "department", value, subject,
                   " as a participant", None, False)
    elif kind == "action":
        yield ("owner",), "department", model.owner, subject, " as owner", None, False
        if model.source_ref:
            source_kind, source_id = model.source_ref
            yield ("source",), source_kind, source_id, subject, " as source", None, False


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


def _unresolved_references(ws: Workspace) -> Iterator[Reference]:
    """References that name nothing, in file order; resolved ones cost a set lookup."""
    known = {kind: set(ws.ids(kind)) for kind in
             ("department", "plan", "meeting", "drill", "action")}
    for kind in ("department", "plan", "meeting", "drill", "action"):
        for entry in ws.valid(kind):
            for raw in _references(entry):
                target_kind, target = raw[1], raw[2]
                if target_kind in ("phase", "level"):
                    if raw[6]:  # the plan has it
                        continue
                elif target in known[target_kind]:
                    continue
                ref = Reference(entry, *raw)
                if not resolves(ws, ref):
                    yield ref


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
        for ref in _unresolved_references(ws):
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
