"""The rule registry: one documented module per rule of DESIGN §4."""

from __future__ import annotations

import importlib
import inspect
import re

import pytest
from conftest import TODAY

from coordctl.findings import Finding
from coordctl.rules import REGISTRY, RULE_IDS, all_rules, rule, run

#: DESIGN §4, in its order: rule -> severity (the user-facing contract).
DESIGN_RULES = {
    "yaml-syntax": "error",
    "schema": "error",
    "duplicate-id": "error",
    "unknown-ref": "error",
    "parent-cycle": "error",
    "department-without-duty": "error",
    "plan-member-without-duty": "error",
    "phase-without-duty": "error",
    "plan-not-drilled": "warning",
    "plan-review-overdue": "warning",
    "action-overdue": "warning",
    "department-unreachable": "warning",
    "drill-outcome-missing": "warning",
    "schedule-conflict": "warning",
    "blackout-date": "warning",
    "repeat-portability": "warning",
    "approval-stale": "warning",
}

#: Rules of DESIGN §4 that may be missing from the registry (they need git history).
OPTIONAL = {"approval-stale"}


def test_every_design_rule_is_registered():
    missing = [r for r in DESIGN_RULES if r not in REGISTRY and r not in OPTIONAL]
    assert missing == []


def test_only_design_rules_are_registered():
    assert [r for r in REGISTRY if r not in DESIGN_RULES] == []


def test_registry_follows_the_design_order():
    assert list(RULE_IDS) == [r for r in DESIGN_RULES if r in REGISTRY]


@pytest.mark.parametrize("rule_id", list(REGISTRY))
def test_module_exists_with_its_id(rule_id):
    module = importlib.import_module(f"coordctl.rules.{REGISTRY[rule_id]}")
    assert rule_id == module.ID
    assert rule(rule_id) is module
    assert REGISTRY[rule_id] == rule_id.replace("-", "_")


@pytest.mark.parametrize("rule_id", list(REGISTRY))
def test_severity_matches_the_design(rule_id):
    assert DESIGN_RULES[rule_id] == rule(rule_id).SEVERITY


@pytest.mark.parametrize("rule_id", list(REGISTRY))
def test_docstring_says_what_it_finds_with_a_failing_and_a_passing_example(rule_id):
    doc = inspect.getdoc(rule(rule_id))
    assert doc, f"{rule_id} has no docstring"
    summary = doc.split("\n\n")[0]
    assert len(summary) > 20
    assert re.search(r"^Fails\b", doc, re.MULTILINE), f"{rule_id}: no failing example"
    assert re.search(r"^Passes\b", doc, re.MULTILINE), f"{rule_id}: no passing example"
    assert doc.index("Fails") < doc.index("Passes")


@pytest.mark.parametrize("rule_id", list(REGISTRY))
def test_check_is_a_function_of_the_workspace(rule_id):
    check = rule(rule_id).check
    assert callable(check)
    assert list(inspect.signature(check).parameters) == ["ws"]


def test_all_rules_lists_every_module_once():
    modules = all_rules()
    assert [m.ID for m in modules] == list(RULE_IDS)


def test_findings_carry_their_rule_id_and_severity(make_workspace):
    from coordctl.workspace import load

    files = {
        "plans/broken.yaml": "kind: department\nid: x: y\n",
        "plans/extra.yaml": """\
            kind: department
            id: maritime
            name: 海事局
            colour: blue
            ---
            kind: department
            id: port
            name: 港务局
            """,
    }
    ws = load(make_workspace(files), today=TODAY)
    found = run(ws)
    assert found == sorted(found)
    assert {"yaml-syntax", "schema", "department-without-duty"} <= {f.rule for f in found}
    for finding in found:
        assert isinstance(finding, Finding)
        assert finding.severity == DESIGN_RULES[finding.rule]


def test_base_workspace_passes_every_rule(make_workspace):
    from coordctl.workspace import load

    assert run(load(make_workspace(), today=TODAY)) == []
