"""A reference to a department, plan, phase, level, meeting or drill that does not exist.

References are ids: a duty's ``accountable``, ``responsible``, ``consulted`` and
``informed`` name departments, its ``phase`` and ``levels`` name its plan's phases and
levels; a drill names its ``plan``; an action's ``source`` is ``kind/id``. A close id is
suggested. A document that exists but has a schema error still resolves references.

Fails::

    duties:
      - {id: rescue, task: 水上救援, phase: initial, accountable: marine}   # no 'marine'

Passes::

    duties:
      - {id: rescue, task: 水上救援, phase: initial, accountable: maritime}
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.references import unresolved
from coordctl.validation import non_ascii_hint
from coordctl.workspace import Workspace

ID = "unknown-ref"
SEVERITY = "error"


def check(ws: Workspace) -> Iterator[Finding]:
    for ref, suggestion in unresolved(ws):
        hint = f" (did you mean '{suggestion}'?{non_ascii_hint(ref.target)})" \
            if suggestion else ""
        if ref.kind in ("phase", "level"):
            missing = f"which plan '{ref.plan}' does not have"
        else:
            missing = "which does not exist"
        yield Finding(ref.entry.path, *ref.at, SEVERITY, ID,
                      f"{ref.subject} names {ref.kind} '{ref.target}'{ref.role}, "
                      f"{missing}{hint}")
