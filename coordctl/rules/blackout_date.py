"""An occurrence of a meeting or drill on a ``calendar.blackout`` date.

Blackout dates (public holidays, major events) have no drills or meetings. A repeating
event that meets one should skip it in ``schedule.except``. One finding per event lists
its blackout dates. Cancelled drills are not checked.

Fails (blackout: [2027-10-01/2027-10-07])::

    schedule: {start: 2027-01-05T09:30, repeat: FREQ=MONTHLY;BYDAY=1TU}   # meets 2027-10-05

Passes::

    schedule: {start: 2027-01-05T09:30, repeat: FREQ=MONTHLY;BYDAY=1TU, except: [2027-10-05]}
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "blackout-date"
SEVERITY = "warning"


def check(ws: Workspace) -> Iterator[Finding]:
    ranges = ws.settings.calendar.blackout
    if not ranges:
        return
    for kind in ("meeting", "drill"):
        for entry in ws.valid(kind):
            event = entry.model
            if kind == "drill" and event.status == "cancelled":
                continue
            days: set[dt.date] = set()
            for span in ranges:
                begin = dt.datetime.combine(span.first, dt.time())
                finish = dt.datetime.combine(span.last + dt.timedelta(days=1), dt.time())
                days.update(o.start.date() for o in ws.occurrences(event.schedule, begin,
                                                                   finish, limit=400))
            if days:
                shown = ", ".join(str(d) for d in sorted(days))
                advice = ("skip them in schedule.except or move it" if event.schedule.repeat
                          else "move it")
                yield Finding(entry.path, *entry.at("schedule", "start"), SEVERITY, ID,
                              f"{kind} '{event.id}' falls on blackout date(s) {shown}: "
                              f"{advice}")
