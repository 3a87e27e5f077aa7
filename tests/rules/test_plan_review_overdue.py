"""plan-review-overdue: reviewed longer ago than policy.review_every."""

from __future__ import annotations

import datetime as dt
import textwrap

from conftest import BASE, SETTINGS

RULE = "plan-review-overdue"

PLAN = textwrap.dedent(BASE["plans/plan.yaml"])  # reviewed: 2026-03-01, approved


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def reviewed(day: str) -> dict[str, str]:
    return {"plans/plan.yaml": PLAN.replace("reviewed: 2026-03-01", f"reviewed: {day}")}


def test_review_older_than_review_every(findings):
    found = findings(reviewed("2023-03-01"), rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 6, 11, "warning", RULE)]
    assert "plan 'major-incident'" in found[0].message
    assert "2023-03-01" in found[0].message
    assert "2026-03-01" in found[0].message  # when it was due
    assert "P3Y" in found[0].message


def test_recent_review_passes(findings):
    assert findings(rule=RULE) == []


def test_due_exactly_today_is_not_overdue(findings):
    # reviewed 2023-11-28 + P3Y = 2026-11-28 = TODAY.
    assert findings(reviewed("2023-11-28"), rule=RULE) == []


def test_due_yesterday_is_overdue(findings):
    found = findings(reviewed("2023-11-27"), rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 6, 11, "warning", RULE)]
    assert "2026-11-27" in found[0].message


def test_today_moved(findings):
    assert findings(rule=RULE, today=dt.date(2029, 3, 1)) == []
    found = findings(rule=RULE, today=dt.date(2029, 3, 2))
    assert [place(f) for f in found] == [("plans/plan.yaml", 6, 11, "warning", RULE)]


def test_review_every_setting_applies(findings):
    settings = SETTINGS.replace("review_every: P3Y", "review_every: P6M")
    found = findings(rule=RULE, settings=settings)
    assert [place(f) for f in found] == [("plans/plan.yaml", 6, 11, "warning", RULE)]
    assert "2026-09-01" in found[0].message


def test_approved_plan_without_a_review_date(findings):
    plan = PLAN.replace("reviewed: 2026-03-01\n", "")
    found = findings({"plans/plan.yaml": plan}, rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 5, 9, "warning", RULE)]
    assert "no 'reviewed' date" in found[0].message


def test_draft_plan_without_a_review_date_passes(findings):
    plan = PLAN.replace("reviewed: 2026-03-01\n", "").replace("status: approved",
                                                               "status: draft")
    assert findings({"plans/plan.yaml": plan}, rule=RULE) == []


def test_retired_plan_passes(findings):
    plan = PLAN.replace("reviewed: 2026-03-01", "reviewed: 2010-01-01") \
        .replace("status: approved", "status: retired")
    assert findings({"plans/plan.yaml": plan}, rule=RULE) == []


def test_a_review_period_in_minutes(findings):
    # Found by fuzzing: review_every 5m crashed the rule (date-time compared with a date).
    settings = SETTINGS.replace("review_every: P3Y", "review_every: 5m")
    found = findings(rule=RULE, settings=settings)
    assert [place(f) for f in found] == [("plans/plan.yaml", 6, 11, "warning", RULE)]
    assert "due by 2026-03-01 (every 5m)" in found[0].message
