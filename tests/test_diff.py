"""``coordctl diff``: what changed between two revisions, per document and for people.

Real temporary git repositories (``gitrepo.py``); golden files under tests/golden/diff/
(``COORDCTL_UPDATE_GOLDEN=1`` rewrites them).
"""

from __future__ import annotations

import json
import textwrap

import pytest
from conftest import BASE, SETTINGS, TODAY
from gitrepo import GitRepo, invoke, one_line_error, repo_factory
from golden import assert_golden

DAY = TODAY.isoformat()

MARITIME = """\
    kind: department
    id: maritime
    name: {zh-CN: 海事局, en: Maritime Safety Administration}
    contacts:
      - {role: 值班室, phone: "0771-5550003", always: true}
    """


@pytest.fixture
def make_repo(tmp_path, monkeypatch):
    return repo_factory(tmp_path, monkeypatch)


@pytest.fixture
def repo(make_repo) -> GitRepo:
    repo = make_repo()
    repo.commit_base()
    return repo


def base(name: str) -> str:
    return textwrap.dedent(BASE[name])


def diff(repo: GitRepo, *args: str, fmt: str = "json", locale: str = "en",
         parse: bool = True):
    """Run ``coordctl diff ARGS`` in the repository's workspace: its output, parsed when
    it is JSON (and ``parse``)."""
    result = invoke("-C", str(repo.workspace), "--today", DAY, "--locale", locale, "diff",
                    *args, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout) if fmt == "json" and parse else result.stdout


def changes(result: dict) -> dict[str, tuple[str, str, list]]:
    """kind/id -> (change, path, [(field, old, new)])."""
    return {f"{c['kind']}/{c['id']}": (c["change"], c["path"],
                                       [(f["field"], f["old"], f["new"]) for f in c["fields"]])
            for c in result["changes"]}


def highlights(result: dict, what: str | None = None) -> list[str]:
    return [h["text"] for h in result["highlights"] if what is None or h["what"] == what]


def rules(found: list[dict]) -> list[tuple[str, str]]:
    return [(f["rule"], f["message"].split(":")[0]) for f in found]


# --- which revisions -----------------------------------------------------------------------

def test_no_argument_is_head_against_the_working_tree_with_untracked_files(repo):
    repo.write({"plans/drill.yaml": base("plans/drill.yaml").replace("3h", "4h"),
                "plans/new/actions.yaml": """\
                    kind: action
                    id: a-002
                    title: 复盘
                    owner: health
                    due: 2027-04-30
                    """})
    before = repo.state()
    result = diff(repo)
    assert repo.state() == before
    assert (result["from"], result["to"]) == ("HEAD", "working tree")
    assert changes(result) == {
        "drill/tabletop-2027": ("modified", "plans/drill.yaml",
                                [("schedule.duration", "3h", "4h")]),
        "action/a-002": ("added", "plans/new/actions.yaml", []),
    }
    # A longer drill that starts at the same time has not moved.
    assert highlights(result, "moved") == []


def test_one_argument_is_that_revision_against_the_working_tree(repo):
    repo.git("tag", "v1")
    repo.commit("Longer drill", {"plans/drill.yaml": base("plans/drill.yaml").replace("3h", "4h")})
    repo.write({"plans/action.yaml": base("plans/action.yaml").replace("open", "done")
                + "closed: 2026-11-20\n"})
    result = diff(repo, "v1")
    assert (result["from"], result["to"]) == ("v1", "working tree")
    assert changes(result) == {
        "drill/tabletop-2027": ("modified", "plans/drill.yaml",
                                [("schedule.duration", "3h", "4h")]),
        "action/a-001": ("modified", "plans/action.yaml",
                         [("status", "open", "done"), ("closed", None, "2026-11-20")]),
    }
    # Against HEAD only the uncommitted change is left.
    assert list(changes(diff(repo))) == ["action/a-001"]


def test_two_arguments_compare_two_revisions_and_ignore_the_working_tree(repo):
    first = repo.head()
    second = repo.commit("Longer drill", {"plans/drill.yaml": base("plans/drill.yaml")
                                          .replace("3h", "4h")})
    repo.write({"plans/action.yaml": None})
    result = diff(repo, first, second)
    assert (result["from"], result["to"]) == (first, second)
    assert list(changes(result)) == ["drill/tabletop-2027"]
    reverse = diff(repo, second, first)
    assert changes(reverse)["drill/tabletop-2027"][2] == [("schedule.duration", "4h", "3h")]


def test_no_changes(repo):
    assert diff(repo) == {"from": "HEAD", "to": "working tree", "changes": [],
                          "findings": {"introduced": [], "resolved": []}, "highlights": []}
    assert diff(repo, fmt="text") == "coordctl diff HEAD → working tree\nno changes\n"
    assert diff(repo, fmt="markdown") == (
        "### coordctl diff `HEAD` → `working tree`\n\nNo changes to the workspace.\n")


def test_not_a_number_is_no_change_and_valid_json(repo):
    # Found by fuzzing: YAML's .nan is not equal to itself, so an unchanged document with
    # one was "modified", and --format json wrote NaN, which is not JSON.
    nan = base("plans/action.yaml") + "description: [.nan, .inf, -.inf]\n"
    repo.commit("not a number", {"plans/action.yaml": nan})
    strict = {"parse_constant": lambda word: pytest.fail(f"{word} is not JSON")}
    assert json.loads(diff(repo, parse=False), **strict)["changes"] == []
    repo.write({"plans/action.yaml": nan.replace("-.inf]", "1.5]")})
    result = json.loads(diff(repo, parse=False), **strict)
    assert changes(result)["action/a-001"][2] == [
        ("description", [".nan", ".inf", "-.inf"], [".nan", ".inf", 1.5])]


# --- identity is kind/id, never the file ---------------------------------------------------

def test_moving_a_document_to_another_file_is_no_change(repo):
    # Uncommitted: the drill leaves its file for a new, untracked one.
    repo.write({"plans/drill.yaml": None,
                "plans/events.yaml": base("plans/meeting.yaml") + "---\n"
                + base("plans/drill.yaml"),
                "plans/meeting.yaml": None})
    assert changes(diff(repo)) == {}
    repo.commit("Drill and meeting in one file")
    assert changes(diff(repo, "HEAD~1", "HEAD")) == {}
    assert diff(repo, "HEAD~1", "HEAD", fmt="text").endswith("\nno changes\n")


def test_renaming_a_file_is_no_change(repo):
    repo.move("plans/plan.yaml", "plans/major/incident.yml")
    repo.commit("Rename the plan file")
    result = diff(repo, "HEAD~1", "HEAD")
    assert result["changes"] == [] and result["findings"] == {"introduced": [],
                                                               "resolved": []}
    # Changed and renamed at once: the new path, the field changes only.
    repo.write({"plans/major/incident.yml": None,
                "plans/major-incident.yaml": base("plans/plan.yaml").replace("5m", "10m")})
    assert changes(diff(repo)) == {"plan/major-incident": (
        "modified", "plans/major-incident.yaml", [("phases[initial].within", "5m", "10m")])}


def test_an_edit_that_only_shifts_a_finding_neither_introduces_nor_resolves_it(repo):
    repo.commit("Overdue action", {"plans/action.yaml": base("plans/action.yaml")
                                   .replace("2027-06-30", "2026-10-01")})
    repo.write({"plans/action.yaml": "# rectification items\n\n" + base(
        "plans/action.yaml").replace("2027-06-30", "2026-10-01")})
    result = diff(repo)
    assert result["changes"] == []
    assert result["findings"] == {"introduced": [], "resolved": []}


# --- what changed in a document -------------------------------------------------------------

def test_a_duty_reassigned(repo):
    repo.write({"plans/plan.yaml": base("plans/plan.yaml").replace(
        "accountable: police", "accountable: health", 1)})
    result = diff(repo)
    assert changes(result) == {"plan/major-incident": (
        "modified", "plans/plan.yaml", [("duties[cordon].accountable", "police", "health")])}
    assert highlights(result) == [
        "plan 'major-incident', duty 'cordon': accountable Public Security Bureau (police) "
        "→ Health Commission (health)"]
    assert result["highlights"][0]["departments"] == ["police", "health"]
    assert "    duties[cordon].accountable: police → health\n" in diff(repo, fmt="text")


def test_members_joined_and_left(repo):
    repo.write({"plans/meeting.yaml": base("plans/meeting.yaml").replace(
        "members: [health]", "members: [city-gov, police]")})
    result = diff(repo)
    assert changes(result)["meeting/analysis"][2] == [
        ("members", ["health"], ["city-gov", "police"])]
    assert "    members: +city-gov, +police -health\n" in diff(repo, fmt="text")
    assert "| `members` | +city-gov, +police -health |" in diff(repo, fmt="markdown")


def test_responsible_departments_joined_and_left(repo):
    repo.write({"plans/departments.yaml": base("plans/departments.yaml") + "---\n"
                + textwrap.dedent(MARITIME),
                "plans/plan.yaml": base("plans/plan.yaml").replace(
                    "responsible: [health, police]", "responsible: [health, maritime]")})
    result = diff(repo)
    assert changes(result)["plan/major-incident"][2] == [
        ("duties[triage].responsible", ["health", "police"], ["health", "maritime"])]
    assert highlights(result, "joined") == [
        "plan 'major-incident', duty 'triage': Maritime Safety Administration (maritime) "
        "now responsible"]
    assert highlights(result, "left") == [
        "plan 'major-incident', duty 'triage': Public Security Bureau (police) no longer "
        "responsible"]
    assert highlights(result, "first-duty") == [
        "Maritime Safety Administration (maritime) now holds duties (it held none before)"]
    # Police still holds the cordon: it did not lose its last duty.
    assert highlights(result, "last-duty") == []


def test_a_department_that_lost_its_last_duty_and_one_that_gained_its_first(repo):
    repo.commit("Maritime, without a duty yet", {"plans/maritime.yaml": MARITIME})
    repo.write({"plans/plan.yaml": base("plans/plan.yaml")
                .replace("responsible: [health, police]", "responsible: [health]")
                .replace("accountable: police", "accountable: maritime", 1)})
    result = diff(repo)
    assert highlights(result, "last-duty") == [
        "Public Security Bureau (police) no longer holds any duty"]
    assert highlights(result, "first-duty") == [
        "Maritime Safety Administration (maritime) now holds duties (it held none before)"]
    assert rules(result["findings"]["introduced"]) == [
        ("department-without-duty", "department 'police' holds no duty in any plan"),
        ("plan-member-without-duty", "department 'police' is listed in plan 'major-incident' "
                                     "but holds no duty in it")]
    assert rules(result["findings"]["resolved"]) == [
        ("department-without-duty", "department 'maritime' holds no duty in any plan")]
    assert [f["path"] for f in result["findings"]["resolved"]] == ["plans/maritime.yaml"]


def test_a_department_removed(repo):
    repo.write({"plans/departments.yaml": "---\n".join(
        base("plans/departments.yaml").split("---\n")[:2])})
    result = diff(repo)
    assert changes(result) == {"department/city-gov": ("removed", "plans/departments.yaml",
                                                       [])}
    assert rules(result["findings"]["introduced"]) == [
        ("unknown-ref", "duty 'triage' names department 'city-gov', which does not exist")]
    assert result["findings"]["resolved"] == []
    assert "- department/city-gov (plans/departments.yaml)\n" in diff(repo, fmt="text")


def test_a_drill_moved_says_its_old_and_new_next_occurrence(repo):
    repo.write({"plans/drill.yaml": base("plans/drill.yaml").replace(
        "2027-03-10T09:00", "2027-04-14T14:30")})
    result = diff(repo)
    assert changes(result)["drill/tabletop-2027"][2] == [
        ("schedule.start", "2027-03-10T09:00", "2027-04-14T14:30")]
    assert highlights(result, "moved") == [
        "drill 'tabletop-2027' moved: next occurrence 2027-03-10 09:00 → 2027-04-14 14:30"]
    # The drill lists no participants: its plan's duty holders are expected there.
    assert result["highlights"][0]["departments"] == ["police", "health"]
    assert highlights(diff(repo, locale="zh-CN"), "moved") == [
        "演练「tabletop-2027」时间调整：下次 2027-03-10 09:00 → 2027-04-14 14:30"]


def test_a_repeating_meeting_moved_to_another_weekday(repo):
    repo.write({"plans/meeting.yaml": base("plans/meeting.yaml")
                .replace("2027-01-05T09:30", "2027-01-12T09:30")
                .replace("BYDAY=1TU", "BYDAY=2TU").replace("2027-10-05", "2027-10-12")})
    result = diff(repo)
    assert changes(result)["meeting/analysis"][2] == [
        ("schedule.start", "2027-01-05T09:30", "2027-01-12T09:30"),
        ("schedule.repeat", "FREQ=MONTHLY;BYDAY=1TU", "FREQ=MONTHLY;BYDAY=2TU"),
        ("schedule.except", ["2027-10-05"], ["2027-10-12"])]
    assert highlights(result, "moved") == [
        "meeting 'analysis' moved: next occurrence 2027-01-05 09:30 → 2027-01-12 09:30"]
    assert result["highlights"][0]["departments"] == ["police", "health"]


def test_a_skipped_date_that_does_not_move_the_next_occurrence_is_no_move(repo):
    repo.write({"plans/meeting.yaml": base("plans/meeting.yaml").replace(
        "except: [2027-10-05]", "except: [2027-10-05, 2027-11-02]")})
    result = diff(repo)
    assert changes(result)["meeting/analysis"][2] == [
        ("schedule.except", ["2027-10-05"], ["2027-10-05", "2027-11-02"])]
    assert highlights(result) == []


def test_a_phase_time_target_changed(repo):
    repo.write({"plans/plan.yaml": base("plans/plan.yaml").replace("within: 30m",
                                                                   "within: 1h")})
    result = diff(repo)
    assert changes(result)["plan/major-incident"][2] == [
        ("phases[specialist].within", "30m", "1h")]
    assert highlights(result, "target") == [
        "plan 'major-incident', phase 'specialist': time target 30m → 1h"]


def test_a_new_and_a_removed_duty(repo):
    repo.write({"plans/plan.yaml": base("plans/plan.yaml").replace(
        "  - id: cordon", "  - id: seal-off")})
    result = diff(repo)
    fields = changes(result)["plan/major-incident"][2]
    assert [f[0] for f in fields] == ["duties[cordon]", "duties[seal-off]"]
    assert fields[0][1]["accountable"] == "police" and fields[0][2] is None
    assert highlights(result, "duty-added") == [
        "plan 'major-incident': new duty 'seal-off', accountable Public Security Bureau "
        "(police)"]
    assert highlights(result, "duty-removed") == [
        "plan 'major-incident': duty 'cordon' removed (was accountable: Public Security "
        "Bureau (police))"]


# --- formats -------------------------------------------------------------------------------

def _two_versions(repo: GitRepo) -> None:
    """v1: the base and an idle maritime department. v2: maritime takes the cordon,
    police loses its last duty, city-gov goes, the meeting and the drill move, a phase
    target and a new action; maritime moved to another file, the drill file renamed."""
    repo.commit("Maritime Safety Administration", {"plans/maritime.yaml": MARITIME})
    repo.git("tag", "v1")
    departments = base("plans/departments.yaml").split("---\n")
    repo.write({
        "plans/plan.yaml": base("plans/plan.yaml")
        .replace("accountable: police", "accountable: maritime", 1)
        .replace("responsible: [health, police]", "responsible: [health]")
        .replace("within: 5m", "within: 10m")
        .replace("departments: [police, health]", "departments: [health, maritime]"),
        "plans/meeting.yaml": base("plans/meeting.yaml")
        .replace("members: [health]", "members: [maritime]")
        .replace("2027-01-05T09:30", "2027-01-12T09:30")
        .replace("1TU", "2TU").replace("2027-10-05", "2027-10-12"),
        "plans/departments.yaml": "---\n".join(departments[:2]) + "---\n"
        + textwrap.dedent(MARITIME),
        "plans/maritime.yaml": None,
        "plans/action.yaml": base("plans/action.yaml") + "---\n" + textwrap.dedent("""\
            kind: action
            id: a-002
            title: 修订封控方案
            owner: maritime
            due: 2027-02-01
            """),
    })
    repo.move("plans/drill.yaml", "plans/drills/tabletop.yaml")
    repo.write({"plans/drills/tabletop.yaml": base("plans/drill.yaml").replace(
        "2027-03-10", "2027-04-14")})
    repo.commit("Maritime takes the cordon")
    repo.git("tag", "v2")


@pytest.mark.parametrize(("fmt", "locale", "golden"), [
    ("text", "en", "v1-v2.txt"),
    ("markdown", "en", "v1-v2.md"),
    ("json", "en", "v1-v2.json"),
    ("text", "zh-CN", "v1-v2.zh-CN.txt"),
    ("markdown", "zh-CN", "v1-v2.zh-CN.md"),
])
def test_golden(repo, fmt, locale, golden):
    _two_versions(repo)
    assert_golden(f"diff/{golden}", diff(repo, "v1", "v2", fmt=fmt, locale=locale,
                                         parse=False))


def test_json_shape(repo):
    _two_versions(repo)
    result = diff(repo, "v1", "v2")
    assert list(result) == ["from", "to", "changes", "findings", "highlights"]
    assert (result["from"], result["to"]) == ("v1", "v2")
    for change in result["changes"]:
        assert list(change) == ["kind", "id", "change", "path", "fields"]
        assert change["change"] in ("added", "removed", "modified")
        assert bool(change["fields"]) == (change["change"] == "modified")
        for field in change["fields"]:
            assert list(field) == ["field", "old", "new"]
    assert list(result["findings"]) == ["introduced", "resolved"]
    for finding in result["findings"]["introduced"] + result["findings"]["resolved"]:
        assert list(finding) == ["path", "line", "column", "severity", "rule", "message"]
    for highlight in result["highlights"]:
        assert list(highlight) == ["what", "text", "departments"]
    assert changes(result) == {
        "department/city-gov": ("removed", "plans/departments.yaml", []),
        "plan/major-incident": ("modified", "plans/plan.yaml", [
            ("departments", ["police", "health"], ["health", "maritime"]),
            ("phases[initial].within", "5m", "10m"),
            ("duties[cordon].accountable", "police", "maritime"),
            ("duties[triage].responsible", ["health", "police"], ["health"])]),
        "meeting/analysis": ("modified", "plans/meeting.yaml", [
            ("members", ["health"], ["maritime"]),
            ("schedule.start", "2027-01-05T09:30", "2027-01-12T09:30"),
            ("schedule.repeat", "FREQ=MONTHLY;BYDAY=1TU", "FREQ=MONTHLY;BYDAY=2TU"),
            ("schedule.except", ["2027-10-05"], ["2027-10-12"])]),
        "drill/tabletop-2027": ("modified", "plans/drills/tabletop.yaml", [
            ("schedule.start", "2027-03-10T09:00", "2027-04-14T09:00")]),
        "action/a-002": ("added", "plans/action.yaml", []),
    }


def test_output_file(repo, tmp_path):
    repo.write({"plans/drill.yaml": base("plans/drill.yaml").replace("3h", "4h")})
    target = tmp_path / "diff.md"
    result = invoke("-C", str(repo.workspace), "--today", DAY, "--locale", "en", "diff",
                    "--format", "markdown", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert target.read_text(encoding="utf-8") == diff(repo, fmt="markdown")


# --- what diff refuses -------------------------------------------------------------------

def test_diff_takes_revisions_as_arguments_not_rev(repo):
    result = invoke("-C", str(repo.workspace), "--rev", "HEAD", "diff")
    assert result.exit_code == 2 and "not --rev" in result.stderr
    assert "Traceback" not in result.stderr


def test_diff_of_a_workspace_in_a_sub_folder(make_repo):
    repo = make_repo("coord")
    repo.write({"../plans/elsewhere.yaml": "kind: department\nid: x\nname: X\n"})
    repo.commit_base()
    repo.write({"plans/drill.yaml": base("plans/drill.yaml").replace("3h", "4h"),
                "../plans/elsewhere.yaml": None})
    assert changes(diff(repo)) == {"drill/tabletop-2027": (
        "modified", "plans/drill.yaml", [("schedule.duration", "3h", "4h")])}


def test_settings_of_each_side_apply(repo):
    """Each side is checked with its own settings: a rule switched off in the working
    tree resolves its findings."""
    repo.commit("Overdue action", {"plans/action.yaml": base("plans/action.yaml")
                                   .replace("2027-06-30", "2026-10-01")})
    repo.write({}, settings=SETTINGS + "check: {ignore: [action-overdue]}\n")
    result = diff(repo)
    assert result["changes"] == []
    assert [(f["path"], f["rule"]) for f in result["findings"]["resolved"]] == [
        ("plans/action.yaml", "action-overdue")]
    assert result["findings"]["introduced"] == []


def test_unknown_revision(repo):
    message = one_line_error(invoke("-C", str(repo.workspace), "diff", "HEAD~3"))
    assert message.startswith("unknown revision 'HEAD~3'")
