"""Run the rules on a workspace and format the findings (text, json, github)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from coordctl.errors import CoordctlError
from coordctl.findings import Finding
from coordctl.rules import RULE_IDS, run
from coordctl.workspace import Workspace


class UnknownRule(CoordctlError):
    """``--select`` or ``--ignore`` names a rule that does not exist."""


def _split(values: Iterable[str]) -> list[str]:
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def selected_rules(select: Iterable[str] = (), ignore: Iterable[str] = (),
                   settings_ignore: Iterable[str] = ()) -> list[str]:
    """The rule IDs to run: ``select`` (default all) minus ``ignore`` and the settings'."""
    from coordctl.validation import did_you_mean

    chosen, dropped = _split(select), _split(ignore)
    for rule_id in (*chosen, *dropped):
        if rule_id not in RULE_IDS:
            raise UnknownRule(f"unknown rule '{rule_id}'{did_you_mean(rule_id, RULE_IDS)}; "
                              f"the rules are: {', '.join(RULE_IDS)}")
    skip = set(dropped) | (set(settings_ignore) if not chosen else set())
    return [r for r in (chosen or RULE_IDS) if r not in skip]


@dataclass
class CheckResult:
    findings: list[Finding]

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    def exit_code(self, strict: bool = False) -> int:
        """1 when there are errors (or, with ``strict``, warnings), else 0."""
        return 1 if self.errors or (strict and self.warnings) else 0


def check(ws: Workspace, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> CheckResult:
    """Run the selected rules; ``check.ignore`` in the settings applies unless ``select``."""
    settings_ignore = getattr(getattr(ws.settings, "check", None), "ignore", [])
    rules = selected_rules(select, ignore, [r for r in settings_ignore if r in RULE_IDS])
    # Outputs (agendas, the site) ask for the same findings again and again: run once.
    memo = ws.__dict__.setdefault("_check_results", {})
    key = tuple(rules)
    if key not in memo:
        memo[key] = run(ws, rules)
    return CheckResult(list(memo[key]))


def _head(root: Path) -> str:
    """What the history rules depend on: the commit of HEAD (and whether it is shallow)."""
    from coordctl.history import open_repository

    try:
        repo = open_repository(root)
        return repo.resolve("HEAD") + (" shallow" if repo.shallow else "")
    except CoordctlError as exc:
        return f"no history: {exc}"


def check_workspace(root: Path, today: dt.date, select: Sequence[str] = (),
                    ignore: Sequence[str] = (), source: Any = None, cache: Any = None,
                    rev: str | None = None) -> tuple[CheckResult, list[str]]:
    """Check the workspace at ``root`` (from ``source``): the result and the notes.

    With a cache, an unchanged workspace (same files, settings, --today, rule selection
    and commit) gets its findings from the cache without parsing anything.
    """
    import hashlib

    from coordctl.workspace import load, scan

    scanned = scan(root, source)
    key = None
    if cache is not None:
        text = "\0".join([cache.content_key(scanned.contents, scanned.settings),
                          today.isoformat(), ",".join(select), ",".join(ignore),
                          rev or "", _head(root)])
        key = "check:" + hashlib.blake2b(text.encode(), digest_size=20).hexdigest()
        hit = cache.result(key)
        if hit is not None:
            findings, notes = hit
            return CheckResult(findings), notes
    ws = load(root, today=today, cache=cache, scanned=scanned)
    import gc

    gc.freeze()  # the documents live until the end: the collector need not walk them
    result = check(ws, select, ignore)
    if key is not None:
        cache.store(key, (result.findings, list(ws.notes)))
    return result, list(ws.notes)


def format_text(findings: Sequence[Finding]) -> str:
    """One line per finding, even when a file name or a quoted value holds a line break
    (written as \\n or \\r)."""
    return "".join(str(f).replace("\r", "\\r").replace("\n", "\\n") + "\n" for f in findings)


def format_json(findings: Sequence[Finding]) -> str:
    return json.dumps({"findings": [f.as_dict() for f in findings]}, ensure_ascii=False,
                      indent=2) + "\n"


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(findings: Sequence[Finding]) -> str:
    """GitHub Actions workflow commands: one ``::error``/``::warning`` annotation each."""
    return "".join(
        f"::{f.severity} file={_escape_property(f.path)},line={f.line},col={f.column},"
        f"title={_escape_property(f.rule)}::{_escape_data(f.message)}\n"
        for f in findings)


FORMATTERS = {"text": format_text, "json": format_json, "github": format_github}


def summary(result: CheckResult) -> str:
    """One line for stderr: how many errors and warnings."""
    if not result.findings:
        return "no problems found"

    def count(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    return f"{count(result.errors, 'error')}, {count(result.warnings, 'warning')}"
