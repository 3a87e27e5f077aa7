"""Real temporary git repositories for tests: fixed identities and dates, no user config.

Every git command runs with ``HOME`` pointed at an empty folder, no system config, no
signing, and the author and committer (names, emails, dates) set through the
environment, so the same steps always make the same commit ids. ``isolate_git`` makes
coordctl's own git calls (in the test process) read no user config either.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import BASE, SETTINGS

from coordctl.cli import cli

#: Fixed identities: commits made in tests carry these, and goldens show them.
AUTHOR = ("Ada Author", "ada@example.test")
OTHER_AUTHOR = ("Bo Builder", "bo@example.test")
COMMITTER = ("Cy Committer", "cy@example.test")
#: The date of the first commit; each later commit is one day after the previous one.
FIRST_DATE = dt.datetime(2026, 1, 5, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))

_INHERITED = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
              "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_CONFIG", "GIT_CONFIG_GLOBAL",
              "GIT_CONFIG_SYSTEM", "GIT_CONFIG_COUNT", "GIT_CEILING_DIRECTORIES", "EMAIL",
              "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
              "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE")


def isolate_git(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    """Make git in this process read no user or system config and no inherited repo."""
    home.mkdir(parents=True, exist_ok=True)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for name in _INHERITED:
        monkeypatch.delenv(name, raising=False)


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _INHERITED}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), GIT_CONFIG_NOSYSTEM="1",
               GIT_TERMINAL_PROMPT="0", LC_ALL="C", TZ="UTC")
    return env


def run_git(cwd: Path, home: Path, *args: str, env: dict[str, str] | None = None) -> str:
    """Run one git command in ``cwd`` with the isolated environment; its stdout."""
    done = subprocess.run(["git", "-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false",
                           "-c", "core.autocrlf=false", *args], cwd=cwd,
                          env={**_env(home), **(env or {})}, capture_output=True, text=True)
    if done.returncode != 0:
        raise AssertionError(f"git {' '.join(args)} failed: {done.stderr}")
    return done.stdout


class GitRepo:
    """A git repository in a temporary folder holding a workspace at ``workspace``."""

    def __init__(self, top: Path, home: Path, sub: str = "") -> None:
        self.top = top
        self.home = home
        self.workspace = top / sub if sub else top
        self._commits = 0
        top.mkdir(parents=True, exist_ok=True)
        self.git("init", "--quiet")
        self.git("symbolic-ref", "HEAD", "refs/heads/main")

    def git(self, *args: str, date: dt.datetime | None = None,
            author: tuple[str, str] = AUTHOR) -> str:
        """Run git in the repository; ``date`` and ``author`` apply to commits it makes."""
        when = (date or FIRST_DATE).isoformat()
        env = {"GIT_AUTHOR_NAME": author[0], "GIT_AUTHOR_EMAIL": author[1],
               "GIT_AUTHOR_DATE": when, "GIT_COMMITTER_NAME": COMMITTER[0],
               "GIT_COMMITTER_EMAIL": COMMITTER[1], "GIT_COMMITTER_DATE": when}
        return run_git(self.top, self.home, *args, env=env)

    def write(self, files: dict[str, str | None], settings: str | None = None) -> None:
        """Write workspace files (dedented; None deletes); ``settings`` is coordctl.yaml."""
        if settings is not None:
            files = {"coordctl.yaml": settings, **files}
        for rel, text in files.items():
            path = self.workspace / rel
            if text is None:
                path.unlink()
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")

    def next_date(self) -> dt.datetime:
        return FIRST_DATE + dt.timedelta(days=self._commits)

    def commit(self, message: str, files: dict[str, str | None] | None = None,
               date: dt.datetime | dt.date | None = None,
               author: tuple[str, str] = AUTHOR) -> str:
        """Write ``files``, stage everything and commit; the new commit id.

        Without ``date`` the commit is dated one day after the previous one made here
        (the first on ``FIRST_DATE``); a plain date means 10:00 that day (+08:00).
        """
        if files:
            self.write(files)
        if isinstance(date, dt.date) and not isinstance(date, dt.datetime):
            date = dt.datetime.combine(date, FIRST_DATE.timetz())
        when = date or self.next_date()
        self._commits += 1
        self.git("add", "--all")
        self.git("commit", "--quiet", "--allow-empty", "--no-verify", "-m", message,
                 date=when, author=author)
        return self.head()

    def commit_base(self, message: str = "Add the base workspace") -> str:
        """Write and commit ``coordctl.yaml`` and the BASE documents; the commit id."""
        self.write(BASE, settings=SETTINGS)
        return self.commit(message)

    def move(self, old: str, new: str) -> None:
        """``git mv`` a workspace file (paths relative to the workspace)."""
        (self.workspace / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", str(self.workspace / old), str(self.workspace / new))

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").strip()

    def rev(self, rev: str) -> str:
        return self.git("rev-parse", rev).strip()

    def state(self) -> tuple[dict[str, int], str, str, str, str]:
        """What a read-only command must not change: the mtimes of the working files,
        what the index holds, HEAD, the refs and ``git status``."""
        mtimes = {p.relative_to(self.top).as_posix(): p.stat().st_mtime_ns
                  for p in sorted(self.top.rglob("*"))
                  if p.is_file() and ".git" not in p.relative_to(self.top).parts}
        status = self.git("status", "--porcelain=v1", "--untracked-files=all")
        index = self.git("ls-files", "--stage")
        head = (self.top / ".git" / "HEAD").read_text()
        refs = self.git("for-each-ref", "--format=%(refname) %(objectname)")
        return mtimes, index, head, refs, status


def invoke(*args: str) -> Result:
    """Run coordctl in this process (stdout and stderr kept apart)."""
    return CliRunner().invoke(cli, list(args))


def one_line_error(result: Result) -> str:
    """The error message of a command that could not run: exit 2, one line, no traceback."""
    __tracebackhide__ = True
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    assert result.stdout == ""
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("coordctl: error: "), \
        result.stderr
    return result.stderr.removeprefix("coordctl: error: ").strip()


def repo_factory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., GitRepo]:
    """For a ``make_repo`` fixture: ``make_repo(sub="")`` -> a new empty ``GitRepo`` whose
    workspace is ``sub`` of it; git in this process is isolated from user config."""
    home = tmp_path / "home"
    isolate_git(monkeypatch, home)
    counter = iter(range(1_000))

    def make(sub: str = "") -> GitRepo:
        return GitRepo(tmp_path / f"repo{next(counter)}", home, sub)

    return make
