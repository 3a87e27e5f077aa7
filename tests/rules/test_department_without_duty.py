"""department-without-duty: every department holds a duty somewhere, or says why not."""

from __future__ import annotations

import textwrap

from conftest import BASE

RULE = "department-without-duty"

PLAN = textwrap.dedent(BASE["plans/plan.yaml"])

MARITIME = """\
    kind: department
    id: maritime
    name: 海事局
    contacts: [{role: 值班室, always: true}]
    """

WATER_PLAN = """\
    kind: plan
    id: water
    title: 水上救援预案
    owner: police
    phases: [{id: rescue, name: 救援}]
    duties:
      - {id: boat, task: 派船, phase: rescue, accountable: police, responsible: [ROLE]}
    """


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def test_department_named_in_no_duty(findings):
    found = findings({"plans/maritime.yaml": MARITIME}, rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 2, 5, "error", RULE)]
    assert "department 'maritime' holds no duty" in found[0].message
    assert "exempt" in found[0].message


def test_accountable_for_a_duty_passes(findings):
    plan = WATER_PLAN.replace("accountable: police, responsible: [ROLE]",
                              "accountable: maritime")
    assert findings({"plans/maritime.yaml": MARITIME, "plans/water.yaml": plan},
                    rule=RULE) == []


def test_responsible_for_a_duty_passes(findings):
    plan = WATER_PLAN.replace("ROLE", "police, maritime")
    assert findings({"plans/maritime.yaml": MARITIME, "plans/water.yaml": plan},
                    rule=RULE) == []


def test_accountable_in_one_plan_and_absent_from_another_passes(findings):
    # maritime holds nothing in major-incident, but a duty in water: that is enough.
    plan = WATER_PLAN.replace("accountable: police, responsible: [ROLE]",
                              "accountable: maritime")
    assert findings({"plans/maritime.yaml": MARITIME, "plans/water.yaml": plan,
                     "plans/plan.yaml": PLAN}, rule=RULE) == []


def test_only_consulted_or_informed_does_not_count(findings):
    plan = WATER_PLAN.replace("responsible: [ROLE]",
                              "consulted: [maritime], informed: [maritime]")
    found = findings({"plans/maritime.yaml": MARITIME, "plans/water.yaml": plan},
                     rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 2, 5, "error", RULE)]


def test_plan_owner_or_member_only_does_not_count(findings):
    plan = WATER_PLAN.replace("owner: police", "owner: maritime") \
        .replace("responsible: [ROLE]", "responsible: [police]")
    found = findings({"plans/maritime.yaml": MARITIME, "plans/water.yaml": plan},
                     rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 2, 5, "error", RULE)]


def test_responsible_list_without_the_accountable_one_still_counts_it(findings):
    # accountable always holds the duty, even when responsible names others.
    plan = WATER_PLAN.replace("accountable: police, responsible: [ROLE]",
                              "accountable: maritime, responsible: [police]")
    assert findings({"plans/maritime.yaml": MARITIME, "plans/water.yaml": plan},
                    rule=RULE) == []


def test_exempt_department_passes(findings):
    exempt = MARITIME.replace("name: 海事局", "name: 海事局\n    exempt: 由交通运输局统筹")
    assert findings({"plans/maritime.yaml": exempt}, rule=RULE) == []


def test_blank_exempt_is_not_a_reason(findings):
    blank = MARITIME.replace("name: 海事局", "name: 海事局\n    exempt: '  '")
    found = findings({"plans/maritime.yaml": blank}, rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 2, 5, "error", RULE)]


def test_duty_in_a_retired_or_draft_plan_counts(findings):
    plan = WATER_PLAN.replace("accountable: police, responsible: [ROLE]",
                              "accountable: maritime").replace("owner: police",
                                                               "owner: police\n    status: draft")
    assert findings({"plans/maritime.yaml": MARITIME, "plans/water.yaml": plan},
                    rule=RULE) == []


def test_every_base_department_is_covered(findings):
    assert findings(rule=RULE) == []


def test_department_losing_its_only_duty(findings):
    # health's only duty (triage) is handed to police.
    plan = PLAN.replace("accountable: health\n    responsible: [health, police]",
                        "accountable: police")
    found = findings({"plans/plan.yaml": plan}, rule=RULE)
    assert [place(f) for f in found] == [("plans/departments.yaml", 9, 5, "error", RULE)]
    assert "'health'" in found[0].message
