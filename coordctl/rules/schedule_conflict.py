"""A department expected at two events that overlap.

A department is expected at a meeting it convenes or attends and at a drill it takes
part in (a drill without ``participants`` involves every duty holder of its plan).
Occurrences from ``--today`` for two years are compared; cancelled drills do not count.
Each pair of events is reported once, at the start of the one written later.

Fails::

    {kind: meeting, id: analysis, convenor: political-legal, members: [police],
     schedule: {start: 2027-01-05T09:30, duration: 2h, repeat: FREQ=MONTHLY;BYDAY=1TU}}
    {kind: drill, id: cordon-2027, participants: [police],
     schedule: {start: 2027-01-05T10:00, duration: 3h}, ...}

Passes: move the drill to 2027-01-06.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Entry, Workspace

ID = "schedule-conflict"
SEVERITY = "warning"

#: How far ahead of --today occurrences are compared.
HORIZON = dt.timedelta(days=731)
#: At most this many occurrences of one event are compared.
PER_EVENT = 1000


def events(ws: Workspace) -> Iterator[tuple[Entry, list[str]]]:
    """Meetings and (not cancelled) drills with the departments expected at them."""
    for entry in ws.valid("meeting"):
        meeting = entry.model
        yield entry, list(dict.fromkeys([meeting.convenor, *meeting.members]))
    for entry in ws.valid("drill"):
        if entry.model.status != "cancelled":
            yield entry, list(dict.fromkeys(ws.drill_participants(entry.model)))


def check(ws: Workspace) -> Iterator[Finding]:
    start = dt.datetime.combine(ws.today, dt.time())
    end = start + HORIZON
    slots: dict[str, list[tuple[dt.datetime, dt.datetime, int]]] = {}
    entries: list[Entry] = []
    for entry, departments in events(ws):
        occurrences = ws.occurrences(entry.model.schedule, start, end, limit=PER_EVENT)
        if not occurrences or not departments:
            continue
        entries.append(entry)
        number = len(entries) - 1
        for occ in occurrences:
            for dept in departments:
                slots.setdefault(dept, []).append((occ.start, occ.end, number))
    clashes: dict[tuple[int, int], tuple[dt.datetime, set[str]]] = {}
    for dept, items in slots.items():
        items.sort()
        open_items: list[tuple[dt.datetime, dt.datetime, int]] = []
        for begin, finish, number in items:
            open_items = [item for item in open_items if item[1] > begin]
            for _, _, other in open_items:
                if other == number:
                    continue
                pair = (min(number, other), max(number, other))
                first, depts = clashes.setdefault(pair, (begin, set()))
                depts.add(dept)
                clashes[pair] = (min(first, begin), depts)
            open_items.append((begin, finish, number))
    for (a, b), (moment, depts) in sorted(clashes.items()):
        one, two = sorted((entries[a], entries[b]), key=lambda e: (e.path, e.line))
        yield Finding(two.path, *two.at("schedule", "start"), SEVERITY, ID,
                      f"{two.kind} '{two.id}' overlaps {one.kind} '{one.id}' on "
                      f"{moment:%Y-%m-%d %H:%M} for {', '.join(sorted(depts))}")
