"""Shared fixtures: real workspaces written to temporary folders."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from coordctl.check import check
from coordctl.findings import Finding
from coordctl.workspace import Workspace, load

REPO = Path(__file__).resolve().parent.parent
TODAY = dt.date(2026, 11, 28)

SETTINGS = """\
name: {zh-CN: 测试市, en: Test City}
timezone: Asia/Shanghai
locale: zh-CN
calendar:
  domain: coord.test.example
  reminders: [P1D]
  blackout: [2027-10-01/2027-10-07]
policy: {drill_every: P3Y, review_every: P3Y}
"""

#: A small workspace that passes every rule at TODAY. Rule tests change one file.
BASE = {
    "plans/departments.yaml": """\
        kind: department
        id: police
        name: {zh-CN: 市公安局, en: Public Security Bureau}
        email: duty@police.example
        contacts:
          - {role: 值班室, name: 王某, phone: "0771-5550001", always: true}
        ---
        kind: department
        id: health
        name: {zh-CN: 市卫健委, en: Health Commission}
        contacts:
          - {role: 值班室, phone: "0771-5550002", always: true}
        ---
        kind: department
        id: city-gov
        name: 市政府
        exempt: 统筹协调
        """,
    "plans/plan.yaml": """\
        kind: plan
        id: major-incident
        title: {zh-CN: 重大案件处置预案, en: Major incident plan}
        owner: police
        status: approved
        reviewed: 2026-03-01
        departments: [police, health]
        levels:
          - {id: I, name: 特别重大}
          - {id: II, name: 重大}
        phases:
          - {id: initial, name: 先期处置, within: 5m}
          - {id: specialist, name: 专业处置, within: 30m}
        duties:
          - id: cordon
            task: {zh-CN: 封控现场, en: Seal off the scene}
            phase: initial
            accountable: police
          - id: triage
            task: 医疗救护
            phase: specialist
            levels: [I]
            accountable: health
            responsible: [health, police]
            informed: [city-gov]
        """,
    "plans/drill.yaml": """\
        kind: drill
        id: tabletop-2027
        title: 桌面推演
        plan: major-incident
        type: tabletop
        schedule: {start: 2027-03-10T09:00, duration: 3h}
        status: planned
        """,
    "plans/meeting.yaml": """\
        kind: meeting
        id: analysis
        title: 联席会议
        type: joint
        convenor: police
        members: [health]
        schedule:
          start: 2027-01-05T09:30
          duration: 2h
          repeat: FREQ=MONTHLY;BYDAY=1TU
          except: [2027-10-05]
        agenda:
          - {title: 形势通报, presenter: police, minutes: 20}
        """,
    "plans/action.yaml": """\
        kind: action
        id: a-001
        title: 更新通讯设备
        owner: police
        source: drill/tabletop-2027
        due: 2027-06-30
        status: open
        """,
}


def default_signals() -> None:
    """``preexec_fn`` for a coordctl child process that a test interrupts: SIGINT and
    SIGTERM get their default handling even when the tests run where they are ignored (a
    background job): Python only turns SIGINT into KeyboardInterrupt when it is not
    ignored at start."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def write_workspace(root: Path, files: dict[str, str | None], settings: str = SETTINGS
                    ) -> Path:
    """Write ``coordctl.yaml`` and ``files`` (dedented; None deletes) under ``root``."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "coordctl.yaml").write_text(settings, encoding="utf-8")
    for rel, text in files.items():
        path = root / rel
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


@pytest.fixture
def make_workspace(tmp_path: Path) -> Callable[..., Path]:
    """``make_workspace({path: text}, base=True, settings=SETTINGS)`` -> the root folder.

    With ``base`` the files of BASE are written first; ``files`` add to or replace them
    (a value of None removes a BASE file).
    """
    counter = iter(range(1_000_000))

    def make(files: dict[str, str | None] | None = None, base: bool = True,
             settings: str = SETTINGS) -> Path:
        merged: dict[str, str | None] = dict(BASE) if base else {}
        merged.update(files or {})
        return write_workspace(tmp_path / f"ws{next(counter)}", merged, settings)

    return make


@pytest.fixture
def findings(make_workspace: Callable[..., Path]) -> Callable[..., list[Finding]]:
    """``findings({path: text}, rule=None, today=TODAY)`` -> the check findings (of one rule)."""

    def run(files: dict[str, str | None] | None = None, rule: str | None = None,
            today: dt.date = TODAY, base: bool = True, settings: str = SETTINGS
            ) -> list[Finding]:
        ws = load(make_workspace(files, base=base, settings=settings), today=today)
        result = check(ws, select=[rule] if rule else ())
        return result.findings

    return run


def load_workspace(root: Path, today: dt.date = TODAY) -> Workspace:
    return load(root, today=today)
