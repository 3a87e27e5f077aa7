"""A department in a plan's ``departments`` that holds no duty in that plan.

``departments`` lists who the plan expects to act; each of them must be accountable or
responsible for at least one of the plan's duties.

Fails::

    departments: [police, health]
    duties:
      - {id: cordon, task: 封控现场, phase: initial, accountable: police}

Passes::

    departments: [police, health]
    duties:
      - {id: cordon, task: 封控现场, phase: initial, accountable: police}
      - {id: triage, task: 医疗救护, phase: initial, accountable: health}
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.references import masked
from coordctl.workspace import Workspace

ID = "plan-member-without-duty"
SEVERITY = "error"


def check(ws: Workspace) -> Iterator[Finding]:
    for entry in ws.valid("plan"):
        plan = entry.model
        holders = set(ws.plan_holders(plan))
        for index, member in enumerate(plan.departments or []):
            if member in holders or not ws.exists("department", member):
                continue  # an unknown department is reported by unknown-ref
            if masked(ws, "department", member, plan=plan.id):
                continue
            yield Finding(entry.path, *entry.at("departments", index), SEVERITY, ID,
                          f"department '{member}' is listed in plan '{plan.id}' but holds no "
                          "duty in it: make it accountable or responsible for one, or remove "
                          "it from departments")
