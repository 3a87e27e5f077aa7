"""Error recovery without cascades: each mistake is reported once, where it is, and
never hides the findings of other files."""

from __future__ import annotations

import textwrap

import pytest
from conftest import BASE, SETTINGS

DEPARTMENTS = textwrap.dedent(BASE["plans/departments.yaml"])
PLAN = textwrap.dedent(BASE["plans/plan.yaml"])
DRILL = textwrap.dedent(BASE["plans/drill.yaml"])
MEETING = textwrap.dedent(BASE["plans/meeting.yaml"])

MARITIME = """\
    kind: department
    id: maritime
    name: 海事局
    contacts: [{role: 值班室, always: true}]
    """


def edit(text: str, old: str, new: str) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


def summary(found):
    return [(f.path, f.line, f.column, f.rule) for f in found]


# --- one bad file never hides the others ------------------------------------------------

BAD_FILES = {
    "yaml syntax": ("plans/aaa.yaml", "kind: department\nid: port: x\n", "yaml-syntax"),
    "schema": ("plans/aaa.yaml", "kind: department\nid: port\nname: 港务局\ncolour: x\n",
               "schema"),
    "unknown kind": ("plans/aaa.yaml", "kind: bureau\nid: port\n", "schema"),
    "not a mapping": ("plans/aaa.yaml", "- port\n- harbour\n", "schema"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_does_not_hide_findings_in_other_files(findings, case):
    path, text, rule = BAD_FILES[case]
    found = findings({path: text, "plans/zzz.yaml": MARITIME})
    assert [(f.path, f.rule) for f in found] == [
        (path, rule), ("plans/zzz.yaml", "department-without-duty")]


def test_file_that_is_not_utf8_does_not_hide_other_files(make_workspace):
    from conftest import TODAY

    from coordctl.check import check
    from coordctl.workspace import load

    root = make_workspace({"plans/zzz.yaml": MARITIME})
    (root / "plans" / "aaa.yaml").write_bytes(b"kind: department\nid: p\xf6rt\n")
    found = check(load(root, today=TODAY)).findings
    assert summary(found) == [("plans/aaa.yaml", 2, 6, "yaml-syntax"),
                              ("plans/zzz.yaml", 2, 5, "department-without-duty")]


def test_broken_settings_do_not_hide_findings_in_documents(findings):
    found = findings({"plans/zzz.yaml": MARITIME}, settings="name: [测试市\n")
    assert [(f.path, f.rule) for f in found] == [
        ("coordctl.yaml", "yaml-syntax"), ("plans/zzz.yaml", "department-without-duty")]


def test_every_bad_file_is_reported(findings):
    found = findings({"plans/a.yaml": "kind: department\nid: a: b\n",
                      "plans/b.yaml": "kind: department\nid: b\nname: x\ncolour: y\n",
                      "plans/c.yaml": "kind: department\nid: c: d\n"})
    assert summary(found) == [("plans/a.yaml", 2, 6, "yaml-syntax"),
                              ("plans/b.yaml", 4, 1, "schema"),
                              ("plans/c.yaml", 2, 6, "yaml-syntax")]


# --- a YAML syntax error is one finding ------------------------------------------------

def test_syntax_error_is_one_finding_and_documents_before_it_load(findings):
    departments = DEPARTMENTS + textwrap.dedent("""\
        ---
        kind: department
        id: maritime
        name: 海事局
        ---
        kind: department
        id: port: authority
        name: 港务局
        """)
    found = findings({"plans/departments.yaml": departments})
    # maritime (lines 19-21) loaded: it holds no duty; the syntax error is at line 24.
    assert summary(found) == [("plans/departments.yaml", 20, 5, "department-without-duty"),
                              ("plans/departments.yaml", 24, 9, "yaml-syntax")]


def test_syntax_error_in_a_referenced_department_is_the_only_finding(findings):
    # health's document (and city-gov after it) cannot be read: references to them are
    # not reported again as unknown.
    broken = edit(DEPARTMENTS, "name: {zh-CN: 市卫健委, en: Health Commission}",
                  "name: {zh-CN: 市卫健委, en: Health Commission")
    found = findings({"plans/departments.yaml": broken})
    assert [(f.path, f.rule) for f in found] == [("plans/departments.yaml", "yaml-syntax")]


def test_syntax_error_in_a_plan_is_the_only_finding(findings):
    # The plan's duty holders are not reported as idle, nor its drill's plan as unknown.
    broken = edit(PLAN, "    phase: specialist", "    phase: specialist: now")
    found = findings({"plans/plan.yaml": broken})
    assert summary(found) == [("plans/plan.yaml", 21, 22, "yaml-syntax")]


def test_syntax_error_in_a_drill_is_the_only_finding(findings):
    broken = edit(DRILL, "type: tabletop", "type: [tabletop")
    found = findings({"plans/drill.yaml": broken})
    assert [(f.path, f.rule) for f in found] == [("plans/drill.yaml", "yaml-syntax")]


def test_duplicate_key_keeps_the_document(findings):
    doubled = edit(DEPARTMENTS, "id: health\n", "id: health\nid: health\n")
    found = findings({"plans/departments.yaml": doubled})
    assert summary(found) == [("plans/departments.yaml", 10, 1, "yaml-syntax")]


# --- a document with a schema error still exists ---------------------------------------

def test_department_with_a_schema_error_still_resolves_references(findings):
    broken = edit(DEPARTMENTS, "id: health\n", "id: health\ncolour: blue\n")
    found = findings({"plans/departments.yaml": broken})
    assert summary(found) == [("plans/departments.yaml", 10, 1, "schema")]


def test_plan_with_a_schema_error_still_resolves_its_drill(findings):
    broken = edit(PLAN, "status: approved", "status: aproved")
    found = findings({"plans/plan.yaml": broken})
    assert summary(found) == [("plans/plan.yaml", 5, 9, "schema")]


def test_department_named_only_by_a_broken_plan_is_not_idle(findings):
    water = """\
        kind: plan
        id: water
        titel: 水上救援预案
        owner: maritime
        phases: [{id: rescue, name: 救援}]
        duties: [{id: boat, task: 派船, phase: rescue, accountable: maritime}]
        """
    found = findings({"plans/maritime.yaml": MARITIME, "plans/water.yaml": water})
    assert [(f.path, f.rule) for f in found] == [("plans/water.yaml", "schema"),
                                                  ("plans/water.yaml", "schema")]
    assert {f.message.split(" (")[0] for f in found} == {
        "unknown field 'titel'", "missing required field 'title'"}


def test_department_responsible_in_a_plan_without_an_id_is_not_idle(findings):
    water = """\
        kind: plan
        title: 水上救援预案
        owner: police
        phases: [{id: rescue, name: 救援}]
        duties: [{id: boat, task: 派船, phase: rescue, accountable: police,
                  responsible: [maritime]}]
        """
    found = findings({"plans/maritime.yaml": MARITIME, "plans/water.yaml": water})
    assert summary(found) == [("plans/water.yaml", 1, 1, "schema")]


def test_copied_drill_under_the_same_id_still_drills_its_plan(findings):
    copy = edit(DRILL, "title: 桌面推演", "title: 旧演练").replace("status: planned",
                                                          "status: cancelled")
    found = findings({"plans/a-copy.yaml": copy})
    assert summary(found) == [("plans/drill.yaml", 2, 5, "duplicate-id")]


# --- an unknown reference is one finding -----------------------------------------------

def test_typo_in_the_only_accountable_is_only_unknown_ref(findings):
    # health's only duty is triage; with the typo it would look idle in the plan and
    # everywhere.
    plan = edit(PLAN, "accountable: health\n    responsible: [health, police]",
                "accountable: healht\n    responsible: [police]")
    found = findings({"plans/plan.yaml": plan})
    assert summary(found) == [("plans/plan.yaml", 23, 18, "unknown-ref")]
    assert "(did you mean 'health'?)" in found[0].message


def test_typo_in_the_only_responsible_is_only_unknown_ref(findings):
    plan = edit(PLAN, "accountable: health\n    responsible: [health, police]",
                "accountable: police\n    responsible: [helth]")
    found = findings({"plans/plan.yaml": plan})
    assert summary(found) == [("plans/plan.yaml", 24, 19, "unknown-ref")]


def test_typo_in_a_phase_is_only_unknown_ref(findings):
    plan = edit(PLAN, "phase: specialist", "phase: specalist")
    found = findings({"plans/plan.yaml": plan})
    assert summary(found) == [("plans/plan.yaml", 21, 12, "unknown-ref")]
    assert "(did you mean 'specialist'?)" in found[0].message


def test_typo_in_a_drills_plan_is_only_unknown_ref(findings):
    drill = edit(DRILL, "plan: major-incident", "plan: major-incidnet")
    found = findings({"plans/drill.yaml": drill})
    assert summary(found) == [("plans/drill.yaml", 4, 7, "unknown-ref")]


def test_typo_in_the_action_source_is_only_unknown_ref(findings):
    action = textwrap.dedent(BASE["plans/action.yaml"]).replace("drill/tabletop-2027",
                                                                 "drill/tabletop-2072")
    found = findings({"plans/action.yaml": action})
    assert summary(found) == [("plans/action.yaml", 5, 9, "unknown-ref")]


def test_consulted_typo_does_not_hide_a_really_idle_department(findings):
    # Being consulted holds no duty: health is idle whatever the typo meant.
    plan = edit(PLAN, "accountable: health\n    responsible: [health, police]",
                "accountable: police\n    consulted: [helth]")
    plan = edit(plan, "departments: [police, health]", "departments: [police]")
    found = findings({"plans/plan.yaml": plan})
    assert summary(found) == [("plans/departments.yaml", 9, 5, "department-without-duty"),
                              ("plans/plan.yaml", 24, 17, "unknown-ref")]


# --- broken drills and plan-not-drilled ------------------------------------------------

@pytest.mark.parametrize("old, new", [
    ("type: tabletop", "type: exercise"),
    ("plan: major-incident", "plan: [major-incident]"),
    ("duration: 3h", "duration: three hours"),
    ("id: tabletop-2027", "id: Tabletop 2027"),
])
def test_broken_drill_naming_a_plan_does_not_cause_plan_not_drilled(findings, old, new):
    found = findings({"plans/drill.yaml": edit(DRILL, old, new), "plans/action.yaml": None})
    assert [(f.path, f.rule) for f in found] == [("plans/drill.yaml", "schema")]


def test_drill_without_an_id_does_not_cause_plan_not_drilled(findings):
    found = findings({"plans/drill.yaml": edit(DRILL, "id: tabletop-2027\n", ""),
                      "plans/action.yaml": None})
    assert [(f.path, f.rule) for f in found] == [("plans/drill.yaml", "schema")]


# --- settings: one bad field, the others still apply -----------------------------------

NO_EXCEPT = {"plans/meeting.yaml": edit(MEETING, "  except: [2027-10-05]\n", "")}


def test_bad_time_zone_keeps_blackout_and_policy(findings):
    settings = SETTINGS.replace("Asia/Shanghai", "Asia/Shanghi") \
        .replace("review_every: P3Y", "review_every: P6M")
    found = findings(NO_EXCEPT, settings=settings)
    assert summary(found) == [("coordctl.yaml", 2, 11, "schema"),
                              ("plans/meeting.yaml", 8, 10, "blackout-date"),
                              ("plans/plan.yaml", 6, 11, "plan-review-overdue")]


def test_bad_policy_value_keeps_the_other_policy(findings):
    settings = SETTINGS.replace("drill_every: P3Y", "drill_every: 3 years") \
        .replace("review_every: P3Y", "review_every: P6M")
    found = findings(settings=settings)
    assert summary(found) == [("coordctl.yaml", 8, 23, "schema"),
                              ("plans/plan.yaml", 6, 11, "plan-review-overdue")]


def test_bad_blackout_entry_keeps_the_others(findings):
    settings = SETTINGS.replace("blackout: [2027-10-01/2027-10-07]",
                                "blackout: [2027-02-30, 2027-10-01/2027-10-07]")
    found = findings(NO_EXCEPT, settings=settings)
    assert summary(found) == [("coordctl.yaml", 7, 14, "schema"),
                              ("plans/meeting.yaml", 8, 10, "blackout-date")]


def test_unknown_setting_keeps_the_others(findings):
    settings = SETTINGS.replace("policy:", "polcy: {}\npolicy:") \
        .replace("review_every: P3Y", "review_every: P6M")
    found = findings(NO_EXCEPT, settings=settings)
    assert summary(found) == [("coordctl.yaml", 8, 1, "schema"),
                              ("plans/meeting.yaml", 8, 10, "blackout-date"),
                              ("plans/plan.yaml", 6, 11, "plan-review-overdue")]


def test_missing_name_keeps_the_others(findings):
    settings = SETTINGS.replace("name: {zh-CN: 测试市, en: Test City}\n", "") \
        .replace("review_every: P3Y", "review_every: P6M")
    found = findings(NO_EXCEPT, settings=settings)
    assert [(f.path, f.rule) for f in found] == [
        ("coordctl.yaml", "schema"), ("plans/meeting.yaml", "blackout-date"),
        ("plans/plan.yaml", "plan-review-overdue")]


def test_ignored_rule_still_applies_when_another_setting_is_bad(findings):
    settings = SETTINGS.replace("Asia/Shanghai", "Asia/Shanghi") + \
        "check: {ignore: [blackout-date]}\n"
    found = findings(NO_EXCEPT, settings=settings)
    assert summary(found) == [("coordctl.yaml", 2, 11, "schema")]


# --- a file over check.max_file_size is not read ---------------------------------------

def test_file_over_the_size_limit_is_one_finding_and_not_a_cascade(findings):
    # The plan is over 500 bytes: not parsed, so its duty holders are not idle and its
    # drill's plan is not unknown; the message says how to fix it.
    settings = SETTINGS + "check:\n  max_file_size: 0.5kB\n"
    found = findings({}, settings=settings)
    assert summary(found) == [("plans/plan.yaml", 1, 1, "yaml-syntax")]
    size = len(textwrap.dedent(PLAN).encode())
    assert f"the file is {size:,} bytes, over the limit of 500" in found[0].message
    assert "check.max_file_size in coordctl.yaml" in found[0].message


def test_size_limit_accepts_units_and_files_up_to_it(findings):
    size = len(textwrap.dedent(PLAN).encode())
    assert findings({}, settings=SETTINGS + f"check: {{max_file_size: {size}}}\n") == []
    assert findings({}, settings=SETTINGS + "check: {max_file_size: 0.7KiB}\n") == []


@pytest.mark.parametrize("value", ["lots", "0", "-5", "true", "[1]"])
def test_bad_size_limit_is_a_schema_finding_and_the_default_applies(findings, value):
    found = findings({}, settings=SETTINGS + f"check: {{max_file_size: {value}}}\n")
    assert [(f.path, f.rule) for f in found] == [("coordctl.yaml", "schema")]
    assert "is not a size: write a number of bytes, or a number and a unit" \
        in found[0].message


def test_default_size_limit_is_four_mebibytes(make_workspace):
    from conftest import TODAY

    from coordctl.check import check
    from coordctl.workspace import load

    root = make_workspace()
    body = b"kind: department\nid: big\nname: big\nexempt: test\n#"
    big = root / "plans" / "big.yaml"
    big.write_bytes(body + b"x" * (4 * 2**20 - len(body)))  # exactly 4 MiB
    assert check(load(root, today=TODAY)).findings == []
    big.write_bytes(body + b"x" * (4 * 2**20 - len(body) + 1))
    assert summary(check(load(root, today=TODAY)).findings) == [
        ("plans/big.yaml", 1, 1, "yaml-syntax")]
