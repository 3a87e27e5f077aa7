"""action-overdue: an open action past its due date."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from conftest import BASE

RULE = "action-overdue"

ACTION = textwrap.dedent(BASE["plans/action.yaml"])  # due 2027-06-30, open


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def test_open_action_past_its_due_date(findings):
    found = findings(rule=RULE, today=dt.date(2027, 7, 3))
    assert [place(f) for f in found] == [("plans/action.yaml", 6, 6, "warning", RULE)]
    assert "action 'a-001'" in found[0].message
    assert "'police'" in found[0].message
    assert "2027-06-30" in found[0].message
    assert "3 days ago" in found[0].message
    assert "still open" in found[0].message


def test_one_day_overdue_says_day(findings):
    found = findings(rule=RULE, today=dt.date(2027, 7, 1))
    assert [place(f) for f in found] == [("plans/action.yaml", 6, 6, "warning", RULE)]
    assert "1 day ago" in found[0].message


def test_due_today_is_not_overdue(findings):
    assert findings(rule=RULE, today=dt.date(2027, 6, 30)) == []


def test_due_in_the_future_passes(findings):
    assert findings(rule=RULE) == []


@pytest.mark.parametrize("status", ["done", "dropped"])
def test_closed_action_is_never_overdue(findings, status):
    action = ACTION.replace("status: open", f"status: {status}\nclosed: 2027-07-10")
    assert findings({"plans/action.yaml": action}, rule=RULE,
                    today=dt.date(2030, 1, 1)) == []


def test_action_without_status_is_open(findings):
    action = ACTION.replace("status: open\n", "")
    found = findings({"plans/action.yaml": action}, rule=RULE, today=dt.date(2027, 7, 1))
    assert [place(f) for f in found] == [("plans/action.yaml", 6, 6, "warning", RULE)]
