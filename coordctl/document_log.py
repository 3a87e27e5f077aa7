"""``coordctl log KIND/ID``: the history of one document, with what each commit changed."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from coordctl.diff import FieldChange, _field_line
from coordctl.errors import CoordctlError, UnknownDocument
from coordctl.history import Repository, Revision
from coordctl.workspace import KINDS


@dataclass
class LogEntry:
    revision: Revision
    change: str  # added | removed | modified
    fields: list[FieldChange]


def parse_ref(text: str) -> tuple[str, str]:
    """``plan/major-incident`` -> ("plan", "major-incident")."""
    kind, sep, ident = text.partition("/")
    if not sep or not ident:
        raise CoordctlError(f"'{text}' is not KIND/ID, e.g. plan/major-incident")
    if kind not in KINDS:
        from coordctl.validation import did_you_mean  # (imports pydantic: only here)

        raise CoordctlError(f"unknown kind '{kind}'{did_you_mean(kind, KINDS)}: use one of "
                            f"{', '.join(KINDS)}")
    return kind, ident


def document_log(repo: Repository, kind: str, ident: str, rev: str = "HEAD") -> list[LogEntry]:
    """Every commit up to ``rev`` that changed ``kind/ident``, newest first."""
    entries = [LogEntry(revision, change, fields)
               for revision, change, fields in repo.document_log(kind, ident, rev)]
    if not entries:
        raise UnknownDocument(f"no commit up to {rev} changed {kind}/{ident}: is the id right "
                              "and the document committed?")
    return entries


def format_text(kind: str, ident: str, entries: list[LogEntry]) -> str:
    lines = []
    for entry in entries:
        rev = entry.revision
        lines.append(f"commit {rev.sha}")
        lines.append(f"Author: {rev.author} <{rev.email}>")
        lines.append(f"Date:   {rev.date.isoformat()}")
        lines.append("")
        lines.append(f"    {rev.subject}")
        lines.append("")
        if entry.change != "modified":
            lines.append(f"    {entry.change} {kind}/{ident}")
        lines.extend(f"    {_field_line(f)}" for f in entry.fields)
        lines.append("")
    return "\n".join(lines)


def as_dict(kind: str, ident: str, entries: list[LogEntry]) -> dict[str, Any]:
    return {"document": f"{kind}/{ident}",
            "commits": [{**e.revision.as_dict(), "change": e.change,
                         "fields": [asdict(f) for f in e.fields]} for e in entries]}


def format_json(kind: str, ident: str, entries: list[LogEntry]) -> str:
    return json.dumps(as_dict(kind, ident, entries), ensure_ascii=False, indent=2) + "\n"
