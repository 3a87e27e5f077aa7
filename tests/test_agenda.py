"""A meeting's agenda: ``coordctl agenda`` and coordctl.agenda.

Golden files under tests/golden/agenda/ (``COORDCTL_UPDATE_GOLDEN=1`` rewrites them);
the "changed since the last meeting" section on real temporary git repositories
(``gitrepo.py``).
"""

from __future__ import annotations

import datetime as dt
import itertools
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import BASE, REPO, SETTINGS, load_workspace
from gitrepo import GitRepo, one_line_error, repo_factory
from golden import assert_golden

from coordctl.agenda import build_agenda, render_agenda, running_clock
from coordctl.cli import cli
from coordctl.errors import CoordctlError, UnknownDocument
from coordctl.render import Links
from coordctl.workspace import load

#: The day the agendas are asked on: the next meeting is Tuesday 2027-03-02, the one
#: before it was on 2027-02-02.
ASKED = dt.date(2027, 3, 1)

MEETING = """\
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
    location: 市委政法委三楼会议室
    agenda:
      - {title: 形势通报, presenter: police, minutes: 20}
      - title: {zh-CN: 卫生应急准备, en: Health emergency readiness}
        presenter: health
        minutes: 15
      - {title: 自由讨论}
      - {title: 下月工作部署, presenter: police, minutes: 10}
    """

ACTIONS = """\
    kind: action
    id: a-001
    title: 更新通讯设备
    owner: police
    source: drill/tabletop-2027
    due: 2027-06-30
    ---
    kind: action
    id: d-001
    title: {zh-CN: 修订医疗救护方案, en: Revise the medical response}
    owner: health
    source: meeting/analysis
    due: 2027-04-30
    ---
    kind: action
    id: d-002
    title: 补充现场封控力量
    owner: police
    source: meeting/analysis
    due: 2027-02-15
    ---
    kind: action
    id: d-003
    title: 已办结的会议事项
    owner: health
    source: meeting/analysis
    due: 2027-02-01
    status: done
    closed: 2027-01-30
    ---
    kind: action
    id: o-001
    title: 补充急救药品储备
    owner: health
    source: drill/tabletop-2027
    due: 2027-01-31
    ---
    kind: action
    id: o-002
    title: 市政府事项
    owner: city-gov
    due: 2027-01-10
    ---
    kind: action
    id: o-003
    title: 会议当天到期
    owner: police
    due: 2027-03-02
    """

DRILLS = """\
    kind: drill
    id: tabletop-2027
    title: 桌面推演
    plan: major-incident
    type: tabletop
    schedule: {start: 2027-03-10T09:00, duration: 3h}
    location: 市应急指挥中心
    ---
    kind: drill
    id: day-sixty
    title: 第六十日演练
    plan: major-incident
    type: functional
    participants: [health]
    schedule: {start: 2027-05-01T14:00, duration: 2h}
    ---
    kind: drill
    id: too-late
    title: 六十日后的演练
    plan: major-incident
    type: full-scale
    schedule: {start: 2027-05-02T09:00, duration: 4h}
    ---
    kind: drill
    id: cancelled
    title: 已取消的演练
    plan: major-incident
    type: drill
    schedule: {start: 2027-03-20T09:00, duration: 2h}
    status: cancelled
    ---
    kind: drill
    id: others-only
    title: 与成员单位无关的演练
    plan: major-incident
    type: tabletop
    participants: [city-gov]
    schedule: {start: 2027-03-25T09:00, duration: 2h}
    """

#: The agenda's workspace: BASE with a longer standing agenda, actions and drills.
FILES = {"plans/meeting.yaml": MEETING, "plans/action.yaml": ACTIONS,
         "plans/drill.yaml": DRILLS}


def run(root: Path, *args: str, today: dt.date = ASKED) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), "--today", today.isoformat(), *args])


def agenda_of(root: Path, locale: str = "zh-CN", on: dt.date = ASKED):
    return build_agenda(load(root, today=on), "analysis", on, locale)


# --- golden files ------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_golden_outside_git(make_workspace: Callable[..., Path], locale: str, fmt: str
                            ) -> None:
    result = run(make_workspace(FILES), "--locale", locale, "agenda", "analysis",
                 "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    suffix = "md" if fmt == "markdown" else "html"
    assert_golden(f"agenda/analysis.{locale}.{suffix}", result.stdout_bytes)


def test_golden_site_page_links_to_documents(make_workspace: Callable[..., Path]) -> None:
    agenda = agenda_of(make_workspace(FILES), "en")
    page = render_agenda(agenda, "html", Links(depth=1))
    assert_golden("agenda/analysis.site.en.html", page)
    assert '<a href="../departments/health.html">Health Commission</a>' in page
    assert '<a href="../actions/d-002.html">d-002</a>' in page
    assert '<a href="../drills/tabletop-2027.html">桌面推演</a>' in page
    assert 'href="../index.html"' in page


# --- the meeting itself --------------------------------------------------------------------

def test_next_occurrence_on_or_after_the_date(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(FILES)
    assert agenda_of(root).start == dt.datetime(2027, 3, 2, 9, 30, tzinfo=_tz())
    # on the day of a meeting, that meeting; a skipped date is passed over
    on_day = build_agenda(load(root, today=ASKED), "analysis", dt.date(2027, 3, 2), "en")
    assert on_day.start.date() == dt.date(2027, 3, 2)
    skipped = build_agenda(load(root, today=ASKED), "analysis", dt.date(2027, 10, 1), "en")
    assert skipped.start.date() == dt.date(2027, 11, 2)
    # --date picks the occurrence, --today does not matter
    result = run(root, "--locale", "en", "agenda", "analysis", "--date", "2027-06-02")
    assert "Tuesday 6 July 2027, 09:30–11:30" in result.stdout


def test_facts_in_both_locales(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(FILES)
    zh = run(root, "agenda", "analysis").stdout
    assert "# 联席会议议程" in zh
    assert "- 会议时间：2027年3月2日（星期二）09:30—11:30" in zh
    assert "- 地点：市委政法委三楼会议室" in zh
    assert "- 召集单位：市公安局" in zh
    assert "- 成员单位：市卫健委" in zh
    en = run(root, "--locale", "en", "agenda", "analysis").stdout
    assert "- Convenor: Public Security Bureau" in en
    assert "| 2 | 09:50–10:05 | Health emergency readiness | Health Commission |" in en


def test_running_clock(make_workspace: Callable[..., Path]) -> None:
    items = agenda_of(make_workspace(FILES)).items
    at = lambda h, m: dt.datetime(2027, 3, 2, h, m, tzinfo=_tz())  # noqa: E731
    assert [(i.number, i.start, i.end) for i in items] == [
        (1, at(9, 30), at(9, 50)),
        (2, at(9, 50), at(10, 5)),
        (3, at(10, 5), None),    # no minutes: no end, and the clock stops
        (4, None, None),
    ]
    assert [i.minutes for i in items] == [20, 15, None, 10]
    assert [i.presenter.id if i.presenter else None for i in items] == \
        ["police", "health", None, "police"]


def test_running_clock_crosses_the_hour_and_midnight(make_workspace: Callable[..., Path]
                                                     ) -> None:
    ws = load_workspace(make_workspace(FILES))
    meeting = ws.meetings["analysis"]
    late = dt.datetime(2027, 3, 2, 23, 40, tzinfo=_tz())
    items = running_clock(ws, meeting.agenda[:2], late, "zh-CN")
    assert [(i.start, i.end) for i in items] == [
        (late, dt.datetime(2027, 3, 3, 0, 0, tzinfo=_tz())),
        (dt.datetime(2027, 3, 3, 0, 0, tzinfo=_tz()),
         dt.datetime(2027, 3, 3, 0, 15, tzinfo=_tz()))]


def test_meeting_without_standing_items(make_workspace: Callable[..., Path]) -> None:
    meeting = textwrap.dedent(MEETING).split("agenda:")[0]
    root = make_workspace({**FILES, "plans/meeting.yaml": meeting})
    assert agenda_of(root).items == []
    out = run(root, "agenda", "analysis").stdout
    assert "## 会议议题\n\n无。\n" in out


# --- actions ------------------------------------------------------------------------------

def test_open_actions_decided_at_the_meeting(make_workspace: Callable[..., Path]) -> None:
    agenda = agenda_of(make_workspace(FILES))
    # d-003 is done: not listed; actions from elsewhere are not decisions of the meeting
    assert [(r.id, r.owner.id, r.overdue, r.days_overdue) for r in agenda.decided] == [
        ("d-002", "police", True, 15), ("d-001", "health", False, 0)]
    out = run(make_workspace(FILES), "agenda", "analysis").stdout
    assert "| d-002 | 补充现场封控力量 | 市公安局 | 2027-02-15 | 已逾期15天 |" in out
    assert "| d-001 | 修订医疗救护方案 | 市卫健委 | 2027-04-30 | 正在办理 |" in out
    assert "d-003" not in out


def test_overdue_actions_of_members_and_convenor(make_workspace: Callable[..., Path]) -> None:
    agenda = agenda_of(make_workspace(FILES))
    # o-002 belongs to a department not at the meeting; o-003 is due on the meeting day
    # (not overdue yet); d-002 is with the meeting's decisions already
    assert [(r.id, r.owner.id, r.days_overdue) for r in agenda.overdue] == [
        ("o-001", "health", 30)]
    assert agenda.overdue[0].source[0] == "drill"
    assert agenda.overdue[0].source[1].name == "桌面推演"
    out = run(make_workspace(FILES), "agenda", "analysis").stdout
    assert "| o-001 | 补充急救药品储备 | 市卫健委 | 2027-01-31 | 已逾期30天 | 演练：桌面推演 |" \
        in out
    assert "o-002" not in out and "o-003" not in out


def test_overdue_is_measured_at_the_meeting_not_today(make_workspace: Callable[..., Path]
                                                      ) -> None:
    root = make_workspace(FILES)
    # asked long before: the April meeting (6 April) still sees o-001 and d-002 overdue
    agenda = build_agenda(load(root, today=dt.date(2026, 12, 1)), "analysis",
                          dt.date(2027, 4, 1), "zh-CN")
    assert [r.id for r in agenda.overdue] == ["o-001", "o-003"]
    assert [(r.id, r.days_overdue) for r in agenda.decided] == [("d-002", 50), ("d-001", 0)]


# --- drills ----------------------------------------------------------------------------------

def test_drills_within_sixty_days_that_involve_members(make_workspace: Callable[..., Path]
                                                       ) -> None:
    drills = agenda_of(make_workspace(FILES)).drills
    # too-late is on day 61, cancelled is cancelled, others-only involves no attendee
    assert [(d.id, [a.id for a in d.attendees]) for d in drills] == [
        ("tabletop-2027", ["police", "health"]), ("day-sixty", ["health"])]
    assert drills[0].start == dt.datetime(2027, 3, 10, 9, 0, tzinfo=_tz())
    out = run(make_workspace(FILES), "agenda", "analysis").stdout
    assert "## 近期演练（60日内）" in out
    assert ("| 2027-03-10 09:00—12:00 | 桌面推演 | 桌面推演 | 重大案件处置预案 | "
            "市公安局、市卫健委 |") in out
    assert "六十日后" not in out and "已取消" not in out and "无关" not in out


def test_repeating_drill_is_listed_per_occurrence(make_workspace: Callable[..., Path]) -> None:
    weekly = textwrap.dedent(DRILLS).replace(
        "schedule: {start: 2027-03-10T09:00, duration: 3h}",
        "schedule: {start: 2027-03-10T09:00, duration: 3h, repeat: FREQ=MONTHLY}")
    drills = agenda_of(make_workspace({**FILES, "plans/drill.yaml": weekly})).drills
    assert [(d.id, d.start.date()) for d in drills] == [
        ("tabletop-2027", dt.date(2027, 3, 10)), ("tabletop-2027", dt.date(2027, 4, 10)),
        ("day-sixty", dt.date(2027, 5, 1))]


# --- findings --------------------------------------------------------------------------------

def test_findings_that_concern_members(make_workspace: Callable[..., Path]) -> None:
    findings = agenda_of(make_workspace(FILES)).findings
    # d-002 (police) and o-001 (health) are overdue at --today; o-002's finding names
    # city-gov, which is not at the meeting
    assert [(f.rule, f.severity) for f in findings] == [("action-overdue", "warning")] * 2
    assert ["'d-002'" in findings[0].message, "'o-001'" in findings[1].message] == [True] * 2
    assert not any("'o-002'" in f.message for f in findings)
    out = run(make_workspace(FILES), "agenda", "analysis").stdout
    assert f"| plans/action.yaml:{findings[1].line} | 警告 | action-overdue | action 'o-001'" \
        in out


def test_findings_inside_a_member_department_document(make_workspace: Callable[..., Path]
                                                       ) -> None:
    departments = textwrap.dedent(BASE["plans/departments.yaml"]).replace(
        "name: {zh-CN: 市卫健委, en: Health Commission}",
        "name: {zh-CN: 市卫健委, en: Health Commission}\nnickname: 卫健")
    root = make_workspace({**FILES, "plans/departments.yaml": departments})
    findings = agenda_of(root).findings
    schema = [f for f in findings if f.rule == "schema"]
    assert [(f.path, f.line) for f in schema] == [("plans/departments.yaml", 11)]
    assert "'health'" not in schema[0].message  # found by where it is, not by its text
    # the city-gov document is in the same file, after health's: not a member's
    exempt = textwrap.dedent(departments).replace("exempt: 统筹协调", "exempt: 统筹协调\nbogus: 1")
    root = make_workspace({**FILES, "plans/departments.yaml": exempt})
    assert [f.line for f in agenda_of(root).findings if f.rule == "schema"] == [11]


# --- changes in plans since the previous occurrence ----------------------------------------

def test_outside_git_history_is_not_available(make_workspace: Callable[..., Path]) -> None:
    agenda = agenda_of(make_workspace(FILES))
    assert agenda.changes.status == "unavailable"
    assert agenda.changes.previous == dt.datetime(2027, 2, 2, 9, 30, tzinfo=_tz())
    result = run(make_workspace(FILES), "--locale", "en", "agenda", "analysis")
    assert result.exit_code == 0
    assert "History is not available" in result.stdout


def test_first_meeting_has_nothing_to_compare(make_workspace: Callable[..., Path]) -> None:
    agenda = agenda_of(make_workspace(FILES), on=dt.date(2026, 12, 1))
    assert agenda.start.date() == dt.date(2027, 1, 5)
    assert agenda.changes.status == "first"
    out = run(make_workspace(FILES), "agenda", "analysis", today=dt.date(2026, 12, 1)).stdout
    assert "本次为首次会议" in out


@pytest.fixture
def make_repo(tmp_path, monkeypatch):
    return repo_factory(tmp_path, monkeypatch)


def _tz() -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Shanghai")


def _history(repo: GitRepo) -> tuple[str, str]:
    """The workspace committed before the February meeting, then changed after it:
    cordon reassigned to health, the initial target 5m → 10m, triage's police support
    withdrawn."""
    before = repo.commit_base()
    repo.commit("Agenda, actions and drills", FILES, date=dt.date(2027, 1, 20))
    plan = textwrap.dedent(BASE["plans/plan.yaml"])
    plan = plan.replace("accountable: police", "accountable: health", 1)
    plan = plan.replace("within: 5m", "within: 10m")
    after = repo.commit("Health seals off the scene", {"plans/plan.yaml": plan},
                        date=dt.date(2027, 2, 15))
    return before, after


def test_changes_since_the_previous_meeting_from_git(make_repo: Callable[..., GitRepo]
                                                     ) -> None:
    repo = make_repo()
    _history(repo)
    before_meeting = repo.rev("HEAD~1")
    agenda = agenda_of(repo.workspace, "en")
    changes = agenda.changes
    assert changes.status == "compared"
    assert changes.commit == before_meeting
    assert changes.commit_date == dt.date(2027, 1, 20)
    assert [(c.plan.id, c.change) for c in changes.plans] == [("major-incident", "modified")]
    assert changes.highlights == (
        "plan 'major-incident', duty 'cordon': accountable Public Security Bureau (police) → "
        "Health Commission (health)",
        "plan 'major-incident', phase 'initial': time target 5m → 10m")


def test_meetings_compare_against_their_own_previous_session(
        make_repo: Callable[..., GitRepo]) -> None:
    """Agendas of one workspace share comparisons by commit: a weekly meeting that last
    met after the change sees no change, the monthly one that met before it does."""
    repo = make_repo()
    _history(repo)
    weekly = textwrap.dedent(MEETING).replace("id: analysis", "id: weekly").replace(
        "FREQ=MONTHLY;BYDAY=1TU", "FREQ=WEEKLY;BYDAY=MO").replace("except: [2027-10-05]",
                                                                  "except: []")
    repo.commit("Weekly meeting", {"plans/weekly.yaml": weekly}, date=dt.date(2027, 2, 16))
    ws = load(repo.workspace, today=ASKED)
    monthly = build_agenda(ws, "analysis", ASKED, "en").changes
    weekly_changes = build_agenda(ws, "weekly", ASKED, "en").changes
    again = build_agenda(ws, "analysis", ASKED, "en").changes
    assert monthly.commit == repo.rev("HEAD~2") and monthly.plans
    assert weekly_changes.status == "compared" and weekly_changes.commit == repo.head()
    assert weekly_changes.plans == () and weekly_changes.highlights == ()
    assert again == monthly


@pytest.mark.parametrize(("locale", "fmt"), [("zh-CN", "markdown"), ("en", "markdown"),
                                             ("zh-CN", "html")])
def test_golden_changes_from_git(make_repo: Callable[..., GitRepo], locale: str, fmt: str
                                 ) -> None:
    repo = make_repo()
    _history(repo)
    result = run(repo.workspace, "--locale", locale, "agenda", "analysis", "--format", fmt)
    assert result.exit_code == 0, result.output
    suffix = "md" if fmt == "markdown" else "html"
    assert_golden(f"agenda/analysis.git.{locale}.{suffix}", result.stdout_bytes)


def test_changes_of_meetings_and_drills_are_left_out(make_repo: Callable[..., GitRepo]
                                                     ) -> None:
    repo = make_repo()
    repo.commit_base()
    repo.commit("Agenda, actions and drills", FILES, date=dt.date(2027, 1, 20))
    repo.commit("Move the drill", {"plans/drill.yaml": textwrap.dedent(DRILLS).replace(
        "2027-03-10T09:00", "2027-03-11T09:00")}, date=dt.date(2027, 2, 15))
    changes = agenda_of(repo.workspace, "en").changes
    assert changes.status == "compared"
    assert changes.plans == () and changes.highlights == ()
    out = run(repo.workspace, "--locale", "en", "agenda", "analysis").stdout
    assert "No plan has changed since the last meeting on 2027-02-02." in out


def test_no_commit_before_the_previous_meeting(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.write(BASE, settings=SETTINGS)
    repo.commit("Everything at once", FILES, date=dt.date(2027, 2, 20))
    agenda = agenda_of(repo.workspace)
    assert agenda.changes.status == "unavailable"
    assert "变更记录不可用" in run(repo.workspace, "agenda", "analysis").stdout


def test_uncommitted_changes_count(make_repo: Callable[..., GitRepo]) -> None:
    repo = make_repo()
    repo.commit_base()
    repo.commit("Agenda, actions and drills", FILES, date=dt.date(2027, 1, 20))
    repo.write({"plans/plan.yaml": textwrap.dedent(BASE["plans/plan.yaml"]).replace(
        "responsible: [health, police]", "responsible: [health]")})
    assert agenda_of(repo.workspace, "en").changes.highlights == (
        "plan 'major-incident', duty 'triage': Public Security Bureau (police) no longer "
        "responsible",)


# --- HTML safety ----------------------------------------------------------------------------

XSS = "<script>alert(1)</script>"


def test_html_is_escaped(make_workspace: Callable[..., Path]) -> None:
    meeting = textwrap.dedent(MEETING).replace("title: 联席会议", f'title: "{XSS}"').replace(
        "location: 市委政法委三楼会议室", 'location: "<img src=x onerror=alert(1)>"').replace(
        "title: 自由讨论", 'title: "<b>讨论</b>"')
    actions = textwrap.dedent(ACTIONS).replace("title: 补充急救药品储备",
                                               f'title: "{XSS}"')
    root = make_workspace({**FILES, "plans/meeting.yaml": meeting,
                           "plans/action.yaml": actions})
    for locale in ("zh-CN", "en"):
        page = run(root, "--locale", locale, "agenda", "analysis", "--format", "html").stdout
        assert "<script" not in page and "<img" not in page and "<b>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
    markdown = run(root, "agenda", "analysis").stdout
    assert "<script>" not in markdown and r"\<script\>" in markdown


def test_html_page_structure(make_workspace: Callable[..., Path]) -> None:
    import re

    page = run(make_workspace(FILES), "agenda", "analysis", "--format", "html").stdout
    assert '<html lang="zh-CN">' in page
    levels = [int(n) for n in re.findall(r"<h([1-6])", page)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert "<th>" not in page  # every header cell has a scope
    assert "http://" not in page and "https://" not in page and "<script" not in page


# --- errors ----------------------------------------------------------------------------------

def test_unknown_meeting_exits_2_with_a_suggestion(make_workspace: Callable[..., Path]
                                                   ) -> None:
    message = one_line_error(run(make_workspace(FILES), "agenda", "analysys"))
    assert message == "there is no meeting 'analysys' (did you mean 'analysis'?)"
    with pytest.raises(UnknownDocument):
        build_agenda(load_workspace(make_workspace(FILES)), "nope", ASKED, "en")


def test_no_occurrence_left_exits_2(make_workspace: Callable[..., Path]) -> None:
    ended = textwrap.dedent(MEETING).replace("repeat: FREQ=MONTHLY;BYDAY=1TU",
                                             "repeat: FREQ=MONTHLY;BYDAY=1TU;COUNT=3")
    root = make_workspace({**FILES, "plans/meeting.yaml": ended})
    message = one_line_error(run(root, "agenda", "analysis", "--date", "2027-06-01"))
    assert message == ("meeting 'analysis' has no occurrence on or after 2027-06-01; its "
                       "last was on 2027-03-02: give an earlier --date")
    with pytest.raises(CoordctlError):
        build_agenda(load_workspace(root), "analysis", dt.date(2027, 6, 1), "en")
    assert run(root, "agenda", "analysis", "--date", "2027-03-02").exit_code == 0


def test_sample_workspace_agendas_render() -> None:
    ws = load(REPO, today=dt.date(2027, 3, 1))
    for ident in ws.meetings:
        for locale in ("zh-CN", "en"):
            agenda = build_agenda(ws, ident, ws.today, locale)
            assert render_agenda(agenda, "markdown").startswith("# ")
            assert render_agenda(agenda, "html").startswith("<!DOCTYPE html>")
