"""A department that holds duties but has no contact reachable 24/7.

In an emergency every department with a duty must be reachable at any hour: at least one
of its ``contacts`` needs ``always: true``.

Fails::

    {kind: department, id: health, name: 卫健委,
     contacts: [{role: 办公室, phone: "0771-5550000"}]}

Passes::

    contacts: [{role: 24小时值班室, phone: "0771-5550000", always: true}]
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "department-unreachable"
SEVERITY = "warning"


def check(ws: Workspace) -> Iterator[Finding]:
    for entry in ws.valid("department"):
        dept = entry.model
        if dept.id not in ws.holdings or any(c.always for c in dept.contacts):
            continue
        where = entry.at("contacts") if "contacts" in entry.raw else entry.at("id")
        yield Finding(entry.path, *where, SEVERITY, ID,
                      f"department '{dept.id}' holds duties but has no contact reachable "
                      "24/7: add a contact with always: true")
