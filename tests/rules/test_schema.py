"""schema: the shape of documents and settings (DESIGN §2), each problem at its node."""

from __future__ import annotations

import pytest

RULE = "schema"

GOOD_MEETING = """\
    kind: meeting
    id: weekly
    title: 周例会
    convenor: police
    schedule:
      start: 2027-01-05T09:30
      duration: 2h
      repeat: FREQ=MONTHLY;BYDAY=1TU
    """


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def one(findings, files, settings=None):
    """The single schema finding of ``files``."""
    kwargs = {"settings": settings} if settings is not None else {}
    found = findings(files, rule=RULE, **kwargs)
    assert len(found) == 1, found
    return found[0]


# --- fields -----------------------------------------------------------------------------

def test_unknown_field_with_did_you_mean(findings):
    f = one(findings, {"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: 海事局
        exmpt: 只负责水上
        """})
    assert place(f) == ("plans/maritime.yaml", 4, 1, "error", RULE)
    assert "unknown field 'exmpt'" in f.message
    assert "did you mean 'exempt'?" in f.message


def test_unknown_field_in_a_duty_is_at_its_key_and_names_the_duty(findings):
    f = one(findings, {"plans/water.yaml": """\
        kind: plan
        id: water
        title: 水上救援预案
        owner: police
        phases: [{id: initial, name: 先期处置}]
        duties:
          - id: rescue
            task: 水上救援
            phase: initial
            accountable: police
            responsable: [police]
        """})
    assert place(f) == ("plans/water.yaml", 11, 5, "error", RULE)
    assert "unknown field 'responsable'" in f.message
    assert "did you mean 'responsible'?" in f.message
    assert "duties[rescue]" in f.message


def test_missing_field(findings):
    f = one(findings, {"plans/maritime.yaml": """\
        kind: department
        id: maritime
        exempt: 只负责水上
        """})
    assert place(f) == ("plans/maritime.yaml", 1, 1, "error", RULE)
    assert "missing required field 'name'" in f.message


def test_missing_field_in_a_list_item_is_at_the_item(findings):
    f = one(findings, {"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: 海事局
        exempt: 只负责水上
        contacts:
          - {phone: "0771-1", always: true}
        """})
    assert place(f) == ("plans/maritime.yaml", 6, 5, "error", RULE)
    assert "missing required field 'role'" in f.message
    assert "contacts[0]" in f.message


def test_all_fields_present_passes(findings):
    assert findings({"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: 海事局
        exempt: 只负责水上
        contacts:
          - {role: 值班室, phone: "0771-1", always: true}
        """}, rule=RULE) == []


# --- ids --------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["Maritime", "maritime_bureau", "-maritime", "maritime-",
                                 "海事局", "a" * 65])
def test_bad_id(findings, bad):
    f = one(findings, {"plans/maritime.yaml": f"""\
        kind: department
        id: "{bad}"
        name: 海事局
        exempt: 只负责水上
        """})
    assert place(f) == ("plans/maritime.yaml", 2, 5, "error", RULE)
    assert "not a valid id" in f.message


@pytest.mark.parametrize("good", ["maritime", "m", "a-2027-014", "110", "a" * 64])
def test_good_id_passes(findings, good):
    assert findings({"plans/maritime.yaml": f"""\
        kind: department
        id: "{good}"
        name: 海事局
        exempt: 只负责水上
        """}, rule=RULE) == []


def test_bad_duty_id_is_at_the_duty(findings):
    f = one(findings, {"plans/water.yaml": """\
        kind: plan
        id: water
        title: 水上救援预案
        owner: police
        phases: [{id: initial, name: 先期处置}]
        duties:
          - {id: Rescue, task: 水上救援, phase: initial, accountable: police}
        """})
    assert place(f) == ("plans/water.yaml", 7, 10, "error", RULE)
    assert "'Rescue' is not a valid id" in f.message


# --- scalars ----------------------------------------------------------------------------

def test_impossible_date(findings):
    f = one(findings, {"plans/action.yaml": """\
        kind: action
        id: a-001
        title: 更新通讯设备
        owner: police
        due: 2027-02-30
        """})
    assert place(f) == ("plans/action.yaml", 5, 6, "error", RULE)
    assert "2027-02-30" in f.message
    assert "due" in f.message


def test_date_in_another_form(findings):
    f = one(findings, {"plans/action.yaml": """\
        kind: action
        id: a-001
        title: 更新通讯设备
        owner: police
        due: 30/06/2027
        """})
    assert place(f) == ("plans/action.yaml", 5, 6, "error", RULE)
    assert "30/06/2027" in f.message


def test_real_date_passes(findings):
    assert findings({"plans/action.yaml": """\
        kind: action
        id: a-001
        title: 更新通讯设备
        owner: police
        due: 2027-02-28
        """}, rule=RULE) == []


@pytest.mark.parametrize("bad", ["2 hours", "90", "PT", "1.5h", "-1h"])
def test_bad_duration(findings, bad):
    f = one(findings, {"plans/meeting.yaml": GOOD_MEETING.replace("duration: 2h",
                                                                  f"duration: {bad}")})
    assert place(f) == ("plans/meeting.yaml", 7, 13, "error", RULE)
    assert "schedule.duration" in f.message


def test_zero_duration(findings):
    f = one(findings, {"plans/meeting.yaml": GOOD_MEETING.replace("duration: 2h",
                                                                  "duration: 0m")})
    assert place(f) == ("plans/meeting.yaml", 7, 13, "error", RULE)
    assert "longer than zero" in f.message


@pytest.mark.parametrize("good", ["5m", "2h", "1h30m", "3d", "2w", "PT5M", "PT1H30M"])
def test_good_duration_passes(findings, good):
    assert findings({"plans/meeting.yaml": GOOD_MEETING.replace("duration: 2h",
                                                                f"duration: {good}")},
                    rule=RULE) == []


def test_bad_date_time(findings):
    f = one(findings, {"plans/meeting.yaml": GOOD_MEETING.replace(
        "start: 2027-01-05T09:30", "start: 2027-01-05 25:00")})
    assert place(f) == ("plans/meeting.yaml", 6, 10, "error", RULE)
    assert "schedule.start" in f.message


@pytest.mark.parametrize("bad, words", [
    ("FREQ=MONTHY;BYDAY=1TU", "FREQ=MONTHY"),
    ("BYDAY=1TU", "FREQ"),
    ("FREQ=MONTHLY;BYDAY=1XX", "FREQ=MONTHLY;BYDAY=1XX"),
    ("FREQ=WEEKLY;COUNT=3;UNTIL=20271231", "COUNT or UNTIL"),
    ("RRULE:FREQ=WEEKLY", "RRULE:"),
    ("FREQ=WEEKLY;FOO=1", "FOO"),
])
def test_bad_repeat_rule(findings, bad, words):
    f = one(findings, {"plans/meeting.yaml": GOOD_MEETING.replace(
        "repeat: FREQ=MONTHLY;BYDAY=1TU", f"repeat: {bad}")})
    assert place(f) == ("plans/meeting.yaml", 8, 11, "error", RULE)
    assert "schedule.repeat" in f.message
    assert words in f.message


def test_good_repeat_rule_passes(findings):
    assert findings({"plans/meeting.yaml": GOOD_MEETING}, rule=RULE) == []


def test_start_that_is_not_an_occurrence_of_its_rule(findings):
    # 2027-01-06 is a Wednesday; the rule meets the first Tuesday of each month.
    f = one(findings, {"plans/meeting.yaml": GOOD_MEETING.replace("2027-01-05T09:30",
                                                                  "2027-01-06T09:30")})
    assert place(f) == ("plans/meeting.yaml", 6, 10, "error", RULE)
    assert "not an occurrence" in f.message
    assert "FREQ=MONTHLY;BYDAY=1TU" in f.message


def test_start_on_an_occurrence_passes(findings):
    # 2027-01-05 is the first Tuesday of January 2027.
    assert findings({"plans/meeting.yaml": GOOD_MEETING}, rule=RULE) == []


def test_except_date_the_rule_never_meets(findings):
    f = one(findings, {"plans/meeting.yaml": GOOD_MEETING + "  except: [2027-02-03]\n"})
    assert place(f) == ("plans/meeting.yaml", 9, 12, "error", RULE)
    assert "2027-02-03" in f.message


def test_except_date_of_an_occurrence_passes(findings):
    assert findings({"plans/meeting.yaml": GOOD_MEETING + "  except: [2027-02-02]\n"},
                    rule=RULE) == []


# --- kinds and shapes -------------------------------------------------------------------

def test_unknown_kind_with_did_you_mean(findings):
    f = one(findings, {"plans/maritime.yaml": """\
        kind: departmnet
        id: maritime
        name: 海事局
        """})
    assert place(f) == ("plans/maritime.yaml", 1, 7, "error", RULE)
    assert "unknown kind 'departmnet'" in f.message
    assert "did you mean 'department'?" in f.message


def test_document_without_kind(findings):
    f = one(findings, {"plans/maritime.yaml": """\
        id: maritime
        name: 海事局
        """})
    assert place(f) == ("plans/maritime.yaml", 1, 1, "error", RULE)
    assert "no 'kind'" in f.message


def test_document_without_kind_in_a_multi_document_file(findings):
    f = one(findings, {"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: 海事局
        exempt: 只负责水上
        ---
        id: port
        name: 港务局
        """})
    assert place(f) == ("plans/maritime.yaml", 6, 1, "error", RULE)
    assert "no 'kind'" in f.message


def test_list_where_a_mapping_belongs(findings):
    f = one(findings, {"plans/meeting.yaml": """\
        kind: meeting
        id: weekly
        title: 周例会
        convenor: police
        schedule:
          - start: 2027-01-05T09:30
        """})
    assert place(f) == ("plans/meeting.yaml", 6, 3, "error", RULE)
    assert "schedule" in f.message
    assert "expected a mapping" in f.message
    assert "found a list" in f.message


def test_document_that_is_a_list(findings):
    f = one(findings, {"plans/departments-list.yaml": """\
        - kind: department
          id: maritime
        """})
    assert place(f) == ("plans/departments-list.yaml", 1, 1, "error", RULE)
    assert "a document is a mapping" in f.message


def test_wrong_type_scalar_where_a_list_belongs(findings):
    f = one(findings, {"plans/water.yaml": """\
        kind: plan
        id: water
        title: 水上救援预案
        owner: police
        duties: rescue
        """})
    assert place(f) == ("plans/water.yaml", 5, 9, "error", RULE)
    assert "expected a list" in f.message
    assert "'rescue'" in f.message


def test_wrong_type_boolean(findings):
    # Columns count characters: 值班室 is three.
    f = one(findings, {"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: 海事局
        exempt: 只负责水上
        contacts:
          - {role: 值班室, always: sometimes}
        """})
    assert place(f) == ("plans/maritime.yaml", 6, 25, "error", RULE)
    assert "contacts[0].always" in f.message
    assert "true or false" in f.message


def test_value_outside_a_choice_with_did_you_mean(findings):
    f = one(findings, {"plans/action.yaml": """\
        kind: action
        id: a-001
        title: 更新通讯设备
        owner: police
        due: 2027-06-30
        status: don
        """})
    assert place(f) == ("plans/action.yaml", 6, 9, "error", RULE)
    assert "did you mean 'done'?" in f.message


def test_bad_source_reference_form(findings):
    f = one(findings, {"plans/action.yaml": """\
        kind: action
        id: a-001
        title: 更新通讯设备
        owner: police
        source: tabletop-2027
        due: 2027-06-30
        """})
    assert place(f) == ("plans/action.yaml", 5, 9, "error", RULE)
    assert "kind/id" in f.message


def test_open_action_with_a_closed_date(findings):
    found = findings({"plans/action.yaml": """\
        kind: action
        id: a-001
        title: 更新通讯设备
        owner: police
        due: 2027-06-30
        status: open
        closed: 2027-06-10
        """}, rule=RULE)
    assert [(f.path, f.rule) for f in found] == [("plans/action.yaml", RULE)]
    assert "closed" in found[0].message


def test_empty_file(findings):
    f = one(findings, {"plans/empty.yaml": ""})
    assert place(f) == ("plans/empty.yaml", 1, 1, "error", RULE)
    assert "no document" in f.message


def test_empty_document_between_separators(findings):
    f = one(findings, {"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: 海事局
        exempt: 只负责水上
        ---
        ---
        kind: department
        id: port
        name: 港务局
        exempt: 只负责港口
        """})
    # At the '---' that opens the empty document.
    assert place(f) == ("plans/maritime.yaml", 5, 1, "error", RULE)
    assert "empty document" in f.message


# --- settings ---------------------------------------------------------------------------

SETTINGS = """\
name: 测试市
timezone: Asia/Shanghai
policy: {drill_every: P3Y, review_every: P3Y}
"""


def test_unknown_time_zone_is_reported_in_coordctl_yaml(findings):
    f = one(findings, {}, settings=SETTINGS.replace("Asia/Shanghai", "Asia/Peking"))
    assert place(f) == ("coordctl.yaml", 2, 11, "error", RULE)
    assert "'Asia/Peking'" in f.message
    assert "time zone" in f.message


def test_known_time_zone_passes(findings):
    assert findings({}, rule=RULE, settings=SETTINGS) == []
    assert findings({}, rule=RULE, settings=SETTINGS.replace("Asia/Shanghai", "UTC")) == []


def test_unknown_setting_with_did_you_mean(findings):
    f = one(findings, {}, settings=SETTINGS + "polcy: {}\n")
    assert place(f) == ("coordctl.yaml", 4, 1, "error", RULE)
    assert "unknown field 'polcy'" in f.message
    assert "did you mean 'policy'?" in f.message


def test_bad_duration_in_settings(findings):
    f = one(findings, {}, settings=SETTINGS.replace("drill_every: P3Y", "drill_every: 3 years"))
    assert place(f) == ("coordctl.yaml", 3, 23, "error", RULE)
    assert "policy.drill_every" in f.message


def test_missing_timezone_setting(findings):
    f = one(findings, {}, settings="name: 测试市\n")
    assert place(f) == ("coordctl.yaml", 1, 1, "error", RULE)
    assert "missing required field 'timezone'" in f.message


def test_bad_blackout_date(findings):
    f = one(findings, {}, settings=SETTINGS + "calendar: {blackout: [2027-02-05/2027-02-30]}\n")
    assert place(f) == ("coordctl.yaml", 4, 23, "error", RULE)
    assert "calendar.blackout[0]" in f.message


def test_check_ignore_names_an_unknown_rule(findings):
    f = one(findings, {}, settings=SETTINGS + "check: {ignore: [plan-not-driled]}\n")
    assert place(f) == ("coordctl.yaml", 4, 18, "error", RULE)
    assert "did you mean 'plan-not-drilled'?" in f.message
