"""Load a workspace from a source: settings and documents, indexed by kind and id.

Loading collects, it does not stop: every file is read, every document validated, and
each problem becomes one ``yaml-syntax`` or ``schema`` finding. A document that fails
validation still *exists* (its id resolves references to it), so one mistake is
reported once.
"""

from __future__ import annotations

import datetime as dt
import gc
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from coordctl import yamlsrc
from coordctl.findings import SETTINGS_FILE, Finding
from coordctl.source import DirectorySource, find_root

KINDS = ("department", "plan", "meeting", "drill", "action")
KINDS_SET = frozenset(KINDS)


@dataclass
class Entry:
    """One document as written: where it is, its raw data and (when valid) its model."""

    kind: str | None
    id: str | None
    path: str
    raw: Any
    line: int
    column: int
    model: Any = None

    def at(self, *loc: Any, key: bool = False) -> tuple[int, int]:
        """1-based line and column of the node at ``loc`` (e.g. ``"duties", 3, "phase"``)."""
        from coordctl.validation import position

        if not loc:
            return self.line, self.column
        return position(self.raw, loc, key=key)

    @property
    def ref(self) -> str:
        return f"{self.kind}/{self.id}"

    # Pickled (the cache), the raw document travels as bytes of its own and is rebuilt
    # only when something asks for it: positions of findings and diffs need a few, while
    # rebuilding all 14,000 of a province was half the time of a warm check.

    def __getstate__(self) -> dict[str, Any]:
        import pickle

        state = dict(self.__dict__)
        if "raw" in state:
            state["_raw_pickle"] = pickle.dumps(state.pop("raw"),
                                                protocol=pickle.HIGHEST_PROTOCOL)
        return state

    def __getattr__(self, name: str) -> Any:
        # Only called for attributes not set: ``raw`` of an entry read from the cache.
        pending = self.__dict__.get("_raw_pickle")
        if name != "raw" or pending is None:
            raise AttributeError(name)
        import pickle

        self.raw = pickle.loads(pending)
        del self.__dict__["_raw_pickle"]
        return self.raw


@dataclass
class Workspace:
    """Everything read from one source, with the problems found while reading it."""

    root: Path
    settings: Any
    settings_raw: Any
    entries: list[Entry]
    findings: list[Finding]
    today: dt.date
    label: str = "working tree"
    #: The git revision whose history applies (the working tree's is HEAD's).
    revision: str = "HEAD"
    #: Second and later documents with an id already taken: (entry, first entry).
    duplicates: list[tuple[Entry, Entry]] = field(default_factory=list)
    #: Things the user should know that are not findings (printed on stderr once).
    notes: list[str] = field(default_factory=list)
    #: A key for everything read (files, settings, coordctl's version) when a cache was
    #: used: results computed from the workspace may be cached under it.
    content_key: str | None = None
    cache: Any = None
    #: Processes that may share reading the history (``build -j``; forked, see
    #: ``coordctl.parallel``).
    workers: int = 1
    #: Path -> the text a YAML error left unread (the failing document and the rest).
    unread: dict[str, str] = field(default_factory=dict)
    _index: dict[str, dict[str, Entry]] = field(default_factory=dict)
    #: The bytes of every file read, and their git blob ids where the source knew them.
    _contents: dict[str, bytes] = field(default_factory=dict, repr=False)
    _known_ids: dict[str, str] | None = field(default=None, repr=False)
    _settings_bytes: bytes = field(default=b"", repr=False)

    def _index_entries(self) -> None:
        """Index every entry by kind and id, in order: the first of an id wins, the
        later ones are ``duplicates``."""
        index, duplicates = self._index, self.duplicates
        for entry in self.entries:
            if entry.kind in KINDS_SET and entry.id is not None:
                by_id = index.get(entry.kind)
                if by_id is None:
                    by_id = index[entry.kind] = {}
                first = by_id.setdefault(entry.id, entry)
                if first is not entry:
                    duplicates.append((entry, first))

    def close(self) -> None:
        """Release what the workspace holds open (the cache database, git processes).
        A one-shot command need not call it; a long-running process must."""
        if self.cache is not None:
            self.cache.close()
        repository = self.__dict__.get("repository")
        if repository is not None:
            repository.close()

    # --- git -------------------------------------------------------------------------

    @cached_property
    def repository(self) -> Any:
        """The git repository holding the workspace, or None outside git."""
        from coordctl.history import NotARepository, open_repository

        try:
            return open_repository(self.root)
        except NotARepository:
            return None

    @cached_property
    def revision_id(self) -> str:
        """The full commit id of ``revision`` (asked of git once: a site asks for every
        meeting). ``GitError`` when there is none."""
        return self.repository.resolve(self.revision)

    @cached_property
    def histories(self) -> dict[tuple[str, str], Any] | None:
        """(kind, id) -> ``DocumentHistory`` up to ``revision``; None without usable git
        history (a note says why)."""
        return self.history_since(None)

    @cached_property
    def output_histories(self) -> dict[tuple[str, str], Any] | None:
        """Like ``histories`` for the documents outputs show a history of (plans, and the
        meetings and drills of calendar feeds): files of other kinds are not parsed."""
        return self.history_since(None, kinds=("plan", "meeting", "drill"))

    def prefetch_history_since(self, since: dt.date | None) -> bool:
        """Start reading what ``history_since(since, ...)`` reads from git, in the
        background (see ``Repository.prefetch``); False when nothing was started."""
        if self.repository is None or ("histories" in self.__dict__ and since is not None):
            return False
        return self.repository.prefetch_histories(self.revision, since, cache=self.cache)

    def history_since(self, since: dt.date | None,
                      watch: dict[str, dt.date] | None = None,
                      kinds: tuple[str, ...] | None = None, limit: int | None = None
                      ) -> dict[tuple[str, str], Any] | None:
        """Like ``histories``, with only the commits made on or after ``since``; with
        ``watch`` (path -> date), only changes to documents of ``kinds`` in those files
        (followed through renames) made on or after their dates, to documents that
        existed before; with ``limit``, only the latest that many commits."""
        from coordctl.history import GitError

        cache = self.__dict__.setdefault("_history_since", {})
        changes_only = watch is not None
        key = (since, tuple(sorted(watch.items())) if watch else None, kinds, limit)
        if key in cache:
            return cache[key]
        if "histories" in self.__dict__ and (
                since is not None or (watch is None and (kinds or limit))):
            return self.__dict__["histories"]  # the whole history covers any part
        if self.repository is None:
            note = ("not a git repository: rules that need history (approval-stale) did "
                    "not run")
            result = None
        else:
            note = None
            try:
                result = self.repository.histories(
                    self.revision, since=since, changes_only=changes_only,
                    kinds=kinds, watch=watch, cache=self.cache, limit=limit,
                    workers=self.workers)
            except GitError as exc:
                note = f"{exc}; rules that need history (approval-stale) did not run"
                result = None
        if note and note not in self.notes:
            self.notes.append(note)
        cache[key] = result
        return result

    @cached_property
    def blob_ids(self) -> dict[str, str]:
        """Path -> the git blob id of each file read (``git hash-object``)."""
        if self._known_ids is not None:  # read from git: known
            return self._known_ids
        return {path: _blob_id(data) for path, data in self._contents.items()}

    @cached_property
    def _uncommitted(self) -> dict[str, str | None] | None:
        """Path -> blob id at ``revision`` (None: not there) of each file that differs
        from it; None when links make the comparison unsafe."""
        if self._known_ids is not None:  # read from the revision itself
            return {}
        head = self.repository.tree_ids(self.revision)
        if head is None or self.repository.settings_id(self.revision) != _blob_id(
                self._settings_bytes):
            return None  # links, or settings edited since: compare whole trees
        now = self.blob_ids
        return {p: head.get(p) for p in now.keys() | head.keys() if now.get(p) != head.get(p)}

    def as_of(self, sha: str, label: str | None = None) -> Workspace:
        """The workspace as commit ``sha`` holds it, with the same --today.

        Only the files under ``plans/`` that differ from this workspace are read (the
        others' documents are shared), so comparing against many past commits stays
        cheap. Where the settings differ (committed or not), or symbolic links are
        involved, the whole tree at ``sha`` is read instead. ``label`` names it
        (default: ``sha``).
        """
        repo = self.repository
        then = repo.changed_files(sha, self.revision)
        uncommitted = self._uncommitted
        if then is None or uncommitted is None:
            whole = load(self.root, today=self.today, source=repo.source(sha))
            whole.label = label or sha
            return whole
        now = self.blob_ids
        then.update((p, blob) for p, blob in uncommitted.items() if p not in then)
        differ = {path: blob for path, blob in then.items() if blob != now.get(path)}
        read = self.__dict__.get("_read_blobs", {})
        blobs = repo.cat_files(blob for path, blob in differ.items()
                               if blob and (path, blob) not in read)
        tz, size = self.tz, int(self.settings.check.max_file_size)
        # Many past commits hold the same old version of a file: each is read once.
        known = self.__dict__.setdefault("_read_blobs", {})
        replaced = {}
        for path, blob in differ.items():
            if blob:
                if (path, blob) not in known:
                    known[path, blob] = read_file(path, blobs[blob], tz, size)
                replaced[path] = known[path, blob]
        ws = Workspace(root=self.root, settings=self.settings,
                       settings_raw=self.settings_raw, entries=[], findings=[],
                       today=self.today, label=label or sha, revision=sha)
        ws.__dict__["repository"] = repo
        ws.findings.extend(f for f in self.findings if f.path not in differ)
        ws._known_ids = {p: b for p, b in now.items() if p not in differ}
        ws._known_ids.update((path, blob) for path, blob in differ.items() if blob)
        ws.unread = {p: t for p, t in self.unread.items() if p not in differ}
        mine = self.documents_in
        # (compared with many commits, this runs many times over 14,000 files: the
        # entries are gathered file by file and indexed in one pass)
        paths = self.__dict__.get("_sorted_paths")
        if paths is None:
            paths = self.__dict__["_sorted_paths"] = sorted(mine)
        if not replaced.keys() <= mine.keys():
            paths = sorted(mine.keys() | replaced.keys())
        entries = ws.entries
        for path in paths:
            result = replaced.get(path)
            if result is None:
                if path not in differ:
                    entries.extend(mine[path])
                continue
            ws.findings.extend(result.findings)
            if result.unread is not None:
                ws.unread[path] = result.unread
            entries.extend(result.entries)
        ws._index_entries()
        return ws

    # --- lookups ---------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        from coordctl.schedule import zone

        try:
            return zone(self.settings.timezone)
        except (ValueError, AttributeError):
            return zone("UTC")

    def exists(self, kind: str, ident: str) -> bool:
        """True when a document of ``kind`` with ``ident`` was written, valid or not."""
        return ident in self._index.get(kind, {})

    def entry(self, kind: str, ident: str) -> Entry | None:
        return self._index.get(kind, {}).get(ident)

    def ids(self, kind: str) -> list[str]:
        return list(self._index.get(kind, {}))

    def valid(self, kind: str) -> Iterator[Entry]:
        """Valid documents of ``kind`` (the first of duplicates), in file order."""
        for entry in self._index.get(kind, {}).values():
            if entry.model is not None:
                yield entry

    def broken(self, kind: str) -> Iterator[Entry]:
        """Documents of ``kind`` that failed validation, with their raw data only."""
        for entry in self._index.get(kind, {}).values():
            if entry.model is None:
                yield entry

    def _models(self, kind: str) -> dict[str, Any]:
        return {e.id: e.model for e in self.valid(kind)}

    @cached_property
    def departments(self) -> dict[str, Any]:
        return self._models("department")

    @cached_property
    def plans(self) -> dict[str, Any]:
        return self._models("plan")

    @cached_property
    def meetings(self) -> dict[str, Any]:
        return self._models("meeting")

    @cached_property
    def drills(self) -> dict[str, Any]:
        return self._models("drill")

    @cached_property
    def actions(self) -> dict[str, Any]:
        return self._models("action")

    # --- derived facts used by rules and outputs -----------------------------------------

    @cached_property
    def holdings(self) -> dict[str, list[tuple[Any, Any]]]:
        """Department id -> [(plan, duty)] for every duty it is accountable or responsible for."""
        out: dict[str, list[tuple[Any, Any]]] = {}
        for plan in self.plans.values():
            for duty in plan.duties:
                for dept in duty.holders:
                    out.setdefault(dept, []).append((plan, duty))
        return out

    @cached_property
    def unread_words(self) -> set[str]:
        """Words of the text YAML errors left unread: the documents there may define or
        name these ids, so rules do not report them as missing or idle (one YAML error
        is one finding)."""
        import re

        return {word for text in self.unread.values()
                for word in re.findall(r"[^\s\[\]{},:#'\"/|>&*!]+", text)}

    @cached_property
    def salvaged_holders(self) -> set[str]:
        """Departments named as holders in plans that failed validation.

        Coverage rules treat these as holding a duty, so a schema error in a plan does
        not also make its departments look idle.
        """
        out: set[str] = set()
        for entry in self.entries:  # also plans whose id is missing or not text
            if entry.kind != "plan" or entry.model is not None:
                continue
            duties = entry.raw.get("duties") if isinstance(entry.raw, dict) else None
            for duty in duties if isinstance(duties, list) else []:
                if not isinstance(duty, dict):
                    continue
                if isinstance(duty.get("accountable"), str):
                    out.add(duty["accountable"])
                responsible = duty.get("responsible")
                if isinstance(responsible, list):
                    out.update(r for r in responsible if isinstance(r, str))
        return out

    @cached_property
    def involvement(self) -> dict[str, list[tuple[Any, Any]]]:
        """Department id -> [(plan, duty)] for every duty it has any role in (accountable,
        responsible, consulted or informed), in plan and duty order."""
        return _grouped(((plan, duty) for plan in self.plans.values() for duty in plan.duties),
                        lambda pair: [pair[1].accountable, *pair[1].doers, *pair[1].consulted,
                                      *pair[1].informed])

    @cached_property
    def drills_by_participant(self) -> dict[str, list[Any]]:
        """Department id -> the valid drills it takes part in (``drill_participants``),
        in file order."""
        return _grouped(self.drills.values(), self.drill_participants)

    @cached_property
    def drills_by_plan(self) -> dict[str, list[Any]]:
        """Plan id -> the valid drills of that plan, in file order."""
        return _grouped(self.drills.values(), lambda drill: [drill.plan])

    @cached_property
    def meetings_by_department(self) -> dict[str, list[Any]]:
        """Department id -> the valid meetings it convenes or is a member of, in file
        order."""
        return _grouped(self.meetings.values(),
                        lambda meeting: [meeting.convenor, *meeting.members])

    @cached_property
    def actions_by_source(self) -> dict[tuple[str, str], list[Any]]:
        """(kind, id) of a source -> the valid actions that came from it, in file order."""
        return _grouped(self.actions.values(),
                        lambda action: [action.source_ref] if action.source_ref else [])

    @cached_property
    def actions_by_owner(self) -> dict[str, list[Any]]:
        """Department id -> the valid actions it owns, in file order."""
        return _grouped(self.actions.values(), lambda action: [action.owner])

    def positions(self, kind: str) -> dict[str, int]:
        """Id -> position among the valid documents of ``kind`` (file order), so that a
        few of a thousand can be put in that order without a scan; remembered."""
        memo = self.__dict__.setdefault("_positions", {})
        if kind not in memo:
            memo[kind] = {entry.id: index for index, entry in enumerate(self.valid(kind))}
        return memo[kind]

    @cached_property
    def documents_in(self) -> dict[str, list[Entry]]:
        """Path -> the documents of that file, in order."""
        return _grouped(self.entries, lambda entry: [entry.path])

    def plan_holders(self, plan: Any) -> list[str]:
        """Departments holding a duty in ``plan``, in the order they first appear."""
        memo = self.__dict__.setdefault("_plan_holders", {})
        found = memo.get(id(plan))
        if found is None or found[0] is not plan:
            seen: dict[str, None] = {}
            for duty in plan.duties:
                for dept in duty.holders:
                    seen.setdefault(dept, None)
            found = memo[id(plan)] = (plan, list(seen))
        return list(found[1])

    def drill_participants(self, drill: Any) -> list[str]:
        """The drill's participants, or every duty holder of its plan when none are listed."""
        if drill.participants is not None:
            return list(drill.participants)
        plan = self.plans.get(drill.plan)
        return self.plan_holders(plan) if plan is not None else []

    def occurrences(self, schedule: Any, start: dt.datetime, end: dt.datetime,
                    limit: int | None = None) -> list[Any]:
        """Occurrences of ``schedule`` starting in ``[start, end)`` (naive local bounds)."""
        from coordctl.schedule import MAX_OCCURRENCES, expand

        # Outputs ask for the same schedules and windows many times (every page that
        # lists a meeting): expand each once.
        memo = self.__dict__.setdefault("_occurrences", {})
        key = (id(schedule), start, end, limit)
        found = memo.get(key)
        if found is None or found[0] is not schedule:
            found = memo[key] = (schedule, tuple(expand(
                schedule.start, schedule.duration.as_timedelta(), schedule.repeat,
                schedule.except_, self.tz, start, end, limit or MAX_OCCURRENCES)))
        return list(found[1])


# --- loading ------------------------------------------------------------------------------

def _grouped(items: Iterable[Any], keys: Callable[[Any], Iterable[Any]]
             ) -> dict[Any, list[Any]]:
    """Key -> the items (in their order) whose ``keys`` include it, each item once per
    key: the indexes that spare outputs a scan of every document per department."""
    out: dict[Any, list[Any]] = {}
    for item in items:
        for key in dict.fromkeys(keys(item)):
            out.setdefault(key, []).append(item)
    return out


def _finding(path: str, where: tuple[int, int], rule: str, message: str) -> Finding:
    return Finding(path, where[0], where[1], "error", rule, message)


def _load_settings(raw_bytes: bytes) -> tuple[Any, Any, list[Finding]]:
    from pydantic import ValidationError

    from coordctl.model import Settings
    from coordctl.validation import messages

    findings: list[Finding] = []
    parsed = yamlsrc.load_bytes(raw_bytes)
    findings.extend(_finding(SETTINGS_FILE, (p.line, p.column), "yaml-syntax", p.message)
                    for p in parsed.problems)
    raw = parsed.documents[0].data if parsed.documents else None
    if len(parsed.documents) > 1:
        d = parsed.documents[1]
        findings.append(_finding(SETTINGS_FILE, (d.line, d.column), "schema",
                                 f"{SETTINGS_FILE} holds one document; remove the others"))
    fallback = Settings.model_construct(name="", timezone="UTC")
    if not isinstance(raw, dict):
        if not parsed.problems:
            findings.append(_finding(
                SETTINGS_FILE, (1, 1), "schema",
                f"{SETTINGS_FILE} must be a mapping with at least name and timezone"))
        return fallback, raw, findings
    try:
        return Settings.model_validate(raw), raw, findings
    except ValidationError as exc:
        findings.extend(_finding(SETTINGS_FILE, where, "schema", text)
                        for where, text in messages(exc, Settings, raw))
        return _salvaged_settings(raw, exc) or fallback, raw, findings


#: Stand-ins for required settings whose value is bad, so that the others still apply.
_REQUIRED_FALLBACK = {"name": "", "timezone": "UTC"}
_DROPPED = object()


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _drop(data: Any, loc: tuple[Any, ...]) -> None:
    """Mark the value at ``loc`` (or the deepest container on the way) as dropped."""
    node = data
    for depth, part in enumerate(loc):
        inside = (isinstance(node, dict) and part in node) or \
            (isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node))
        if not inside:
            loc = loc[:depth]
            break
        if depth < len(loc) - 1:
            node = node[part]
    if not loc:
        return
    node = data
    for part in loc[:-1]:
        node = node[part]
    node[loc[-1]] = _DROPPED


def _without_dropped(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_dropped(v) for k, v in value.items() if v is not _DROPPED}
    if isinstance(value, list):
        return [_without_dropped(v) for v in value if v is not _DROPPED]
    return value


def _salvaged_settings(raw: dict, error: Any) -> Any:
    """The settings without each value that failed validation (its default applies), so
    one bad setting does not switch off the others; None when nothing can be kept."""
    from pydantic import ValidationError

    from coordctl.model import Settings

    data = _plain(raw)
    for _ in range(5):
        for item in error.errors():
            loc = tuple(item["loc"])
            _drop(data, loc[:-1] if item["type"] == "missing" else loc)
        data = _without_dropped(data)
        for key, value in _REQUIRED_FALLBACK.items():
            data.setdefault(key, value)
        try:
            return Settings.model_validate(data)
        except ValidationError as exc:
            error = exc
    return None


def _settings_findings(settings: Any, raw: Any) -> Iterator[Finding]:
    from coordctl.rules import RULE_IDS
    from coordctl.validation import did_you_mean, position

    for index, rule in enumerate(getattr(getattr(settings, "check", None), "ignore", [])):
        if rule not in RULE_IDS:
            yield _finding(SETTINGS_FILE, position(raw, ("check", "ignore", index)), "schema",
                           f"check.ignore names unknown rule '{rule}'"
                           f"{did_you_mean(rule, RULE_IDS)}")


def _schedule_findings(entry: Entry, tz: ZoneInfo) -> Iterator[Finding]:
    """Schedule facts that need the time zone: the start is an occurrence of its rule,
    and every skipped date is a date the rule would meet."""
    from coordctl.schedule import build_rule, expand, first_occurrence

    sched = entry.model.schedule
    if not sched.repeat:
        for index, day in enumerate(sched.except_):
            if day != sched.start.date():
                yield _finding(entry.path, entry.at("schedule", "except", index), "schema",
                               f"schedule.except: {day} is not a date of this event, "
                               "which does not repeat")
        return
    rule = build_rule(sched.repeat, sched.start, tz)
    first = first_occurrence(rule)
    if first != sched.start:
        shown = f"{first:%Y-%m-%dT%H:%M}" if first else "not within ten years of it"
        yield _finding(entry.path, entry.at("schedule", "start"), "schema",
                       f"schedule.start {sched.start:%Y-%m-%dT%H:%M} is not an occurrence of "
                       f"its repeat rule {sched.repeat} (the first is {shown}); calendar "
                       "clients disagree on such events: start on an occurrence")
    for index, day in enumerate(sched.except_):
        moment = dt.datetime.combine(day, sched.start.time())
        # expand() is bounded; rule.after() would walk every occurrence up to the day
        day_start = dt.datetime.combine(day, dt.time())
        if moment < sched.start or not any(expand(
                sched.start, sched.duration.as_timedelta(), sched.repeat, (), tz, day_start,
                day_start + dt.timedelta(days=1), limit=1)):
            yield _finding(entry.path, entry.at("schedule", "except", index), "schema",
                           f"schedule.except: {day} is not a date the rule "
                           f"{sched.repeat} meets; nothing is skipped")


def _blob_id(data: bytes) -> str:
    """The git blob id of ``data`` (what ``git hash-object`` prints)."""
    import hashlib

    return hashlib.sha1(b"blob %d\0%s" % (len(data), data), usedforsecurity=False).hexdigest()


def _unread_text(data: bytes, parsed: yamlsrc.YamlFile) -> str:
    """The text of a file from the document where reading stopped to its end."""
    lines = data.decode("utf-8", "replace").splitlines()
    if not parsed.documents:
        return "\n".join(lines)
    after = parsed.documents[-1].line  # the next document starts at a later '---'
    begin = next((i for i in range(after, len(lines)) if lines[i].startswith("---")),
                 max(parsed.problems[-1].line - 1, after))
    return "\n".join(lines[begin:])


@dataclass
class FileResult:
    """What one file gives: its documents and its findings (cacheable by content)."""

    entries: list[Entry]
    findings: list[Finding]
    unread: str | None = None


def read_file(path: str, data_bytes: bytes, tz: ZoneInfo,
              max_size: int | None = None) -> FileResult:
    """Parse and validate one file. Depends only on its path, bytes, the time zone and
    the size limit (``check.max_file_size``): a larger file is not parsed at all."""
    from pydantic import ValidationError

    from coordctl.model import MODELS
    from coordctl.validation import did_you_mean, messages

    if max_size is not None and len(data_bytes) > max_size:
        # Not read, but what it may define still counts: no cascade of unknown-ref.
        return FileResult([], [_finding(
            path, (1, 1), "yaml-syntax",
            f"the file is {len(data_bytes):,} bytes, over the limit of "
            f"{max_size:,}: split it into smaller files, or raise "
            f"check.max_file_size in {SETTINGS_FILE}")],
            data_bytes[:max_size].decode("utf-8", "replace"))
    parsed = yamlsrc.load_bytes(data_bytes)
    result = FileResult([], [], _unread_text(data_bytes, parsed) if parsed.stopped else None)
    findings = result.findings
    findings.extend(_finding(path, (p.line, p.column), "yaml-syntax", p.message)
                    for p in parsed.problems)
    if not parsed.documents and not parsed.problems:
        findings.append(_finding(path, (1, 1), "schema",
                                 "the file holds no document: add one or delete it"))
    for doc in parsed.documents:
        data = doc.data
        where = (doc.line, doc.column)
        if data is None:
            findings.append(_finding(path, where, "schema",
                                     "empty document: remove the extra '---' or "
                                     "write a document"))
            continue
        if not isinstance(data, dict):
            findings.append(_finding(
                path, where, "schema",
                f"a document is a mapping with kind and id, not "
                f"{'a list' if isinstance(data, list) else 'a single value'}"))
            continue
        kind = data.get("kind")
        ident = data.get("id")
        ident = str(ident) if isinstance(ident, (str, int)) and \
            not isinstance(ident, bool) else None
        entry = Entry(kind if isinstance(kind, str) else None, ident, path, data,
                      doc.line, doc.column)
        result.entries.append(entry)
        if kind is None:
            findings.append(_finding(path, where, "schema",
                                     "the document has no 'kind': add kind: "
                                     + " | ".join(KINDS)))
            continue
        if not isinstance(kind, str) or kind not in MODELS:
            shown = f"'{kind}'" if isinstance(kind, (str, int, float)) else \
                ("a list" if isinstance(kind, list) else "a mapping")
            findings.append(_finding(
                path, entry.at("kind"), "schema",
                f"unknown kind {shown}{did_you_mean(kind, KINDS)}: "
                f"use one of {', '.join(KINDS)}"))
            continue
        model_cls = MODELS[kind]
        try:
            entry.model = model_cls.model_validate(data)
        except ValidationError as exc:
            findings.extend(_finding(path, w, "schema", text)
                            for w, text in messages(exc, model_cls, data))
        if entry.model is not None and kind in ("meeting", "drill"):
            findings.extend(_schedule_findings(entry, tz))
    return result


@dataclass
class Scan:
    """The bytes of a workspace's files, read but not yet parsed."""

    root: Path
    source: Any
    settings: bytes
    contents: dict[str, bytes]


def scan(root: Path, source: Any = None) -> Scan:
    """Read the settings and every file under ``plans/`` (from ``source`` or the folder)."""
    source = source or DirectorySource(root)
    settings = source.settings()
    return Scan(root, source, settings, {path: source.read(path) for path in source.files()})


def load(root: Path, today: dt.date | None = None, source: Any = None,
         cache: Any = None, scanned: Scan | None = None) -> Workspace:
    """Read the workspace at ``root`` (or from ``source``, or what ``scanned`` read) into
    a ``Workspace``.

    With a ``coordctl.cache.Cache``, files whose content was read before are not parsed
    or validated again.
    """
    scanned = scanned or scan(root, source)
    source = scanned.source
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        settings, settings_raw, findings = _load_settings(scanned.settings)
        findings.extend(_settings_findings(settings, settings_raw))
        ws = Workspace(root=root, settings=settings, settings_raw=settings_raw, entries=[],
                       findings=findings, today=today or dt.date.today(),
                       label=getattr(source, "label", "working tree"),
                       revision=getattr(source, "revision", "HEAD"))
        tz = ws.tz
        max_size = int(settings.check.max_file_size)
        contents = scanned.contents
        known = cache.files(contents, scanned.settings) if cache is not None else {}
        fresh: dict[str, FileResult] = {}
        for path in contents:
            result = known.get(path)
            if result is None:
                result = fresh[path] = read_file(path, contents[path], tz, max_size)
            if result.unread is not None:
                ws.unread[path] = result.unread
            findings.extend(result.findings)
            ws.entries.extend(result.entries)
        ws._index_entries()
        ws._contents = contents
        ws._settings_bytes = scanned.settings
        ws._known_ids = getattr(source, "blob_ids", None)
        if cache is not None:
            cache.remember(fresh, contents, scanned.settings)
            ws.content_key = cache.content_key(contents, scanned.settings)
            ws.cache = cache
    finally:
        if gc_was_enabled:
            gc.enable()
    return ws


def open_workspace(directory: Path | None = None, explicit: bool = False,
                   today: dt.date | None = None, rev: str | None = None,
                   cache: bool = False) -> Workspace:
    """Find the workspace from ``directory`` (or the current one) and load it, from the
    working tree or, with ``rev``, from that git revision (without a checkout); with
    ``cache``, through the content-keyed cache of ``coordctl.cache``."""
    root = find_root(directory or Path.cwd(), explicit=explicit)
    return load(root, today=today, source=revision_source(root, rev),
                cache=open_cache(root) if cache else None)


def revision_source(root: Path, rev: str | None) -> Any:
    """The source of the workspace at ``rev`` (None: the working tree)."""
    if rev is None:
        return None
    from coordctl.history import open_repository

    return open_repository(root).source(rev)


def open_cache(root: Path) -> Any:
    from coordctl.cache import Cache

    return Cache(root)
