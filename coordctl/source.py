"""Where a workspace's files come from: a directory (the working tree), later a git revision.

A source answers three questions: what the settings file holds, which YAML files are
under ``plans/``, and what bytes each holds. Paths are workspace-relative, with ``/``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from coordctl.errors import CoordctlError, GitNotInstalled, WorkspaceNotFound
from coordctl.findings import SETTINGS_FILE

PLANS_DIR = "plans"
YAML_SUFFIXES = (".yaml", ".yml")


def dangling_link(path: str, target: str) -> CoordctlError:
    """The error for a symbolic link under plans/ whose target does not exist (in the
    working tree or at a revision)."""
    return CoordctlError(f"{path} is a link to {target}, which does not exist: restore its "
                         "target or remove the link")


def shown_path(path: str) -> str:
    """``path`` as valid text: bytes of a file name that are not UTF-8 (kept by Python as
    surrogates) written as ``\\xff``, so findings, JSON and pages can name the file."""
    try:
        path.encode("utf-8")
        return path
    except UnicodeEncodeError:
        return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def find_root(start: Path, explicit: bool = False) -> Path:
    """The workspace root: ``start`` or the nearest parent holding ``coordctl.yaml``.

    With ``explicit`` (``-C DIR``) only ``start`` itself is tried.
    """
    start = start.resolve()
    if not start.is_dir():
        raise WorkspaceNotFound(f"{start} is not a directory")
    candidates = [start] if explicit else [start, *start.parents]
    for candidate in candidates:
        if (candidate / SETTINGS_FILE).is_file():
            return candidate
    where = str(start) if explicit else f"{start} or any folder above it"
    raise WorkspaceNotFound(
        f"no {SETTINGS_FILE} in {where}: run 'coordctl init' to make a workspace, "
        "or point at one with -C DIR")


@dataclass
class DirectorySource:
    """The files of a workspace directory on disk."""

    root: Path
    label: str = "working tree"
    #: Shown path -> the path on disk, for file names that are not valid UTF-8.
    real: dict[str, str] = field(default_factory=dict)

    def settings(self) -> bytes:
        return self._read(self.root / SETTINGS_FILE, SETTINGS_FILE)

    def files(self) -> list[str]:
        """Every ``*.yaml``/``*.yml`` under ``plans/``, sorted; hidden entries and links
        leading outside the workspace are skipped."""
        plans = os.path.join(self.root, PLANS_DIR)
        if not os.path.isdir(plans):
            return []
        root_real = os.path.realpath(self.root)
        found: list[str] = []

        def inside(path: str) -> bool:
            target = os.path.realpath(path)
            return os.path.commonpath([root_real, target]) == root_real

        def walk(folder: str, relative: str) -> None:
            try:
                entries = list(os.scandir(folder))
            except OSError as error:
                raise CoordctlError(f"cannot read {error.filename}: {error.strerror}") \
                    from None
            for entry in entries:
                name = entry.name
                if name.startswith("."):
                    continue
                link = entry.is_symlink()
                if link and not inside(entry.path):
                    continue
                try:
                    is_dir = entry.is_dir()
                except OSError:  # a link loop: reading it reports the problem
                    is_dir = False
                if is_dir:
                    if not link:  # linked folders are not followed (no loops)
                        walk(entry.path, f"{relative}/{name}")
                elif name.endswith(YAML_SUFFIXES):
                    path = f"{relative}/{name}"
                    shown = shown_path(path)
                    if shown != path:
                        self.real[shown] = path
                    found.append(shown)

        walk(plans, PLANS_DIR)
        return sorted(found)

    def read(self, path: str) -> bytes:
        return self._read(os.path.join(self.root, self.real.get(path, path)), path)

    @staticmethod
    def _read(full: Path | str, shown: str) -> bytes:
        try:
            with open(full, "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            if os.path.islink(full):
                raise dangling_link(shown, os.readlink(full)) from None
            raise CoordctlError(f"{shown} does not exist") from None
        except IsADirectoryError:
            raise CoordctlError(f"{shown} is a directory, not a file") from None
        except OSError as exc:
            raise CoordctlError(f"cannot read {shown}: {exc.strerror}") from None


@dataclass
class TreeSource:
    """Workspace files already read into memory, e.g. from a git revision."""

    settings_bytes: bytes
    contents: dict[str, bytes]
    label: str = "revision"
    #: Git blob id of each file, where known (a cheap content key).
    blob_ids: dict[str, str] | None = None
    #: The commit whose history applies to these files.
    revision: str = "HEAD"

    def settings(self) -> bytes:
        return self.settings_bytes

    def files(self) -> list[str]:
        return sorted(self.contents)

    def read(self, path: str) -> bytes:
        return self.contents[path]


#: The commit identity used when the user has configured none.
FALLBACK_IDENTITY = ("coordctl", "coordctl@localhost")


def init_repository(root: Path, message: str) -> str:
    """``git init`` in ``root`` (branch ``main``), add every file and commit; the commit sha.

    The commit carries the user's git identity when one is configured (git config or the
    ``GIT_AUTHOR_*``/``GIT_COMMITTER_*`` variables), else ``coordctl <coordctl@localhost>``.
    """
    try:
        import git
    except ImportError:  # GitPython cannot find the git program
        raise GitNotInstalled("git is not installed (or not on PATH)") from None
    try:
        repo = git.Repo.init(root)
        # symbolic-ref rather than --initial-branch: works with git older than 2.28 too.
        repo.git.symbolic_ref("HEAD", "refs/heads/main")
        repo.git.add("--all")
        repo.git.commit("--quiet", "-m", message, env=_commit_identity(repo))
        return repo.head.commit.hexsha
    except git.GitCommandNotFound:
        raise GitNotInstalled("git is not installed (or not on PATH)") from None
    except git.GitCommandError as exc:
        detail = str(exc.stderr or exc).strip().removeprefix("stderr:").strip(" '\n")
        raise CoordctlError(f"git failed in {root}: {detail}") from None
    except OSError as exc:
        raise CoordctlError(f"cannot make a git repository in {root}: {exc.strerror}") from None


def _commit_identity(repo: Any) -> dict[str, str]:
    """Environment for ``git commit``: the fallback identity for a role the user left unset."""
    with repo.config_reader() as config:
        name = str(config.get_value("user", "name", ""))
        email = str(config.get_value("user", "email", ""))
    env: dict[str, str] = {}
    for role in ("AUTHOR", "COMMITTER"):
        has_name = os.environ.get(f"GIT_{role}_NAME") or name
        has_email = os.environ.get(f"GIT_{role}_EMAIL") or email or os.environ.get("EMAIL")
        if not (has_name and has_email):
            env[f"GIT_{role}_NAME"], env[f"GIT_{role}_EMAIL"] = FALLBACK_IDENTITY
    return env
