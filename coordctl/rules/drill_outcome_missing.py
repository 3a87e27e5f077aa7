"""A drill in the past still ``planned``.

Once a drill's day has passed, record what happened: ``status: done`` (and the actions
that came out of it) or ``cancelled``. Repeating drills are not checked.

Fails (today 2026-11-28)::

    {kind: drill, id: flood-2026, status: planned, schedule: {start: 2026-05-20T09:00}, ...}

Passes: ``status: done``.
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "drill-outcome-missing"
SEVERITY = "warning"


def check(ws: Workspace) -> Iterator[Finding]:
    for entry in ws.valid("drill"):
        drill = entry.model
        if drill.status != "planned" or drill.schedule.repeat:
            continue
        if drill.schedule.start.date() < ws.today:
            where = entry.at("status") if "status" in entry.raw else entry.at("id")
            yield Finding(entry.path, *where, SEVERITY, ID,
                          f"drill '{drill.id}' was due on {drill.schedule.start.date()} and "
                          "is still planned: set status to done (and record its actions) "
                          "or cancelled")
