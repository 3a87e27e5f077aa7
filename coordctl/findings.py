"""A finding: one problem at one place in the workspace."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

Severity = Literal["error", "warning"]

SETTINGS_FILE = "coordctl.yaml"


@dataclass(frozen=True, order=True)
class Finding:
    """One problem, at ``path:line:column`` (workspace-relative path, 1-based line and column)."""

    path: str
    line: int
    column: int
    severity: Severity
    rule: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.severity} {self.rule}: {self.message}"
