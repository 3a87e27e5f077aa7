"""The cache is keyed by content: it is never stale, never in git's way, never fatal."""

from __future__ import annotations

import json
import marshal
import os
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE

from coordctl import parallel
from coordctl.cache import Cache, cache_folder
from coordctl.cli import cli

TODAY = "2026-11-28"


def run_check(root: Path, *extra: str) -> tuple[int, list[dict]]:
    result = CliRunner().invoke(cli, ["-C", str(root), "--today", TODAY, *extra, "check",
                                      "--format", "json"])
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"]


def same_as_uncached(root: Path) -> list[dict]:
    cached = run_check(root)
    assert cached == run_check(root, "--no-cache")
    return cached[1]


def test_the_cache_lives_where_git_ignores_it(make_workspace):
    root = make_workspace()
    run_check(root)
    folder = root / ".coordctl-cache"
    assert (folder / "cache.sqlite").is_file()
    assert (folder / ".gitignore").read_text().strip().endswith("*")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    assert cache_folder(root) == root / ".git" / "coordctl"
    run_check(root)
    assert (root / ".git" / "coordctl" / "cache.sqlite").is_file()


def test_no_cache_writes_nothing(make_workspace):
    root = make_workspace()
    run_check(root, "--no-cache")
    assert not (root / ".coordctl-cache").exists()


def test_edits_additions_deletions_and_renames_are_never_served_stale(make_workspace):
    root = make_workspace()
    assert same_as_uncached(root) == []
    plan = root / "plans" / "plan.yaml"
    # an edit that makes an error
    plan.write_text(plan.read_text().replace("accountable: police", "accountable: polise", 1))
    found = same_as_uncached(root)
    assert [f["rule"] for f in found] == ["unknown-ref"]
    # and back: the cached clean result is right again
    plan.write_text(plan.read_text().replace("accountable: polise", "accountable: police", 1))
    assert same_as_uncached(root) == []
    # an added file
    (root / "plans" / "extra.yaml").write_text("kind: department\nid: extra\nname: 新部门\n")
    assert [f["rule"] for f in same_as_uncached(root)] == ["department-without-duty"]
    # a renamed file: the finding moves with it
    os.rename(root / "plans" / "extra.yaml", root / "plans" / "renamed.yaml")
    assert [f["path"] for f in same_as_uncached(root)] == ["plans/renamed.yaml"]
    # a deleted file
    (root / "plans" / "renamed.yaml").unlink()
    assert same_as_uncached(root) == []


def test_the_same_bytes_under_another_path_are_another_entry(make_workspace):
    root = make_workspace({"plans/a.yaml": "kind: department\nid: a\nname: A\nnmae: x\n"})
    first = same_as_uncached(root)
    os.rename(root / "plans" / "a.yaml", root / "plans" / "b.yaml")
    second = same_as_uncached(root)
    assert [f["path"] for f in first] == ["plans/a.yaml"]
    assert [f["path"] for f in second] == ["plans/b.yaml"]


def test_settings_and_today_are_part_of_the_key(make_workspace):
    root = make_workspace({"plans/action.yaml": BASE["plans/action.yaml"].replace(
        "2027-06-30", "2026-12-01")})
    assert same_as_uncached(root) == []
    later = CliRunner().invoke(cli, ["-C", str(root), "--today", "2027-01-01", "check",
                                     "--format", "json"])
    assert [f["rule"] for f in json.loads(later.stdout)["findings"]] == ["action-overdue"]
    settings = root / "coordctl.yaml"
    settings.write_text(settings.read_text() + "check: {ignore: [action-overdue]}\n")
    later = CliRunner().invoke(cli, ["-C", str(root), "--today", "2027-01-01", "check",
                                     "--format", "json"])
    assert json.loads(later.stdout)["findings"] == []


def test_selection_is_part_of_the_key(make_workspace):
    root = make_workspace({"plans/x.yaml": "kind: department\nid: x\nname: X\n"})
    assert [f["rule"] for f in run_check(root)[1]] == ["department-without-duty"]
    assert run_check(root, )[1] == run_check(root, "--no-cache")[1]
    result = CliRunner().invoke(cli, ["-C", str(root), "--today", TODAY, "check",
                                      "--select", "schema", "--format", "json"])
    assert json.loads(result.stdout)["findings"] == []


def test_a_corrupt_cache_is_ignored(make_workspace):
    root = make_workspace()
    run_check(root)
    database = root / ".coordctl-cache" / "cache.sqlite"
    for name in os.listdir(database.parent):
        if name.startswith("cache.sqlite"):
            (database.parent / name).unlink()
    database.write_bytes(b"this is not a database" * 100)
    assert run_check(root) == run_check(root, "--no-cache")


def test_garbage_entries_are_misses(make_workspace):
    root = make_workspace()
    run_check(root)
    db = sqlite3.connect(root / ".coordctl-cache" / "cache.sqlite")
    with db:
        db.execute("UPDATE entry SET value = ?", (b"\x80\x05garbage",))
    db.close()
    assert run_check(root) == run_check(root, "--no-cache")


def test_an_unwritable_cache_folder_is_not_fatal(make_workspace):
    root = make_workspace()
    (root / ".coordctl-cache").write_text("a file where the folder would be")
    assert run_check(root) == run_check(root, "--no-cache")


def test_a_new_coordctl_build_does_not_read_old_entries(make_workspace, monkeypatch):
    root = make_workspace()
    cache = Cache(root)
    key_now = cache.file_key("plans/a.yaml", b"x", cache._settings_key(b""))
    monkeypatch.setattr("coordctl.cache._SALT", b"another version")
    assert cache.file_key("plans/a.yaml", b"x", cache._settings_key(b"")) != key_now


def test_two_runs_racing_agree(make_workspace):
    """Two processes check at once with an empty cache: both give the uncached answer."""
    root = make_workspace({"plans/x.yaml": "kind: department\nid: x\nname: X\n"})
    expected = run_check(root, "--no-cache")[1]
    outputs: list[str] = []

    def one() -> None:
        done = subprocess.run([sys.executable, "-m", "coordctl", "-C", str(root), "--today",
                               TODAY, "check", "--format", "json"], capture_output=True,
                              text=True, timeout=120)
        outputs.append(done.stdout)

    for _ in range(2):
        threads = [threading.Thread(target=one) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(outputs) == 6
    for output in outputs:
        assert json.loads(output)["findings"] == expected


@pytest.mark.parametrize("rev", [None, "HEAD"])
def test_history_rules_follow_the_commit(make_workspace, rev):
    """approval-stale depends on git history: a new commit is a new key."""
    root = make_workspace()
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root.parent)}

    def git(*args: str, date: str = "2026-01-05T10:00:00+08:00") -> None:
        subprocess.run(["git", "-C", str(root), "-c", "commit.gpgsign=false", *args],
                       check=True, capture_output=True,
                       env={**env, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "first")
    extra = ("--rev", rev) if rev else ()
    assert run_check(root, *extra)[1] == []
    plan = root / "plans" / "plan.yaml"
    plan.write_text(plan.read_text().replace("accountable: police", "accountable: health", 1))
    git("commit", "-qam", "Cordon to health", date="2026-06-01T10:00:00+08:00")
    found = run_check(root, *extra)[1]
    assert [f["rule"] for f in found] == ["approval-stale"]
    assert found == run_check(root, "--no-cache", *extra)[1]


def test_the_history_listing_is_read_from_git_once_per_commit(make_workspace):
    """approval-stale lists the commits under HEAD with ``git log``; the listing is kept
    under the commit id, so a later run at the same commit does not ask git again."""
    root = make_workspace()
    env = {**os.environ, "GIT_AUTHOR_NAME": "T", "GIT_AUTHOR_EMAIL": "t@example.invalid",
           "GIT_COMMITTER_NAME": "T", "GIT_COMMITTER_EMAIL": "t@example.invalid",
           "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(root.parent),
           "GIT_AUTHOR_DATE": "2026-06-01T10:00:00+08:00",
           "GIT_COMMITTER_DATE": "2026-06-01T10:00:00+08:00"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "first"]):
        subprocess.run(["git", "-C", str(root), "-c", "commit.gpgsign=false", *args],
                       check=True, capture_output=True, env=env)
    plan = root / "plans" / "plan.yaml"
    plan.write_text(plan.read_text().replace("accountable: police", "accountable: health", 1))
    subprocess.run(["git", "-C", str(root), "-c", "commit.gpgsign=false", "commit", "-qam",
                    "Cordon to health"], check=True, capture_output=True, env=env)
    expected = same_as_uncached(root)
    assert [f["rule"] for f in expected] == ["approval-stale"]
    with sqlite3.connect(cache_folder(root) / "cache.sqlite") as db:
        listings = db.execute("SELECT count(*) FROM entry WHERE key LIKE 'l%'").fetchone()[0]
        assert listings == 1
        # Replace the stored listing by an empty history (and drop the stored result):
        # the cached run now sees no change after the review; without the cache, git does.
        db.execute("UPDATE entry SET value = ? WHERE key LIKE 'l%'", (marshal.dumps([]),))
        db.execute("DELETE FROM entry WHERE key LIKE 'r%'")
    db.close()
    assert run_check(root)[1] == []
    assert run_check(root, "--no-cache")[1] == expected


def test_cached_documents_rebuild_their_raw_text_only_when_asked(make_workspace):
    """A warm run unpickles the models of every file but the raw documents (with their
    positions) only of those something asks about: the same data and positions as a
    fresh read."""
    import datetime as dt

    from coordctl.workspace import load, open_cache

    root = make_workspace()
    today = dt.date.fromisoformat(TODAY)
    fresh = load(root, today=today)
    load(root, today=today, cache=open_cache(root))  # fills the cache
    warm = load(root, today=today, cache=open_cache(root))
    assert len(warm.entries) == len(fresh.entries) > 5
    assert all("raw" not in entry.__dict__ for entry in warm.entries)
    for cached, read in zip(warm.entries, fresh.entries, strict=True):
        assert cached.model == read.model
        assert cached.raw == read.raw and "raw" in cached.__dict__
        assert cached.at() == read.at()
        for key in read.raw:
            assert cached.at(key) == read.at(key) and cached.at(key, key=True) == \
                read.at(key, key=True)


@pytest.mark.skipif(not parallel.can_fork(), reason="needs fork (POSIX)")
def test_forked_workers_share_the_cache_through_connections_of_their_own(tmp_path):
    # SQLite forbids using a connection across fork: each worker opens its own, and the
    # parent's keeps working after them.
    cache = Cache(tmp_path)
    cache.store("parent", "before")
    parents = id(cache._db)

    def work(i: int) -> tuple[object, int]:
        cache.store(f"worker-{i}", i * i)
        return cache.result("parent"), id(cache._db)

    results = parallel.run_all([lambda i=i: work(i) for i in range(6)], 2, cache)
    assert [seen for seen, _ in results] == ["before"] * 6
    assert parents not in {connection for _, connection in results}
    assert [cache.result(f"worker-{i}") for i in range(6)] == [i * i for i in range(6)]
    cache.store("parent", "after")
    assert Cache(tmp_path).result("parent") == "after"
