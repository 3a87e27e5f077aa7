"""A department that holds no duty in any plan and is not ``exempt``.

Every department must be accountable or responsible for at least one duty in some plan:
that is what the coordination system exists to guarantee. A department that is not
expected to hold duties says why in ``exempt``.

Fails::

    {kind: department, id: maritime, name: 海事局}     # named in no duty

Passes::

    {kind: department, id: maritime, name: 海事局}
    # and in a plan: duties: [{id: patrol, ..., accountable: maritime}]
    # or: {kind: department, id: city-gov, name: 市政府, exempt: 统筹协调}
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.references import masked
from coordctl.workspace import Workspace

ID = "department-without-duty"
SEVERITY = "error"


def check(ws: Workspace) -> Iterator[Finding]:
    # Holders in plans with a schema error or in text a YAML error left unread count too:
    # that error is the one finding.
    held = set(ws.holdings) | ws.salvaged_holders | ws.unread_words
    for second, _ in ws.duplicates:  # a plan whose id is taken still assigns its duties
        if second.kind == "plan" and second.model is not None:
            held.update(dept for duty in second.model.duties for dept in duty.holders)
    for entry in ws.valid("department"):
        dept = entry.model
        if dept.exempt.strip() or dept.id in held:
            continue
        if masked(ws, "department", dept.id):
            continue
        yield Finding(entry.path, *entry.at("id"), SEVERITY, ID,
                      f"department '{dept.id}' holds no duty in any plan: make it accountable "
                      "or responsible for a duty, or give the reason in 'exempt'")
