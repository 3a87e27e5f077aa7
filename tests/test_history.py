"""The workspace in git: ``--rev``, document histories, and git in odd states.

Every test works on a real temporary repository (see ``gitrepo.py``): fixed identities
and dates, no user config, no signing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import git
import pytest
from conftest import BASE, SETTINGS, TODAY, write_workspace
from gitrepo import (
    AUTHOR,
    FIRST_DATE,
    OTHER_AUTHOR,
    GitRepo,
    invoke,
    one_line_error,
    repo_factory,
    run_git,
)

from coordctl import parallel
from coordctl.history import GitError, NotARepository, open_repository
from coordctl.workspace import load

DAY = TODAY.isoformat()
SEQUENCE_FIELDS = ("schedule", "location", "status")


@pytest.fixture
def make_repo(tmp_path, monkeypatch):
    return repo_factory(tmp_path, monkeypatch)


@pytest.fixture
def repo(make_repo) -> GitRepo:
    return make_repo()


def base(name: str) -> str:
    return textwrap.dedent(BASE[name])


def check_json(ws: Path, *global_options: str) -> tuple[int, str, str]:
    result = invoke("-C", str(ws), "--today", DAY, *global_options, "check", "--format", "json")
    return result.exit_code, result.stdout, result.stderr


# --- --rev ------------------------------------------------------------------------------

def _history_with_findings(repo: GitRepo) -> list[str]:
    """Four commits whose workspaces give different findings; their ids."""
    shas = [repo.commit_base()]
    # An idle department (error) and an overdue action (warning), in a new file.
    shas.append(repo.commit("Add maritime; bring the action forward", {
        "plans/extra.yaml": """\
            kind: department
            id: maritime
            name: 海事局
            contacts: [{role: 值班室, phone: "0771-5550009", always: true}]
            """,
        "plans/action.yaml": base("plans/action.yaml").replace("2027-06-30", "2026-10-01"),
    }))
    # The file renamed into a sub-folder; a hidden draft and a README that nothing loads;
    # the cordon duty moved after the plan's review (approval-stale).
    repo.move("plans/extra.yaml", "plans/agencies/maritime.yaml")
    shas.append(repo.commit("Cordon to health; maritime in its own folder", {
        "plans/plan.yaml": base("plans/plan.yaml").replace("accountable: police",
                                                           "accountable: health", 1),
        "plans/.draft.yaml": "kind: plan\nid: [broken\n",
        "plans/README.md": "# not a document\n",
    }, date=dt.date(2026, 4, 1)))
    # A file that is not YAML at all.
    shas.append(repo.commit("Half-written meeting", {
        "plans/meeting.yaml": base("plans/meeting.yaml") + "  - {title: [unclosed\n",
    }, date=dt.date(2026, 4, 2)))
    return shas


def test_rev_gives_the_findings_the_working_tree_gave_at_that_commit(repo):
    shas = _history_with_findings(repo)
    seen: list[tuple[int, str, str]] = []
    # Replay: check each commit's working tree (a real checkout), then compare --rev.
    for sha in shas:
        repo.git("checkout", "--quiet", sha)
        seen.append(check_json(repo.workspace))
    repo.git("checkout", "--quiet", "main")
    # Leave the working tree, index and HEAD in a state --rev must ignore and not touch.
    repo.write({"plans/plan.yaml": base("plans/plan.yaml").replace("reviewed: 2026-03-01",
                                                                    "reviewed: 2026-05-01"),
                "plans/untracked.yaml": "kind: department\nid: ghost\nname: 幽灵\n"})
    repo.git("add", "plans/untracked.yaml")
    repo.write({"plans/staged-then-deleted.yaml": "kind: department\nid: x\nname: X\n"})
    before = repo.state()

    for sha, (code, stdout, stderr) in zip(shas, seen, strict=True):
        assert check_json(repo.workspace, "--rev", sha) == (code, stdout, stderr)
    assert check_json(repo.workspace, "--rev", "main~1") == seen[2]

    assert repo.state() == before
    # The comparison means something: the commits differ, with paths as in the checkout.
    by_commit = [{(f["path"], f["rule"]) for f in json.loads(out)["findings"]}
                 for _, out, _ in seen]
    assert by_commit[0] == set()
    assert ("plans/extra.yaml", "department-without-duty") in by_commit[1]
    assert ("plans/action.yaml", "action-overdue") in by_commit[1]
    assert ("plans/agencies/maritime.yaml", "department-without-duty") in by_commit[2]
    assert ("plans/plan.yaml", "approval-stale") in by_commit[2]
    assert ("plans/meeting.yaml", "yaml-syntax") in by_commit[3]
    assert [code for code, _, _ in seen] == [0, 1, 1, 1]


def test_rev_on_other_commands_reads_that_commit(repo):
    first = repo.commit_base()
    repo.commit("Cordon to health", {"plans/plan.yaml": base("plans/plan.yaml").replace(
        "accountable: police", "accountable: health", 1)})
    old = invoke("-C", str(repo.workspace), "--rev", first, "--locale", "en", "matrix",
                 "--format", "csv")
    now = invoke("-C", str(repo.workspace), "--locale", "en", "matrix", "--format", "csv")
    repo.git("checkout", "--quiet", first)
    then = invoke("-C", str(repo.workspace), "--locale", "en", "matrix", "--format", "csv")
    assert old.exit_code == then.exit_code == 0, old.stderr
    assert old.stdout == then.stdout
    assert old.stdout != now.stdout


def test_rev_reads_a_workspace_in_a_sub_folder(make_repo, monkeypatch):
    repo = make_repo("coord/city")
    repo.write({"../../README.md": "# the repository\n", "../../plans/not-ours.yaml":
                "kind: department\nid: stranger\nname: 外人\n"})
    first = repo.commit_base()
    second = repo.commit("Idle maritime", {"plans/extra.yaml":
                                           "kind: department\nid: maritime\nname: 海事局\n"})
    now = check_json(repo.workspace)
    repo.git("checkout", "--quiet", first)
    then = check_json(repo.workspace)
    repo.git("checkout", "--quiet", "main")

    assert check_json(repo.workspace, "--rev", first) == then
    assert check_json(repo.workspace, "--rev", second) == now
    paths = {f["path"] for f in json.loads(now[1])["findings"]}
    assert paths == {"plans/extra.yaml"}
    # Found upwards from a folder inside the workspace, as without --rev.
    monkeypatch.chdir(repo.workspace / "plans")
    result = invoke("--today", DAY, "--rev", second, "check", "--format", "json")
    assert (result.exit_code, result.stdout) == now[:2]


def test_rev_of_a_commit_without_the_workspace_is_an_error(make_repo):
    repo = make_repo("ws")
    first = repo.commit("Only a README", {"../README.md": "# soon\n"})
    repo.commit_base()
    message = one_line_error(invoke("-C", str(repo.workspace), "--rev", first, "check"))
    assert "no ws/coordctl.yaml" in message


# --- the history API --------------------------------------------------------------------

def test_each_document_knows_its_last_change_and_its_revisions(repo):
    added = repo.commit_base()
    moved = repo.commit("Move the tabletop to April", {
        "plans/drill.yaml": base("plans/drill.yaml").replace("2027-03-10", "2027-04-14")},
        author=OTHER_AUTHOR)
    retitled = repo.commit("Retitle the tabletop", {
        "plans/drill.yaml": base("plans/drill.yaml").replace("2027-03-10", "2027-04-14")
        .replace("桌面推演", "桌面推演（第一次）")})

    histories = open_repository(repo.workspace).histories()
    drill = histories[("drill", "tabletop-2027")]
    assert [r.sha for r in drill.revisions] == [retitled, moved, added]
    assert drill.last.sha == retitled
    assert drill.last.author == AUTHOR[0] and drill.last.email == AUTHOR[1]
    assert drill.last.date == FIRST_DATE + dt.timedelta(days=2)
    assert drill.last.subject == "Retitle the tabletop"
    assert drill.revisions[1].author == OTHER_AUTHOR[0]
    assert drill.fields == [["title"], ["schedule.start"], None]
    # Documents nobody touched since they were added.
    assert histories[("plan", "major-incident")].last.sha == added
    assert histories[("department", "city-gov")].revisions[0].sha == added
    assert set(histories) == {(k, i) for k, i in [
        ("department", "police"), ("department", "health"), ("department", "city-gov"),
        ("plan", "major-incident"), ("drill", "tabletop-2027"), ("meeting", "analysis"),
        ("action", "a-001")]}


def test_sequence_counts_changes_of_time_place_or_status_only(repo):
    drill = base("plans/drill.yaml")
    steps = [
        ("Add the base workspace", None, 0),
        ("Move the drill", drill.replace("2027-03-10T09:00", "2027-04-14T09:00"), 1),
        ("Retitle the drill", drill.replace("2027-03-10T09:00", "2027-04-14T09:00")
         .replace("桌面推演", "年度桌面推演"), 1),
        ("Longer drill", drill.replace("2027-03-10T09:00", "2027-04-14T09:00")
         .replace("桌面推演", "年度桌面推演").replace("3h", "4h"), 2),
        ("Give it a place", drill.replace("2027-03-10T09:00", "2027-04-14T09:00")
         .replace("桌面推演", "年度桌面推演").replace("3h", "4h") + "location: 三楼\n", 3),
        ("Cancel it", drill.replace("2027-03-10T09:00", "2027-04-14T09:00")
         .replace("桌面推演", "年度桌面推演").replace("3h", "4h")
         .replace("planned", "cancelled") + "location: 三楼\n", 4),
    ]
    repo.commit_base()
    git = open_repository(repo.workspace)
    for message, text, expected in steps:
        if text is not None:
            repo.commit(message, {"plans/drill.yaml": text})
        history = git.histories()[("drill", "tabletop-2027")]
        assert history.count_changing(SEQUENCE_FIELDS) == expected, message
    # Read at an older revision, the count is that revision's.
    assert git.histories("HEAD~3")[("drill", "tabletop-2027")].count_changing(
        SEQUENCE_FIELDS) == 1


def test_moving_a_document_or_renaming_its_file_adds_no_revision(repo):
    added = repo.commit_base()
    repo.move("plans/drill.yaml", "plans/drills/2027.yaml")
    repo.commit("Rename the drill file")
    repo.commit("Drill into the meeting file", {
        "plans/meeting.yaml": base("plans/meeting.yaml") + "---\n" + base("plans/drill.yaml"),
        "plans/drills/2027.yaml": None})
    histories = open_repository(repo.workspace).histories()
    assert [r.sha for r in histories[("drill", "tabletop-2027")].revisions] == [added]
    assert [r.sha for r in histories[("meeting", "analysis")].revisions] == [added]
    changed = repo.commit("Move the moved drill", {"plans/meeting.yaml": (
        base("plans/meeting.yaml") + "---\n" + base("plans/drill.yaml")).replace(
        "2027-03-10", "2027-03-17")})
    drill = open_repository(repo.workspace).histories()[("drill", "tabletop-2027")]
    assert [r.sha for r in drill.revisions] == [changed, added]
    assert drill.fields[0] == ["schedule.start"]


def test_files_the_workspace_does_not_load_are_not_history(repo):
    added = repo.commit_base()
    repo.commit("Drafts and notes", {
        "plans/.drafts/plan.yaml": base("plans/plan.yaml").replace("5m", "1m"),
        "plans/notes.txt": base("plans/drill.yaml").replace("tabletop", "functional"),
        "archive/drill.yaml": base("plans/drill.yaml").replace("2027-03-10", "2027-03-11"),
    })
    histories = open_repository(repo.workspace).histories()
    assert [r.sha for r in histories[("plan", "major-incident")].revisions] == [added]
    assert [r.sha for r in histories[("drill", "tabletop-2027")].revisions] == [added]


def test_a_removed_document_ends_its_history(repo):
    added = repo.commit_base()
    removed = repo.commit("Drop the action", {"plans/action.yaml": None})
    action = open_repository(repo.workspace).histories()[("action", "a-001")]
    assert [r.sha for r in action.revisions] == [removed, added]
    assert action.fields == [None, None]


def test_a_branch_merged_with_a_merge_commit(repo):
    repo.commit_base()
    repo.git("checkout", "--quiet", "-b", "cordon")
    on_branch = repo.commit("Cordon to health", {"plans/plan.yaml": base(
        "plans/plan.yaml").replace("accountable: police", "accountable: health", 1)})
    repo.git("checkout", "--quiet", "main")
    on_main = repo.commit("Move the drill", {"plans/drill.yaml": base(
        "plans/drill.yaml").replace("2027-03-10", "2027-03-17")})
    repo.git("merge", "--quiet", "--no-ff", "-m", "Merge cordon", "cordon",
             date=repo.next_date())
    histories = open_repository(repo.workspace).histories()
    assert histories[("plan", "major-incident")].last.sha == on_branch
    assert histories[("drill", "tabletop-2027")].last.sha == on_main


def test_workspace_histories_stop_at_its_revision(repo):
    added = repo.commit_base()
    repo.commit("Move the drill", {"plans/drill.yaml": base("plans/drill.yaml").replace(
        "2027-03-10", "2027-03-17")})
    git = open_repository(repo.workspace)
    then = load(repo.workspace, TODAY, source=git.source(added))
    now = load(repo.workspace, TODAY)
    assert then.histories[("drill", "tabletop-2027")].last.sha == added
    assert now.histories[("drill", "tabletop-2027")].last.sha == repo.head()
    assert then.notes == now.notes == []


def test_history_of_a_workspace_in_a_sub_folder(make_repo):
    repo = make_repo("coord")
    repo.write({"../plans/other.yaml": "kind: department\nid: outsider\nname: 外\n"})
    added = repo.commit_base()
    histories = open_repository(repo.workspace).histories()
    assert ("department", "outsider") not in histories
    assert histories[("plan", "major-incident")].last.sha == added


# --- git in odd states ----------------------------------------------------------------------

def test_outside_git_history_commands_exit_2_and_check_works(tmp_path, make_repo):
    make_repo()  # only for the isolated git environment
    ws = write_workspace(tmp_path / "plain", BASE)
    with pytest.raises(NotARepository):
        open_repository(ws)
    for args in (["diff"], ["diff", "HEAD~1", "HEAD"], ["log", "plan/major-incident"],
                 ["--rev", "HEAD", "check"]):
        assert "not in a git repository" in one_line_error(invoke("-C", str(ws), *args))
    result = invoke("-C", str(ws), "--today", DAY, "check")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    notes = [line for line in result.stderr.splitlines() if line.startswith("coordctl: note:")]
    assert notes == ["coordctl: note: not a git repository: rules that need history "
                     "(approval-stale) did not run"]
    # Commands that do not need git keep working.
    assert invoke("-C", str(ws), "--locale", "en", "matrix").exit_code == 0


def test_a_repository_without_commits(repo):
    repo.write(BASE, settings=SETTINGS)
    ws = str(repo.workspace)
    for args in (["diff"], ["log", "plan/major-incident"], ["--rev", "HEAD", "check"]):
        assert "no commits yet" in one_line_error(invoke("-C", ws, *args))
    result = invoke("-C", ws, "--today", DAY, "check")
    assert result.exit_code == 0
    assert result.stderr.count("coordctl: note:") == 1
    assert "no commits yet" in result.stderr


def test_an_unknown_revision(repo):
    repo.commit_base()
    ws = str(repo.workspace)
    for args in (["--rev", "no-such-branch", "check"], ["diff", "no-such-branch"],
                 ["diff", "HEAD", "no-such-branch"],
                 ["--rev", "HEAD~5", "log", "plan/major-incident"],
                 ["--rev", "HEAD:plans", "check"]):
        message = one_line_error(invoke("-C", ws, *args))
        assert message.startswith("unknown revision '"), message
    assert "not a revision" in one_line_error(invoke("-C", ws, "diff", "--", "--output=x"))
    assert not (repo.workspace / "x").exists()


def test_a_shallow_clone(repo, tmp_path):
    repo.commit_base()
    repo.commit("Cordon to health", {"plans/plan.yaml": base("plans/plan.yaml").replace(
        "accountable: police", "accountable: health", 1)})
    run_git(tmp_path, repo.home, "clone", "--quiet", "--depth", "1",
            f"file://{repo.top}", "shallow")
    ws = str(tmp_path / "shallow")
    message = one_line_error(invoke("-C", ws, "log", "plan/major-incident"))
    assert "shallow" in message and "git fetch --unshallow" in message
    with pytest.raises(GitError, match="shallow"):
        open_repository(Path(ws)).histories()

    result = invoke("-C", ws, "--today", DAY, "check")
    assert result.exit_code == 0 and result.stdout == ""
    assert result.stderr.count("coordctl: note:") == 1 and "shallow" in result.stderr
    # Reading the one commit there is works; so does diffing it.
    assert check_json(Path(ws), "--rev", "HEAD")[:2] == check_json(Path(ws))[:2]
    assert invoke("-C", ws, "diff").exit_code == 0


def test_a_detached_head_simply_works(repo):
    first = repo.commit_base()
    second = repo.commit("Cordon to health", {"plans/plan.yaml": base(
        "plans/plan.yaml").replace("accountable: police", "accountable: health", 1)})
    repo.git("checkout", "--quiet", "--detach", second)
    ws = str(repo.workspace)
    result = invoke("-C", ws, "--today", DAY, "check")
    assert result.exit_code == 0 and "note" not in result.stderr
    log = invoke("-C", ws, "log", "plan/major-incident", "--format", "json")
    assert [c["commit"] for c in json.loads(log.stdout)["commits"]] == [second, first]
    diff = invoke("-C", ws, "diff", first, "--format", "json")
    assert diff.exit_code == 0 and json.loads(diff.stdout)["changes"]
    assert check_json(repo.workspace, "--rev", "HEAD") == check_json(repo.workspace)


def test_a_missing_object_is_a_clear_error(repo):
    repo.commit_base()
    # Dated after the plan's review, so approval-stale needs this commit's objects.
    repo.commit("Cordon to health", {"plans/plan.yaml": base("plans/plan.yaml").replace(
        "accountable: police", "accountable: health", 1)}, date=dt.date(2026, 6, 1))
    blob = repo.git("rev-parse", "HEAD:plans/plan.yaml").strip()
    (repo.top / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    ws = str(repo.workspace)
    for args in (["log", "plan/major-incident"], ["--rev", "HEAD", "check"]):
        message = one_line_error(invoke("-C", ws, *args))
        assert blob[:10] in message and "corrupt" in message, message
    # The working tree itself is intact: check works and says why history is missing.
    result = invoke("-C", ws, "--today", DAY, "check")
    assert result.exit_code == 0 and result.stderr.count("coordctl: note:") == 1
    assert "corrupt" in result.stderr
    # diff reads the committed version of the files that differ from the working tree.
    repo.write({"plans/plan.yaml": base("plans/plan.yaml").replace("特别重大", "特大")})
    message = one_line_error(invoke("-C", ws, "diff"))
    assert blob[:10] in message and "corrupt" in message, message


def test_a_missing_tree_is_a_clear_error(repo):
    repo.commit_base()
    tree = repo.git("rev-parse", "HEAD:plans").strip()
    (repo.top / ".git" / "objects" / tree[:2] / tree[2:]).unlink()
    for args in (["diff"], ["log", "plan/major-incident"], ["--rev", "HEAD", "check"]):
        message = one_line_error(invoke("-C", str(repo.workspace), *args))
        assert tree in message and "corrupt" in message, message


def test_rev_follows_symbolic_links_as_the_working_tree_does(make_repo):
    repo = make_repo("ws")
    repo.write({"shared/maritime.yaml": "kind: department\nid: maritime\nname: 海事局\n",
                "../elsewhere.yaml": "kind: department\nid: outsider\nname: 外\n"})
    repo.write(BASE, settings=SETTINGS)
    links = {"plans/shared.yaml": "../shared/maritime.yaml",    # inside the workspace
             "plans/outside.yaml": "../../elsewhere.yaml",      # outside: not read
             "plans/again.yaml": "action.yaml",                 # a second copy
             "plans/sub/chain.yaml": "../again.yaml",           # a link to a link
             "plans/folder.yaml": "../shared"}                  # a folder: not read
    for link, target in links.items():
        (repo.workspace / link).parent.mkdir(parents=True, exist_ok=True)
        (repo.workspace / link).symlink_to(target)
    repo.commit("Links")
    now = check_json(repo.workspace)
    assert check_json(repo.workspace, "--rev", "HEAD") == now
    found = {(f["path"], f["rule"]) for f in json.loads(now[1])["findings"]}
    assert ("plans/shared.yaml", "department-without-duty") in found
    assert ("plans/again.yaml", "duplicate-id") in found
    assert ("plans/sub/chain.yaml", "duplicate-id") in found
    assert not any("outside" in path or "folder" in path for path, _ in found)

    (repo.workspace / "plans" / "broken.yaml").symlink_to("nothing.yaml")
    repo.commit("A broken link")
    working, revision = (invoke("-C", str(repo.workspace), *options, "check")
                         for options in ([], ["--rev", "HEAD"]))
    assert one_line_error(working) == one_line_error(revision) == (
        "plans/broken.yaml is a link to nothing.yaml, which does not exist: restore its "
        "target or remove the link")


def test_without_the_git_program(repo, tmp_path, monkeypatch):
    """git missing from PATH: history commands exit 2 with one line, check still works,
    whether GitPython was imported before (this process) or not (a new one)."""
    assert git.Git.GIT_PYTHON_GIT_EXECUTABLE  # imported here, with git found at the time
    repo.commit_base()
    ws = str(repo.workspace)
    no_git = tmp_path / "no-git"
    no_git.mkdir()
    monkeypatch.setenv("PATH", str(no_git))
    for args in (["diff"], ["log", "plan/major-incident"], ["--rev", "HEAD", "check"]):
        assert one_line_error(invoke("-C", ws, *args)).startswith("git is not installed")
    result = invoke("-C", ws, "--today", DAY, "check")
    assert result.exit_code == 0 and result.stderr.count("coordctl: note:") == 1

    for args, code in ((["diff"], 2), (["log", "plan/major-incident"], 2), (["check"], 0)):
        done = subprocess.run([sys.executable, "-m", "coordctl", "-C", ws, "--today", DAY,
                               *args], capture_output=True, text=True, env={**os.environ})
        assert done.returncode == code, done.stderr
        assert "Traceback" not in done.stderr and "internal error" not in done.stderr
        if code == 2:
            assert done.stderr.splitlines() == [
                "coordctl: error: git is not installed (or not on PATH), so the history "
                "cannot be read"]
        else:
            assert done.stderr.count("coordctl: note:") == 1


# --- a workspace as of a past commit, reading only what differs ---------------------------

def _same_workspace(a, b) -> None:
    """Same documents (file, position, data), findings and duplicates."""
    from coordctl.check import check

    def documents(ws):
        return sorted((e.path, e.line, e.column, str(e.kind), str(e.id), repr(e.raw))
                      for e in ws.entries)

    assert documents(a) == documents(b)
    for kind in ("department", "plan", "meeting", "drill", "action"):  # file order
        assert a.ids(kind) == b.ids(kind)
    assert sorted(map(str, check(a).findings)) == sorted(map(str, check(b).findings))
    assert sorted((d.path, d.line, f.path) for d, f in a.duplicates) == \
        sorted((d.path, d.line, f.path) for d, f in b.duplicates)


def test_as_of_gives_what_a_full_read_of_that_commit_gives(repo):
    from coordctl.history import open_repository

    shas = _history_with_findings(repo)
    repo.move("plans/drill.yaml", "plans/drills/tabletop.yaml")
    shas.append(repo.commit("Drill into a folder; a duplicate id", {
        "plans/dup.yaml": base("plans/action.yaml")}))
    # Uncommitted: an edit, a new untracked file, a deleted file.
    repo.write({"plans/plan.yaml": base("plans/plan.yaml").replace("特别重大", "特大"),
                "plans/new.yaml": "kind: department\nid: port\nname: 港务局\n",
                "plans/dup.yaml": None})
    working = load(repo.workspace, today=TODAY)
    git = open_repository(repo.workspace)
    at_head = load(repo.workspace, today=TODAY, source=git.source("HEAD"))
    for sha in shas:
        full = load(repo.workspace, today=TODAY, source=git.source(sha))
        _same_workspace(working.as_of(sha), full)
        _same_workspace(at_head.as_of(sha), full)
    # What is not in the commit's diff is shared, not read again.
    old = working.as_of(shas[-1])
    assert old.entry("department", "police") is working.entry("department", "police")
    assert old.entry("plan", "major-incident") is not working.entry("plan", "major-incident")


def test_as_of_reads_the_whole_tree_when_the_settings_changed(repo):
    from coordctl.history import open_repository

    first = repo.commit_base()
    repo.commit("Another time zone", {"coordctl.yaml": SETTINGS.replace(
        "Asia/Shanghai", "Europe/Berlin")})
    ws = load(repo.workspace, today=TODAY)
    git = open_repository(repo.workspace)
    old = ws.as_of(first)
    assert old.settings.timezone == "Asia/Shanghai"
    _same_workspace(old, load(repo.workspace, today=TODAY, source=git.source(first)))


def test_diff_against_as_of_says_what_a_diff_of_two_full_reads_says(repo):
    # Police also holds a duty in a second plan that does not change; maritime holds
    # duties only in the plan that changes; health loses its last one.
    from coordctl.diff import document_changes, highlights
    from coordctl.history import open_repository

    flood = """\
        kind: plan
        id: flood
        title: 防汛预案
        owner: police
        departments: [police]
        levels: [{id: I, name: 特别重大}]
        phases: [{id: initial, name: 先期处置}]
        duties: [{id: patrol, task: 巡查, phase: initial, accountable: police}]
        """
    maritime = "kind: department\nid: maritime\nname: 海事局\n"
    first = repo.commit_base()
    second = repo.commit("Flood plan", {"plans/flood.yaml": flood,
                                        "plans/maritime.yaml": maritime})
    plan = base("plans/plan.yaml")
    repo.commit("Police and health off the major incident; maritime on", {
        "plans/plan.yaml": plan.replace("accountable: police", "accountable: maritime")
        .replace("accountable: health\n    responsible: [health, police]",
                 "accountable: maritime")
        .replace("departments: [police, health]", "departments: [maritime]")})
    working = load(repo.workspace, today=TODAY)
    git = open_repository(repo.workspace)
    for sha in (first, second):
        full = load(repo.workspace, today=TODAY, source=git.source(sha))
        shared = working.as_of(sha)
        assert [(c.kind, c.id, c.change, c.fields) for c in document_changes(shared, working)] \
            == [(c.kind, c.id, c.change, c.fields) for c in document_changes(full, working)]
        got = [h.text for h in highlights(shared, working)]
        assert got == [h.text for h in highlights(full, working)]
    assert any("(health) no longer holds any duty" in text for text in got)
    assert not any("(police) no longer holds" in text for text in got)
    assert any("(maritime) now holds duties" in text for text in got)


def test_one_workspace_against_many_commits_compares_each_pair_of_versions(repo):
    # A site compares the working tree with a commit per meeting, and remembers each
    # comparison of an old and a new document: the same new plan against two older
    # versions of it, asked in turns, must each give their own fields.
    from coordctl.diff import document_changes
    from coordctl.history import open_repository

    plan = base("plans/plan.yaml")
    first = repo.commit_base()
    second = repo.commit("Cordon to health", {"plans/plan.yaml": plan.replace(
        "accountable: police", "accountable: health", 1)})
    repo.write({"plans/plan.yaml": plan.replace("accountable: police",
                                                "accountable: maritime", 1)})
    working = load(repo.workspace, today=TODAY)
    git = open_repository(repo.workspace)
    expected = {sha: [(c.id, c.fields) for c in document_changes(
        load(repo.workspace, today=TODAY, source=git.source(sha)), working)]
        for sha in (first, second)}
    assert expected[first] != expected[second]
    for sha in (first, second, first, second):
        assert [(c.id, c.fields) for c in document_changes(working.as_of(sha), working)] \
            == expected[sha]


def test_a_git_command_started_ahead_gives_what_running_it_then_gives(repo):
    _history_with_findings(repo)
    git = open_repository(repo.workspace)
    args = git._log_args("HEAD")
    direct = git._git(*args)
    assert direct.count(b"\x1e") == 4  # the four commits
    git.prefetch(*args)
    assert git._pending  # started, not yet taken
    assert git._git(*args) == direct
    assert not git._pending and threading.active_count() == 1  # taken, the thread gone
    # A failure comes back where the output is taken, as the same one-line error.
    bad = ("rev-parse", "--verify", "no-such-branch")
    with pytest.raises(GitError) as direct_error:
        git._git(*bad)
    git.prefetch(*bad)
    with pytest.raises(GitError) as ahead_error:
        git._git(*bad)
    assert str(ahead_error.value) == str(direct_error.value) != ""
    git.prefetch(*args)
    git.close()  # waits for what was started
    assert not git._pending and threading.active_count() == 1


def test_resolve_asks_git_again_for_names_that_move(repo):
    first = repo.commit_base()
    git = open_repository(repo.workspace)
    assert git.resolve("HEAD") == first and git.resolve(first[:10]) == first
    second = repo.commit("More", {"plans/note.yaml": "# note\n"})
    assert git.resolve("HEAD") == second and git.resolve("HEAD~1") == first
    assert git.resolve(first) == first and git.resolve(second) == second
    with pytest.raises(GitError, match="unknown revision"):
        git.resolve("0" * 40)


def test_a_file_name_that_is_not_utf8_is_named_with_an_escape_everywhere(repo):
    # Findings, JSON, --rev, diff and log name it as plans/bad\xffname.yaml: valid text.
    repo.commit_base()
    odd = os.fsdecode(b"bad\xffname.yaml")
    (repo.workspace / "plans" / odd).write_bytes(b"kind: department\nid: x1\nname: X\n")
    repo.commit("A department in a file whose name is not UTF-8")
    shown = "plans/bad\\xffname.yaml"
    expected = [(shown, "department-without-duty")]
    for options in ((), ("--rev", "HEAD")):
        code, out, err = check_json(repo.workspace, *options)
        assert code == 1, err
        assert [(f["path"], f["rule"]) for f in json.loads(out)["findings"]] == expected
    (repo.workspace / "plans" / odd).write_bytes(
        b"kind: department\nid: x1\nname: X\nexempt: test\n")
    result = invoke("-C", str(repo.workspace), "--today", DAY, "diff", "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert [(c["id"], c["path"]) for c in json.loads(result.stdout)["changes"]] == \
        [("x1", shown)]
    result = invoke("-C", str(repo.workspace), "--today", DAY, "log", "department/x1")
    assert result.exit_code == 0, result.stderr
    assert "added department/x1" in result.stdout
    assert load(repo.workspace, today=TODAY).as_of(repo.head()).entry("department", "x1")


def test_last_commit_before_is_what_git_rev_list_before_gives(make_repo):
    """From one listing of the commits: the same answer as ``git rev-list -1 --before``
    for every moment, also where commit dates go back in time (a rebase, a clock) and
    across a merge."""
    repo = make_repo()
    repo.commit_base()
    first = FIRST_DATE
    days = [3, 1, 5, 4, 9]  # out of order on purpose
    for index, day in enumerate(days):
        repo.commit(f"change {index}", {"plans/note.yaml": f"# {index}\n"},
                    date=first + dt.timedelta(days=day, hours=index))
    repo.git("checkout", "--quiet", "-b", "side", "HEAD~3")
    repo.commit("side work", {"plans/side.yaml": "# side\n"},
                date=first + dt.timedelta(days=7))
    repo.git("checkout", "--quiet", "main")
    repo.git("merge", "--quiet", "--no-ff", "-m", "merge side", "side",
             date=first + dt.timedelta(days=8))
    history = open_repository(repo.workspace)
    moments = [first + dt.timedelta(hours=hours) for hours in range(-2, 24 * 11, 5)]
    moments += [first + dt.timedelta(days=day, hours=index)  # exactly at a commit
                for index, day in enumerate(days)]
    answers = set()
    for moment in moments:
        stamp = moment.strftime("%Y-%m-%d %H:%M:%S %z")
        expected = repo.git("rev-list", "-1", f"--before={stamp}", "HEAD", "--").strip()
        assert history.last_commit_before(moment) == (expected or None), moment
        answers.add(expected)
    assert len(answers) >= 6 and "" in answers


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork (POSIX)")
def test_histories_parsed_by_several_processes_are_the_same(repo):
    _history_with_findings(repo)  # renames, a hidden draft, a file that is not YAML
    git = open_repository(repo.workspace)
    for kinds in (None, ("plan", "meeting", "drill")):
        alone = git.histories(kinds=kinds)
        assert alone and git.histories(kinds=kinds, workers=2) == alone
