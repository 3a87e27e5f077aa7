"""A plan phase that no duty belongs to.

Every response phase must say who does what in it; a phase without duties is a gap in
the response.

Fails::

    phases: [{id: initial, name: 先期处置, within: 5m}, {id: reinforcement, name: 增援}]
    duties:
      - {id: cordon, task: 封控现场, phase: initial, accountable: police}

Passes: add a duty with ``phase: reinforcement``.
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.references import masked
from coordctl.workspace import Workspace

ID = "phase-without-duty"
SEVERITY = "error"


def check(ws: Workspace) -> Iterator[Finding]:
    for entry in ws.valid("plan"):
        plan = entry.model
        covered = {duty.phase for duty in plan.duties}
        for index, phase in enumerate(plan.phases):
            if phase.id in covered or masked(ws, "phase", phase.id, plan=plan.id):
                continue
            yield Finding(entry.path, *entry.at("phases", index, "id"), SEVERITY, ID,
                          f"phase '{phase.id}' of plan '{plan.id}' has no duty: add a duty "
                          f"with phase: {phase.id}")
