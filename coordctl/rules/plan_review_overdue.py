"""A plan whose ``reviewed`` date is older than ``policy.review_every``.

Plans must be reviewed at least every ``review_every`` (default P3Y). An approved plan
with no ``reviewed`` date is reported too. Retired plans are not checked.

Fails (today 2026-11-28, review_every P3Y)::

    {kind: plan, id: water-rescue, status: approved, reviewed: 2023-03-01, ...}

Passes::

    {kind: plan, id: water-rescue, status: approved, reviewed: 2026-03-01, ...}
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "plan-review-overdue"
SEVERITY = "warning"


def check(ws: Workspace) -> Iterator[Finding]:
    every = ws.settings.policy.review_every
    for entry in ws.valid("plan"):
        plan = entry.model
        if plan.status == "retired":
            continue
        if plan.reviewed is None:
            if plan.status == "approved":
                yield Finding(entry.path, *entry.at("status"), SEVERITY, ID,
                              f"plan '{plan.id}' is approved but has no 'reviewed' date")
            continue
        due = every.after(plan.reviewed)
        if due < ws.today:
            yield Finding(entry.path, *entry.at("reviewed"), SEVERITY, ID,
                          f"plan '{plan.id}' was last reviewed on {plan.reviewed}; a review "
                          f"was due by {due} (every {every})")
