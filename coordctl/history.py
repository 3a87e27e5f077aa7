"""The workspace in git: files at any revision, and the history of every document.

GitPython drives git itself: a revision is read with one ``ls-tree`` and one batched
``cat-file --batch`` (reading objects one by one is about five times slower), and the
history of ``plans/`` comes from one ``git log --raw`` run whose changed blobs are read in
one batch and parsed once each. Git errors become ``CoordctlError`` with one-line
messages; nothing here touches the working tree, the index or refs.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from coordctl.errors import CoordctlError
from coordctl.findings import SETTINGS_FILE
from coordctl.source import PLANS_DIR, YAML_SUFFIXES, TreeSource, dangling_link, shown_path

_NULL_SHA = "0" * 40
#: Words in git's messages that mean an object cannot be read.
_CORRUPT_SIGNS = ("could not read", "unable to read", "bad object", "corrupt",
                  "missing blob", "missing tree", "invalid object")
_NO_GIT = "git is not installed (or not on PATH), so the history cannot be read"


class GitError(CoordctlError):
    """Git could not answer: not a repository, unknown revision, shallow or corrupt."""


class NotARepository(GitError):
    """The workspace is not inside a git repository."""


class GitNotFound(GitError):
    """The git program went missing after GitPython was imported."""


@dataclass(frozen=True)
class Revision:
    """One commit, as people see it."""

    sha: str
    date: dt.datetime
    author: str
    email: str
    subject: str

    @property
    def short(self) -> str:
        return self.sha[:10]

    def as_dict(self) -> dict[str, str]:
        return {"commit": self.sha, "date": self.date.isoformat(), "author": self.author,
                "email": self.email, "subject": self.subject}


@dataclass
class DocumentHistory:
    """Every commit that changed one document (newest first) and what it changed."""

    revisions: list[Revision] = field(default_factory=list)
    #: Changed field paths per revision, parallel to ``revisions`` (None = added/removed).
    fields: list[list[str] | None] = field(default_factory=list)

    @property
    def last(self) -> Revision | None:
        return self.revisions[0] if self.revisions else None

    def count_changing(self, prefixes: Iterable[str]) -> int:
        """Commits that changed a field starting with one of ``prefixes`` (not the one that
        added the document): a calendar event's SEQUENCE."""
        prefixes = tuple(prefixes)
        return sum(1 for changed in self.fields
                   if changed is not None and any(f.startswith(prefixes) for f in changed))


def _loaded(path: str) -> bool:
    """True when the workspace loads the file at ``path`` (as ``DirectorySource`` does):
    YAML, under ``plans/``, no hidden folder or file on the way."""
    return path.startswith(f"{PLANS_DIR}/") and path.endswith(YAML_SUFFIXES) and \
        not any(part.startswith(".") for part in path.split("/"))


def _plain_documents(data: bytes) -> dict[tuple[str, str], Any]:
    """(kind, id) -> plain data of every document in one blob; unreadable blobs give {}."""
    from coordctl import yamlsrc

    out: dict[tuple[str, str], Any] = {}
    for raw in yamlsrc.load_plain(data):
        if isinstance(raw, dict) and isinstance(raw.get("kind"), str) and \
                isinstance(raw.get("id"), (str, int)) and not isinstance(raw.get("id"), bool):
            out.setdefault((raw["kind"], str(raw["id"])), raw)
    return out


@dataclass
class _Change:
    """One file changed by a commit: blob ids before and after."""

    old_sha: str
    new_sha: str
    old_path: str
    new_path: str


@dataclass
class _Commit:
    revision: Revision
    changes: list[_Change]
    root: bool = False
    """The first commit of its history (no parent)."""


class Repository:
    """The git repository holding a workspace (which may be a sub-folder of it)."""

    def __init__(self, workspace_root: Path) -> None:
        try:
            import git
        except ImportError:  # GitPython found no git program when it was imported
            raise NotARepository(_NO_GIT) from None
        try:
            self._repo = git.Repo(workspace_root, search_parent_directories=True)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise NotARepository(f"{workspace_root} is not in a git repository") from None
        except git.GitCommandNotFound:
            raise NotARepository(_NO_GIT) from None
        if self._repo.bare or self._repo.working_tree_dir is None:
            raise GitError(f"{workspace_root} is in a bare repository")
        top = Path(self._repo.working_tree_dir).resolve()
        prefix = Path(workspace_root).resolve().relative_to(top).as_posix()
        self.prefix = "" if prefix == "." else prefix + "/"
        self.top = top
        #: git commands started ahead (``prefetch``): arguments -> their output to come.
        self._pending: dict[tuple[str, ...], Any] = {}
        #: The ``git log`` listings read so far (``_commits``).
        self._listed: set[tuple[str, ...]] = set()

    def close(self) -> None:
        """Stop the git processes GitPython keeps running for this repository (after
        any started ahead has finished)."""
        for thread, _ in self._pending.values():
            thread.join()
        self._pending.clear()
        self._repo.close()

    # --- plumbing -------------------------------------------------------------------

    def prefetch(self, *args: str) -> None:
        """Start ``git ARGS`` now, in the background; the next ``_git`` with the same
        arguments takes its output (or its error). Git is a process of its own, so it
        works on another core while this one goes on (the check's other rules)."""
        import threading
        from concurrent.futures import Future

        if args in self._pending:
            return
        future: Future = Future()

        def run() -> None:
            try:
                future.set_result(self._run(*args))
            except BaseException as exc:  # handed to whoever takes the output
                future.set_exception(exc)

        thread = threading.Thread(target=run, name=f"git {args[0]}", daemon=True)
        self._pending[args] = (thread, future)
        thread.start()

    def _git(self, *args: str, stdin: bytes | None = None) -> bytes:
        if stdin is None and args in self._pending:
            thread, future = self._pending.pop(args)
            thread.join()  # gone before anything forks (build -j)
            return future.result()
        return self._run(*args, stdin=stdin)

    def _run(self, *args: str, stdin: bytes | None = None) -> bytes:
        import git

        try:
            if stdin is None:
                return self._repo.git.execute(["git", *args], stdout_as_string=False,
                                              strip_newline_in_stdout=False)
            with tempfile.TemporaryFile() as handle:
                handle.write(stdin)
                handle.seek(0)
                return self._repo.git.execute(["git", *args], istream=handle,
                                              stdout_as_string=False,
                                              strip_newline_in_stdout=False)
        except git.GitCommandNotFound:  # git went missing after GitPython was imported
            raise GitNotFound(_NO_GIT) from None
        except git.GitCommandError as exc:
            message = (exc.stderr or "").strip().splitlines()
            detail = next((m.strip().removeprefix("stderr: '").removeprefix("fatal: ")
                           for m in message if m.strip()), str(exc.status))
            detail = detail.rstrip(chr(39))
            if any(sign in detail.lower() for sign in _CORRUPT_SIGNS):
                raise GitError(f"git {args[0]} failed: {detail}: the repository is corrupt "
                               "(git fsck tells more)") from None
            raise GitError(f"git {args[0]} failed: {detail}") from None

    def resolve(self, rev: str) -> str:
        """The full commit id of ``rev``; a clear error when there is none."""
        if rev.startswith("-"):
            raise GitError(f"'{rev}' is not a revision")
        # A full commit id always names the same commit: asked again (a site asks for
        # every meeting's agenda), it is answered without running git. Names that can
        # move (HEAD, branches) are always asked.
        known = self.__dict__.setdefault("_commit_ids", set())
        if rev in known:
            return rev
        try:
            out = self._git("rev-parse", "--verify", "--quiet", "--end-of-options",
                            f"{rev}^{{commit}}")
        except GitNotFound:
            raise
        except GitError:
            out = b""
        sha = out.decode().strip()
        if sha:
            known.add(sha)
        if not sha:
            if rev == "HEAD" and not self.has_commits():
                raise GitError("the repository has no commits yet: commit the workspace first")
            raise GitError(f"unknown revision '{rev}': give a commit, branch or tag "
                           "(git log --oneline lists them)")
        return sha

    def commit_date(self, sha: str) -> dt.datetime:
        """When ``sha`` was committed."""
        out = self._git("show", "-s", "--format=%cI", sha)
        return dt.datetime.fromisoformat(out.decode().strip())

    def last_commit_before(self, moment: dt.datetime, rev: str = "HEAD") -> str | None:
        """The newest commit up to ``rev`` committed before ``moment`` (aware), or None:
        what ``git rev-list -1 --before=MOMENT REV`` gives, from one listing of ``rev``'s
        commits (a site asks this for every meeting)."""
        limit = int(moment.timestamp())  # --before compares whole seconds
        return next((sha for sha, when in self._commit_times(self.resolve(rev))
                     if when <= limit), None)

    def _commit_times(self, sha: str) -> list[tuple[str, int]]:
        """(commit, commit time in seconds) of every commit up to ``sha``, in the order
        ``git rev-list`` walks them."""
        memo = self.__dict__.setdefault("_commit_times_memo", {})
        if sha not in memo:
            # Each commit is two lines: "commit SHA", then its time.
            lines = self._git("rev-list", "--format=%ct", sha, "--").decode().split()
            memo[sha] = [(lines[i + 1], int(lines[i + 2])) for i in range(0, len(lines), 3)]
        return memo[sha]

    def has_commits(self) -> bool:
        try:
            self._git("rev-parse", "--verify", "--quiet", "HEAD")
            return True
        except GitNotFound:
            raise
        except GitError:
            return False

    @cached_property
    def shallow(self) -> bool:
        return self._git("rev-parse", "--is-shallow-repository").strip() == b"true"

    def cat_files(self, shas: Iterable[str]) -> dict[str, bytes]:
        """Contents of many blobs through one ``git cat-file --batch`` run."""
        wanted = list(dict.fromkeys(s for s in shas if s and s != _NULL_SHA))
        if not wanted:
            return {}
        names = "\n".join(wanted).encode("utf-8", "surrogateescape")  # sha:path may hold any
        out = self._git("cat-file", "--batch", stdin=names + b"\n")
        blobs: dict[str, bytes] = {}
        pos = 0
        for sha in wanted:
            end = out.index(b"\n", pos)
            header = out[pos:end].split()
            if len(header) < 3:  # "<sha> missing"
                raise GitError(f"the object {sha[:10]} is missing: the repository is "
                               "corrupt or shallow (git fsck tells more)")
            size = int(header[2])
            blobs[sha] = out[end + 1:end + 1 + size]
            pos = end + 1 + size + 1
        return blobs

    # --- a revision's files ----------------------------------------------------------

    def source(self, rev: str) -> TreeSource:
        """The workspace files at ``rev``, read without a checkout."""
        sha = self.resolve(rev)
        blobs: dict[str, str] = {}
        links: dict[str, str] = {}
        for mode, blob, path in self._ls_tree(sha, SETTINGS_FILE, PLANS_DIR):
            if not (path == SETTINGS_FILE or _loaded(path)):
                continue
            if mode == "120000":
                links[path] = blob
            else:
                blobs[shown_path(path)] = blob
        if links:
            blobs.update((shown_path(p), b) for p, b in self._follow_links(sha, links).items())
        if SETTINGS_FILE not in blobs:
            raise GitError(f"there is no {self.prefix}{SETTINGS_FILE} at {rev}")
        contents = self.cat_files(blobs.values())
        files = {path: contents[blob] for path, blob in blobs.items()}
        settings = files.pop(SETTINGS_FILE)
        return TreeSource(settings, dict(sorted(files.items())), label=rev,
                          blob_ids={p: b for p, b in blobs.items() if p != SETTINGS_FILE},
                          revision=sha)

    def tree_ids(self, rev: str) -> dict[str, str] | None:
        """Workspace path -> blob id of every file under ``plans/`` the workspace would
        load at ``rev``; None when the tree has symbolic links there (``source`` follows
        them). Remembered per commit."""
        sha = self.resolve(rev)
        known = self.__dict__.setdefault("_tree_ids_of", {})
        if sha not in known:
            known[sha] = self._tree_ids(sha)
        return known[sha]

    def settings_id(self, rev: str) -> str | None:
        """The blob id of the settings file at ``rev`` (None: there is none)."""
        found = list(self._ls_tree(self.resolve(rev), SETTINGS_FILE))
        return found[0][1] if found and found[0][0] != "120000" else None

    def _tree_ids(self, sha: str) -> dict[str, str] | None:
        out: dict[str, str] = {}
        for mode, blob, path in self._ls_tree(sha, PLANS_DIR):
            if _loaded(path):
                if mode == "120000":
                    return None
                out[shown_path(path)] = blob
        return out

    def _ls_tree(self, sha: str, *paths: str) -> Iterator[tuple[str, str, str]]:
        """(mode, blob id, workspace path) of every file below ``paths`` at ``sha``."""
        listing = self._git("ls-tree", "-r", "-z", "--full-tree", sha, "--",
                            *(f"{self.prefix}{p}" for p in paths))
        for item in listing.split(b"\0"):
            if not item:
                continue
            meta, _, path_bytes = item.partition(b"\t")
            mode, kind, blob = meta.decode().split()
            if kind == "blob":
                yield mode, blob, path_bytes.decode("utf-8", "surrogateescape")[
                    len(self.prefix):]

    def changed_files(self, old: str, new: str) -> dict[str, str | None] | None:
        """Workspace path -> its blob id at ``old`` (None: not there) of every file under
        ``plans/`` that differs between the two commits; None when the settings differ
        or a symbolic link is involved."""
        out = self._git("diff-tree", "-r", "-z", "--raw", "--no-renames", "--no-abbrev",
                        self.resolve(old), self.resolve(new), "--",
                        f"{self.prefix}{SETTINGS_FILE}", f"{self.prefix}{PLANS_DIR}")
        tokens = out.split(b"\0")
        changed: dict[str, str | None] = {}
        for meta, name in zip(tokens[0::2], tokens[1::2], strict=False):  # a trailing ''
            old_mode, new_mode, old_sha, _new_sha, _status = meta.lstrip(b":").decode().split()
            path = shown_path(name.decode("utf-8", "surrogateescape")[len(self.prefix):])
            if path == SETTINGS_FILE or "120000" in (old_mode, new_mode):
                return None
            if _loaded(path):
                changed[path] = None if old_sha == _NULL_SHA else old_sha
        return changed

    def _follow_links(self, sha: str, links: dict[str, str]) -> dict[str, str]:
        """The blob each symbolic link (workspace path -> link blob) leads to, followed
        as the working tree of ``sha`` would be read (``DirectorySource``): a file under
        ``plans/`` only when its link stays inside the workspace, the settings file
        wherever in the repository it leads. A link to nothing is an error there too."""
        tree: dict[str, tuple[str, str]] = {}
        for item in self._git("ls-tree", "-r", "-z", "--full-tree", sha).split(b"\0"):
            if item:
                meta, _, name = item.partition(b"\t")
                mode, _, blob = meta.decode().split()
                tree[name.decode("utf-8", "surrogateescape")] = (mode, blob)
        texts = self.cat_files(blob for mode, blob in tree.values() if mode == "120000")
        top = self.top.as_posix().rstrip("/") + "/"
        followed: dict[str, str] = {}
        for path, blob in links.items():
            here: str | None = self.prefix + path
            mode = "120000"
            for _ in range(40):
                text = texts[blob].decode("utf-8", "surrogateescape")
                if text.startswith("/"):  # absolute: inside this repository, or nowhere
                    here = text[len(top):] if text.startswith(top) else None
                else:
                    here = posixpath.normpath(posixpath.join(posixpath.dirname(here), text))
                    here = None if here == ".." or here.startswith("../") else here
                if here is None:
                    break
                mode, blob = tree.get(here, ("", ""))
                if mode != "120000":
                    break
            else:
                raise CoordctlError(f"cannot read {path}: Too many levels of symbolic links")
            if here is None or (path != SETTINGS_FILE and not here.startswith(self.prefix)):
                continue  # leads outside: not read
            if not mode:
                if any(name.startswith(here + "/") for name in tree):
                    continue  # a folder: not a file to read
                raise dangling_link(path, texts[links[path]].decode("utf-8",
                                                                    "surrogateescape"))
            followed[path] = blob
        return followed

    # --- history ---------------------------------------------------------------------

    def _commits(self, rev: str, since: dt.date | None = None,
                 follow: str | None = None, limit_one: bool = False,
                 limit: int | None = None, cache: Any = None) -> Iterator[_Commit]:
        """Commits up to ``rev`` that touched ``plans/``, newest first, with raw changes
        (only those committed on or after ``since``, when given; with ``follow``, only
        those that touched that one file, followed back through renames). With a
        ``coordctl.cache.Cache`` the listing of a commit is read from git once."""
        args = self._log_args(rev, since, follow, limit_one, limit)
        self._listed.add(args)
        key, listing = cache.git_listing(args) if cache is not None else (None, None)
        if listing is None:
            listing = self._parse_log(self._git(*args))
            if key is not None:
                cache.remember_git_listing(key, listing)
        for commit, parents, date, author, email, subject, changes in listing:
            revision = Revision(commit, dt.datetime.fromisoformat(date), author, email,
                                subject)
            yield _Commit(revision, [_Change(*change) for change in changes], not parents)

    def _log_args(self, rev: str, since: dt.date | None = None, follow: str | None = None,
                  limit_one: bool = False, limit: int | None = None) -> tuple[str, ...]:
        """The ``git log`` that ``_commits`` reads."""
        sha = self.resolve(rev)
        narrow = [f"--since={since.isoformat()}T00:00:00"] if since else []
        if limit_one or limit:
            narrow.append(f"-n{1 if limit_one else limit}")
        paths = ["--follow", "--", f"{self.prefix}{follow}"] if follow else \
            ["--", f"{self.prefix}{PLANS_DIR}"]
        return ("log", "--format=%x1e%H%x1f%P%x1f%aI%x1f%an%x1f%ae%x1f%s", "--raw", "-z",
                "--no-abbrev", "-M", "--no-color", *narrow, sha, *paths)

    def prefetch_histories(self, rev: str = "HEAD", since: dt.date | None = None,
                           cache: Any = None) -> bool:
        """Start listing the commits ``histories(rev, since=since)`` reads (see
        ``prefetch``), unless that listing was read before (its result is remembered,
        so nothing would take the output) or the cache holds it; False when there is
        nothing to start (or git cannot: ``histories`` will say why)."""
        try:
            if self.shallow:
                return False
            args = self._log_args(rev, since)
        except GitError:
            return False
        if args in self._listed or (cache is not None and
                                    cache.git_listing(args)[1] is not None):
            return False
        self.prefetch(*args)
        return True

    def _parse_log(self, out: bytes) -> list[tuple[Any, ...]]:
        """``git log --raw -z`` output as plain tuples (which the cache keeps as they
        are): (commit, parents, date, author, email, subject, [(old blob, new blob, old
        path, new path)]), paths relative to the workspace."""
        listing = []
        for record in out.split(b"\x1e")[1:]:
            header, _, rest = record.partition(b"\0")
            commit, parents, date, author, email, subject = header.decode(
                "utf-8", "replace").split("\x1f", 5)
            tokens = rest.lstrip(b"\n").split(b"\0")
            changes = []
            index = 0
            while index < len(tokens):
                token = tokens[index].lstrip(b"\n")
                if not token.startswith(b":"):
                    index += 1
                    continue
                _, _, old_sha, new_sha, status = token[1:].decode().split()
                paths = 2 if status[0] in "RC" else 1
                names = [t.decode("utf-8", "surrogateescape")[len(self.prefix):]
                         for t in tokens[index + 1:index + 1 + paths]]
                changes.append((old_sha, new_sha, names[0], names[-1]))
                index += 1 + paths
            listing.append((commit, parents, date, author, email, subject, changes))
        return listing

    def _require_full_history(self) -> None:
        if self.shallow:
            raise GitError("this is a shallow clone, so its history is incomplete: run "
                           "'git fetch --unshallow' first")

    def histories(self, rev: str = "HEAD",
                  since: dt.date | None = None, changes_only: bool = False,
                  kinds: tuple[str, ...] | None = None,
                  watch: dict[str, dt.date] | None = None, cache: Any = None,
                  limit: int | None = None, workers: int = 1
                  ) -> dict[tuple[str, str], DocumentHistory]:
        """The history of every document up to ``rev``.

        Narrower and cheaper: only commits ``since`` a date; ``changes_only`` records
        only changes to documents that existed before each commit (no additions or
        removals), so commits that only add files are not read at all; ``kinds``: only
        files that declare a document of these kinds (``kind: plan``, quoted or in a
        flow mapping) are parsed; ``watch`` (path -> date): only changes to these files
        (followed back through renames) made on or after their date are read; ``limit``:
        only the latest that many commits that touched ``plans/``. With a
        ``coordctl.cache.Cache``, what each blob holds is read once and kept (blobs
        never change). ``workers`` processes share parsing the blobs.
        """
        from coordctl.diff import field_changes

        self._require_full_history()
        commits = list(self._commits(rev, since, limit=limit, cache=cache))
        if changes_only:
            commits = [c for c in commits if any(ch.old_sha != _NULL_SHA and _loaded(
                ch.old_path) for ch in c.changes)]
        if watch is not None:
            watch = dict(watch)
            for commit in commits:  # newest first: renames lead back to older paths
                kept = []
                for change in commit.changes:
                    after = watch.get(change.new_path)
                    if after is None:
                        continue
                    if change.old_path != change.new_path:
                        watch.setdefault(change.old_path, after)
                    if commit.revision.date.date() >= after:
                        kept.append(change)
                commit.changes = kept
        shas = {s for c in commits for ch in c.changes
                for s, p in ((ch.old_sha, ch.old_path), (ch.new_sha, ch.new_path)) if _loaded(p)}
        wanted = re.compile(rb"kind['\"]?\s*:\s*['\"]?(?:" + b"|".join(
            re.escape(k.encode()) for k in kinds) + rb")\b") if kinds else None
        scope = ",".join(kinds or ())
        parsed: dict[str, dict[tuple[str, str], Any]] = \
            cache.blob_documents(shas, scope) if cache is not None else {}
        blobs = self.cat_files(shas - parsed.keys())
        fresh: dict[str, dict[tuple[str, str], Any]] = {}
        if workers > 1:  # parse them all now, in several processes
            from coordctl import parallel

            todo = sorted(sha for sha, data in blobs.items()
                          if wanted is None or wanted.search(data))
            results = parallel.run_all(
                [lambda data=blobs[sha]: _plain_documents(data) for sha in todo],
                workers, cache, chunksize=16)
            fresh.update(zip(todo, results, strict=True))
            parsed.update(fresh)

        def documents(sha: str, path: str) -> dict[tuple[str, str], Any]:
            if sha == _NULL_SHA or not _loaded(path):
                return {}
            if sha not in parsed:
                data = blobs.get(sha, b"")
                skip = wanted is not None and not wanted.search(data)
                parsed[sha] = fresh[sha] = {} if skip else _plain_documents(data)
            return parsed[sha]

        out: dict[tuple[str, str], DocumentHistory] = {}
        for commit in commits:
            before: dict[tuple[str, str], Any] = {}
            after: dict[tuple[str, str], Any] = {}
            for change in commit.changes:
                for key, value in documents(change.old_sha, change.old_path).items():
                    before.setdefault(key, value)
                for key, value in documents(change.new_sha, change.new_path).items():
                    after.setdefault(key, value)
            for key in (before.keys() if changes_only else before.keys() | after.keys()):
                old, new = before.get(key), after.get(key)
                if old == new or (changes_only and new is None):
                    continue
                history = out.setdefault(key, DocumentHistory())
                history.revisions.append(commit.revision)
                history.fields.append(None if old is None or new is None else
                                      [f.field for f in field_changes(old, new)])
        if cache is not None:
            cache.remember_blob_documents(fresh, scope)
        return out

    def _locate(self, sha: str, key: tuple[str, str]) -> str | None:
        """The workspace path of the file that holds document ``key`` at commit ``sha``:
        files named after the id first (the usual layout), else any that mentions it."""
        names = self._git("ls-tree", "-r", "-z", "--name-only", "--full-tree", sha, "--",
                          f"{self.prefix}{PLANS_DIR}")
        # Searched in the raw listing: a province holds tens of thousands of names.
        named = re.compile(rb"(?:^|\0)([^\0]*/" + re.escape(key[1].encode())
                           + rb"\.ya?ml)(?=\0|$)")
        candidates = [m.group(1).decode("utf-8", "surrogateescape")
                      for m in named.finditer(names)]
        if not candidates:
            try:
                out = self._git("grep", "-l", "-z", "-F", "-e", key[1], sha, "--",
                                f"{self.prefix}{PLANS_DIR}")
            except GitError:  # no file mentions it (git grep exits 1)
                return None
            candidates = [item.decode("utf-8", "surrogateescape").partition(":")[2]
                          for item in out.split(b"\0")]
        candidates = [name for name in candidates if name and _loaded(name[len(self.prefix):])]
        blobs = self.cat_files(f"{sha}:{name}" for name in candidates)
        return next((name[len(self.prefix):] for name in candidates
                     if key in _plain_documents(blobs.get(f"{sha}:{name}", b""))), None)

    def _followed_log(self, key: tuple[str, str], rev: str
                      ) -> list[tuple[Revision, str, list[Any]]] | None:
        """``document_log`` by following the document's file (``git log --follow``) and,
        where the document moved in from another file, that file: a few blobs instead of
        every blob under plans/. None when the document is not found at ``rev``."""
        from coordctl.diff import field_changes

        start = self.resolve(rev)
        path = self._locate(start, key)
        if path is None:
            return None
        entries: list[tuple[Revision, str, list[Any]]] = []
        parsed: dict[str, Any] = {}
        blobs: dict[str, bytes] = {}
        needle = key[1].encode()

        def fetch(changes: list[_Change]) -> None:
            """Read the blobs of ``changes`` not read yet, in one ``cat-file`` run."""
            blobs.update(self.cat_files(
                sha for ch in changes for sha, where in ((ch.old_sha, ch.old_path),
                                                         (ch.new_sha, ch.new_path))
                if sha not in blobs and _loaded(where)))

        def find(sha: str, where: str) -> Any:
            if sha == _NULL_SHA or not _loaded(where):
                return None
            if sha not in parsed:
                if sha not in blobs:
                    blobs.update(self.cat_files([sha]))
                data = blobs.get(sha, b"")
                parsed[sha] = _plain_documents(data).get(key) if needle in data else None
            return parsed[sha]

        seen: set[str] = set()
        while True:
            moved: tuple[str, str] | None = None
            commits = list(self._commits(start, follow=path))
            fetch([commit.changes[-1] for commit in commits if commit.changes])
            for commit in commits:
                if commit.revision.sha in seen or not commit.changes:
                    continue
                seen.add(commit.revision.sha)
                change = commit.changes[-1]
                old, new = find(change.old_sha, change.old_path), \
                    find(change.new_sha, change.new_path)
                if new is None:
                    continue  # the document was not in this file yet at this commit
                if old is None and commit.root:  # added in the first commit
                    entries.append((commit.revision, "added", []))
                    return entries
                if old is None:  # it arrived here: moved in from another file, or added
                    whole = [ch for ch in self._commit_changes(commit.revision.sha)
                             if ch.old_path != path]
                    fetch(whole)
                    origin = next(((d, ch) for ch in whole
                                   if (d := find(ch.old_sha, ch.old_path)) is not None),
                                  None)
                    if origin is None:
                        entries.append((commit.revision, "added", []))
                        # Did it live (and leave) before? Then only the full walk knows.
                        return None if self._mentioned_before(commit.revision.sha,
                                                              key[1]) else entries
                    if origin[0] != new:
                        entries.append((commit.revision, "modified",
                                        list(field_changes(origin[0], new))))
                    moved = (f"{commit.revision.sha}^", origin[1].old_path)
                    break
                if old != new:
                    entries.append((commit.revision, "modified", list(field_changes(old, new))))
            if moved is None:
                return entries
            start, path = self.resolve(moved[0]), moved[1]

    def _mentioned_before(self, sha: str, text: str) -> bool:
        """True when a commit before ``sha`` added or removed ``text`` under plans/."""
        try:
            out = self._git("log", "-1", "--format=%H", f"-S{text}", f"{sha}^", "--",
                            f"{self.prefix}{PLANS_DIR}")
        except GitError:  # sha is the first commit
            return False
        return bool(out.strip())

    def _commit_changes(self, sha: str) -> list[_Change]:
        """The raw changes of one commit under plans/ (against its first parent)."""
        return next((c.changes for c in self._commits(sha, limit_one=True)), [])

    def document_log(self, kind: str, ident: str, rev: str = "HEAD"
                     ) -> list[tuple[Revision, str, list[Any]]]:
        """Every commit that changed ``kind/ident``, newest first: (revision, change,
        field changes) with change ``added``, ``removed`` or ``modified``."""
        from coordctl.diff import field_changes

        self._require_full_history()
        key = (kind, ident)
        followed = self._followed_log(key, rev)
        if followed is not None:
            return followed
        commits = list(self._commits(rev))
        needle = ident.encode()
        shas = {s for c in commits for ch in c.changes
                for s, p in ((ch.old_sha, ch.old_path), (ch.new_sha, ch.new_path)) if _loaded(p)}
        blobs = self.cat_files(shas)
        parsed: dict[str, Any] = {}

        def find(sha: str, path: str) -> Any:
            if sha == _NULL_SHA or not _loaded(path):
                return None
            if sha not in parsed:
                data = blobs.get(sha, b"")
                parsed[sha] = _plain_documents(data).get(key) if needle in data else None
            return parsed[sha]

        entries = []
        for commit in commits:
            old = next((d for ch in commit.changes
                        if (d := find(ch.old_sha, ch.old_path)) is not None), None)
            new = next((d for ch in commit.changes
                        if (d := find(ch.new_sha, ch.new_path)) is not None), None)
            if old == new:
                continue
            if old is None:
                entries.append((commit.revision, "added", []))
            elif new is None:
                entries.append((commit.revision, "removed", []))
            else:
                entries.append((commit.revision, "modified", list(field_changes(old, new))))
        return entries


def open_repository(workspace_root: Path) -> Repository:
    """The repository of the workspace; ``NotARepository`` outside git."""
    return Repository(workspace_root)
