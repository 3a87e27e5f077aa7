"""A plan with no drill (done or planned) within ``policy.drill_every`` of ``--today``.

A drill counts when it exercises the plan, is not cancelled, and takes place (for a
repeating drill: has an occurrence) no more than ``drill_every`` (default P3Y) before or
after today. Retired plans are not checked.

Fails (today 2026-11-28, drill_every P3Y)::

    {kind: drill, id: flood-2022, plan: water-rescue, status: done,
     schedule: {start: 2022-05-20T09:00}, ...}     # the only drill, over 3 years ago

Passes::

    {kind: drill, id: flood-2027, plan: water-rescue, status: planned,
     schedule: {start: 2027-05-20T09:00}, ...}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from coordctl.findings import Finding
from coordctl.references import unresolved
from coordctl.schedule import last_before
from coordctl.workspace import Workspace

ID = "plan-not-drilled"
SEVERITY = "warning"


def _dates(ws: Workspace, schedule: Any, earliest: dt.date, latest: dt.date
           ) -> list[dt.date]:
    """The date of ``schedule`` that tells whether and when a plan was drilled: an
    occurrence in ``[earliest, latest]`` if there is one, else the last one before it,
    else its start (after ``latest``)."""
    begin = dt.datetime.combine(earliest, dt.time())
    inside = ws.occurrences(schedule, begin, begin + (latest - earliest) + dt.timedelta(1),
                            limit=1)
    if inside:
        return [inside[0].start.date()]
    start = schedule.start
    if not schedule.repeat or start >= begin:
        return [start.date()]
    last = last_before(start, schedule.repeat, ws.tz, begin)
    return [last.date()] if last is not None else [start.date()]


def check(ws: Workspace) -> Iterator[Finding]:
    every = ws.settings.policy.drill_every
    earliest, latest = every.before(ws.today), every.after(ws.today)
    drilled: dict[str, list[dt.date]] = {}
    # A drill with a schema error, or in text a YAML error left unread, may name the
    # plan: do not report it twice.
    unsure: set[str] = set(ws.unread_words)
    # Every valid drill counts, a duplicate id too (duplicate-id reports that), and a
    # drill naming an unknown plan counts for the plan unknown-ref suggests.
    meant = {(ref.entry.path, ref.entry.line): suggestion
             for ref, suggestion in unresolved(ws)
             if ref.kind == "plan" and ref.entry.kind == "drill" and suggestion}
    for entry in ws.entries:
        drill = entry.model
        if entry.kind != "drill":
            continue
        if drill is None:
            named = entry.raw.get("plan")
            named = named if isinstance(named, list) else [named]
            unsure.update(name for name in named if isinstance(name, str))
            continue
        if drill.status == "cancelled":
            continue
        plan_id = drill.plan
        if not ws.exists("plan", plan_id):
            plan_id = meant.get((entry.path, entry.line))
        if plan_id is not None:
            drilled.setdefault(plan_id, []).extend(_dates(ws, drill.schedule, earliest,
                                                          latest))
    for entry in ws.valid("plan"):
        plan = entry.model
        if plan.status == "retired" or plan.id in unsure:
            continue
        days = drilled.get(plan.id, [])
        if any(earliest <= day <= latest for day in days):
            continue
        past = [day for day in days if day < earliest]
        future = [day for day in days if day > latest]
        if past:
            last = f"; the last was on {max(past)}"
        elif future:
            last = f"; the next is only on {min(future)}"
        else:
            last = "; it has never been drilled"
        yield Finding(entry.path, *entry.at("id"), SEVERITY, ID,
                      f"plan '{plan.id}' has no drill done or planned within {every} of "
                      f"{ws.today}{last}")
