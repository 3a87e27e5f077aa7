"""A plan whose duties, phases or levels changed (in git) after its ``reviewed`` date.

An approved plan is approved as reviewed; when a later commit changes who does what
(``duties``), the response phases or the levels, the plan needs a new review. The
finding names the newest such commit. A commit that also updates ``reviewed`` is the
re-approval itself and does not count, nor does the commit that added the plan. Dates
are compared in the workspace time zone. Without git history (not a repository, no
commits, a shallow clone) the rule does not run, and ``check`` says so on stderr.

Fails (reviewed 2026-03-01)::

    commit 2026-05-02 "Move cordon to armed police":
      duties[cordon].accountable: police → armed-police

Passes: the same commit also sets ``reviewed: 2026-05-02``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "approval-stale"
SEVERITY = "warning"

WATCHED = ("duties", "phases", "levels")


def _watched(ws: Workspace) -> tuple[list, dict[str, dt.date]]:
    """The plans to look at, and path -> the earliest review of a plan in that file."""
    plans = [e for e in ws.valid("plan") if e.model.reviewed is not None
             and e.model.status != "retired"]
    # Only commits after a plan's review can make it stale: read just those changes of
    # the files that hold plans (a file holding several counts from its earliest review).
    watch: dict[str, dt.date] = {}
    for entry in plans:
        watch[entry.path] = min(watch.get(entry.path, entry.model.reviewed),
                                entry.model.reviewed)
    return plans, watch


def prepare(ws: Workspace) -> bool:
    """Start listing the commits ``check`` reads, so that git works while the other
    rules run; True when it started (this rule then runs last)."""
    plans, watch = _watched(ws)
    return bool(plans) and ws.prefetch_history_since(min(watch.values()))


def check(ws: Workspace) -> Iterator[Finding]:
    plans, watch = _watched(ws)
    if not plans:
        return
    histories = ws.history_since(min(watch.values()), watch=watch, kinds=("plan",))
    if histories is None:
        return
    for entry in plans:
        plan = entry.model
        history = histories.get(("plan", plan.id))
        if history is None:
            continue
        for revision, changed in zip(history.revisions, history.fields, strict=True):
            if changed is None or any(f == "reviewed" for f in changed):
                continue
            if not any(f.startswith(WATCHED) for f in changed):
                continue
            day = revision.date.astimezone(ws.tz).date()
            if day > plan.reviewed:
                fields = ", ".join(f for f in changed if f.startswith(WATCHED))
                yield Finding(entry.path, *entry.at("reviewed"), SEVERITY, ID,
                              f"plan '{plan.id}' was reviewed on {plan.reviewed}, but commit "
                              f"{revision.short} ({day}, {revision.author}: "
                              f"\"{revision.subject}\") changed {fields} afterwards: review "
                              "the plan and update 'reviewed'")
            break  # only the newest change of duties, phases or levels matters
