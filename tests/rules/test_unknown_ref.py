"""unknown-ref: every reference field, at the referring node, with a "did you mean"."""

from __future__ import annotations

import textwrap

import pytest
from conftest import BASE

RULE = "unknown-ref"

DEPARTMENTS = textwrap.dedent(BASE["plans/departments.yaml"])
PLAN = textwrap.dedent(BASE["plans/plan.yaml"])
MEETING = textwrap.dedent(BASE["plans/meeting.yaml"])
DRILL = textwrap.dedent(BASE["plans/drill.yaml"])
ACTION = textwrap.dedent(BASE["plans/action.yaml"])


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


# name: (file, its BASE text, old, bad, fixed, line, column, words in the message)
CASES = {
    "duty accountable": (
        "plans/plan.yaml", PLAN, "accountable: police", "accountable: polce",
        "accountable: police", 18, 18,
        ["duty 'cordon' names department 'polce', which does not exist",
         "(did you mean 'police'?)"]),
    "duty responsible": (
        "plans/plan.yaml", PLAN, "responsible: [health, police]",
        "responsible: [health, polise]",
        "responsible: [health, police]", 24, 27,
        ["duty 'triage' names department 'polise'", "(did you mean 'police'?)"]),
    "duty consulted": (
        "plans/plan.yaml", PLAN, "    informed: [city-gov]",
        "    consulted: [helth]\n    informed: [city-gov]",
        "    consulted: [health]\n    informed: [city-gov]", 25, 17,
        ["duty 'triage' names department 'helth'", "(did you mean 'health'?)"]),
    "duty informed": (
        "plans/plan.yaml", PLAN, "informed: [city-gov]", "informed: [city-gv]",
        "informed: [city-gov]", 25, 16,
        ["duty 'triage' names department 'city-gv'", "(did you mean 'city-gov'?)"]),
    "duty phase": (
        "plans/plan.yaml", PLAN, "phase: initial", "phase: inital",
        "phase: initial", 17, 12,
        ["duty 'cordon' names phase 'inital'", "plan 'major-incident'",
         "(did you mean 'initial'?)"]),
    "duty levels": (
        "plans/plan.yaml", PLAN, "levels: [I]", "levels: [I, III]",
        "levels: [I, II]", 22, 17,
        ["duty 'triage' names level 'III'", "plan 'major-incident'",
         "(did you mean 'II'?)"]),
    "plan owner": (
        "plans/plan.yaml", PLAN, "owner: police", "owner: polise",
        "owner: police", 4, 8,
        ["plan 'major-incident' names department 'polise' as owner",
         "(did you mean 'police'?)"]),
    "plan departments": (
        "plans/plan.yaml", PLAN, "departments: [police, health]",
        "departments: [police, helth]",
        "departments: [police, health]", 7, 23,
        ["plan 'major-incident' names department 'helth' in departments",
         "(did you mean 'health'?)"]),
    "meeting convenor": (
        "plans/meeting.yaml", MEETING, "convenor: police", "convenor: polise",
        "convenor: police", 5, 11,
        ["meeting 'analysis' names department 'polise' as convenor",
         "(did you mean 'police'?)"]),
    "meeting members": (
        "plans/meeting.yaml", MEETING, "members: [health]", "members: [heath]",
        "members: [health]", 6, 11,
        ["meeting 'analysis' names department 'heath' as a member",
         "(did you mean 'health'?)"]),
    "meeting agenda presenter": (
        "plans/meeting.yaml", MEETING, "presenter: police", "presenter: plice",
        "presenter: police", 13, 30,
        ["meeting 'analysis' names department 'plice' as presenter",
         "(did you mean 'police'?)"]),
    "drill plan": (
        "plans/drill.yaml", DRILL, "plan: major-incident", "plan: major-incidnt",
        "plan: major-incident", 4, 7,
        ["drill 'tabletop-2027' names plan 'major-incidnt'",
         "(did you mean 'major-incident'?)"]),
    "drill participants": (
        "plans/drill.yaml", DRILL, "type: tabletop",
        "type: tabletop\nparticipants: [police, helth]",
        "type: tabletop\nparticipants: [police, health]", 6, 24,
        ["drill 'tabletop-2027' names department 'helth' as a participant",
         "(did you mean 'health'?)"]),
    "action owner": (
        "plans/action.yaml", ACTION, "owner: police", "owner: polic",
        "owner: police", 4, 8,
        ["action 'a-001' names department 'polic' as owner", "(did you mean 'police'?)"]),
    "action source drill": (
        "plans/action.yaml", ACTION, "source: drill/tabletop-2027",
        "source: drill/tabletop-2072",
        "source: drill/tabletop-2027", 5, 9,
        ["action 'a-001' names drill 'tabletop-2072' as source",
         "(did you mean 'tabletop-2027'?)"]),
    "action source meeting": (
        "plans/action.yaml", ACTION, "source: drill/tabletop-2027",
        "source: meeting/analysys",
        "source: meeting/analysis", 5, 9,
        ["action 'a-001' names meeting 'analysys' as source",
         "(did you mean 'analysis'?)"]),
    "action source of the wrong kind": (
        "plans/action.yaml", ACTION, "source: drill/tabletop-2027",
        "source: meeting/tabletop-2027",
        "source: drill/tabletop-2027", 5, 9,
        ["action 'a-001' names meeting 'tabletop-2027' as source"]),
    "department parent": (
        "plans/departments.yaml", DEPARTMENTS, "id: health\n",
        "id: health\nparent: city-gv\n",
        "id: health\nparent: city-gov\n", 10, 9,
        ["department 'health' names department 'city-gv' as parent",
         "(did you mean 'city-gov'?)"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_unknown_reference(findings, case):
    path, text, old, bad, _, line, column, words = CASES[case]
    found = findings({path: edit(text, old, bad)}, rule=RULE)
    assert [place(f) for f in found] == [(path, line, column, "error", RULE)]
    for word in words:
        assert word in found[0].message


@pytest.mark.parametrize("case", list(CASES))
def test_fixed_reference_passes(findings, case):
    path, text, old, _, fixed, *_ = CASES[case]
    assert findings({path: edit(text, old, fixed)}, rule=RULE) == []


def test_message_matches_the_design_example(findings):
    found = findings({"plans/plan.yaml": edit(PLAN, "accountable: police",
                                              "accountable: pollice")}, rule=RULE)
    assert [f.message for f in found] == [
        "duty 'cordon' names department 'pollice', which does not exist "
        "(did you mean 'police'?)"]


def test_no_suggestion_when_nothing_is_close(findings):
    found = findings({"plans/plan.yaml": edit(PLAN, "informed: [city-gov]",
                                              "informed: [water-bureau]")}, rule=RULE)
    assert [place(f) for f in found] == [("plans/plan.yaml", 25, 16, "error", RULE)]
    assert "department 'water-bureau'" in found[0].message
    assert "did you mean" not in found[0].message


def test_wrong_case_suggests_the_id(findings):
    found = findings({"plans/meeting.yaml": edit(MEETING, "members: [health]",
                                                 "members: [HEALTH]")}, rule=RULE)
    assert [place(f) for f in found] == [("plans/meeting.yaml", 6, 11, "error", RULE)]
    assert "(did you mean 'health'?)" in found[0].message


def test_each_unknown_reference_is_its_own_finding(findings):
    found = findings({"plans/meeting.yaml": edit(MEETING, "members: [health]",
                                                 "members: [helth, polise]")}, rule=RULE)
    assert [place(f) for f in found] == [("plans/meeting.yaml", 6, 11, "error", RULE),
                                         ("plans/meeting.yaml", 6, 18, "error", RULE)]


def test_phase_of_another_plan_does_not_resolve(findings):
    other = """\
        kind: plan
        id: water
        title: 水上救援预案
        owner: police
        phases: [{id: rescue, name: 救援}]
        duties: [{id: boat, task: 派船, phase: initial, accountable: police}]
        """
    found = findings({"plans/water.yaml": other}, rule=RULE)
    assert [place(f) for f in found] == [("plans/water.yaml", 6, 38, "error", RULE)]
    assert "phase 'initial'" in found[0].message
    assert "plan 'water'" in found[0].message


def test_level_in_a_plan_without_levels(findings):
    other = """\
        kind: plan
        id: water
        title: 水上救援预案
        owner: police
        phases: [{id: rescue, name: 救援}]
        duties: [{id: boat, task: 派船, phase: rescue, levels: [I], accountable: police}]
        """
    found = findings({"plans/water.yaml": other}, rule=RULE)
    assert [place(f) for f in found] == [("plans/water.yaml", 6, 55, "error", RULE)]
    assert "level 'I'" in found[0].message
    assert "did you mean" not in found[0].message


def test_reference_to_a_document_with_a_schema_error_resolves(findings):
    broken = edit(DEPARTMENTS, "id: health\n", "id: health\ncolour: blue\n")
    assert findings({"plans/departments.yaml": broken}, rule=RULE) == []


def test_reference_to_a_document_with_a_bad_id_resolves_by_that_id(findings):
    broken = edit(DEPARTMENTS, "id: city-gov", "id: City-Gov")
    found = findings({"plans/departments.yaml": broken}, rule=RULE)
    # The plan still names city-gov (lower case), which no longer exists.
    assert [place(f) for f in found] == [("plans/plan.yaml", 25, 16, "error", RULE)]
    assert "(did you mean 'City-Gov'?)" in found[0].message


def test_every_reference_field_resolving_passes(findings):
    assert findings({
        "plans/departments.yaml": edit(DEPARTMENTS, "id: health\n",
                                       "id: health\nparent: city-gov\n"),
        "plans/plan.yaml": edit(PLAN, "    informed: [city-gov]",
                                "    consulted: [police]\n    informed: [city-gov]"),
        "plans/drill.yaml": edit(DRILL, "type: tabletop",
                                 "type: tabletop\nparticipants: [police, health]"),
        "plans/more-actions.yaml": """\
            kind: action
            id: a-002
            title: 会议决定事项
            owner: health
            source: meeting/analysis
            due: 2027-06-30
            ---
            kind: action
            id: a-003
            title: 预案修订
            owner: police
            source: plan/major-incident
            due: 2027-06-30
            ---
            kind: action
            id: a-004
            title: 跟进
            owner: police
            source: action/a-001
            due: 2027-06-30
            ---
            kind: action
            id: a-005
            title: 值班表
            owner: police
            source: department/health
            due: 2027-06-30
            """,
    }, rule=RULE) == []
