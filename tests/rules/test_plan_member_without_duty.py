"""plan-member-without-duty: each department in a plan's departments holds a duty in it."""

from __future__ import annotations

import textwrap

from conftest import BASE

RULE = "plan-member-without-duty"

PLAN = textwrap.dedent(BASE["plans/plan.yaml"])


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def test_member_without_a_duty_in_the_plan(findings):
    plan = PLAN.replace("departments: [police, health]",
                        "departments: [police, health, city-gov]")
    found = findings({"plans/plan.yaml": plan}, rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 7, 31, "error", RULE)]
    assert "department 'city-gov'" in found[0].message
    assert "plan 'major-incident'" in found[0].message
    assert "holds no duty in it" in found[0].message


def test_member_given_a_duty_passes(findings):
    plan = PLAN.replace("departments: [police, health]",
                        "departments: [police, health, city-gov]") \
        .replace("informed: [city-gov]", "responsible: [city-gov]") \
        .replace("    responsible: [health, police]\n", "")
    assert findings({"plans/plan.yaml": plan}, rule=RULE) == []


def test_member_holding_duties_only_in_another_plan_is_reported(findings):
    water = """\
        kind: plan
        id: water
        title: 水上救援预案
        owner: health
        departments: [health, police]
        phases: [{id: rescue, name: 救援}]
        duties: [{id: boat, task: 派船, phase: rescue, accountable: health}]
        """
    found = findings({"plans/water.yaml": water}, rule=RULE)
    assert [place(f) for f in found] == [("plans/water.yaml", 5, 23, "error", RULE)]
    assert "department 'police'" in found[0].message
    assert "plan 'water'" in found[0].message


def test_member_only_consulted_or_informed_is_reported(findings):
    plan = PLAN.replace("departments: [police, health]",
                        "departments: [police, city-gov]")
    found = findings({"plans/plan.yaml": plan}, rule=RULE)
    # city-gov is only informed of triage.
    assert [place(f) for f in found] == [("plans/plan.yaml", 7, 23, "error", RULE)]


def test_responsible_member_passes(findings):
    # police is accountable for cordon and responsible for triage; health accountable.
    assert findings(rule=RULE) == []


def test_plan_without_departments_passes(findings):
    plan = PLAN.replace("departments: [police, health]\n", "")
    assert findings({"plans/plan.yaml": plan}, rule=RULE) == []


def test_exempt_member_is_still_reported(findings):
    # exempt is about holding duties anywhere; a plan that lists a department expects it.
    plan = PLAN.replace("departments: [police, health]",
                        "departments: [city-gov, police, health]")
    found = findings({"plans/plan.yaml": plan}, rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 7, 15, "error", RULE)]


def test_unknown_member_is_left_to_unknown_ref(findings):
    plan = PLAN.replace("departments: [police, health]",
                        "departments: [police, health, fire]")
    found = findings({"plans/plan.yaml": plan})
    assert [(f.rule, f.line, f.column) for f in found] == [("unknown-ref", 7, 31)]
