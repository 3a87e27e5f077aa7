"""A document or setting that does not have the shape of DESIGN §2.

Missing or unknown fields (with "did you mean"), wrong types, bad ids, bad dates,
durations, repeat rules or time zones, a document without ``kind``, an unknown kind, an
empty file, and a schedule whose start is not an occurrence of its own repeat rule (calendar
clients disagree on such events). A document with a schema error still exists: references
to it resolve.

Fails::

    kind: meeting
    id: security-analysis
    titel: 联席会议                   # unknown field (did you mean 'title'?)
    schedule: {start: 2027-01-06T09:30, repeat: FREQ=MONTHLY;BYDAY=1TU}   # a Wednesday

Passes::

    kind: meeting
    id: security-analysis
    title: 联席会议
    convenor: political-legal
    schedule: {start: 2027-01-05T09:30, duration: 2h, repeat: FREQ=MONTHLY;BYDAY=1TU}
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "schema"
SEVERITY = "error"


def check(ws: Workspace) -> Iterator[Finding]:
    return (f for f in ws.findings if f.rule == ID)
