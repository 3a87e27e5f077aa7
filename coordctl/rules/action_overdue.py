"""An open action past its due date.

An action is overdue when its status is ``open`` and ``due`` is before ``--today``.

Fails (today 2026-11-28)::

    {kind: action, id: a-2026-007, owner: justice, due: 2026-10-31, status: open, ...}

Passes: ``due: 2027-03-31``, or ``status: done`` with ``closed: 2026-10-20``.
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "action-overdue"
SEVERITY = "warning"


def check(ws: Workspace) -> Iterator[Finding]:
    for entry in ws.valid("action"):
        action = entry.model
        if action.status == "open" and action.due < ws.today:
            days = (ws.today - action.due).days
            yield Finding(entry.path, *entry.at("due"), SEVERITY, ID,
                          f"action '{action.id}' owned by '{action.owner}' was due on "
                          f"{action.due} ({days} day{'s' if days != 1 else ''} ago) "
                          "and is still open")
