"""approval-stale: a plan whose duties, phases or levels changed in git after its review."""

from __future__ import annotations

import datetime as dt
import json
import textwrap

import pytest
from conftest import BASE, SETTINGS, TODAY, write_workspace
from gitrepo import GitRepo, invoke, repo_factory

from coordctl.check import check
from coordctl.rules import approval_stale
from coordctl.workspace import load

RULE = "approval-stale"
PLAN = textwrap.dedent(BASE["plans/plan.yaml"])  # reviewed: 2026-03-01
AFTER_REVIEW = dt.date(2026, 4, 1)
REASSIGNED = PLAN.replace("accountable: police", "accountable: health", 1)


@pytest.fixture
def make_repo(tmp_path, monkeypatch):
    return repo_factory(tmp_path, monkeypatch)


@pytest.fixture
def repo(make_repo) -> GitRepo:
    """The base workspace, committed before the plan's review."""
    repo = make_repo()
    repo.commit_base()
    return repo


def stale(repo: GitRepo, today: dt.date = TODAY) -> list:
    return check(load(repo.workspace, today=today), select=[RULE]).findings


def place(finding) -> tuple:
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def test_duties_changed_after_the_review(repo):
    sha = repo.commit("Cordon to health", {"plans/plan.yaml": REASSIGNED},
                      date=AFTER_REVIEW, author=("Bo Builder", "bo@example.test"))
    found = stale(repo)
    assert [place(f) for f in found] == [("plans/plan.yaml", 6, 11, "warning", RULE)]
    assert found[0].message == (
        f"plan 'major-incident' was reviewed on 2026-03-01, but commit {sha[:10]} "
        "(2026-04-01, Bo Builder: \"Cordon to health\") changed duties[cordon].accountable "
        "afterwards: review the plan and update 'reviewed'")


@pytest.mark.parametrize(("what", "text"), [
    ("phases", PLAN.replace("within: 5m", "within: 10m")),
    ("levels", PLAN.replace("{id: II, name: 重大}", "{id: II, name: 较大}")),
    ("duties", PLAN.replace("informed: [city-gov]", "informed: []")),
])
def test_phases_levels_and_any_duty_field_count(repo, what, text):
    repo.commit(f"Change {what}", {"plans/plan.yaml": text}, date=AFTER_REVIEW)
    found = stale(repo)
    assert [f.rule for f in found] == [RULE]
    assert f"changed {what}[" in found[0].message


def test_other_fields_do_not_count(repo):
    repo.commit("Retitle and describe", {"plans/plan.yaml": PLAN.replace(
        "重大案件处置预案", "重大案件快速处置预案") + "description: 见附件\n"},
        date=AFTER_REVIEW)
    assert stale(repo) == []


def test_the_same_commit_updating_reviewed_is_the_new_approval(repo):
    # Reviewed at a meeting on 2026-03-25, recorded a week later with the new duties.
    repo.commit("Cordon to health, approved on 25 March", {"plans/plan.yaml": REASSIGNED
                .replace("reviewed: 2026-03-01", "reviewed: 2026-03-25")}, date=AFTER_REVIEW)
    assert stale(repo) == []


def test_a_later_review_covers_earlier_changes(repo):
    repo.commit("Cordon to health", {"plans/plan.yaml": REASSIGNED}, date=AFTER_REVIEW)
    repo.commit("Reviewed", {"plans/plan.yaml": REASSIGNED.replace(
        "reviewed: 2026-03-01", "reviewed: 2026-04-20")}, date=dt.date(2026, 4, 20))
    assert stale(repo) == []
    # An uncommitted review counts as well: the working tree's date is the plan's date.
    repo.commit("Cordon back to police", {"plans/plan.yaml": PLAN}, date=dt.date(2026, 5, 2))
    assert [f.rule for f in stale(repo)] == [RULE]
    repo.write({"plans/plan.yaml": PLAN.replace("reviewed: 2026-03-01",
                                                "reviewed: 2026-05-02")})
    assert stale(repo) == []


def test_the_commit_that_added_the_plan_does_not_count(make_repo):
    repo = make_repo()
    repo.commit("A README first", {"../README.md": "# plans\n"}, date=dt.date(2026, 2, 1))
    repo.write(BASE, settings=SETTINGS)
    repo.commit("Add the plans, reviewed before", date=AFTER_REVIEW)
    assert stale(repo) == []


def test_changes_on_or_before_the_review_day_do_not_count(repo):
    repo.commit("Cordon to health on review day", {"plans/plan.yaml": REASSIGNED},
                date=dt.datetime(2026, 3, 1, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=8))))
    assert stale(repo) == []


def test_commit_dates_are_seen_in_the_workspace_time_zone(repo):
    # 2026-03-01 18:00 UTC is already 2026-03-02 in Asia/Shanghai.
    sha = repo.commit("Late-evening change in London", {"plans/plan.yaml": REASSIGNED},
                      date=dt.datetime(2026, 3, 1, 18, 0, tzinfo=dt.timezone.utc))
    found = stale(repo)
    assert [f.rule for f in found] == [RULE]
    assert f"commit {sha[:10]} (2026-03-02, " in found[0].message


def test_only_the_newest_change_is_named(repo):
    repo.commit("Cordon to health", {"plans/plan.yaml": REASSIGNED}, date=AFTER_REVIEW)
    newest = repo.commit("Longer first phase", {"plans/plan.yaml": REASSIGNED.replace(
        "within: 5m", "within: 10m")}, date=dt.date(2026, 4, 2))
    repo.commit("Describe", {"plans/plan.yaml": REASSIGNED.replace(
        "within: 5m", "within: 10m") + "description: 更新\n"}, date=dt.date(2026, 4, 3))
    found = stale(repo)
    assert len(found) == 1 and newest[:10] in found[0].message
    assert "changed phases[initial].within afterwards" in found[0].message


def test_moving_the_plan_to_another_file_is_no_change(repo):
    repo.move("plans/plan.yaml", "plans/plans/major-incident.yaml")
    repo.commit("Rename", date=AFTER_REVIEW)
    repo.commit("Into one file", {"plans/plans/major-incident.yaml": None,
                                  "plans/all.yaml": PLAN + "---\n" + textwrap.dedent(
                                      BASE["plans/drill.yaml"]),
                                  "plans/drill.yaml": None}, date=dt.date(2026, 4, 2))
    assert stale(repo) == []


def test_a_change_before_a_rename_is_still_found(repo):
    """The rule reads only the history of the files holding plans, following renames."""
    sha = repo.commit("Cordon to health", {"plans/plan.yaml": REASSIGNED}, date=AFTER_REVIEW)
    repo.move("plans/plan.yaml", "plans/contingency/major-incident.yaml")
    repo.commit("Rename", date=dt.date(2026, 4, 2))
    repo.move("plans/contingency/major-incident.yaml", "plans/mi.yaml")
    repo.commit("Rename again", date=dt.date(2026, 4, 3))
    [finding] = stale(repo)
    assert finding.path == "plans/mi.yaml" and sha[:10] in finding.message


def test_a_retired_plan_is_not_reported(repo):
    repo.commit("Cordon to health", {"plans/plan.yaml": REASSIGNED}, date=AFTER_REVIEW)
    repo.write({"plans/plan.yaml": REASSIGNED.replace("approved", "retired")})
    assert stale(repo) == []


def test_rev_sees_the_history_up_to_that_commit(repo):
    repo.git("tag", "reviewed")
    repo.commit("Cordon to health", {"plans/plan.yaml": REASSIGNED}, date=AFTER_REVIEW)

    def rules(*options: str) -> list[str]:
        result = invoke("-C", str(repo.workspace), "--today", TODAY.isoformat(), *options,
                        "check", "--format", "json", "--select", RULE)
        assert result.exit_code == 0 and "note" not in result.stderr
        return [f["rule"] for f in json.loads(result.stdout)["findings"]]

    assert rules() == [RULE]
    assert rules("--rev", "HEAD") == [RULE]
    assert rules("--rev", "reviewed") == []


def test_git_lists_the_commits_while_the_other_rules_run(repo):
    # prepare() starts the listing the rule reads; run() runs the rule after the others
    # (so that they overlap), and the findings are the same as the rule's alone.
    from coordctl import rules

    repo.commit("Cordon to health", {"plans/plan.yaml": REASSIGNED}, date=AFTER_REVIEW)
    ws = load(repo.workspace, today=TODAY)
    assert approval_stale.prepare(ws) is True
    assert len(ws.repository._pending) == 1
    found = rules.run(ws, [RULE, "unknown-ref", "schedule-conflict"])
    assert not ws.repository._pending  # what was started was taken
    # Read once, it is remembered: starting it again would leave it for nobody.
    assert approval_stale.prepare(ws) is False and not ws.repository._pending
    assert [place(f) for f in found] == [place(f) for f in stale(repo)] == [
        ("plans/plan.yaml", 6, 11, "warning", RULE)]
    # With the listing in the cache, there is nothing to start.
    from coordctl.cache import Cache

    cache = Cache(repo.workspace)
    try:
        first = load(repo.workspace, today=TODAY, cache=cache)
        assert [place(f) for f in check(first).findings if f.rule == RULE] == \
            [place(f) for f in found]
        again = load(repo.workspace, today=TODAY, cache=cache)
        assert approval_stale.prepare(again) is False and not again.repository._pending
        assert [place(f) for f in check(again).findings if f.rule == RULE] == \
            [place(f) for f in found]
    finally:
        cache.close()


def test_without_git_the_rule_does_not_run_and_check_says_so_once(tmp_path, make_repo):
    make_repo()  # only for the isolated git environment
    # Two reviewed plans: still one note.
    ws = write_workspace(tmp_path / "plain", {
        **BASE, "plans/other.yaml": PLAN.replace("id: major-incident", "id: other-plan")})
    assert list(approval_stale.check(load(ws, today=TODAY))) == []
    result = invoke("-C", str(ws), "--today", TODAY.isoformat(), "check")
    assert result.exit_code == 0, result.stdout + result.stderr
    assert RULE not in result.stdout
    assert [line for line in result.stderr.splitlines() if "note" in line] == [
        "coordctl: note: not a git repository: rules that need history (approval-stale) "
        "did not run"]
    # Switched off, it needs no history and nothing is said.
    quiet = invoke("-C", str(ws), "--today", TODAY.isoformat(), "check", "--ignore", RULE)
    assert "note" not in quiet.stderr
