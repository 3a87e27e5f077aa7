"""plan-not-drilled: a plan needs a drill (done or planned) within drill_every of --today."""

from __future__ import annotations

import datetime as dt
import textwrap
import time

from conftest import BASE, SETTINGS

RULE = "plan-not-drilled"

PLAN = textwrap.dedent(BASE["plans/plan.yaml"])
DRILL = textwrap.dedent(BASE["plans/drill.yaml"])  # 2027-03-10, planned


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def drill_on(day: str, status: str = "planned") -> str:
    return DRILL.replace("2027-03-10", day).replace("status: planned", f"status: {status}")


def test_plan_with_no_drill(findings):
    found = findings({"plans/drill.yaml": None, "plans/action.yaml": None}, rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "warning", RULE)]
    assert "plan 'major-incident' has no drill" in found[0].message
    assert "P3Y" in found[0].message
    assert "never been drilled" in found[0].message


def test_planned_drill_within_the_period_passes(findings):
    assert findings(rule=RULE) == []


def test_done_drill_within_the_period_passes(findings):
    assert findings({"plans/drill.yaml": drill_on("2024-05-20", "done")}, rule=RULE) == []


def test_only_drill_too_long_ago(findings):
    found = findings({"plans/drill.yaml": drill_on("2023-05-20", "done")}, rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "warning", RULE)]
    assert "the last was on 2023-05-20" in found[0].message


def test_drill_exactly_drill_every_ago_passes(findings):
    assert findings({"plans/drill.yaml": drill_on("2023-11-28", "done")}, rule=RULE) == []


def test_drill_a_day_more_than_drill_every_ago(findings):
    found = findings({"plans/drill.yaml": drill_on("2023-11-27", "done")}, rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "warning", RULE)]


def test_today_moved_past_the_period(findings):
    # The drill of 2027-03-10 covers the plan until 2030-03-10.
    assert findings(rule=RULE, today=dt.date(2030, 3, 10)) == []
    found = findings(rule=RULE, today=dt.date(2030, 3, 11))
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "warning", RULE)]
    assert "2030-03-11" in found[0].message
    assert "the last was on 2027-03-10" in found[0].message


def test_today_moved_long_before_the_only_drill(findings):
    found = findings(rule=RULE, today=dt.date(2024, 3, 9))
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "warning", RULE)]
    assert "never been drilled" not in found[0].message
    assert "2027-03-10" in found[0].message


def test_cancelled_drill_does_not_count(findings):
    found = findings({"plans/drill.yaml": drill_on("2027-03-10", "cancelled")}, rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "warning", RULE)]


def test_drill_of_another_plan_does_not_count(findings):
    water = """\
        kind: plan
        id: water
        title: 水上救援预案
        owner: police
        phases: [{id: rescue, name: 救援}]
        duties: [{id: boat, task: 派船, phase: rescue, accountable: police}]
        """
    found = findings({"plans/water.yaml": water}, rule=RULE)
    assert [place(f) for f in found] == [("plans/water.yaml", 2, 5, "warning", RULE)]
    assert "plan 'water'" in found[0].message


def test_retired_plan_passes(findings):
    plan = PLAN.replace("status: approved", "status: retired")
    assert findings({"plans/plan.yaml": plan, "plans/drill.yaml": None,
                     "plans/action.yaml": None}, rule=RULE) == []


def test_drill_every_setting_applies(findings):
    settings = SETTINGS.replace("drill_every: P3Y", "drill_every: P1Y")
    found = findings({"plans/drill.yaml": drill_on("2025-10-01", "done")}, rule=RULE,
                     settings=settings)
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "warning", RULE)]
    assert "P1Y" in found[0].message
    assert findings({"plans/drill.yaml": drill_on("2025-12-01", "done")}, rule=RULE,
                    settings=settings) == []


def test_a_drill_period_in_minutes(findings):
    # Found by fuzzing: drill_every 5m crashed the rule (date-times compared with dates).
    settings = SETTINGS.replace("drill_every: P3Y", "drill_every: 5m")
    found = findings(rule=RULE, settings=settings)
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "warning", RULE)]
    assert "the next is only on 2027-03-10" in found[0].message
    assert findings({"plans/drill.yaml": drill_on("2026-11-28")}, rule=RULE,
                    settings=settings) == []


def test_repeating_drill_counts(findings):
    drill = DRILL.replace("duration: 3h}", "duration: 3h, repeat: FREQ=YEARLY}")
    assert findings({"plans/drill.yaml": drill.replace("2027-03-10", "2020-03-10")},
                    rule=RULE) == []


def test_repeating_drill_that_ended_long_ago(findings):
    drill = DRILL.replace("duration: 3h}", "duration: 3h, repeat: FREQ=YEARLY;COUNT=2}")
    found = findings({"plans/drill.yaml": drill.replace("2027-03-10", "2020-03-10")},
                     rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "warning", RULE)]
    assert "the last was on 2021-03-10" in found[0].message


def test_a_dense_repeating_drill_long_ago_is_quick(findings):
    # Found by fuzzing: the last occurrence before the period was found by walking every
    # occurrence from the start (millions of seconds of January): minutes of work.
    drill = DRILL.replace("duration: 3h}", "duration: 3h, repeat: 'FREQ=SECONDLY;BYMONTH=1'}")
    settings = SETTINGS.replace("drill_every: P3Y", "drill_every: P1M")
    began = time.perf_counter()
    found = findings({"plans/drill.yaml": drill.replace("2027-03-10", "2025-01-01")},
                     rule=RULE, settings=settings)
    assert time.perf_counter() - began < 5
    assert [place(f) for f in found] == [("plans/plan.yaml", 2, 5, "warning", RULE)]
    assert "the last was on 2026-01-31" in found[0].message
