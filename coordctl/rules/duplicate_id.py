"""Two documents of one kind with one id.

Ids are unique within their kind: they name files, pages and calendar events. The second
document (in path order) is reported, naming where the first is.

Fails::

    # plans/departments/police.yaml
    kind: department
    id: police
    ...
    # plans/departments/police-old.yaml
    kind: department
    id: police

Passes: give each document its own id (``police`` and ``traffic-police``).
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "duplicate-id"
SEVERITY = "error"


def check(ws: Workspace) -> Iterator[Finding]:
    for entry, first in ws.duplicates:
        yield Finding(entry.path, *entry.at("id"), SEVERITY, ID,
                      f"{entry.kind} '{entry.id}' is already defined at "
                      f"{first.path}:{first.line}; ids must be unique within a kind")
