"""A cache of what reading each file gave, so an unchanged workspace checks instantly.

Entries are keyed by file content (a BLAKE2 hash of the path, the bytes, the settings
and coordctl's version), never by modification times, so the cache cannot go stale:
an edited, added, removed or renamed file simply has another key. The cache is a
SQLite database stored where git ignores it (inside ``.git/`` when the workspace is in
a repository, else in ``.coordctl-cache/`` with a ``.gitignore`` of its own). SQLite
makes every write a transaction: two runs racing may both miss, but neither can read a
half-written entry. Any problem with the cache (locked, corrupt, unwritable) turns it
off for the run; it never fails a command.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from coordctl import __version__
from coordctl.errors import OutputError

#: Changes whenever the cached objects change shape.
FORMAT = "1"
#: Modules whose code decides what a cached file result holds: an edit to one of them
#: (in a development checkout) invalidates the cache as a new version would.
_MODULES = ("cache", "findings", "model", "schedule", "validation", "values", "workspace",
            "yamlsrc")


def _salt() -> bytes:
    here = Path(__file__).resolve().parent
    stamps = []
    for name in _MODULES:
        try:
            stat = (here / f"{name}.py").stat()
            stamps.append(f"{name}:{stat.st_mtime_ns}:{stat.st_size}")
        except OSError:
            stamps.append(f"{name}:?")
    return f"coordctl {__version__} cache {FORMAT} {' '.join(stamps)}".encode()


_SALT = _salt()
_BATCH = 500


def _git_dir(root: Path) -> Path | None:
    """The ``.git`` folder of the repository holding ``root`` (worktrees included)."""
    for folder in (root, *root.parents):
        dot_git = folder / ".git"
        if dot_git.is_dir():
            return dot_git
        if dot_git.is_file():
            text = dot_git.read_text(encoding="utf-8", errors="replace").strip()
            if text.startswith("gitdir:"):
                target = Path(text.split(":", 1)[1].strip())
                return target if target.is_absolute() else (folder / target).resolve()
    return None


def cache_folder(root: Path) -> Path:
    """Where the cache of the workspace at ``root`` lives."""
    git_dir = _git_dir(root)
    if git_dir is not None:
        return git_dir / "coordctl"
    return root / ".coordctl-cache"


class Cache:
    """File results by content key; ``None``-safe: every failure is a miss."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.folder = cache_folder(self.root)
        self._db: sqlite3.Connection | None = None
        self._inherited: list[sqlite3.Connection] = []  # see forked()
        self._failed = False
        workspace = os.fsencode(str(self.root))
        self._prefix = hashlib.blake2b(workspace, digest_size=8).hexdigest()

    def close(self) -> None:
        """Close the database (a later use opens it again)."""
        db, self._db = self._db, None
        if db is not None:
            db.close()

    def forked(self) -> None:
        """In a process forked from the one that opened the database: forget its
        connection, unclosed (SQLite forbids using one across ``fork``; closing it here
        could release the parent's locks, so it is kept, never freed). A later use opens
        one of this process's own."""
        if self._db is not None:
            self._inherited.append(self._db)
        self._db = None

    # --- storage -------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None or self._failed:
            return self._db
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if self.folder.name == ".coordctl-cache":
                ignore = self.folder / ".gitignore"
                if not ignore.exists():
                    from coordctl.output import write_atomic

                    write_atomic(ignore, b"# coordctl's cache: never commit it\n*\n")
            db = sqlite3.connect(self.folder / "cache.sqlite", timeout=2,
                                 isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute("CREATE TABLE IF NOT EXISTS entry (key TEXT PRIMARY KEY, value BLOB)")
            self._db = db
        except (OSError, OutputError, sqlite3.Error):
            self._failed = True
        return self._db

    def _get(self, keys: list[str]) -> dict[str, bytes]:
        db = self._connect()
        if db is None or not keys:
            return {}
        found: dict[str, bytes] = {}
        try:
            for start in range(0, len(keys), _BATCH):
                chunk = keys[start:start + _BATCH]
                marks = ",".join("?" * len(chunk))
                found.update(db.execute(f"SELECT key, value FROM entry WHERE key IN ({marks})",
                                        chunk))
        except sqlite3.Error:
            self._failed = True
            return {}
        return found

    def _put(self, items: Iterable[tuple[str, bytes]]) -> None:
        db = self._connect()
        items = list(items)
        if db is None or not items:
            return
        try:
            with db:
                db.execute("BEGIN IMMEDIATE")
                db.executemany("INSERT OR REPLACE INTO entry VALUES (?, ?)", items)
        except sqlite3.Error:
            pass  # another run holds the lock: it writes the same entries

    # --- keys ----------------------------------------------------------------------

    def _settings_key(self, settings: bytes) -> bytes:
        return hashlib.blake2b(_SALT + b"\0" + settings, digest_size=16).digest()

    def file_key(self, path: str, data: bytes, settings_key: bytes) -> str:
        digest = hashlib.blake2b(settings_key, digest_size=20)
        digest.update(path.encode("utf-8", "surrogateescape") + b"\0")
        digest.update(data)
        return "f" + digest.hexdigest()

    # --- files -----------------------------------------------------------------------

    def files(self, contents: dict[str, bytes], settings: bytes) -> dict[str, Any]:
        """The cached ``FileResult`` of every file whose content was read before."""
        keys = self._file_keys(contents, settings)
        found = self._get(list(keys.values()))
        out = {}
        for path, key in keys.items():
            blob = found.get(key)
            if blob is None:
                continue
            try:
                out[path] = pickle.loads(blob)
            except Exception:  # a cache from another build of coordctl: a miss
                continue
        return out

    def _file_keys(self, contents: dict[str, bytes], settings: bytes) -> dict[str, str]:
        cached = getattr(self, "_keys", None)
        if cached is not None and cached[0] is contents:
            return cached[1]
        settings_key = self._settings_key(settings)
        keys = {path: self.file_key(path, data, settings_key)
                for path, data in contents.items()}
        self._keys = (contents, keys)
        return keys

    def remember(self, fresh: dict[str, Any], contents: dict[str, bytes],
                 settings: bytes) -> None:
        """Store the file results just computed."""
        keys = self._file_keys(contents, settings)
        self._put((keys[path], pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL))
                  for path, result in fresh.items())

    def content_key(self, contents: dict[str, bytes], settings: bytes) -> str:
        """One key for the whole workspace: every file's key and the settings."""
        keys = self._file_keys(contents, settings)
        whole = hashlib.blake2b(self._settings_key(settings), digest_size=20)
        for path in sorted(keys):
            whole.update(keys[path].encode())
        return whole.hexdigest()

    # --- git blobs ------------------------------------------------------------------

    def blob_documents(self, shas: Iterable[str], scope: str) -> dict[str, Any]:
        """What each git blob was read to hold (``scope`` names how it was read)."""
        wanted = [s for s in shas if s]
        keys = {f"b{FORMAT}:{scope}:{sha}": sha for sha in wanted}
        out = {}
        for key, blob in self._get(list(keys)).items():
            try:
                out[keys[key]] = marshal.loads(blob)
            except (ValueError, EOFError, TypeError):
                continue
        return out

    def remember_blob_documents(self, found: dict[str, Any], scope: str) -> None:
        items = []
        for sha, documents in found.items():
            try:
                items.append((f"b{FORMAT}:{scope}:{sha}", marshal.dumps(documents)))
            except ValueError:  # something marshal cannot store: just not cached
                continue
        self._put(items)

    # --- git listings ---------------------------------------------------------------

    def git_listing(self, args: Iterable[str]) -> tuple[str, Any]:
        """(key, stored listing) of the git command ``args``, whose output depends only
        on the commit ids in ``args`` (history never changes under a commit id); the
        listing is kept parsed, as plain data, so reading it back costs no parsing."""
        text = "\0".join(args).encode("utf-8", "surrogateescape")
        key = f"l{FORMAT}:" + hashlib.blake2b(text, digest_size=20).hexdigest()
        blob = self._get([key]).get(key)
        if blob is None:
            return key, None
        try:
            return key, marshal.loads(blob)
        except (ValueError, EOFError, TypeError):
            return key, None

    def remember_git_listing(self, key: str, listing: Any) -> None:
        """Store ``listing`` (plain tuples, lists and strings) under ``key``."""
        self._put([(key, marshal.dumps(listing))])

    # --- results ---------------------------------------------------------------------

    def result(self, key: str) -> Any:
        """A result stored under ``key`` by ``store``, or None."""
        blob = self._get(["r" + key]).get("r" + key)
        if blob is None:
            return None
        try:
            return pickle.loads(blob)
        except Exception:
            return None

    def store(self, key: str, value: Any) -> None:
        self._put([("r" + key, pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))])
