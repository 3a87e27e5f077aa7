"""``coordctl init``: a new workspace that passes ``check``, in a real git repository."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path

import git
import pytest
from click.testing import CliRunner

from coordctl.check import check
from coordctl.cli import cli
from coordctl.errors import CoordctlError
from coordctl.scaffold import SCHEMA_FILE, init_workspace
from coordctl.workspace import load

AUTHOR = ("Test Author", "author@example.org")


def _isolate_git(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Point git at an empty HOME and no system config; drop inherited repository vars."""
    home.mkdir(exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in ("GIT_CONFIG_GLOBAL", "GIT_CONFIG_SYSTEM", "GIT_DIR", "GIT_WORK_TREE",
                 "GIT_INDEX_FILE", "GIT_CONFIG_COUNT", "GIT_CONFIG_PARAMETERS", "EMAIL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A fixed git identity through the environment; the user's config is never read."""
    _isolate_git(monkeypatch, tmp_path / "home")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", AUTHOR[0])
        monkeypatch.setenv(f"GIT_{role}_EMAIL", AUTHOR[1])


@pytest.fixture
def no_identity(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No git identity anywhere; returns the empty HOME (tests may write a .gitconfig)."""
    home = tmp_path / "home"
    _isolate_git(monkeypatch, home)
    for role in ("AUTHOR", "COMMITTER"):
        for part in ("NAME", "EMAIL"):
            monkeypatch.delenv(f"GIT_{role}_{part}", raising=False)
    return home


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def check_json(root: Path, *today: str) -> tuple[int, list[dict]]:
    code, out, _ = invoke(*today, "-C", str(root), "check", "--format", "json")
    return code, json.loads(out)["findings"]


def test_init_makes_a_repository_whose_workspace_passes_check(git_env: None,
                                                              tmp_path: Path) -> None:
    root = tmp_path / "city"
    code, _, err = invoke("init", str(root))
    assert code == 0, err
    assert "created a workspace" in err

    repo = git.Repo(root)
    assert repo.active_branch.name == "main"
    commits = list(repo.iter_commits())
    assert len(commits) == 1
    assert (commits[0].author.name, commits[0].author.email) == AUTHOR
    committed = {item.path for item in commits[0].tree.traverse() if item.type == "blob"}
    on_disk = {p.relative_to(root).as_posix() for p in root.rglob("*")
               if p.is_file() and ".git" not in p.relative_to(root).parts}
    assert committed == on_disk
    assert {"coordctl.yaml", ".gitignore", SCHEMA_FILE} <= committed
    assert not repo.is_dirty(untracked_files=True)

    assert check_json(root) == (0, [])
    code, out, _ = invoke("-C", str(root), "check")
    assert (code, out) == (0, "")


def test_the_example_holds_what_the_design_describes(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "city", git=False, today=dt.date(2026, 11, 28))
    ws = load(root, today=dt.date(2026, 11, 28))
    assert len(ws.departments) == 3
    assert [d.id for d in ws.departments.values() if d.exempt] == ["city-gov"]
    (plan,) = ws.plans.values()
    assert plan.levels and plan.phases
    assert all(phase.within is not None for phase in plan.phases)
    assert {duty.phase for duty in plan.duties} == {phase.id for phase in plan.phases}
    assert plan.reviewed == dt.date(2026, 10, 28)
    (meeting,) = ws.meetings.values()
    assert meeting.schedule.repeat == "FREQ=MONTHLY;BYDAY=1TU"
    assert meeting.schedule.start == dt.datetime(2026, 12, 1, 9, 30)
    (drill,) = ws.drills.values()
    assert drill.status == "planned"
    assert drill.schedule.start == dt.datetime(2027, 2, 3, 9, 0)
    (action,) = ws.actions.values()
    assert (action.status, action.due) == ("open", dt.date(2027, 2, 28))
    assert ".gitignore" in {p.name for p in root.iterdir()}
    assert (root / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "site/"


@pytest.mark.parametrize("today", [
    "2026-01-31", "2026-02-28", "2027-12-31", "2028-02-29", "2026-07-15", "2026-11-03",
    "2027-05-31", "2026-12-01",
])
def test_check_finds_nothing_whatever_day_init_runs(tmp_path: Path, today: str) -> None:
    day = dt.date.fromisoformat(today)
    root = init_workspace(tmp_path / "ws", git=False, today=day)
    assert check(load(root, today=day)).findings == []


@pytest.mark.parametrize("locale", ["zh-CN", "en"])
def test_both_locales(git_env: None, tmp_path: Path, locale: str) -> None:
    root = tmp_path / locale
    code, _, err = invoke("--today", "2026-11-28", "init", "--locale", locale, str(root))
    assert code == 0, err
    assert check_json(root, "--today", "2026-11-28") == (0, [])
    ws = load(root, today=dt.date(2026, 11, 28))
    assert ws.settings.locale == locale
    for dept in ws.departments.values():
        assert set(dept.name) == {"zh-CN", "en"}
    (plan,) = ws.plans.values()
    assert set(plan.title) == {"zh-CN", "en"}
    police = (root / "plans/departments/police.yaml").read_text(encoding="utf-8")
    settings = (root / "coordctl.yaml").read_text(encoding="utf-8")
    if locale == "en":
        assert "24-hour duty office" in police
        assert "# default output language" in settings
    else:
        assert "24小时值班室" in police
        assert "# 默认输出语言" in settings


def test_every_document_points_at_the_schema(tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws", git=False)
    code, schema_text, _ = invoke("schema")
    assert code == 0
    assert (root / SCHEMA_FILE).read_text(encoding="utf-8") == schema_text
    documents = sorted((root / "plans").rglob("*.yaml"))
    assert len(documents) == 7
    assert {p.parent.name for p in documents} == {"departments", "contingency", "meetings",
                                                  "drills", "actions"}
    for path in documents:
        first = path.read_text(encoding="utf-8").splitlines()[0]
        prefix = "# yaml-language-server: $schema="
        assert first.startswith(prefix)
        assert (path.parent / first.removeprefix(prefix)).resolve() == root / SCHEMA_FILE
        assert path.read_text(encoding="utf-8").count("\nkind: ") == 1


def test_init_refuses_a_folder_that_is_not_empty(git_env: None, tmp_path: Path) -> None:
    root = tmp_path / "busy"
    root.mkdir()
    (root / "notes.txt").write_text("keep me\n", encoding="utf-8")
    code, out, err = invoke("init", str(root))
    assert code == 2
    assert out == ""
    assert err.startswith("coordctl: error: ") and "not empty" in err
    assert len(err.strip().splitlines()) == 1
    assert [p.name for p in root.iterdir()] == ["notes.txt"]
    assert (root / "notes.txt").read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("occupant", [".git", "plans"])
def test_even_one_folder_is_refused(tmp_path: Path, occupant: str) -> None:
    (tmp_path / "ws" / occupant).mkdir(parents=True)
    with pytest.raises(CoordctlError, match="not empty"):
        init_workspace(tmp_path / "ws", git=False)
    assert [p.name for p in (tmp_path / "ws").iterdir()] == [occupant]


def test_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("x", encoding="utf-8")
    with pytest.raises(CoordctlError, match="not a folder"):
        init_workspace(target, git=False)
    assert target.read_text(encoding="utf-8") == "x"


def test_an_empty_folder_is_fine(git_env: None, tmp_path: Path) -> None:
    root = tmp_path / "empty"
    root.mkdir()
    code, _, err = invoke("init", str(root))
    assert code == 0, err
    assert (root / "coordctl.yaml").is_file()
    assert git.Repo(root).head.is_valid()


def test_unknown_locale_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(CoordctlError, match="locale"):
        init_workspace(tmp_path / "ws", locale="fr")
    assert not (tmp_path / "ws").exists()


def test_no_git(tmp_path: Path) -> None:
    root = tmp_path / "plain"
    code, _, err = invoke("init", "--no-git", str(root))
    assert code == 0, err
    assert not (root / ".git").exists()
    assert (root / "coordctl.yaml").is_file()
    assert check_json(root) == (0, [])


def test_without_an_identity_the_commit_is_coordctls(no_identity: Path,
                                                     tmp_path: Path) -> None:
    root = init_workspace(tmp_path / "ws")
    author = git.Repo(root).head.commit.author
    assert (author.name, author.email) == ("coordctl", "coordctl@localhost")


def test_the_users_configured_identity_is_used(no_identity: Path, tmp_path: Path) -> None:
    (no_identity / ".gitconfig").write_text(
        "[user]\n\tname = Configured User\n\temail = user@example.org\n", encoding="utf-8")
    root = init_workspace(tmp_path / "ws")
    commit = git.Repo(root).head.commit
    assert (commit.author.name, commit.author.email) == ("Configured User", "user@example.org")
    assert commit.committer.email == "user@example.org"


def test_a_git_failure_is_a_one_line_error(no_identity: Path, tmp_path: Path) -> None:
    (no_identity / ".gitconfig").write_text(
        "[commit]\n\tgpgsign = true\n[gpg]\n\tprogram = false\n", encoding="utf-8")
    code, _, err = invoke("init", str(tmp_path / "ws"))
    assert code == 2
    assert err.startswith("coordctl: error: ") and "no first commit was made" in err
    assert "Traceback" not in err
    assert (tmp_path / "ws" / "coordctl.yaml").is_file()


def test_without_git_installed_the_files_are_still_written(tmp_path: Path) -> None:
    bin_dir = str(Path(sys.executable).parent)
    if shutil.which("git", path=bin_dir):
        pytest.skip("git is in the interpreter's folder")
    root = tmp_path / "ws"
    done = subprocess.run([sys.executable, "-m", "coordctl", "init", str(root)],
                          capture_output=True, text=True, env={"PATH": bin_dir,
                                                               "HOME": str(tmp_path)},
                          check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "no git repository" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (root / ".git").exists()
    assert (root / "coordctl.yaml").is_file()
    assert check(load(root)).findings == []
