"""A file that is not valid YAML, or has a duplicate key in one mapping.

The finding points at the line where YAML reading stopped; the documents before it in
the same file are still read. A duplicate key is reported at its second occurrence,
because YAML would silently keep only one value.

Fails::

    kind: department
    id: police
    name: 市公安局
    name: Public Security Bureau     # duplicate key

Passes::

    kind: department
    id: police
    name: {zh-CN: 市公安局, en: Public Security Bureau}
"""

from __future__ import annotations

from collections.abc import Iterator

from coordctl.findings import Finding
from coordctl.workspace import Workspace

ID = "yaml-syntax"
SEVERITY = "error"


def check(ws: Workspace) -> Iterator[Finding]:
    return (f for f in ws.findings if f.rule == ID)
