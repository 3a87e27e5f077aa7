"""The check rules (DESIGN §4): an explicit registry of one module per rule.

Each module has a docstring (what it finds, a failing and a passing example), ``ID``,
``SEVERITY`` and ``check(workspace) -> Iterator[Finding]``, and may have ``prepare`` (see
``run``). ``docs/rules.md`` and the
README's rule table are generated from the docstrings (``python -m coordctl.rules``).
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from coordctl.findings import Finding
    from coordctl.workspace import Workspace

#: Rule ID -> module under ``coordctl.rules``, in the order of DESIGN §4.
REGISTRY: dict[str, str] = {
    "yaml-syntax": "yaml_syntax",
    "schema": "schema",
    "duplicate-id": "duplicate_id",
    "unknown-ref": "unknown_ref",
    "parent-cycle": "parent_cycle",
    "department-without-duty": "department_without_duty",
    "plan-member-without-duty": "plan_member_without_duty",
    "phase-without-duty": "phase_without_duty",
    "plan-not-drilled": "plan_not_drilled",
    "plan-review-overdue": "plan_review_overdue",
    "action-overdue": "action_overdue",
    "department-unreachable": "department_unreachable",
    "drill-outcome-missing": "drill_outcome_missing",
    "schedule-conflict": "schedule_conflict",
    "blackout-date": "blackout_date",
    "repeat-portability": "repeat_portability",
    "approval-stale": "approval_stale",
}

RULE_IDS: tuple[str, ...] = tuple(REGISTRY)


def rule(rule_id: str) -> ModuleType:
    """The module of rule ``rule_id``."""
    return importlib.import_module(f"coordctl.rules.{REGISTRY[rule_id]}")


def all_rules() -> list[ModuleType]:
    return [rule(rule_id) for rule_id in RULE_IDS]


def run(ws: Workspace, rule_ids: Iterable[str] = RULE_IDS) -> list[Finding]:
    """Findings of the given rules on ``ws``, sorted by path, line and column.

    A rule may also have ``prepare(workspace) -> bool``: it starts slow outside work (a
    git listing) and returns True, and the rule then runs after the others, so that the
    two overlap."""
    modules = [rule(rule_id) for rule_id in rule_ids]
    waiting = [m for m in modules if hasattr(m, "prepare") and m.prepare(ws)]
    found: list[Finding] = []
    for module in [*(m for m in modules if m not in waiting), *waiting]:
        found.extend(module.check(ws))
    return sorted(set(found))
