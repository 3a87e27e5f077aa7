"""A repeat rule that mainstream calendar clients (Outlook) cannot show.

Outlook shows only simple rules: one FREQ of daily or longer, BYDAY with at most one
ordinal weekday, INTERVAL, COUNT or UNTIL. Rules with several ordinal weekdays
(``BYDAY=2TU,4TU``), BYSETPOS, BYYEARDAY, BYWEEKNO, BYHOUR/BYMINUTE/BYSECOND or a
frequency below daily are shown wrongly or not at all there: split the event in two.

Fails::

    schedule: {start: 2027-01-12T09:30, repeat: FREQ=MONTHLY;BYDAY=2TU,4TU}

Passes::

    schedule: {start: 2027-01-12T09:30, repeat: FREQ=MONTHLY;BYDAY=2TU}
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.schedule import portability_problems
from coordctl.workspace import Workspace

ID = "repeat-portability"
SEVERITY = "warning"


def check(ws: Workspace) -> Iterator[Finding]:
    for kind in ("meeting", "drill"):
        for entry in ws.valid(kind):
            rule = entry.model.schedule.repeat
            problems = portability_problems(rule) if rule else []
            if problems:
                yield Finding(entry.path, *entry.at("schedule", "repeat"), SEVERITY, ID,
                              f"the repeat rule of {kind} '{entry.id}' uses "
                              f"{', '.join(problems)}, which Outlook and other mainstream "
                              "clients cannot show: use simpler rules (split the event)")
