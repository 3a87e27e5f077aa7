"""validation: schema messages say what is wrong, where (the offending node) and how to fix
it, with field paths that name list items by their id."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest
from pydantic import ValidationError

from coordctl.model import Department, Plan
from coordctl.validation import did_you_mean, field_path, messages, position
from coordctl.yamlsrc import load_text

RULE = "schema"


def at(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of the first ``needle`` in the dedented ``text``."""
    text = textwrap.dedent(text)
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


def schema_findings(findings, path: str, text: str) -> list[tuple[tuple[int, int], str]]:
    """The schema findings of the one file ``path`` added to the base workspace."""
    found = findings({path: text}, rule=RULE)
    assert all(f.path == path and f.severity == "error" for f in found), found
    return [((f.line, f.column), f.message) for f in found]


# --- unknown and missing fields ----------------------------------------------------------

PLAN_TYPO = """\
    kind: plan
    id: flood
    titel: 防汛预案
    owner: police
    phases:
      - {id: initial, name: 先期}
    duties:
      - id: cordon
        task: 封控
        phase: initial
        acountable: police
    """


def test_unknown_field_with_did_you_mean_at_the_key(findings):
    found = schema_findings(findings, "plans/flood.yaml", PLAN_TYPO)
    assert (at(PLAN_TYPO, "titel"), "unknown field 'titel' (did you mean 'title'?)") in found


def test_missing_field_names_the_field_at_the_enclosing_mapping(findings):
    found = schema_findings(findings, "plans/flood.yaml", PLAN_TYPO)
    assert ((1, 1), "missing required field 'title'") in found
    assert (at(PLAN_TYPO, "id: cordon"),
            "missing required field 'accountable' in duties[cordon]") in found


def test_unknown_field_in_a_list_item_names_the_item_by_id(findings):
    found = schema_findings(findings, "plans/flood.yaml", PLAN_TYPO)
    assert (at(PLAN_TYPO, "acountable"),
            "unknown field 'acountable' (did you mean 'accountable'?) in duties[cordon]") \
        in found
    assert len(found) == 4  # titel, title, acountable, accountable: nothing else


def test_unknown_field_without_a_close_match_has_no_suggestion(findings):
    text = "kind: department\nid: x\nname: x\nexempt: y\nzzzz: 1\n"
    assert schema_findings(findings, "plans/x.yaml", text) == [
        ((5, 1), "unknown field 'zzzz'")]


def test_missing_id_of_a_list_item_uses_its_index(findings):
    text = """\
        kind: plan
        id: flood
        title: 防汛预案
        owner: police
        phases: [{id: initial, name: 先期}]
        duties:
          - id: cordon
            task: 封控
            phase: initial
            accountable: police
          - task: 疏散
            phase: initial
            accountable: police
        """
    assert schema_findings(findings, "plans/flood.yaml", text) == [
        (at(text, "task: 疏散"), "missing required field 'id' in duties[1]")]


# --- choices -------------------------------------------------------------------------------

def test_literal_choice_lists_the_choices_and_suggests_one(findings):
    text = BASE_DRILL.replace("type: tabletop", "type: tabeltop")
    assert schema_findings(findings, "plans/drill.yaml", text) == [
        (at(text, "tabeltop"), "type: 'tabeltop' is not allowed here: use 'tabletop', "
                               "'drill', 'functional' or 'full-scale' "
                               "(did you mean 'tabletop'?)")]


def test_literal_choice_without_a_close_match(findings):
    text = BASE_DRILL.replace("status: planned", "status: 42")
    [(where, message)] = schema_findings(findings, "plans/drill.yaml", text)
    assert where == at(text, "42")
    assert message == ("status: the number 42 is not allowed here: use 'planned', 'done' or "
                       "'cancelled'")


BASE_DRILL = """\
kind: drill
id: tabletop-2027
title: 桌面推演
plan: major-incident
type: tabletop
schedule: {start: 2027-03-10T09:00, duration: 3h}
status: planned
"""


# --- wrong shapes -------------------------------------------------------------------------

def test_a_list_where_a_mapping_belongs(findings):
    text = BASE_DRILL.replace("schedule: {start: 2027-03-10T09:00, duration: 3h}",
                              "schedule:\n  - start: 2027-03-10T09:00\n  - duration: 3h")
    assert schema_findings(findings, "plans/drill.yaml", text) == [
        (at(text, "- start"), "schedule: expected a mapping (key: value lines), found a list")]


def test_a_mapping_where_a_list_belongs(findings):
    text = """\
        kind: department
        id: maritime
        name: 海事局
        exempt: 水上
        contacts:
          role: 值班室
          always: true
        """
    assert schema_findings(findings, "plans/maritime.yaml", text) == [
        (at(text, "role"), "contacts: expected a list (one '- item' per line, or [a, b]), "
                           "found a mapping")]


def test_a_single_value_where_a_list_belongs_in_a_duty(findings):
    plan = BASE_PLAN.replace("responsible: [health, police]", "responsible: police")
    assert schema_findings(findings, "plans/plan.yaml", plan) == [
        (at(plan, "police\n    informed"),
         "duties[triage].responsible: expected a list (one '- item' per line, or [a, b]), "
         "found 'police'")]


def test_field_path_uses_ids_like_duties_cordon_phase(findings):
    plan = BASE_PLAN.replace("phase: initial", "phase: [initial]")
    assert schema_findings(findings, "plans/plan.yaml", plan) == [
        (at(plan, "[initial]"),
         "duties[cordon].phase: expected the id of a document, found a list")]


def test_wrong_scalar_types_say_what_was_found(findings):
    text = """\
        kind: department
        id: maritime
        name: 海事局
        exempt: 水上
        contacts:
          - {role: 值班室, always: maybe, verified: 2026-02-30}
        """
    assert schema_findings(findings, "plans/maritime.yaml", text) == [
        (at(text, "maybe"), "contacts[0].always: expected true or false, found 'maybe'"),
        (at(text, "2026-02-30"), "contacts[0].verified: '2026-02-30' is not a calendar date "
                                 "(day is out of range for month)"),
    ]


def test_a_number_below_its_minimum(findings):
    text = BASE_MEETING.replace("minutes: 20", "minutes: 0")
    assert schema_findings(findings, "plans/meeting.yaml", text) == [
        (at(text, "0}"), "agenda[0].minutes: must be at least 1, found the number 0")]


def test_a_bad_id(findings):
    text = "kind: department\nid: Water_Rescue\nname: x\nexempt: y\n"
    [(where, message)] = schema_findings(findings, "plans/x.yaml", text)
    assert where == (2, 5)
    assert message.startswith("id: 'Water_Rescue' is not a valid id: use lowercase ASCII")


def test_text_in_an_unknown_locale(findings):
    text = "kind: department\nid: x\nname: {zh-CN: 甲, fr: A}\nexempt: y\n"
    assert schema_findings(findings, "plans/x.yaml", text) == [
        ((3, 7), "name: 'fr' is not a locale here: use zh-CN or en")]


def test_a_bad_document_reference(findings):
    text = BASE_ACTION.replace("source: drill/tabletop-2027", "source: tabletop-2027")
    assert schema_findings(findings, "plans/action.yaml", text) == [
        (at(text, "tabletop-2027"), "source: 'tabletop-2027' is not a document reference: "
                                    "write kind/id, e.g. drill/flood-2027")]


def test_an_open_action_with_a_closed_date(findings):
    text = BASE_ACTION + "closed: 2027-06-10\n"
    [(where, message)] = schema_findings(findings, "plans/action.yaml", text)
    assert where == (1, 1)
    assert "an open action has no 'closed' date" in message


# --- schedules and date-times in documents -------------------------------------------------

@pytest.mark.parametrize("written", [
    "2027-01-05T09:30", '"2027-01-05T09:30"', "'2027-01-05T09:30'", "2027-01-05 09:30",
    "2027-01-05T09:30:00", "2027-01-05 09:30:00",
])
def test_local_date_times_quoted_or_not(findings, make_workspace, written):
    from coordctl.workspace import load

    text = BASE_MEETING.replace("start: 2027-01-05T09:30", f"start: {written}")
    assert findings({"plans/meeting.yaml": text}, rule=RULE) == []
    ws = load(make_workspace({"plans/meeting.yaml": text}))
    assert ws.meetings["analysis"].schedule.start == dt.datetime(2027, 1, 5, 9, 30)


@pytest.mark.parametrize("written", [
    "2027-01-05T09:30+08:00", "2027-01-05T09:30:00Z", '"2027-01-05T01:30Z"',
    "2027-01-05 09:30:00 +08:00",
])
def test_a_date_time_with_an_offset_is_refused(findings, written):
    text = BASE_MEETING.replace("start: 2027-01-05T09:30", f"start: {written}")
    [(where, message)] = schema_findings(findings, "plans/meeting.yaml", text)
    assert where == at(text, written)
    assert message.startswith("schedule.start: ")
    assert "has a time zone" in message


@pytest.mark.parametrize("written, words", [
    ("duration: 2", "schedule.duration: the duration 2 has no unit: write 2m, 2h or 2d"),
    ("duration: 0m", "schedule.duration: the duration must be longer than zero"),
    ("duration: 2 hours", "schedule.duration: '2 hours' is not a duration"),
])
def test_bad_durations_in_a_schedule(findings, written, words):
    text = BASE_MEETING.replace("duration: 2h", written)
    [(where, message)] = schema_findings(findings, "plans/meeting.yaml", text)
    line, column = at(text, written)
    assert where == (line, column + len("duration: "))
    assert message.startswith(words)


def test_a_bad_repeat_rule(findings):
    text = BASE_MEETING.replace("FREQ=MONTHLY;BYDAY=1TU", "FREQ=MONTHLY;BYDAY=1XX")
    [(where, message)] = schema_findings(findings, "plans/meeting.yaml", text)
    assert where == at(text, "FREQ")
    assert message.startswith("schedule.repeat: the repeat rule 'FREQ=MONTHLY;BYDAY=1XX' is "
                              "not valid RFC 5545")


BASE_MEETING = """\
kind: meeting
id: analysis
title: 联席会议
type: joint
convenor: police
members: [health]
schedule:
  start: 2027-01-05T09:30
  duration: 2h
  repeat: FREQ=MONTHLY;BYDAY=1TU
  except: [2027-10-05]
agenda:
  - {title: 形势通报, presenter: police, minutes: 20}
"""

BASE_ACTION = """\
kind: action
id: a-001
title: 更新通讯设备
owner: police
source: drill/tabletop-2027
due: 2027-06-30
status: open
"""

BASE_PLAN = """\
kind: plan
id: major-incident
title: {zh-CN: 重大案件处置预案, en: Major incident plan}
owner: police
status: approved
reviewed: 2026-03-01
departments: [police, health]
levels:
  - {id: I, name: 特别重大}
  - {id: II, name: 重大}
phases:
  - {id: initial, name: 先期处置, within: 5m}
  - {id: specialist, name: 专业处置, within: 30m}
duties:
  - id: cordon
    task: {zh-CN: 封控现场, en: Seal off the scene}
    phase: initial
    accountable: police
  - id: triage
    task: 医疗救护
    phase: specialist
    levels: [I]
    accountable: health
    responsible: [health, police]
    informed: [city-gov]
"""


# --- documents without a usable kind --------------------------------------------------------

def test_a_document_without_kind(findings):
    assert schema_findings(findings, "plans/x.yaml", "id: x\nname: y\n") == [
        ((1, 1), "the document has no 'kind': add kind: department | plan | meeting | drill "
                 "| action")]


def test_an_unknown_kind_suggests_one(findings):
    assert schema_findings(findings, "plans/x.yaml", "id: x\nkind: departmnt\n") == [
        ((2, 7), "unknown kind 'departmnt' (did you mean 'department'?): use one of "
                 "department, plan, meeting, drill, action")]


@pytest.mark.parametrize("kind, shown", [
    ("[department]", "a list"), ("{a: b}", "a mapping"), ("5", "'5'")])
def test_a_kind_that_is_not_text(findings, kind, shown):
    assert schema_findings(findings, "plans/x.yaml", f"id: x\nkind: {kind}\n") == [
        ((2, 7), f"unknown kind {shown}: use one of department, plan, meeting, drill, action")]


def test_a_second_document_in_a_file_is_placed_at_its_own_lines(findings):
    text = "kind: department\nid: a\nname: A\nexempt: x\n---\nkind: department\nid: b\n"
    assert schema_findings(findings, "plans/x.yaml", text) == [
        ((6, 1), "missing required field 'name'")]


# --- the helpers themselves ---------------------------------------------------------------

def test_did_you_mean():
    assert did_you_mean("titel", ["title", "owner"]) == " (did you mean 'title'?)"
    assert did_you_mean("OWNER", ["title", "owner"]) == " (did you mean 'owner'?)"
    assert did_you_mean("zzz", ["title", "owner"]) == ""
    assert did_you_mean(5, ["title"]) == ""


def test_position_and_field_path_follow_the_raw_yaml():
    raw = load_text(textwrap.dedent(BASE_PLAN)).documents[0].data
    loc = ("duties", 1, "responsible", 1)
    assert position(raw, loc) == at(BASE_PLAN, "police]")
    assert field_path(raw, loc) == "duties[triage].responsible[1]"
    assert position(raw, ("duties", 0, "phase"), key=True) == at(BASE_PLAN, "phase: initial")
    # past the data (a missing field): the nearest enclosing node
    assert position(raw, ("duties", 0, "nope")) == at(BASE_PLAN, "id: cordon")
    assert position(raw, ("nope", 3)) == (1, 1)
    assert field_path(raw, ("levels", 0, "name")) == "levels[I].name"
    assert field_path(raw, ("title", "en")) == "title.en"


def test_messages_turn_a_validation_error_into_positioned_text():
    text = "kind: department\nid: x\nnmae: y\n"
    raw = load_text(text).documents[0].data
    with pytest.raises(ValidationError) as caught:
        Department.model_validate(raw)
    assert sorted(messages(caught.value, Department, raw)) == [
        ((1, 1), "missing required field 'name'"),
        ((3, 1), "unknown field 'nmae' (did you mean 'name'?)"),
    ]


def test_every_message_of_a_very_wrong_plan_has_a_place_inside_the_file():
    text = textwrap.dedent("""\
        kind: plan
        id: BAD ID
        title: [1, 2]
        owner: {a: b}
        status: maybe
        levels: {id: I}
        phases:
          - just text
          - {id: x, name: y, within: soon, extra: 1}
        duties:
          - id: d
            levels: I
            responsible: [[a]]
        """)
    raw = load_text(text).documents[0].data
    with pytest.raises(ValidationError) as caught:
        Plan.model_validate(raw)
    found = messages(caught.value, Plan, raw)
    lines = text.count("\n")
    assert len(found) >= 10
    for (line, column), message in found:
        assert 1 <= line <= lines and column >= 1, (line, column, message)
        assert "Input should" not in message and "\n" not in message, message
