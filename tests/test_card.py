"""A department's duty card: ``coordctl duties`` and coordctl.card."""

from __future__ import annotations

import datetime as dt
import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import BASE, REPO, TODAY, load_workspace
from golden import assert_golden

from coordctl.card import duty_card, render_card
from coordctl.cli import cli
from coordctl.errors import UnknownDocument

FORMATS = ("table", "markdown", "json")
SUFFIX = {"table": "txt", "markdown": "md", "json": "json"}

#: Personal data of BASE's police contact: only internal cards may show it.
CONTACT_NAME = "王某"
CONTACT_PHONE = "0771-5550001"

ACTIONS = """\
    kind: action
    id: a-001
    title: 更新通讯设备
    owner: police
    source: drill/tabletop-2027
    due: 2027-06-30
    status: open
    ---
    kind: action
    id: a-002
    title: 补充值班人员
    owner: police
    due: 2026-11-27
    ---
    kind: action
    id: a-003
    title: 今日到期
    owner: police
    due: 2026-11-28
    ---
    kind: action
    id: a-004
    title: 已完成事项
    owner: police
    due: 2026-01-10
    status: done
    closed: 2026-01-09
    ---
    kind: action
    id: a-005
    title: 卫健事项
    owner: health
    due: 2026-10-01
    """


def run(root: Path, *args: str, today: dt.date = TODAY) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), "--today", today.isoformat(), *args])


def card_json(root: Path, department: str, *args: str, today: dt.date = TODAY) -> dict:
    result = run(root, *args, "duties", department, "--format", "json", today=today)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout_bytes)


# --- golden files ------------------------------------------------------------------------

@pytest.mark.parametrize("audience", ["public", "internal"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_base_workspace(make_workspace: Callable[..., Path], audience: str,
                               fmt: str) -> None:
    root = make_workspace({"plans/action.yaml": ACTIONS})
    result = run(root, "--audience", audience, "duties", "police", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert_golden(f"card/police.{audience}.{SUFFIX[fmt]}", result.stdout_bytes)


def test_golden_english_card_of_an_informed_department(make_workspace: Callable[..., Path]
                                                        ) -> None:
    result = run(make_workspace(), "--locale", "en", "duties", "city-gov",
                 "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert_golden("card/city-gov.public.en.md", result.stdout_bytes)


# --- personal data ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_public_card_never_shows_contacts(make_workspace: Callable[..., Path], fmt: str
                                          ) -> None:
    root = make_workspace()
    public = run(root, "duties", "police", "--format", fmt).stdout_bytes.decode()
    assert CONTACT_NAME not in public
    assert CONTACT_PHONE not in public
    assert "值班室" not in public  # not even the contact's role
    internal = run(root, "--audience", "internal", "duties", "police", "--format", fmt)
    assert internal.exit_code == 0
    assert CONTACT_NAME in internal.stdout_bytes.decode()
    assert CONTACT_PHONE in internal.stdout_bytes.decode()


def test_contacts_in_json_only_for_internal(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    assert card_json(root, "police")["contacts"] is None
    assert card_json(root, "police", "--audience", "internal")["contacts"] == [
        {"role": "值班室", "name": "王某", "phone": "0771-5550001", "email": None,
         "always": True, "verified": None}]


def test_contact_text_is_localised(make_workspace: Callable[..., Path]) -> None:
    departments = textwrap.dedent(BASE["plans/departments.yaml"]).replace(
        "{role: 值班室, name: 王某,", "{role: {zh-CN: 值班室, en: Duty office}, name: 王某,")
    root = make_workspace({"plans/departments.yaml": departments})
    contacts = card_json(root, "police", "--audience", "internal", "--locale", "en")["contacts"]
    assert [(c["role"], c["name"]) for c in contacts] == [("Duty office", "王某")]


def test_sample_workspace_public_cards_carry_no_contact() -> None:
    ws = load_workspace(REPO)
    personal = {value for dept in ws.departments.values() for contact in dept.contacts
                for value in (contact.name, contact.phone) if value}
    assert personal
    for ident in ws.departments:
        for fmt in FORMATS:
            text = render_card(duty_card(ws, ident, "zh-CN"), fmt)
            leaked = [value for value in personal if value in text]
            assert not leaked, (ident, fmt, leaked)


# --- content ---------------------------------------------------------------------------------

def test_duties_held_consulted_and_informed(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    police = card_json(root, "police")["duties"]
    assert [(d["duty"], d["roles"], d["levels"], d["all_levels"]) for d in police] == [
        ("cordon", "A/R", ["I", "II"], True), ("triage", "R", ["I"], False)]
    assert police[0] == {
        "plan": "major-incident", "plan_title": "重大案件处置预案", "phase": "initial",
        "phase_name": "先期处置", "within": "PT5M", "duty": "cordon", "task": "封控现场",
        "roles": "A/R", "levels": ["I", "II"], "all_levels": True}
    city = card_json(root, "city-gov", "--locale", "en")
    assert [(d["duty"], d["roles"], d["task"]) for d in city["duties"]] == [
        ("triage", "I", "医疗救护")]
    assert city["department"] == {"id": "city-gov", "name": "市政府", "short": None,
                                  "parent": None, "email": None, "exempt": "统筹协调"}


def test_department_facts(make_workspace: Callable[..., Path]) -> None:
    departments = textwrap.dedent(BASE["plans/departments.yaml"]).replace(
        "id: health\n", "id: health\nshort: {zh-CN: 卫健, en: Health}\nparent: city-gov\n")
    root = make_workspace({"plans/departments.yaml": departments})
    card = card_json(root, "health", "--locale", "en")["department"]
    assert card == {"id": "health", "name": "Health Commission", "short": "Health",
                    "parent": {"id": "city-gov", "name": "市政府"}, "email": None,
                    "exempt": ""}
    table = run(root, "--locale", "en", "duties", "health").stdout_bytes.decode()
    assert table.startswith("Duty card: Health Commission (Health)\n\nPart of: 市政府\n")


def test_open_actions_sorted_with_overdue_marked(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({"plans/action.yaml": ACTIONS})
    actions = card_json(root, "police")["actions"]
    assert actions == [
        {"id": "a-002", "title": "补充值班人员", "due": "2026-11-27", "overdue": True,
         "source": None},
        {"id": "a-003", "title": "今日到期", "due": "2026-11-28", "overdue": False,
         "source": None},
        {"id": "a-001", "title": "更新通讯设备", "due": "2027-06-30", "overdue": False,
         "source": "drill/tabletop-2027"},
    ]
    table = run(root, "duties", "police").stdout_bytes.decode()
    overdue_line = next(line for line in table.splitlines() if "a-002" in line)
    assert "已逾期" in overdue_line
    today_line = next(line for line in table.splitlines() if "a-003" in line)
    assert "已逾期" not in today_line
    assert "a-004" not in table and "a-005" not in table
    later = card_json(root, "police", today=dt.date(2027, 7, 1))["actions"]
    assert [a["overdue"] for a in later] == [True, True, True]


def test_meetings_with_role_repeat_and_next_occurrence(make_workspace: Callable[..., Path]
                                                       ) -> None:
    root = make_workspace()
    police = card_json(root, "police")["meetings"]
    assert police == [{
        "id": "analysis", "title": "联席会议", "role": "convenor",
        "repeat": "FREQ=MONTHLY;BYDAY=1TU", "repeat_words": "每月第一个星期二",
        "next_start": "2027-01-05T09:30:00+08:00", "next_end": "2027-01-05T11:30:00+08:00",
        "location": None}]
    health = card_json(root, "health", "--locale", "en")["meetings"]
    assert [(m["role"], m["repeat_words"]) for m in health] == [
        ("member", "monthly on the first Tuesday")]
    # on or after today: today's occurrence counts; a skipped date does not
    on_the_day = card_json(root, "police", today=dt.date(2027, 2, 2))["meetings"][0]
    assert on_the_day["next_start"] == "2027-02-02T09:30:00+08:00"
    skipped = card_json(root, "police", today=dt.date(2027, 9, 8))["meetings"][0]
    assert skipped["next_start"] == "2027-11-02T09:30:00+08:00"
    assert card_json(root, "city-gov")["meetings"] == []


def test_meeting_that_is_over_has_no_next_and_comes_last(
        make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({"plans/kickoff.yaml": """\
        kind: meeting
        id: kickoff
        title: 启动会
        convenor: health
        members: [police]
        schedule: {start: 2026-03-02T09:00, duration: 1h}
        """})
    meetings = card_json(root, "police")["meetings"]
    assert [m["id"] for m in meetings] == ["analysis", "kickoff"]
    assert meetings[1]["next_start"] is None
    assert meetings[1]["repeat"] is None
    assert meetings[1]["repeat_words"] == "单次"
    assert meetings[1]["role"] == "member"


def test_drills_default_to_every_duty_holder(make_workspace: Callable[..., Path]) -> None:
    drills = textwrap.dedent(BASE["plans/drill.yaml"]) + textwrap.dedent("""\
        ---
        kind: drill
        id: health-only
        title: 卫健演练
        plan: major-incident
        type: functional
        participants: [health]
        schedule: {start: 2026-06-01T14:00, duration: 2h}
        status: done
        """)
    root = make_workspace({"plans/drill.yaml": drills})
    police = card_json(root, "police")["drills"]
    assert police == [{
        "id": "tabletop-2027", "title": "桌面推演", "plan": "major-incident",
        "plan_title": "重大案件处置预案", "type": "tabletop", "status": "planned",
        "start": "2027-03-10T09:00:00+08:00", "end": "2027-03-10T12:00:00+08:00",
        "location": None}]
    health = card_json(root, "health")["drills"]
    assert [d["id"] for d in health] == ["health-only", "tabletop-2027"]  # by start
    # city-gov is only informed in the plan: it holds no duty, so it is not a participant
    assert card_json(root, "city-gov")["drills"] == []


def test_json_shape_is_stable(make_workspace: Callable[..., Path]) -> None:
    data = card_json(make_workspace({"plans/action.yaml": ACTIONS}), "police",
                     "--audience", "internal")
    assert list(data) == ["department", "locale", "audience", "today", "duties",
                          "meetings", "drills", "actions", "contacts"]
    assert data["locale"] == "zh-CN"
    assert data["audience"] == "internal"
    assert data["today"] == "2026-11-28"
    assert list(data["department"]) == ["id", "name", "short", "parent", "email", "exempt"]
    assert list(data["duties"][0]) == ["plan", "plan_title", "phase", "phase_name", "within",
                                       "duty", "task", "roles", "levels", "all_levels"]
    assert list(data["meetings"][0]) == ["id", "title", "role", "repeat", "repeat_words",
                                         "next_start", "next_end", "location"]
    assert list(data["drills"][0]) == ["id", "title", "plan", "plan_title", "type",
                                       "status", "start", "end", "location"]
    assert list(data["actions"][0]) == ["id", "title", "due", "overdue", "source"]
    assert list(data["contacts"][0]) == ["role", "name", "phone", "email", "always",
                                         "verified"]


def test_empty_sections_say_none(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    table = run(root, "--locale", "en", "duties", "city-gov").stdout_bytes.decode()
    assert "Meetings\n(none)\n" in table
    assert "Open actions\n(none)\n" in table
    markdown = run(root, "duties", "city-gov", "--format", "markdown").stdout_bytes.decode()
    assert "## 会议\n\n(无)\n" in markdown


def test_markdown_escapes_data(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({"plans/action.yaml": """\
        kind: action
        id: a-001
        title: "<img src=x onerror=alert(1)> | *x*"
        owner: police
        due: 2027-06-30
        """})
    text = run(root, "duties", "police", "--format", "markdown").stdout_bytes.decode()
    assert r"\<img src=x onerror=alert(1)\> \| \*x\*" in text
    assert not re.search(r"(?<!\\)<", text)  # no raw HTML tag left


# --- errors ------------------------------------------------------------------------------------

def test_unknown_department_exits_2_with_a_suggestion(make_workspace: Callable[..., Path]
                                                      ) -> None:
    result = run(make_workspace(), "duties", "polise")
    assert result.exit_code == 2
    assert result.stdout_bytes == b""
    assert "there is no department 'polise' (did you mean 'police'?)" in result.stderr
    with pytest.raises(UnknownDocument):
        duty_card(load_workspace(make_workspace()), "nobody", "zh-CN")


def test_invalid_department_is_refused(make_workspace: Callable[..., Path]) -> None:
    departments = textwrap.dedent(BASE["plans/departments.yaml"]).replace(
        "email: duty@police.example", "email: not-an-address")
    result = run(make_workspace({"plans/departments.yaml": departments}), "duties", "police")
    assert result.exit_code == 2
    assert "department 'police' has errors" in result.stderr


def test_unknown_audience_or_format_is_a_programming_error() -> None:
    ws = load_workspace(REPO)
    with pytest.raises(ValueError):
        duty_card(ws, "police", "zh-CN", audience="everyone")
    with pytest.raises(ValueError):
        render_card(duty_card(ws, "police", "zh-CN"), "html")


# --- the sample workspace -------------------------------------------------------------------------

def test_sample_workspace_cards_are_deterministic() -> None:
    ws = load_workspace(REPO)
    for ident in ws.departments:
        card = duty_card(ws, ident, "en", audience="internal")
        data = json.loads(render_card(card, "json"))
        assert data["department"]["id"] == ident
        held = ws.holdings.get(ident, [])
        assert {(p.id, d.id) for p, d in held} <= {(d["plan"], d["duty"])
                                                    for d in data["duties"]}
        assert render_card(duty_card(load_workspace(REPO), ident, "en", "internal"),
                           "json") == render_card(card, "json")
    police = json.loads(render_card(duty_card(ws, "police", "zh-CN"), "json"))
    assert [m["id"] for m in police["meetings"]] == ["security-analysis",
                                                     "rectification-coordination"]
    assert police["meetings"][1]["repeat_words"] == "每3个月最后一个星期四"
