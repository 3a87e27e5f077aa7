"""The documents people read: ``coordctl render`` and coordctl.documents."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import textwrap
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result
from conftest import BASE, REPO, SETTINGS, TODAY, write_workspace
from gitrepo import OTHER_AUTHOR, repo_factory
from golden import assert_golden, without_stylesheet

from coordctl.cli import cli
from coordctl.documents import chinese_number, markdown_below, render_document
from coordctl.errors import UnknownDocument
from coordctl.render import Links
from coordctl.workspace import load

LOCALES = ("zh-CN", "en")
SUFFIX = {"markdown": "md", "html": "html"}

#: Personal data of BASE's police contact: only internal documents may show it.
CONTACT_NAME = "王某"
CONTACT_PHONE = "0771-5550001"

#: Documents added to BASE so that every part of every kind has something to show: a
#: plan with description, basis, criteria, phase and duty notes and sections; a
#: department with a parent and a description; a cancelled drill with objectives; actions
#: decided at the meeting (one overdue, one dropped) and one closed from the drill.
EXTRA = {
    "plans/departments.yaml": textwrap.dedent(BASE["plans/departments.yaml"]) + textwrap.dedent(
        """\
        ---
        kind: department
        id: maritime
        name: {zh-CN: 示例海事局, en: Maritime Safety Administration}
        short: {zh-CN: 海事, en: MSA}
        parent: police
        email: duty@msa.example
        description: |
          # 主要职责

          负责辖区水上交通安全监管。
        contacts:
          - {role: 搜救值班室, name: 钱某, phone: "0771-5550003", always: true,
             verified: 2026-10-01}
        """),
    "plans/water.yaml": """\
        kind: plan
        id: water
        title: {zh-CN: 水域突发事件应急预案, en: Water emergency plan}
        owner: maritime
        hazard: water-safety
        status: draft
        reviewed: 2025-06-01
        basis:
          - 中华人民共和国突发事件应对法
          - {zh-CN: 示例市水上交通安全条例, en: Example City water traffic safety regulations}
        description:
          zh-CN: |
            为快速处置**水域**突发事件，制定本预案。

            Setext 标题
            ---
          en: |
            To handle **water** emergencies quickly.
        departments: [maritime, police]
        levels:
          - {id: I, name: {zh-CN: 重大, en: Major}, criteria: "**3人**以上落水失踪"}
          - {id: II, name: {zh-CN: 一般, en: General}}
        phases:
          - {id: search, name: {zh-CN: 搜救, en: Search}, within: 1h30m,
             description: 接警后立即出动。}
          - {id: recovery, name: {zh-CN: 善后, en: Recovery}}
        sections:
          - {title: {zh-CN: 应急保障, en: Support}, body: "1. 通信保障\\n2. 物资保障"}
        duties:
          - id: search
            task: {zh-CN: 水上搜救, en: Search on the water}
            phase: search
            levels: [I]
            accountable: maritime
            responsible: [maritime, police]
            consulted: [health]
            informed: [city-gov]
            description: 使用巡逻船搜寻落水人员。
          - id: aftercare
            task: 伤员救治
            phase: recovery
            accountable: health
        """,
    "plans/water-drill.yaml": """\
        kind: drill
        id: water-2027
        title: {zh-CN: 2027年水上搜救演练, en: 2027 water search exercise}
        plan: water
        type: full-scale
        participants: [maritime, police]
        objectives:
          - {zh-CN: 检验搜救力量到达时限, en: Test how fast rescuers arrive}
          - 检验通信
        schedule: {start: 2027-05-20T09:00, duration: 1d2h}
        location: 邕江南岸码头
        description: 因汛期提前，**取消**本次演练。
        status: cancelled
        """,
    "plans/more-actions.yaml": """\
        kind: action
        id: a-002
        title: {zh-CN: 补充夜间值班人员, en: More night-shift staff}
        owner: health
        source: meeting/analysis
        due: 2026-11-01
        description: |
          - 增加 **2名** 值班人员
          - 见[排班表](https://example.gov.cn/roster)
        ---
        kind: action
        id: a-003
        title: 已撤销事项
        owner: police
        source: meeting/analysis
        due: 2026-12-01
        status: dropped
        closed: 2026-11-02
        ---
        kind: action
        id: a-004
        title: 更换救生衣
        owner: maritime
        source: drill/water-2027
        due: 2026-10-01
        status: done
        closed: 2026-09-20
        """,
}

#: Every document of the golden workspace (BASE and EXTRA).
DOCUMENTS = [
    ("plan", "major-incident"), ("plan", "water"), ("department", "police"),
    ("department", "maritime"), ("meeting", "analysis"), ("drill", "tabletop-2027"),
    ("drill", "water-2027"), ("action", "a-001"), ("action", "a-002"),
]


@pytest.fixture(scope="module")
def rich(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The loaded workspace of BASE and EXTRA (outside git), shared by read-only tests."""
    root = write_workspace(tmp_path_factory.mktemp("rich") / "ws", {**BASE, **EXTRA})
    return load(root, today=TODAY)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The repository's sample workspace, copied out of git so its output is stable."""
    root = tmp_path_factory.mktemp("sample") / "ws"
    root.mkdir()
    shutil.copy(REPO / "coordctl.yaml", root / "coordctl.yaml")
    shutil.copytree(REPO / "plans", root / "plans")
    return load(root, today=TODAY)


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), "--today", TODAY.isoformat(), *args])


class Page(HTMLParser):
    """An HTML page as its start tags, attributes and heading levels."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.headings: list[int] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def hrefs(self) -> list[str]:
        return [attrs["href"] or "" for tag, attrs in self.tags if tag == "a" and "href" in attrs]


# --- goldens ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["markdown", "html"])
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("kind", "ident"), DOCUMENTS)
def test_golden(rich: Any, kind: str, ident: str, locale: str, fmt: str) -> None:
    text = render_document(rich, kind, ident, fmt, locale)
    shown = without_stylesheet(text) if fmt == "html" else text
    assert_golden(f"documents/{kind}-{ident}.{locale}.{SUFFIX[fmt]}", shown)
    assert "\n\n\n" not in text and text.endswith("\n") and not text.endswith("\n\n")


@pytest.mark.parametrize(("kind", "ident", "locale", "fmt"), [
    ("plan", "major-incident", "zh-CN", "markdown"),
    ("meeting", "security-analysis", "en", "html"),
])
def test_golden_sample_workspace(sample: Any, kind: str, ident: str, locale: str, fmt: str
                                 ) -> None:
    text = render_document(sample, kind, ident, fmt, locale)
    shown = without_stylesheet(text) if fmt == "html" else text
    assert_golden(f"documents/sample-{kind}-{ident}.{locale}.{SUFFIX[fmt]}", shown)


def test_golden_internal_plan(rich: Any) -> None:
    assert_golden("documents/plan-water.internal.zh-CN.md",
                  render_document(rich, "plan", "water", "markdown", "zh-CN", "internal"))


def test_html_extends_the_base_layout(rich: Any) -> None:
    for kind, ident in DOCUMENTS:
        text = render_document(rich, kind, ident, "html", "en")
        assert text.startswith("<!DOCTYPE html>\n<html lang=\"en\">")
        assert "<footer class=\"site\">" in text and "Test City" in text
        assert "http://" not in text and "https://" not in text.replace(
            "https://example.gov.cn/roster", "")


# --- plan outline ----------------------------------------------------------------------------

def test_plan_follows_the_standard_outline(rich: Any) -> None:
    text = render_document(rich, "plan", "water", "markdown", "zh-CN")
    headings = [line for line in text.splitlines() if line.startswith("## ")]
    assert headings == ["## 一、总则", "## 二、组织机构与职责", "## 三、响应分级",
                        "## 四、响应程序", "## 五、应急保障", "## 附件"]
    english = render_document(rich, "plan", "water", "markdown", "en")
    assert [line for line in english.splitlines() if line.startswith("## ")] == [
        "## 1. General provisions", "## 2. Organisation and duties", "## 3. Response levels",
        "## 4. Response procedure", "## 5. Support", "## Appendices"]
    assert "### 1.2 Legal basis" in english and "- Example City water traffic safety " \
        "regulations" in english


def test_plan_phases_in_order_with_time_targets_and_duties(rich: Any) -> None:
    text = render_document(rich, "plan", "water", "markdown", "zh-CN")
    assert text.index("### （一）搜救（1小时30分钟内）") < text.index("### （二）善后")
    assert "| 水上搜救 | 海事 | 市公安局 | 市卫健委 | 市政府 | I |" in text
    assert "接警后立即出动。" in text and "#### 水上搜救\n\n使用巡逻船搜寻落水人员。" in text
    english = render_document(rich, "plan", "water", "markdown", "en")
    assert "### 4.1 Search (within 1 h 30 min)" in english


def test_plan_organisation_lists_each_holder_with_its_role(rich: Any) -> None:
    text = render_document(rich, "plan", "water", "markdown", "zh-CN")
    chapter = text.split("## 二、组织机构与职责")[1].split("## 三、")[0]
    assert re.findall(r"^### .*$", chapter, flags=re.M) == [
        "### （一）示例海事局（海事）", "### （二）市公安局", "### （三）市卫健委"]
    assert "| 搜救（1小时30分钟内） | 水上搜救 | 配合 | I |" in chapter
    assert "| 善后 | 伤员救治 | 牵头 | 全部 |" in chapter


def test_plan_status_notice_and_facts(rich: Any) -> None:
    text = render_document(rich, "plan", "water", "markdown", "zh-CN")
    assert "> **本预案为草案，尚未批准施行。**" in text
    assert "- 事件类别：water-safety" in text and "- 评审日期：2025年6月1日" in text
    assert "草案" not in render_document(rich, "plan", "major-incident", "markdown", "zh-CN")


def test_plan_matrix_appendix_reuses_the_matrix(rich: Any) -> None:
    from coordctl.matrix import build_matrix

    matrix = build_matrix(rich, ["water"], "duty", "en")
    text = render_document(rich, "plan", "water", "markdown", "en")
    appendix = text.split("### Appendix 1: Responsibility matrix")[1]
    assert "| " + " | ".join(matrix.header[0]) + " |" in appendix
    for row in matrix.rows:
        assert "| " + " | ".join(row) + " |" in appendix


def test_plan_lists_its_drills(rich: Any) -> None:
    text = render_document(rich, "plan", "water", "html", "zh-CN", links=Links(1))
    assert "附件2：演练记录" in text
    assert '<tr class="cancelled"><td>2027年5月20日（星期四）09:00至2027年5月21日11:00</td>' \
        '<th scope="row"><a href="../drills/water-2027.html">2027年水上搜救演练</a></th>' in text


def test_markdown_headings_of_a_field_go_below_the_chapter(rich: Any) -> None:
    text = render_document(rich, "department", "maritime", "markdown", "zh-CN")
    assert "## 主要职责" in text and "\n# 主要职责" not in text
    plan = render_document(rich, "plan", "water", "markdown", "zh-CN")
    assert "#### Setext 标题" in plan
    page = Page(render_document(rich, "department", "maritime", "html", "zh-CN"))
    assert page.headings[:2] == [1, 2]


def test_markdown_below() -> None:
    assert markdown_below("# A\n\ntext\n\n## B", 2) == "### A\n\ntext\n\n#### B"
    assert markdown_below("### A", 2) == "### A"
    assert markdown_below("T\n=\n\n    # code", 1) == "## T\n\n    # code"


def test_chinese_numbers() -> None:
    assert [chinese_number(n) for n in (1, 5, 10, 11, 20, 23)] == \
        ["一", "五", "十", "十一", "二十", "二十三"]


# --- revisions from git ----------------------------------------------------------------------

@pytest.fixture
def make_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    return repo_factory(tmp_path, monkeypatch)


def test_plan_carries_its_change_history_from_git(make_repo: Any) -> None:
    repo = make_repo()
    first = repo.commit_base("Add the major incident plan")
    changed = textwrap.dedent(BASE["plans/plan.yaml"]).replace("within: 30m", "within: 20m")
    second = repo.commit("Shorten the specialist phase", {"plans/plan.yaml": changed},
                         author=OTHER_AUTHOR)
    repo.commit("Touch the meeting only", {"plans/meeting.yaml": textwrap.dedent(
        BASE["plans/meeting.yaml"]).replace("title: 联席会议", "title: 分析会")})
    ws = load(repo.workspace, today=TODAY)

    text = render_document(ws, "plan", "major-incident", "markdown", "en")
    history = text.split("### Appendix 3: Revision history")[1]
    rows = [line for line in history.splitlines() if line.startswith("| ")][1:]
    assert rows == [
        f"| {second[:10]} | 2026-01-06 | Bo Builder | Shorten the specialist phase |",
        f"| {first[:10]} | 2026-01-05 | Ada Author | Add the major incident plan |",
    ]
    assert f"- Current revision: {second[:10]} of 2026-01-06" in text
    assert text.endswith(f"\n\n---\n\nRevision: {repo.head()[:10]} (2026-01-07)\n")
    assert "\n\n\n" not in text
    html = render_document(ws, "plan", "major-incident", "html", "zh-CN")
    assert "<h3>附件3：修订记录</h3>" in html and f"<code>{second[:10]}</code>" in html


def test_no_history_and_no_error_outside_git(rich: Any) -> None:
    text = render_document(rich, "plan", "major-incident", "markdown", "zh-CN")
    assert "修订记录" not in text and "现行版本" not in text and "版本：" not in text


# --- other kinds -----------------------------------------------------------------------------

def test_meeting_lists_the_next_occurrences_after_today(rich: Any) -> None:
    text = render_document(rich, "meeting", "analysis", "markdown", "en")
    coming = text.split("## Coming meetings")[1].split("##")[0]
    assert re.findall(r"^- (.*)$", coming, flags=re.M)[:2] == [
        "Tuesday 2027-01-05, 09:30–11:30", "Tuesday 2027-02-02, 09:30–11:30"]
    assert "- Repeats: monthly on the first Tuesday" in text
    assert "- Not held on: 2027-10-05" in text

    later = load(rich.root, today=dt.date(2027, 9, 10))
    coming = render_document(later, "meeting", "analysis", "markdown", "en") \
        .split("## Coming meetings")[1].split("##")[0]
    dates = re.findall(r"^- \w+ (\S+),", coming, flags=re.M)
    assert dates == ["2027-11-02", "2027-12-07", "2028-01-04", "2028-02-01", "2028-03-07",
                     "2028-04-04"]  # 2027-10-05 is skipped


def test_meeting_shows_only_the_open_actions_decided_at_it(rich: Any) -> None:
    text = render_document(rich, "meeting", "analysis", "markdown", "zh-CN")
    decided = text.split("## 会议督办事项（未办结）")[1]
    assert "| a-002 | 补充夜间值班人员 | 市卫健委 | 2026年11月1日 | **已逾期27天** |" in decided
    assert "a-003" not in decided and "a-001" not in decided
    assert "| 1 | 形势通报 | 市公安局 | 20分钟 |" in text


def test_drill_cancelled_visibly_with_its_actions(rich: Any) -> None:
    text = render_document(rich, "drill", "water-2027", "html", "en")
    assert '<p class="notice overdue" role="note">This drill has been cancelled.</p>' in text
    assert '<dd><span class="warning">Cancelled</span></dd>' in text
    assert '<dd><span class="cancelled">Thursday 2027-05-20, 09:00 – 2027-05-21, 11:00' \
        '</span></dd>' in text
    assert "- Time: ~~Thursday 2027-05-20" in render_document(rich, "drill", "water-2027",
                                                             "markdown", "en")
    assert "<li>Test how fast rescuers arrive</li>" in text
    assert "<td>a-004</td>" in text and "<td>Done</td>" in text
    planned = render_document(rich, "drill", "tabletop-2027", "html", "en")
    assert "cancelled" not in planned.split("<main>")[1]


def test_drill_participants_default_to_the_plan_duty_holders(rich: Any) -> None:
    text = render_document(rich, "drill", "tabletop-2027", "markdown", "zh-CN")
    participants = text.split("## 参演单位")[1].split("##")[0]
    assert "市公安局、市卫健委" in participants
    assert "未列出参演单位，默认由预案全部职责单位参演。" in participants
    listed = render_document(rich, "drill", "water-2027", "markdown", "zh-CN")
    assert "默认" not in listed and "海事、市公安局" in listed


def test_action_overdue_is_marked(rich: Any) -> None:
    text = render_document(rich, "action", "a-002", "markdown", "en")
    assert "- Status: **Overdue by 27 days**" in text
    assert "- Source: [Meeting: 联席会议]" not in text and "- Source: Meeting: 联席会议" in text
    html = render_document(rich, "action", "a-002", "html", "zh-CN")
    assert '<dd><span class="overdue">已逾期27天</span></dd>' in html
    on_time = render_document(rich, "action", "a-001", "markdown", "en")
    assert "Overdue" not in on_time and "- Status: Open" in on_time


def test_closed_action_is_not_overdue(make_workspace: Any) -> None:
    done = BASE["plans/action.yaml"].replace("status: open", "status: done\n        closed: "
                                             "2026-05-01").replace("2027-06-30", "2026-06-30")
    root = make_workspace({"plans/action.yaml": done})
    text = render_document(load(root, today=TODAY), "action", "a-001", "markdown", "zh-CN")
    assert "- 状态：已完成" in text and "- 办结日期：2026年5月1日" in text
    assert "逾期" not in text


def test_department_page_is_its_duty_card(rich: Any) -> None:
    text = render_document(rich, "department", "police", "markdown", "zh-CN")
    assert text.startswith("# 职责卡：市公安局\n")
    assert "| 重大案件处置预案 | 先期处置（5分钟内） | 封控现场 | 牵头、配合 | 全部 |" in text
    assert "| 联席会议 | 召集 | 每月第一个星期二 | 2027年1月5日（星期二）09:30—11:30 |" in text
    maritime = render_document(rich, "department", "maritime", "markdown", "en")
    assert "- Part of: Public Security Bureau" in maritime


# --- personal data ---------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["markdown", "html"])
def test_contacts_only_in_internal_documents(rich: Any, fmt: str) -> None:
    for kind, ident in DOCUMENTS:
        public = render_document(rich, kind, ident, fmt, "zh-CN")
        assert CONTACT_NAME not in public and CONTACT_PHONE not in public, (kind, ident)
    for kind, ident in [("plan", "major-incident"), ("department", "police")]:
        internal = render_document(rich, kind, ident, fmt, "zh-CN", "internal")
        assert CONTACT_NAME in internal and CONTACT_PHONE in internal, (kind, ident)


def test_sample_workspace_public_documents_carry_no_contact(sample: Any) -> None:
    personal = {value for dept in sample.departments.values() for contact in dept.contacts
                for value in (contact.name, contact.phone) if value}
    assert personal
    kinds = {"plan": sample.plans, "department": sample.departments,
             "meeting": sample.meetings, "drill": sample.drills}
    for kind, models in kinds.items():
        for ident in models:
            text = render_document(sample, kind, ident, "markdown", "zh-CN")
            leaked = [value for value in personal if value in text]
            assert not leaked, (kind, ident, leaked)


# --- HTML safety and structure ---------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMAGE = "<img src=x onerror=alert(1)>"
BREAKOUT = '"><svg onload=alert(1)>'
QUOTE = "'><a href=javascript:alert(1)>x</a>"
MARKDOWN = "\n\n".join([
    SCRIPT, IMAGE, BREAKOUT, QUOTE, "[x](javascript:alert(1))", "[y](JaVaScRiPt:alert(2))",
    "![i](javascript:alert(3))", '<a href="javascript:alert(4)">z</a>',
    "[w](vbscript:alert(5)) [d](data:text/html;base64,PHNjcmlwdD4=)", "# Heading " + SCRIPT,
])


def hostile(n: int) -> str:
    """A different payload for each field."""
    return [SCRIPT, IMAGE, BREAKOUT, QUOTE][n % 4] + f" {n}"


def hostile_workspace(root: Path) -> Path:
    """Every text field of every kind (and the workspace name) holds an HTML payload."""
    n = iter(range(1000))
    documents = [
        {"kind": "department", "id": "police", "name": hostile(next(n)),
         "short": hostile(next(n)), "description": MARKDOWN, "email": "duty@police.example",
         "tags": [hostile(next(n))], "exempt": "",
         "contacts": [{"role": hostile(next(n)), "name": hostile(next(n)),
                       "phone": hostile(next(n)), "always": True}]},
        {"kind": "department", "id": "health", "name": {"zh-CN": hostile(next(n)),
                                                        "en": hostile(next(n))},
         "parent": "police", "exempt": hostile(next(n))},
        {"kind": "plan", "id": "p", "title": hostile(next(n)), "owner": "police",
         "hazard": hostile(next(n)), "basis": [hostile(next(n))], "description": MARKDOWN,
         "levels": [{"id": hostile(next(n)), "name": hostile(next(n)), "criteria": MARKDOWN}],
         "phases": [{"id": "ph", "name": hostile(next(n)), "within": "5m",
                     "description": MARKDOWN}],
         "sections": [{"title": hostile(next(n)), "body": MARKDOWN}],
         "duties": [{"id": "d", "task": hostile(next(n)), "phase": "ph", "accountable": "police",
                     "responsible": ["police", "health"], "description": MARKDOWN}]},
        {"kind": "meeting", "id": "m", "title": hostile(next(n)), "convenor": "police",
         "members": ["health"], "location": hostile(next(n)), "description": MARKDOWN,
         "schedule": {"start": "2027-01-05T09:30", "repeat": "FREQ=MONTHLY;BYDAY=1TU"},
         "agenda": [{"title": hostile(next(n)), "presenter": "health", "minutes": 5}]},
        {"kind": "drill", "id": "dr", "title": hostile(next(n)), "plan": "p",
         "type": "tabletop", "objectives": [hostile(next(n))], "location": hostile(next(n)),
         "description": MARKDOWN, "schedule": {"start": "2027-03-10T09:00"}},
        {"kind": "action", "id": "a1", "title": hostile(next(n)), "owner": "health",
         "source": "meeting/m", "due": "2026-01-01", "description": MARKDOWN},
        {"kind": "action", "id": "a2", "title": hostile(next(n)), "owner": "police",
         "source": "drill/dr", "due": "2027-01-01"},
    ]
    settings = SETTINGS.replace("name: {zh-CN: 测试市, en: Test City}",
                                "name: " + json.dumps(hostile(next(n))))
    write_workspace(root, {}, settings)
    (root / "plans").mkdir()
    (root / "plans" / "all.yaml").write_text(
        yaml.safe_dump_all(documents, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return root


HOSTILE = [("department", "police"), ("department", "health"), ("plan", "p"),
           ("meeting", "m"), ("drill", "dr"), ("action", "a1"), ("action", "a2")]
#: The only elements a document page is made of.
ELEMENTS = {"html", "head", "meta", "title", "style", "body", "header", "nav", "ul", "ol",
            "li", "a", "span", "main", "article", "section", "h1", "h2", "h3", "h4", "h5",
            "h6", "p", "dl", "dt", "dd", "div", "table", "thead", "tbody", "tfoot", "tr",
            "th", "td", "code", "strong", "em", "footer", "br", "blockquote", "pre", "hr"}


@pytest.fixture(scope="module")
def hostile_ws(tmp_path_factory: pytest.TempPathFactory) -> Any:
    ws = load(hostile_workspace(tmp_path_factory.mktemp("hostile") / "ws"), today=TODAY)
    assert not [f for f in ws.findings if f.rule in ("schema", "yaml-syntax")], ws.findings
    return ws


@pytest.mark.parametrize("links", [None, Links(1)], ids=["standalone", "site"])
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize(("kind", "ident"), HOSTILE)
def test_payloads_in_every_text_field_render_inert(hostile_ws: Any, kind: str, ident: str,
                                                   locale: str, links: Links | None) -> None:
    text = render_document(hostile_ws, kind, ident, "html", locale, "internal", links)
    page = Page(text)
    assert "alert(" in text  # the payloads are there, as text
    assert {tag for tag, _ in page.tags} <= ELEMENTS, {tag for tag, _ in page.tags} - ELEMENTS
    for tag, attrs in page.tags:
        assert not [name for name in attrs if name.startswith("on")], (tag, attrs)
        for name in ("href", "src"):
            target = re.sub(r"\s", "", attrs.get(name) or "").lower()
            assert not target.startswith(("javascript:", "vbscript:", "data:")), (tag, attrs)
    assert "<script" not in text and "<svg" not in text and "<img" not in text


def test_markdown_cells_stay_literal(hostile_ws: Any) -> None:
    text = render_document(hostile_ws, "plan", "p", "markdown", "en", "internal")
    for line in text.splitlines():
        if line.startswith("|"):
            assert not re.search(r"(?<!\\)[<>\[\]]", line), line  # only escaped
    assert "&lt;" not in text  # escaped the Markdown way, not as HTML entities
    assert r"\<script\>alert(1)\</script\> 0" in text


def test_heading_order_and_table_headers(rich: Any, hostile_ws: Any) -> None:
    pages = [render_document(rich, kind, ident, "html", locale, "internal")
             for kind, ident in DOCUMENTS for locale in LOCALES]
    pages += [render_document(hostile_ws, kind, ident, "html", "en", "internal")
              for kind, ident in HOSTILE]
    for text in pages:
        page = Page(text)
        assert page.headings[0] == 1 and page.headings.count(1) == 1
        for before, after in zip(page.headings, page.headings[1:], strict=False):
            assert after <= before + 1, page.headings
        assert all(attrs.get("scope") in ("col", "row") for tag, attrs in page.tags
                   if tag == "th")


# --- links -----------------------------------------------------------------------------------

LINKS = {
    ("plan", "major-incident"): ["../departments/police.html", "../departments/health.html",
                                 "../drills/tabletop-2027.html"],
    ("department", "police"): ["../plans/major-incident.html", "../meetings/analysis.html",
                               "../drills/tabletop-2027.html", "../actions/a-001.html"],
    ("meeting", "analysis"): ["../departments/police.html", "../departments/health.html",
                              "../actions/a-002.html"],
    ("drill", "tabletop-2027"): ["../plans/major-incident.html", "../departments/health.html",
                                 "../actions/a-001.html"],
    ("action", "a-002"): ["../departments/health.html", "../meetings/analysis.html"],
}


@pytest.mark.parametrize(("kind", "ident"), list(LINKS))
def test_site_pages_link_to_other_documents(rich: Any, kind: str, ident: str) -> None:
    linked = Page(render_document(rich, kind, ident, "html", "zh-CN", links=Links(1))).hrefs()
    for url in LINKS[kind, ident]:
        assert url in linked
    assert "../index.html" in linked and "../matrix.html" in linked
    standalone = Page(render_document(rich, kind, ident, "html", "zh-CN")).hrefs()
    assert [url for url in standalone if not url.startswith("https://")] == []
    markdown = render_document(rich, kind, ident, "markdown", "zh-CN")
    assert ".html)" not in markdown


def test_no_link_to_a_document_without_a_page(make_workspace: Any) -> None:
    root = make_workspace({"plans/action.yaml": BASE["plans/action.yaml"].replace(
        "drill/tabletop-2027", "drill/gone")})
    text = render_document(load(root, today=TODAY), "action", "a-001", "html", "en",
                           links=Links(1))
    assert "<dd>Drill: gone</dd>" in text and "drills/gone" not in text


def test_markdown_links_only_on_request(rich: Any) -> None:
    text = render_document(rich, "drill", "tabletop-2027", "markdown", "en", links=Links(1))
    assert "- Plan exercised: [Major incident plan](../plans/major-incident.html)" in text


# --- errors and the command line -------------------------------------------------------------

def test_unknown_kind_or_document(rich: Any) -> None:
    with pytest.raises(UnknownDocument, match="did you mean 'plan'"):
        render_document(rich, "plna", "water", "markdown", "zh-CN")
    with pytest.raises(UnknownDocument, match="did you mean 'water'"):
        render_document(rich, "plan", "watr", "markdown", "zh-CN")
    with pytest.raises(ValueError):
        render_document(rich, "plan", "water", "pdf", "zh-CN")
    with pytest.raises(ValueError):
        render_document(rich, "plan", "water", "html", "zh-CN", "everyone")


def test_invalid_document_is_refused(make_workspace: Any) -> None:
    root = make_workspace({"plans/action.yaml": BASE["plans/action.yaml"].replace(
        "due: 2027-06-30", "due: someday")})
    with pytest.raises(UnknownDocument, match="has errors"):
        render_document(load(root, today=TODAY), "action", "a-001", "markdown", "zh-CN")


def test_cli_renders_markdown_by_default(make_workspace: Any) -> None:
    root = make_workspace()
    result = run(root, "render", "plan/major-incident")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == render_document(load(root, today=TODAY), "plan", "major-incident",
                                            "markdown", "zh-CN")
    english = run(root, "--locale", "en", "--audience", "internal", "render", "department/police",
                  "--format", "html")
    assert english.exit_code == 0, english.stderr
    assert '<html lang="en">' in english.stdout and CONTACT_PHONE in english.stdout


@pytest.mark.parametrize(("ref", "message"), [
    ("plan/major-incidnet", "there is no plan 'major-incidnet' (did you mean 'major-incident'?)"),
    ("plna/major-incident", "unknown kind 'plna' (did you mean 'plan'?)"),
    ("major-incident", "'major-incident' is not KIND/ID"),
])
def test_cli_exit_2_for_an_unknown_document(make_workspace: Any, ref: str, message: str
                                            ) -> None:
    result = run(make_workspace(), "render", ref)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert message in result.stderr and "Traceback" not in result.stderr


def test_cli_writes_the_file(make_workspace: Any, tmp_path: Path) -> None:
    root = make_workspace()
    out = tmp_path / "drill.html"
    result = run(root, "render", "drill/tabletop-2027", "--format", "html", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert out.read_text(encoding="utf-8") == render_document(
        load(root, today=TODAY), "drill", "tabletop-2027", "html", "zh-CN")


# --- templates -------------------------------------------------------------------------------

def test_a_workspace_template_overrides_the_built_in(make_workspace: Any) -> None:
    root = make_workspace()
    ws = load(root, today=TODAY)
    assert render_document(ws, "action", "a-001", "markdown", "en").startswith("# 更新通讯设备")
    (root / "templates").mkdir()
    (root / "templates" / "action.md").write_text("ACTION {{ doc.title }} {{ page.lang }}\n",
                                                  encoding="utf-8")
    assert render_document(ws, "action", "a-001", "markdown", "en") == "ACTION 更新通讯设备 en\n"


def test_text_from_documents_is_never_a_template(make_workspace: Any) -> None:
    root = make_workspace({"plans/action.yaml": BASE["plans/action.yaml"].replace(
        "title: 更新通讯设备", "title: \"{{ 1000 + 337 }} {% if true %}x{% endif %}\"")})
    ws = load(root, today=TODAY)
    for fmt in ("markdown", "html"):
        text = render_document(ws, "action", "a-001", fmt, "en")
        assert "{{ 1000 + 337 }} {% if true %}x{% endif %}" in text and "1337" not in text
