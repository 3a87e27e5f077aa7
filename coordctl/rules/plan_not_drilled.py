"""A plan with no drill (done or planned) within ``policy.drill_every`` of ``--today``.

A drill counts when it exercises the plan, is not cancelled, and starts no more than
``drill_every`` (default P3Y) before or after today. Retired plans are not checked.

Fails (today 2026-11-28, drill_every P3Y)::

    {kind: drill, id: flood-2022, plan: water-rescue, status: done,
     schedule: {start: 2022-05-20T09:00}, ...}     # the only drill, over 3 years ago

Passes::

    {kind: drill, id: flood-2027, plan: water-rescue, status: planned,
     schedule: {start: 2027-05-20T09:00}, ...}
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "plan-not-drilled"
SEVERITY = "warning"


def check(ws: Workspace) -> Iterator[Finding]:
    every = ws.settings.policy.drill_every
    earliest, latest = every.before(ws.today), every.after(ws.today)
    drilled: dict[str, list] = {}
    for drill in ws.drills.values():
        if drill.status != "cancelled":
            drilled.setdefault(drill.plan, []).append(drill.schedule.start.date())
    # A drill with a schema error may still name the plan: do not report it twice.
    unsure = {e.raw.get("plan") for e in ws.broken("drill") if isinstance(e.raw, dict)}
    for entry in ws.valid("plan"):
        plan = entry.model
        if plan.status == "retired" or plan.id in unsure:
            continue
        days = drilled.get(plan.id, [])
        if any(earliest <= day <= latest for day in days):
            continue
        past = [day for day in days if day < earliest]
        last = f"; the last was on {max(past)}" if past else "; it has never been drilled"
        yield Finding(entry.path, *entry.at("id"), SEVERITY, ID,
                      f"plan '{plan.id}' has no drill done or planned within {every} of "
                      f"{ws.today}{last}")
