"""Departments whose ``parent`` chain loops.

A department's parent is the department it belongs to; following parents must end at a
department without one. Each loop is reported once, at the ``parent`` of its first
department in path order.

Fails::

    {kind: department, id: police, name: 公安局, parent: city-gov}
    {kind: department, id: city-gov, name: 市政府, parent: police}

Passes::

    {kind: department, id: police, name: 公安局, parent: city-gov}
    {kind: department, id: city-gov, name: 市政府}
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "parent-cycle"
SEVERITY = "error"


def check(ws: Workspace) -> Iterator[Finding]:
    parents = {ident: dept.parent for ident, dept in ws.departments.items() if dept.parent}
    done: set[str] = set()
    for start in parents:
        if start in done:
            continue
        chain: list[str] = []
        node: str | None = start
        while node is not None and node not in done and node not in chain:
            chain.append(node)
            node = parents.get(node)
        done.update(chain)
        if node is not None and node in chain:
            loop = chain[chain.index(node):]
            first = min((ws.entry("department", d) for d in loop),
                        key=lambda e: (e.path, e.line))
            at = loop.index(first.id)
            shown = " → ".join([*loop[at:], *loop[:at], first.id])
            yield Finding(first.path, *first.at("parent"), SEVERITY, ID,
                          f"the parent chain of department '{first.id}' loops: {shown}")
