"""drill-outcome-missing: a drill in the past still planned."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from conftest import BASE

RULE = "drill-outcome-missing"

DRILL = textwrap.dedent(BASE["plans/drill.yaml"])  # 2027-03-10T09:00, planned


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def test_past_drill_still_planned(findings):
    found = findings(rule=RULE, today=dt.date(2027, 3, 11))
    assert [place(f) for f in found] == [("plans/drill.yaml", 7, 9, "warning", RULE)]
    assert "drill 'tabletop-2027'" in found[0].message
    assert "2027-03-10" in found[0].message
    assert "still planned" in found[0].message


def test_drill_today_is_not_yet_missing_its_outcome(findings):
    assert findings(rule=RULE, today=dt.date(2027, 3, 10)) == []


def test_future_drill_passes(findings):
    assert findings(rule=RULE) == []


@pytest.mark.parametrize("status", ["done", "cancelled"])
def test_past_drill_with_an_outcome_passes(findings, status):
    drill = DRILL.replace("status: planned", f"status: {status}")
    assert findings({"plans/drill.yaml": drill}, rule=RULE,
                    today=dt.date(2027, 3, 11)) == []


def test_past_drill_without_status_is_planned_and_reported_at_its_id(findings):
    drill = DRILL.replace("status: planned\n", "")
    found = findings({"plans/drill.yaml": drill}, rule=RULE, today=dt.date(2027, 3, 11))
    assert [place(f) for f in found] == [("plans/drill.yaml", 2, 5, "warning", RULE)]
