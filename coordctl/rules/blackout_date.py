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
    begin = dt.datetime.combine(min(span.first for span in ranges), dt.time())
    finish = dt.datetime.combine(max(span.last for span in ranges) + dt.timedelta(days=1),
                                 dt.time())
    for kind in ("meeting", "drill"):
        for entry in ws.valid(kind):
            event = entry.model
            if kind == "drill" and event.status == "cancelled":
                continue
            days: set[dt.date] = set()
            schedule = event.schedule
            if not schedule.repeat:  # one date: no expansion needed
                day = schedule.start.date()
                if day not in schedule.except_ and any(day in span for span in ranges):
                    days.add(day)
            else:  # one expansion over the whole blackout period, then the ranges
                dates = [o.start.date() for o in ws.occurrences(schedule, begin, finish)]
                days.update(day for day in dates if any(day in span for span in ranges))
            if days:
                shown = ", ".join(str(d) for d in sorted(days))
                advice = ("skip them in schedule.except or move it" if event.schedule.repeat
                          else "move it")
                yield Finding(entry.path, *entry.at("schedule", "start"), SEVERITY, ID,
                              f"{kind} '{event.id}' falls on blackout date(s) {shown}: "
                              f"{advice}")
