"""A plan's activation checklist: ``coordctl activate`` and coordctl.activation.

Golden files under tests/golden/activate/ (``COORDCTL_UPDATE_GOLDEN=1`` rewrites them).
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import BASE, REPO, TODAY, load_workspace
from golden import assert_golden

from coordctl.activation import UnknownLevel, build_checklist, render_checklist
from coordctl.cli import cli
from coordctl.errors import UnknownDocument
from coordctl.render import Links

FORMATS = ("table", "markdown", "html")
SUFFIX = {"table": "txt", "markdown": "md", "html": "html"}
AT = dt.datetime(2027, 5, 20, 14, 5)

#: Personal data of BASE's contacts.
CONTACT_NAME = "王某"
PHONES = ("0771-5550001", "0771-5550002")

#: BASE's plan with a phase without a time target and a duty consulting city-gov.
PLAN = textwrap.dedent(BASE["plans/plan.yaml"]).replace(
    "  - {id: specialist, name: 专业处置, within: 30m}",
    "  - {id: specialist, name: {zh-CN: 专业处置, en: Specialist handling}, within: 1h30m}\n"
    "  - {id: recovery, name: 善后处置}",
).replace("levels:\n  - {id: I, name: 特别重大}",
          "levels:\n  - {id: I, name: {zh-CN: 特别重大, en: Extraordinary}, "
          "criteria: '死亡*10人*以上'}",
          ) + (
    "  - id: aftercare\n"
    "    task: {zh-CN: 善后安置, en: Aftercare}\n"
    "    phase: recovery\n"
    "    levels: [II]\n"
    "    accountable: health\n"
    "    consulted: [city-gov]\n")


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), "--today", TODAY.isoformat(), *args])


def checklist_of(root: Path, level: str = "I", at: dt.datetime | None = AT,
                 locale: str = "zh-CN", contacts: bool = True):
    return build_checklist(load_workspace(root), "major-incident", level, at, locale,
                           contacts=contacts)


# --- golden files ------------------------------------------------------------------------

@pytest.mark.parametrize("locale", ["zh-CN", "en"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_base_workspace(make_workspace: Callable[..., Path], locale: str, fmt: str
                               ) -> None:
    result = run(make_workspace(), "--locale", locale, "activate", "major-incident",
                 "--level", "I", "--at", "2027-05-20T14:05", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert_golden(f"activate/major-incident.I.{locale}.{SUFFIX[fmt]}", result.stdout_bytes)


@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_level_two_without_start_public(make_workspace: Callable[..., Path], fmt: str
                                               ) -> None:
    result = run(make_workspace({"plans/plan.yaml": PLAN}), "--audience", "public",
                 "activate", "major-incident", "--level", "II", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert_golden(f"activate/major-incident.II.public.{SUFFIX[fmt]}", result.stdout_bytes)


def test_golden_site_page_links_to_documents(make_workspace: Callable[..., Path]) -> None:
    checklist = checklist_of(make_workspace({"plans/plan.yaml": PLAN}), locale="en")
    page = render_checklist(checklist, "html", Links(depth=1))
    assert_golden("activate/major-incident.site.en.html", page)
    assert '<a href="../plans/major-incident.html">' in page
    assert '<a href="../departments/police.html">Public Security Bureau</a>' in page


# --- phases and deadlines ------------------------------------------------------------------

def test_phases_in_order_with_deadlines_from_at(make_workspace: Callable[..., Path]) -> None:
    checklist = checklist_of(make_workspace({"plans/plan.yaml": PLAN}))
    assert [(p.id, p.deadline) for p in checklist.phases] == [
        ("initial", dt.datetime(2027, 5, 20, 14, 10)),
        ("specialist", dt.datetime(2027, 5, 20, 15, 35)),
        ("recovery", None)]  # no time target: no deadline
    out = run(make_workspace({"plans/plan.yaml": PLAN}), "activate", "major-incident",
              "--level", "I", "--at", "2027-05-20T14:05", "--format", "markdown").stdout
    assert "## 1. 先期处置：14:10前完成（5分钟内）" in out
    assert "## 2. 专业处置：15:35前完成（1小时30分钟内）" in out
    assert "## 3. 善后处置：无时限要求" in out
    assert out.index("先期处置") < out.index("专业处置") < out.index("善后处置")


def test_deadline_past_midnight_shows_its_date(make_workspace: Callable[..., Path]) -> None:
    late = dt.datetime(2027, 5, 20, 23, 50)
    checklist = checklist_of(make_workspace({"plans/plan.yaml": PLAN}), at=late,
                             locale="en")
    assert checklist.phases[1].deadline == dt.datetime(2027, 5, 21, 1, 20)
    out = render_checklist(checklist, "markdown")
    assert "## 1. Initial handling" not in out  # names are data: BASE's are Chinese
    assert "## 1. 先期处置: by 23:55 (within 5 min)" in out
    assert "## 2. Specialist handling: by 2027-05-21 01:20 (within 1 h 30 min)" in out


def test_without_at_the_targets_are_in_words(make_workspace: Callable[..., Path]) -> None:
    checklist = checklist_of(make_workspace(), at=None, locale="en")
    assert [p.deadline for p in checklist.phases] == [None, None]
    out = render_checklist(checklist, "table")
    assert "Response started: not given: time targets count from activation" in out
    assert "1. 先期处置: within 5 min of activation" in out


def test_bad_at_is_a_usage_error(make_workspace: Callable[..., Path]) -> None:
    result = run(make_workspace(), "activate", "major-incident", "--level", "I",
                 "--at", "20 May")
    assert result.exit_code == 2
    assert "not a local date-time" in result.stderr


# --- levels -------------------------------------------------------------------------------

def test_duties_filtered_by_level(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({"plans/plan.yaml": PLAN})

    def duties(level: str) -> list[list[str]]:
        return [[d.id for d in p.duties] for p in checklist_of(root, level).phases]

    # triage has levels [I], aftercare [II], cordon every level
    assert duties("I") == [["cordon"], ["triage"], []]
    assert duties("II") == [["cordon"], [], ["aftercare"]]
    level_two = run(root, "activate", "major-incident", "--level", "II", "--format",
                    "markdown").stdout
    assert "医疗救护" not in level_two
    assert "## 2. 专业处置：启动后1小时30分钟内完成\n\n本级别无适用职责。\n" in level_two
    assert "- [ ] 善后安置（牵头单位：市卫健委；咨询单位：市政府）" in level_two


def test_level_facts(make_workspace: Callable[..., Path]) -> None:
    checklist = checklist_of(make_workspace({"plans/plan.yaml": PLAN}), locale="en")
    assert (checklist.level, checklist.level_name) == ("I", "Extraordinary")
    out = render_checklist(checklist, "markdown")
    assert "- Response level: I (Extraordinary)" in out
    assert r"- Criteria: 死亡\*10人\*以上" in out  # one line of literal text
    # criteria are Markdown: the HTML page renders them
    assert "<p>死亡<em>10人</em>以上</p>" in render_checklist(checklist, "html")


def test_unknown_level_exits_2_naming_the_levels(make_workspace: Callable[..., Path]) -> None:
    result = run(make_workspace(), "activate", "major-incident", "--level", "ii")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == ("coordctl: error: plan 'major-incident' has no level 'ii' "
                             "(did you mean 'II'?); its levels are: I, II\n")
    with pytest.raises(UnknownLevel, match="its levels are: I, II"):
        checklist_of(make_workspace(), "IV")


def test_plan_without_levels(make_workspace: Callable[..., Path]) -> None:
    plan = textwrap.dedent(BASE["plans/plan.yaml"]).replace(
        "levels:\n  - {id: I, name: 特别重大}\n  - {id: II, name: 重大}\n", "").replace(
        "    levels: [I]\n", "")
    result = run(make_workspace({"plans/plan.yaml": plan}), "activate", "major-incident",
                 "--level", "I")
    assert result.exit_code == 2
    assert "defines no response levels" in result.stderr


def test_unknown_plan_exits_2(make_workspace: Callable[..., Path]) -> None:
    result = run(make_workspace(), "activate", "major-incidnet", "--level", "I")
    assert result.exit_code == 2
    assert result.stderr == ("coordctl: error: there is no plan 'major-incidnet' "
                             "(did you mean 'major-incident'?)\n")
    with pytest.raises(UnknownDocument):
        build_checklist(load_workspace(make_workspace()), "nope", "I", None, "en")


# --- departments and contacts --------------------------------------------------------------

def test_accountable_and_responsible(make_workspace: Callable[..., Path]) -> None:
    triage = checklist_of(make_workspace()).phases[1].duties[0]
    assert triage.accountable.id == "health"
    assert [d.id for d in triage.responsible] == ["police"]  # the accountable not again
    assert [d.id for d in triage.informed] == ["city-gov"]
    table = run(make_workspace(), "activate", "major-incident", "--level", "I").stdout
    assert re.search(r"\[ \]\s+医疗救护\s+市卫健委\s+市公安局\s+市政府", table)


def test_contacts_present_by_default_always_first(make_workspace: Callable[..., Path]
                                                  ) -> None:
    departments = textwrap.dedent(BASE["plans/departments.yaml"]).replace(
        '  - {role: 值班室, phone: "0771-5550002", always: true}',
        '  - {role: 办公室, phone: "0771-5550009"}\n'
        '  - {role: 值班室, phone: "0771-5550002", always: true}')
    root = make_workspace({"plans/departments.yaml": departments})
    checklist = checklist_of(root)
    assert [(c.department.id, [(x.role, x.always) for x in c.contacts])
            for c in checklist.contacts] == [
        ("police", [("值班室", True)]),
        ("health", [("值班室", True), ("办公室", False)]),
        ("city-gov", [])]
    for fmt in FORMATS:
        out = run(root, "activate", "major-incident", "--level", "I", "--format", fmt).stdout
        assert CONTACT_NAME in out and all(phone in out for phone in PHONES)
        assert out.index("0771-5550002") < out.index("0771-5550009")


def test_contacts_absent_when_public(make_workspace: Callable[..., Path]) -> None:
    assert checklist_of(make_workspace(), contacts=False).contacts is None
    for fmt in FORMATS:
        out = run(make_workspace(), "--audience", "public", "activate", "major-incident",
                  "--level", "I", "--format", fmt).stdout
        assert CONTACT_NAME not in out
        assert not any(phone in out for phone in PHONES)
        assert "值班室" not in out
        assert "公开版本，不含联系方式。" in out
    # internal, or no --audience at all: the checklist is internal and carries contacts
    for args in ([], ["--audience", "internal"]):
        out = run(make_workspace(), *args, "activate", "major-incident", "--level", "I").stdout
        assert CONTACT_NAME in out


def test_department_without_a_24_hour_contact_is_marked(make_workspace: Callable[..., Path]
                                                        ) -> None:
    departments = textwrap.dedent(BASE["plans/departments.yaml"]).replace(
        '{role: 值班室, phone: "0771-5550002", always: true}',
        '{role: 办公室, phone: "0771-5550002"}')
    root = make_workspace({"plans/departments.yaml": departments})
    assert [c.reachable for c in checklist_of(root).contacts] == [True, False, False]
    table = run(root, "activate", "major-incident", "--level", "I").stdout
    assert "市卫健委（无24小时联系方式）" in table
    assert re.search(r"\n市政府 +未登记联系方式\n", table)
    page = run(root, "activate", "major-incident", "--level", "I", "--format", "html").stdout
    assert '<span class="warning">无24小时联系方式</span>' in page


# --- formats -------------------------------------------------------------------------------

def test_markdown_checkboxes(make_workspace: Callable[..., Path]) -> None:
    out = run(make_workspace(), "activate", "major-incident", "--level", "I", "--format",
              "markdown").stdout
    assert re.findall(r"^- \[ \] (.*)$", out, re.M) == [
        "封控现场（牵头单位：市公安局）",
        "医疗救护（牵头单位：市卫健委；配合单位：市公安局；知会单位：市政府）"]


def test_html_is_printable_without_scripts(make_workspace: Callable[..., Path]) -> None:
    page = run(make_workspace(), "activate", "major-incident", "--level", "I", "--format",
               "html").stdout
    assert '<html lang="zh-CN">' in page
    assert page.count("☐") == 2  # a box to tick by hand per duty
    assert "<script" not in page and "<input" not in page
    assert "http://" not in page and "https://" not in page
    assert "<th>" not in page
    levels = [int(n) for n in re.findall(r"<h([1-6])", page)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels))
    assert "@page { size: A4" in page


def test_chinese_table_is_aligned(make_workspace: Callable[..., Path]) -> None:
    from wcwidth import wcswidth

    def from_column(line: str, column: int) -> str:
        """The text of ``line`` from display column ``column`` (CJK characters are two)."""
        index = next(i for i in range(len(line) + 1) if wcswidth(line[:i]) >= column)
        return line[index:]

    table = run(make_workspace(), "activate", "major-incident", "--level", "I").stdout
    lines = table.split("联系方式（24小时值班优先）\n")[1].splitlines()
    rule = lines[1]
    columns = [m.start() for m in re.finditer(r"-+", rule)]
    assert from_column(lines[0], columns[1]).startswith("岗位")
    assert from_column(lines[2], columns[1]).startswith("值班室")
    assert from_column(lines[2], columns[3]).startswith("0771-5550001")
    assert from_column(lines[3], columns[3]).startswith("0771-5550002")


XSS = "<script>alert(1)</script>"


def test_html_is_escaped(make_workspace: Callable[..., Path]) -> None:
    plan = textwrap.dedent(BASE["plans/plan.yaml"]).replace(
        "title: {zh-CN: 重大案件处置预案, en: Major incident plan}", f'title: "{XSS}"').replace(
        "task: 医疗救护", 'task: "<img src=x onerror=alert(1)>"').replace(
        "{id: I, name: 特别重大}",
        "{id: I, name: 特别重大, criteria: '<b>x</b> [a](javascript:alert(1))'}")
    departments = textwrap.dedent(BASE["plans/departments.yaml"]).replace(
        'name: 王某, phone: "0771-5550001"', f'name: "{XSS}", phone: "<i>1</i>"')
    root = make_workspace({"plans/plan.yaml": plan, "plans/departments.yaml": departments})
    for locale in ("zh-CN", "en"):
        page = run(root, "--locale", locale, "activate", "major-incident", "--level", "I",
                   "--format", "html").stdout
        assert "<script" not in page and "<img" not in page and "<b>" not in page
        assert "<i>" not in page and 'href="javascript' not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "&lt;img src=x onerror=alert(1)&gt;" in page
    markdown = run(root, "activate", "major-incident", "--level", "I", "--format",
                   "markdown").stdout
    assert re.search(r"(?<!\\)<", markdown) is None  # every < escaped: literal text


def test_sample_workspace_checklists_render() -> None:
    ws = load_workspace(REPO)
    for plan in ws.plans.values():
        for level in plan.levels:
            checklist = build_checklist(ws, plan.id, level.id, AT, "zh-CN")
            listed = [d.id for p in checklist.phases for d in p.duties]
            assert listed == [d.id for d in plan.duties if d.applies_at(level.id)]
            for fmt in FORMATS:
                assert render_checklist(checklist, fmt)


def test_terminal_table_uses_short_names(make_workspace: Callable[..., Path]) -> None:
    departments = textwrap.dedent(BASE["plans/departments.yaml"]).replace(
        "name: {zh-CN: 市公安局, en: Public Security Bureau}",
        "name: {zh-CN: 市公安局, en: Public Security Bureau}\nshort: 公安")
    root = make_workspace({"plans/departments.yaml": departments})
    table = run(root, "activate", "major-incident", "--level", "I").stdout
    assert re.search(r"\[ \]\s+封控现场\s+公安\n", table)
    assert "市公安局" not in table.split("预案状态")[1]  # the owner above keeps its name
    markdown = run(root, "activate", "major-incident", "--level", "I", "--format",
                   "markdown").stdout
    assert "- [ ] 封控现场（牵头单位：市公安局）" in markdown
