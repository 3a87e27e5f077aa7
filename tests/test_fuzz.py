"""Fuzzing: hostile and broken workspaces never make coordctl crash (issue 7).

Hypothesis draws valid workspaces and mutated ones (``fuzz_strategies``) and runs the real
commands on them through click: ``check`` (json, text, github, and again from its cache),
``render``, ``calendar``, ``matrix``, a duty card, an agenda, an activation checklist or
an invitation, and, in a git repository, ``diff``, ``check --rev``, ``log`` and the
outputs that read history. Whatever the input:

- no exception escapes but ``CoordctlError`` (which is a one-line message and exit 2);
  there is never a traceback or an "internal error";
- exit codes are those of DESIGN §3: ``check`` 0 or 1, the others 0 or 2;
- every finding has a workspace-relative path of a file that exists, a line inside that
  file, a column, a severity and a DESIGN rule id; findings are sorted; text output is
  one line per finding;
- JSON output parses (strict JSON: no NaN), calendars parse as iCalendar, HTML carries
  no script or ``javascript:`` link from the documents;
- an unchanged workspace has an empty diff, and a cached check equals a fresh one.

In CI a bounded, derandomized budget runs (about half a minute). For a long run:

    COORDCTL_FUZZ_MINUTES=60 python -m pytest tests/test_fuzz.py

runs random examples (new ones each round, failures saved in ``.hypothesis/``) for that
many minutes, in rounds that alternate between the two targets, and stops at the first
failure with the smallest example Hypothesis finds.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from fuzz_strategies import FuzzCase, workspaces
from gitrepo import GitRepo, isolate_git
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordctl.cli import cli
from coordctl.errors import CoordctlError
from coordctl.rules import RULE_IDS

TODAY = "2026-11-28"
#: COORDCTL_FUZZ_MINUTES=60: run the long fuzzing session instead of the CI budget.
MINUTES = float(os.environ.get("COORDCTL_FUZZ_MINUTES", "0") or 0)

_QUIET = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
          HealthCheck.large_base_example, HealthCheck.function_scoped_fixture]
#: The CI budget: the same examples on every run, no database.
CI = settings(max_examples=45, deadline=None, derandomize=True, database=None,
              suppress_health_check=_QUIET, print_blob=True)
CI_GIT = settings(CI, max_examples=12)
#: One round of the long run: fresh random examples; failures go to .hypothesis/.
ROUND = settings(deadline=None, max_examples=100, suppress_health_check=_QUIET,
                 print_blob=True)

FINDING_LINE = re.compile(r"^(?P<path>[^\n]+?):(?P<line>\d+):(?P<column>\d+): "
                          r"(?P<severity>error|warning) (?P<rule>[a-z-]+): ")
FINDING_KEYS = {"path", "line", "column", "severity", "rule", "message"}


# --- running commands ---------------------------------------------------------------------

def invoke(root: Path, *args: str) -> Result:
    """Run ``coordctl -C ROOT --today TODAY ARGS`` in this process; a crash fails the test."""
    argv = ["-C", str(root), "--today", TODAY, *args]
    result = CliRunner().invoke(cli, argv)
    gc.unfreeze()  # the commands freeze what they loaded; let this process collect it
    shown = f"coordctl {' '.join(args)}"
    if "internal error" in result.stderr:
        debug = CliRunner().invoke(cli, ["--debug", *argv])
        gc.unfreeze()
        if debug.exception is not None and not isinstance(debug.exception, SystemExit):
            raise AssertionError(f"{shown} crashed: {result.stderr}") from debug.exception
        raise AssertionError(f"{shown} crashed: {result.stderr}")
    error = result.exception
    assert error is None or isinstance(error, (SystemExit, CoordctlError)), \
        f"{shown} raised {error!r}"
    assert "Traceback" not in result.stdout and "Traceback" not in result.stderr, shown
    assert result.exit_code in (0, 1, 2), (shown, result.exit_code, result.stderr)
    if result.exit_code == 2:
        assert "coordctl: error: " in result.stderr, (shown, result.stderr)
    return result


def strict_json(text: str, shown: str) -> Any:
    def refuse(constant: str) -> None:
        raise AssertionError(f"{shown} wrote {constant}, which is not JSON")

    return json.loads(text, parse_constant=refuse)


def line_count(data: bytes) -> int:
    return len(data.decode("utf-8", "replace").splitlines()) + 1


def assert_findings(findings: Any, files: dict[str, bytes], shown: str) -> None:
    """Every finding is at a real place: a file of the workspace, a line inside it."""
    assert isinstance(findings, list), shown
    for finding in findings:
        assert set(finding) == FINDING_KEYS, (shown, finding)
        path, line, column = finding["path"], finding["line"], finding["column"]
        assert isinstance(path, str) and path, (shown, finding)
        assert path in files, (shown, finding, sorted(files))
        for number in (line, column):
            assert isinstance(number, int) and not isinstance(number, bool), (shown, finding)
            assert number >= 1, (shown, finding)
        assert line <= line_count(files[path]), (shown, finding, files[path][:2000])
        assert finding["severity"] in ("error", "warning"), (shown, finding)
        assert finding["rule"] in RULE_IDS, (shown, finding)
        assert isinstance(finding["message"], str) and finding["message"], (shown, finding)


def check_outputs(root: Path, files: dict[str, bytes], *extra: str) -> list[dict]:
    """``check`` in every format, twice (the second from the cache): the findings."""
    shown = f"check --format json {' '.join(extra)}"
    result = invoke(root, *extra, "check", "--format", "json")
    assert result.exit_code in (0, 1), (shown, result.exit_code, result.stderr)
    findings = strict_json(result.stdout, shown)
    assert set(findings) == {"findings"}, shown
    findings = findings["findings"]
    assert_findings(findings, files, shown)
    order = [(f["path"], f["line"], f["column"]) for f in findings]
    assert order == sorted(order), shown
    assert result.exit_code == (1 if any(f["severity"] == "error" for f in findings) else 0)

    again = invoke(root, *extra, "check", "--format", "json")
    assert again.stdout == result.stdout, "a cached check differs from a fresh one"
    assert again.exit_code == result.exit_code

    text = invoke(root, *extra, "check")
    assert text.exit_code == result.exit_code
    assert "\r" not in text.stdout, text.stdout
    lines = text.stdout.split("\n")[:-1]  # what grep and editors' problem matchers see
    assert len(lines) == len(findings), ("one line per finding", text.stdout)
    for line, finding in zip(lines, findings, strict=True):
        match = FINDING_LINE.match(line)
        assert match, ("not PATH:LINE:COL: SEVERITY RULE: message", line)
        assert (match["path"], int(match["line"]), int(match["column"])) == \
            (finding["path"], finding["line"], finding["column"]), line

    github = invoke(root, *extra, "check", "--format", "github")
    assert github.exit_code == result.exit_code
    annotations = github.stdout.split("\n")[:-1]
    assert len(annotations) == len(findings), github.stdout
    assert all(line.startswith(("::error file=", "::warning file=")) for line in annotations)
    return findings


def check_render(root: Path, ref: str, fmt: str, private: list[str],
                 options: tuple[str, ...] = ()) -> None:
    shown = f"{' '.join(options)} render {ref} --format {fmt}"
    result = invoke(root, *options, "render", ref, "--format", fmt)
    assert result.exit_code in (0, 2), (shown, result.exit_code)
    if result.exit_code == 0 and fmt == "html":
        assert '<script>alert("x")' not in result.stdout, shown
        assert "<script>alert(&#34;x&#34;)" not in result.stdout, shown
        assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", result.stdout, re.I), shown
    for secret in private:
        assert secret not in result.stdout, (shown, secret)


def check_calendar(root: Path, args: list[str], private: list[str],
                   options: tuple[str, ...] = ()) -> None:
    from icalendar import Calendar

    result = invoke(root, *options, "calendar", *args)
    assert result.exit_code in (0, 2), ("calendar", result.exit_code)
    if result.exit_code == 0:
        Calendar.from_ical(result.stdout)
        for secret in private:
            assert secret not in result.stdout, ("calendar", secret)


def check_diff_json(root: Path, files_old: dict[str, bytes], files_new: dict[str, bytes],
                    *revisions: str) -> dict:
    shown = f"diff {' '.join(revisions)} --format json"
    result = invoke(root, "diff", *revisions, "--format", "json")
    assert result.exit_code == 0, (shown, result.exit_code, result.stderr)
    data = strict_json(result.stdout, shown)
    assert set(data) == {"from", "to", "changes", "findings", "highlights"}, shown
    for change in data["changes"]:
        assert set(change) == {"kind", "id", "change", "path", "fields"}, (shown, change)
        assert change["change"] in ("added", "removed", "modified"), (shown, change)
        assert change["path"] in files_old or change["path"] in files_new, (shown, change)
        for item in change["fields"]:
            assert set(item) == {"field", "old", "new"}, (shown, item)
    assert set(data["findings"]) == {"introduced", "resolved"}, shown
    assert_findings(data["findings"]["introduced"], files_new, shown)
    assert_findings(data["findings"]["resolved"], files_old, shown)
    return data


# --- workspaces on disk -----------------------------------------------------------------

def write_files(root: Path, files: dict[str, bytes]) -> None:
    """Make the workspace folder hold exactly ``files`` (besides .git and caches)."""
    for old in ("coordctl.yaml", "plans"):
        target = root / old
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for rel, data in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


#: Contact data that public outputs must never carry (fuzz_strategies writes these).
PRIVATE = ["0771-5550001", "someone@test.example"]


def _ids(case: FuzzCase, kind: str) -> list[str]:
    return [ref.partition("/")[2] for ref in case.refs if ref.startswith(kind + "/")]


def exercise(root: Path, case: FuzzCase, data: st.DataObject) -> None:
    """Every command that reads the workspace, on ``case.hostile`` written at ``root``."""
    files = case.hostile
    untouched = case.hostile == case.valid
    private = PRIVATE if untouched else []  # a mutation may move a phone into a title
    check_outputs(root, files)
    options = data.draw(st.sampled_from(((), ("--locale", "en"), ("--locale", "zh-CN"))),
                        label="locale")
    internal = data.draw(st.booleans(), label="internal")
    refs = [*case.refs, "plan/no-such-plan"]
    for ref in data.draw(st.lists(st.sampled_from(refs), min_size=1, max_size=3,
                                  unique=True), label="render"):
        check_render(root, ref, data.draw(st.sampled_from(("markdown", "html")),
                                          label="format"),
                     [] if internal else private,
                     (*options, "--audience", "internal") if internal else options)
    check_calendar(root, data.draw(st.sampled_from(
        ([], ["--kind", "meeting"], ["--department", "police"])), label="calendar"), private,
        options)
    result = invoke(root, *options, "matrix", "--format",
                    data.draw(st.sampled_from(("table", "markdown", "csv", "html")),
                              label="matrix"),
                    *data.draw(st.sampled_from(([], ["--by", "department"])), label="by"))
    assert result.exit_code in (0, 2), ("matrix", result.exit_code)

    choices: list[list[str]] = [["duties", d, "--format", f] for d in _ids(case, "department")
                                for f in ("table", "json")]
    choices += [["agenda", m, "--format", "html"] for m in _ids(case, "meeting")]
    choices += [["activate", p, "--level", lv, "--at", "2027-05-20T14:05"]
                for p in _ids(case, "plan") for lv in ("I", "II")]
    choices += [["invite", r] for r in case.refs if r.startswith(("meeting/", "drill/"))]
    if choices:
        args = data.draw(st.sampled_from(choices), label="command")
        result = invoke(root, *options, *args)
        assert result.exit_code in (0, 2), (args, result.exit_code)
        if args[0] == "duties" and "json" in args and result.exit_code == 0:
            strict_json(result.stdout, "duties --format json")


# --- the targets ------------------------------------------------------------------------

_examples = itertools.count(1)


def fresh_folder(path: Path) -> Path:
    """``path``, emptied. Every example uses the same folder, so that what coordctl keeps
    per workspace root (compiled templates) is made once, as in a real process."""
    # What the commands left in reference cycles (caches' database connections) must go
    # before the process runs out of file descriptors; a full collection costs ~0.1 s.
    if next(_examples) % 8 == 0:
        gc.collect()
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def commands_target(workdir: Path) -> Callable[..., None]:
    """The commands on a hostile workspace outside git."""

    def target(case: FuzzCase, data: st.DataObject) -> None:
        root = fresh_folder(workdir / "workspace")
        write_files(root, case.hostile)
        exercise(root, case, data)

    return target


def git_target(workdir: Path, home: Path) -> Callable[..., None]:
    """In git: the valid workspace committed, the hostile one in the working tree, then
    committed too; diffs both ways, checks and outputs that read history."""

    def target(case: FuzzCase, data: st.DataObject) -> None:
        top = fresh_folder(workdir / "repository")
        repo = GitRepo(top, home)
        write_files(top, case.valid)
        repo.commit("valid")
        write_files(top, case.hostile)

        text = invoke(top, "diff")
        assert text.exit_code == 0, ("diff", text.exit_code, text.stderr)
        check_diff_json(top, case.valid, case.hostile)
        markdown = invoke(top, "diff", "HEAD", "--format", "markdown")
        assert markdown.exit_code == 0, ("diff --format markdown", markdown.stderr)

        repo.commit("hostile")
        findings = check_outputs(top, case.hostile)
        at_head = invoke(top, "--rev", "HEAD", "check", "--format", "json")
        assert strict_json(at_head.stdout, "--rev HEAD check")["findings"] == findings, \
            "--rev HEAD reports other findings than its working tree"
        check_outputs(top, case.valid, "--rev", "HEAD~1")
        check_diff_json(top, case.valid, case.hostile, "HEAD~1", "HEAD")
        check_diff_json(top, case.hostile, case.valid, "HEAD", "HEAD~1")
        same = check_diff_json(top, case.hostile, case.hostile)
        assert same["changes"] == [] and same["findings"] == \
            {"introduced": [], "resolved": []}, ("an unchanged workspace", same)

        ref = data.draw(st.sampled_from([*case.refs, "plan/no-such-plan"]), label="ref")
        check_render(top, ref, "html", [])
        check_calendar(top, [], [])
        log = invoke(top, "log", ref, "--format", "json")
        assert log.exit_code in (0, 2), ("log", log.exit_code)
        if log.exit_code == 0:
            strict_json(log.stdout, "log --format json")

    return target


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


@pytest.fixture
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "home"
    isolate_git(monkeypatch, home)
    return home


def _given(target: Callable[..., None], profile: settings) -> Callable[[], None]:
    return profile(given(case=workspaces(), data=st.data())(target))


@pytest.mark.skipif(MINUTES > 0, reason="the long run replaces the CI budget")
def test_commands_survive_hostile_workspaces(workdir: Path) -> None:
    _given(commands_target(workdir), CI)()


@pytest.mark.skipif(MINUTES > 0, reason="the long run replaces the CI budget")
def test_git_commands_survive_hostile_workspaces(workdir: Path, git_home: Path) -> None:
    _given(git_target(workdir, git_home), CI_GIT)()


@pytest.mark.skipif(not MINUTES, reason="set COORDCTL_FUZZ_MINUTES for the long run")
def test_fuzz_for_minutes(workdir: Path, git_home: Path) -> None:
    """Rounds of fresh random examples until COORDCTL_FUZZ_MINUTES have passed."""
    targets = [_given(commands_target(workdir), ROUND),
               _given(commands_target(workdir), ROUND),
               _given(git_target(workdir, git_home), settings(ROUND, max_examples=30))]
    began = time.monotonic()
    rounds = 0
    while time.monotonic() < began + MINUTES * 60:
        targets[rounds % len(targets)]()
        rounds += 1
        print(f"fuzz round {rounds} passed after {(time.monotonic() - began) / 60:.1f} "
              "minutes", flush=True)
    print(f"fuzzed for {MINUTES:g} minutes: {rounds} rounds, no failure")
