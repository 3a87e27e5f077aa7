"""phase-without-duty: every phase of a plan has a duty."""

from __future__ import annotations

import textwrap

from conftest import BASE

RULE = "phase-without-duty"

PLAN = textwrap.dedent(BASE["plans/plan.yaml"])

WITH_REINFORCEMENT = PLAN.replace(
    "  - {id: specialist, name: 专业处置, within: 30m}",
    "  - {id: reinforcement, name: 增援, within: 15m}\n"
    "  - {id: specialist, name: 专业处置, within: 30m}")


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def test_phase_without_a_duty(findings):
    found = findings({"plans/plan.yaml": WITH_REINFORCEMENT}, rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 13, 10, "error", RULE)]
    assert "phase 'reinforcement' of plan 'major-incident' has no duty" in found[0].message


def test_phase_given_a_duty_passes(findings):
    plan = WITH_REINFORCEMENT + (
        "  - id: support\n"
        "    task: 增援\n"
        "    phase: reinforcement\n"
        "    accountable: police\n")
    assert findings({"plans/plan.yaml": plan}, rule=RULE) == []


def test_every_phase_without_duties_is_reported(findings):
    plan = PLAN[:PLAN.index("duties:")] + "duties: []\n"
    found = findings({"plans/plan.yaml": plan}, rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 12, 10, "error", RULE),
                                         ("plans/plan.yaml", 13, 10, "error", RULE)]


def test_phase_with_the_same_id_in_another_plan_does_not_count(findings):
    water = """\
        kind: plan
        id: water
        title: 水上救援预案
        owner: police
        phases: [{id: initial, name: 先期处置}, {id: rescue, name: 救援}]
        duties: [{id: boat, task: 派船, phase: rescue, accountable: police}]
        """
    found = findings({"plans/water.yaml": water}, rule=RULE)
    assert [place(f) for f in found] == [("plans/water.yaml", 5, 15, "error", RULE)]
    assert "phase 'initial' of plan 'water'" in found[0].message


def test_plan_without_phases_passes(findings):
    water = """\
        kind: plan
        id: water
        title: 水上救援预案
        owner: police
        status: draft
        """
    assert findings({"plans/water.yaml": water}, rule=RULE) == []
