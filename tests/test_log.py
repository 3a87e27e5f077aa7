"""``coordctl log KIND/ID``: every commit that changed one document, newest first.

Real temporary git repositories (``gitrepo.py``); golden files under tests/golden/log/
(``COORDCTL_UPDATE_GOLDEN=1`` rewrites them).
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import pytest
from conftest import BASE
from gitrepo import AUTHOR, OTHER_AUTHOR, GitRepo, invoke, one_line_error, repo_factory
from golden import assert_golden

from coordctl.document_log import document_log
from coordctl.history import open_repository


@pytest.fixture
def make_repo(tmp_path, monkeypatch):
    return repo_factory(tmp_path, monkeypatch)


def base(name: str) -> str:
    return textwrap.dedent(BASE[name])


def log(repo: GitRepo, ref: str, *options: str, fmt: str = "json"):
    result = invoke("-C", str(repo.workspace), *options, "log", ref, "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return json.loads(result.stdout) if fmt == "json" else result.stdout


def _plan_history(repo: GitRepo) -> dict[str, str]:
    """The plan renamed, changed, moved into another file and changed on a merged branch;
    commit ids by name."""
    plan = base("plans/plan.yaml")
    shas = {"added": repo.commit_base()}
    repo.move("plans/plan.yaml", "plans/plans/major-incident.yaml")
    shas["renamed"] = repo.commit("Plans in their own folder", author=OTHER_AUTHOR)
    plan = plan.replace("accountable: police", "accountable: health", 1)
    shas["reassigned"] = repo.commit("Health seals off the scene", {
        "plans/plans/major-incident.yaml": plan}, author=OTHER_AUTHOR)
    plan = plan.replace("within: 5m", "within: 10m")
    shas["moved"] = repo.commit("One file for the incident", {
        "plans/plans/major-incident.yaml": None,
        "plans/incident.yaml": base("plans/drill.yaml") + "---\n" + plan})
    repo.git("checkout", "--quiet", "-b", "triage")
    shas["branch"] = repo.commit("Triage at level II too", {
        "plans/incident.yaml": base("plans/drill.yaml") + "---\n"
        + plan.replace("levels: [I]", "levels: [I, II]")})
    repo.git("checkout", "--quiet", "main")
    shas["main"] = repo.commit("Retitle the analysis meeting", {
        "plans/meeting.yaml": base("plans/meeting.yaml").replace("联席会议", "形势分析会")})
    repo.git("merge", "--quiet", "--no-ff", "-m", "Merge branch 'triage'", "triage",
             date=repo.next_date())
    shas["merge"] = repo.head()
    return shas


def test_log_follows_a_document_across_renames_moves_and_a_merge(make_repo):
    repo = make_repo()
    shas = _plan_history(repo)
    result = log(repo, "plan/major-incident")
    assert result["document"] == "plan/major-incident"
    commits = result["commits"]
    # Newest first; the rename alone and the merge commit itself changed nothing.
    assert [c["commit"] for c in commits] == [shas[k] for k in ("branch", "moved",
                                                                 "reassigned", "added")]
    assert [(c["change"], [(f["field"], f["old"], f["new"]) for f in c["fields"]])
            for c in commits] == [
        ("modified", [("duties[triage].levels", ["I"], ["I", "II"])]),
        ("modified", [("phases[initial].within", "5m", "10m")]),
        ("modified", [("duties[cordon].accountable", "police", "health")]),
        ("added", []),
    ]
    assert [(c["author"], c["email"]) for c in commits] == [AUTHOR, AUTHOR, OTHER_AUTHOR,
                                                            AUTHOR]
    assert commits[2]["subject"] == "Health seals off the scene"
    assert commits[2]["date"] == "2026-01-07T10:00:00+08:00"
    assert list(commits[0]) == ["commit", "date", "author", "email", "subject", "change",
                                "fields"]
    # The commit on main that the merge brought together with the branch.
    meeting = log(repo, "meeting/analysis")["commits"]
    assert [c["commit"] for c in meeting] == [shas["main"], shas["added"]]


def test_golden_text_and_json(make_repo):
    repo = make_repo()
    _plan_history(repo)
    assert_golden("log/plan.txt", log(repo, "plan/major-incident", fmt="text"))
    result = invoke("-C", str(repo.workspace), "log", "plan/major-incident", "--format", "json")
    assert result.exit_code == 0
    assert_golden("log/plan.json", result.stdout)


def test_a_file_renamed_and_changed_in_one_commit(make_repo):
    repo = make_repo()
    added = repo.commit_base()
    repo.move("plans/drill.yaml", "plans/drills/tabletop-2027.yaml")
    changed = repo.commit("Drill file renamed, drill a week later", {
        "plans/drills/tabletop-2027.yaml": base("plans/drill.yaml").replace("03-10", "03-17")})
    commits = log(repo, "drill/tabletop-2027")["commits"]
    assert [(c["commit"], c["change"]) for c in commits] == [(changed, "modified"),
                                                             (added, "added")]
    assert commits[0]["fields"] == [{"field": "schedule.start", "old": "2027-03-10T09:00",
                                     "new": "2027-03-17T09:00"}]


def test_a_removed_and_re_added_document(make_repo):
    repo = make_repo()
    added = repo.commit_base()
    removed = repo.commit("Drop the action", {"plans/action.yaml": None})
    again = repo.commit("The action is back", {"plans/actions.yaml": base("plans/action.yaml")})
    commits = log(repo, "action/a-001")["commits"]
    assert [(c["commit"], c["change"]) for c in commits] == [
        (again, "added"), (removed, "removed"), (added, "added")]
    text = log(repo, "action/a-001", fmt="text")
    assert "    removed action/a-001\n" in text and "    added action/a-001\n" in text


def test_not_a_number_is_no_change_and_valid_json(make_repo):
    # Found by fuzzing: YAML's .nan is not equal to itself, so every commit "changed" it,
    # and --format json wrote NaN, which is not JSON.
    repo = make_repo()
    nan = base("plans/action.yaml") + "description: [.nan, .inf]\n"
    repo.commit_base()
    added = repo.commit("Not a number", {"plans/action.yaml": nan})
    changed = repo.commit("Later", {"plans/action.yaml": nan.replace("2027-06-30", "2027-07-31")})
    result = invoke("-C", str(repo.workspace), "log", "action/a-001", "--format", "json")
    data = json.loads(result.stdout, parse_constant=lambda word: pytest.fail(word))
    assert [(c["commit"], c["change"], c["fields"]) for c in data["commits"]] == [
        (changed, "modified", [{"field": "due", "old": "2027-06-30", "new": "2027-07-31"}]),
        (added, "modified", [{"field": "description", "old": None,
                              "new": [".nan", ".inf"]}]),
        (data["commits"][2]["commit"], "added", [])]


def test_rev_limits_the_log_to_that_revision(make_repo):
    repo = make_repo()
    shas = _plan_history(repo)
    commits = log(repo, "plan/major-incident", "--rev", shas["reassigned"])["commits"]
    assert [c["commit"] for c in commits] == [shas["reassigned"], shas["added"]]
    # The branch alone, before the merge.
    commits = log(repo, "plan/major-incident", "--rev", "triage")["commits"]
    assert commits[0]["commit"] == shas["branch"]


def test_the_library_call(make_repo):
    repo = make_repo()
    added = repo.commit_base()
    moved = repo.commit("Move the drill", {"plans/drill.yaml": base("plans/drill.yaml")
                                           .replace("03-10", "03-17")},
                        date=dt.datetime(2026, 6, 1, 23, 0, tzinfo=dt.timezone.utc))
    entries = document_log(open_repository(repo.workspace), "drill", "tabletop-2027")
    assert [(e.revision.sha, e.change) for e in entries] == [(moved, "modified"),
                                                             (added, "added")]
    assert entries[0].revision.date == dt.datetime(2026, 6, 1, 23, 0, tzinfo=dt.timezone.utc)
    assert [f.field for f in entries[0].fields] == ["schedule.start"]


def test_log_of_a_workspace_in_a_sub_folder(make_repo):
    repo = make_repo("coord")
    repo.write({"../plans/drill.yaml": base("plans/drill.yaml")})
    added = repo.commit_base()
    repo.commit("Outside the workspace", {"../plans/drill.yaml": base(
        "plans/drill.yaml").replace("03-10", "03-17")})
    commits = log(repo, "drill/tabletop-2027")["commits"]
    assert [c["commit"] for c in commits] == [added]


def test_a_document_no_commit_changed(make_repo):
    repo = make_repo()
    repo.commit_base()
    repo.write({"plans/new.yaml": "kind: department\nid: maritime\nname: 海事局\n"})
    for ref in ("plan/no-such-plan", "department/maritime", "meeting/major-incident"):
        message = one_line_error(invoke("-C", str(repo.workspace), "log", ref))
        assert message.startswith(f"no commit up to HEAD changed {ref}"), message


@pytest.mark.parametrize(("ref", "says"), [
    ("major-incident", "is not KIND/ID"),
    ("plan/", "is not KIND/ID"),
    ("plans/major-incident", "unknown kind 'plans' (did you mean 'plan'?)"),
])
def test_a_bad_document_reference(make_repo, ref, says):
    repo = make_repo()
    repo.commit_base()
    assert says in one_line_error(invoke("-C", str(repo.workspace), "log", ref))


def test_log_is_read_only(make_repo):
    repo = make_repo()
    _plan_history(repo)
    repo.write({"plans/incident.yaml": None, "plans/untracked.yaml": base("plans/plan.yaml")})
    before = repo.state()
    log(repo, "plan/major-incident")
    log(repo, "plan/major-incident", fmt="text")
    assert repo.state() == before
