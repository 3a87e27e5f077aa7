"""department-unreachable: a duty holder needs a contact reachable 24/7."""

from __future__ import annotations

import textwrap

from conftest import BASE

RULE = "department-unreachable"

DEPARTMENTS = textwrap.dedent(BASE["plans/departments.yaml"])
HEALTH_ALWAYS = '  - {role: 值班室, phone: "0771-5550002", always: true}'


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def departments(old: str, new: str) -> dict[str, str]:
    assert old in DEPARTMENTS
    return {"plans/departments.yaml": DEPARTMENTS.replace(old, new)}


def test_duty_holder_whose_contacts_are_office_hours_only(findings):
    found = findings(departments(HEALTH_ALWAYS,
                                 '  - {role: 办公室, phone: "0771-5550002"}'), rule=RULE)
    assert [place(f) for f in found] == [("plans/departments.yaml", 12, 3, "warning", RULE)]
    assert "department 'health' holds duties" in found[0].message
    assert "always: true" in found[0].message


def test_always_false_is_not_reachable(findings):
    found = findings(departments("5550001\", always: true}", "5550001\", always: false}"),
                     rule=RULE)
    assert [place(f) for f in found] == [("plans/departments.yaml", 6, 3, "warning", RULE)]
    assert "department 'police'" in found[0].message


def test_duty_holder_without_contacts_is_reported_at_its_id(findings):
    found = findings(departments("contacts:\n" + HEALTH_ALWAYS + "\n", ""), rule=RULE)
    assert [place(f) for f in found] == [("plans/departments.yaml", 9, 5, "warning", RULE)]


def test_one_contact_reachable_24_7_among_others_passes(findings):
    assert findings(departments(HEALTH_ALWAYS,
                                '  - {role: 办公室, phone: "0771-5550003"}\n' + HEALTH_ALWAYS),
                    rule=RULE) == []


def test_every_base_duty_holder_is_reachable(findings):
    assert findings(rule=RULE) == []


def test_department_without_duties_needs_no_24_7_contact(findings):
    # city-gov is exempt and only informed; it has no contacts at all.
    assert "contacts" not in DEPARTMENTS.split("id: city-gov")[1]
    assert findings(rule=RULE) == []


def test_responsible_only_department_is_a_duty_holder(findings):
    plan = textwrap.dedent(BASE["plans/plan.yaml"]).replace("informed: [city-gov]",
                                                             "responsible: [city-gov]") \
        .replace("    responsible: [health, police]\n", "")
    found = findings({"plans/plan.yaml": plan}, rule=RULE)
    assert [place(f) for f in found] == [("plans/departments.yaml", 15, 5, "warning", RULE)]
    assert "department 'city-gov'" in found[0].message
