"""The responsibility matrix: ``coordctl matrix`` and coordctl.matrix."""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import BASE, REPO, TODAY, load_workspace
from golden import assert_golden

from coordctl.cli import cli
from coordctl.errors import UnknownDocument
from coordctl.matrix import (
    build_matrix,
    render_matrix,
    role_letters,
    roles_by_department,
    spreadsheet_safe,
)

FORMATS = ("table", "markdown", "csv", "html")
SUFFIX = {"table": "txt", "markdown": "md", "csv": "csv", "html": "html"}

#: A second plan, after plans/plan.yaml in file order: "plans/plan2.yaml".
SECOND_PLAN = """\
    kind: plan
    id: water
    title: {zh-CN: 水域预案, en: Water plan}
    owner: police
    phases:
      - {id: rescue, name: 救援}
    duties:
      - id: search
        task: TASK
        phase: rescue
        accountable: health
        responsible: [police]
        consulted: [city-gov]
    """


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), "--today", TODAY.isoformat(), *args])


def second_plan(task: str = "水上搜救") -> dict[str, str]:
    return {"plans/plan2.yaml": SECOND_PLAN.replace("TASK", task)}


def extend(name: str, more: str, indent: str = "") -> str:
    """The BASE file ``name`` with ``more`` (dedented, then indented by ``indent``)."""
    return textwrap.dedent(BASE[name]) + textwrap.indent(textwrap.dedent(more), indent)


def cell(matrix, task: str, column: str) -> str:
    """The cell of the row whose duty is ``task`` in the column headed ``column``."""
    header = matrix.header[-1]
    row = next(r for r in matrix.rows if r[matrix.lead - 1] == task)
    return row[header.index(column)]


# --- golden files ------------------------------------------------------------------------

@pytest.mark.parametrize("by", ["duty", "department"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_golden_base_workspace(make_workspace: Callable[..., Path], by: str, fmt: str) -> None:
    result = run(make_workspace(), "matrix", "--by", by, "--format", fmt)
    assert result.exit_code == 0, result.output
    assert_golden(f"matrix/{by}.{SUFFIX[fmt]}", result.stdout_bytes)


def test_golden_one_plan_in_english(make_workspace: Callable[..., Path]) -> None:
    result = run(make_workspace(), "--locale", "en", "matrix", "major-incident",
                 "--format", "markdown")
    assert result.exit_code == 0, result.output
    assert_golden("matrix/major-incident.en.md", result.stdout_bytes)


# --- content -------------------------------------------------------------------------------

def test_roles_accountable_and_responsible_show_both(make_workspace: Callable[..., Path]
                                                      ) -> None:
    ws = load_workspace(make_workspace(second_plan()))
    matrix = build_matrix(ws, [], locale="zh-CN")
    # cordon: police accountable, responsible by default
    assert cell(matrix, "封控现场", "市公安局") == "A/R"
    # triage: health accountable and listed responsible; police responsible only
    assert cell(matrix, "医疗救护", "市卫健委") == "A/R"
    assert cell(matrix, "医疗救护", "市公安局") == "R"
    assert cell(matrix, "医疗救护", "市政府") == "I"
    # search: health accountable but not responsible; city-gov consulted
    assert cell(matrix, "水上搜救", "市卫健委") == "A"
    assert cell(matrix, "水上搜救", "市公安局") == "R"
    assert cell(matrix, "水上搜救", "市政府") == "C"
    assert cell(matrix, "封控现场", "市卫健委") == ""


def test_role_letters_order() -> None:
    from coordctl.model import Duty

    duty = Duty.model_validate({"id": "d", "task": "t", "phase": "p", "accountable": "a",
                                "responsible": ["a", "b"], "consulted": ["b", "c"],
                                "informed": ["c"]})
    assert [role_letters(duty, d) for d in "abcz"] == ["A/R", "R/C", "C/I", ""]


def test_a_rows_role_letters_are_each_departments_role_letters() -> None:
    # Matrix rows take every department's letters at once; duty cards one at a time.
    ws = load_workspace(REPO)
    checked = 0
    for plan in ws.plans.values():
        for duty in plan.duties:
            held = roles_by_department(duty)
            assert all(held.values())
            for dept in [*ws.departments, "nobody"]:
                assert held.get(dept, "") == role_letters(duty, dept)
                checked += bool(held.get(dept))
    assert checked > 100


def test_rows_follow_file_order_and_carry_the_plan(make_workspace: Callable[..., Path]
                                                    ) -> None:
    ws = load_workspace(make_workspace(second_plan()))
    every = build_matrix(ws, [], locale="zh-CN")
    assert every.header[0][:3] == ["预案", "阶段", "职责"]
    assert [row[:3] for row in every.rows] == [
        ["重大案件处置预案", "先期处置（5分钟内）", "封控现场"],
        ["重大案件处置预案", "专业处置（30分钟内）", "医疗救护"],
        ["水域预案", "救援", "水上搜救"],
    ]
    # several named plans: in file order whatever the order given, plan shown
    named = build_matrix(ws, ["water", "major-incident"], locale="zh-CN")
    assert [row[2] for row in named.rows] == ["封控现场", "医疗救护", "水上搜救"]
    # one named plan: no plan column, only its duties
    one = build_matrix(ws, ["water"], locale="en")
    assert one.header == [["Phase", "Duty", "Public Security Bureau", "Health Commission",
                           "市政府"]]
    assert one.rows == [["救援", "水上搜救", "R", "A", "C"]]
    assert one.caption == "Responsibility matrix: Water plan"


def test_columns_in_workspace_order_unknown_last_short_names(
        make_workspace: Callable[..., Path]) -> None:
    departments = extend("plans/departments.yaml", """\
        ---
        kind: department
        id: archive
        name: 档案馆
        exempt: 不承担处置职责
        ---
        kind: department
        id: fire
        name: {zh-CN: 市消防救援支队, en: Fire and Rescue Detachment}
        short: {zh-CN: 消防, en: Fire}
        """)
    plan = extend("plans/plan.yaml", """\
        - id: fire
          task: 灭火
          phase: specialist
          accountable: fire
          informed: [ghost]
        """, indent="  ")
    ws = load_workspace(make_workspace({"plans/departments.yaml": departments,
                                        "plans/plan.yaml": plan}))
    matrix = build_matrix(ws, ["major-incident"], locale="zh-CN")
    # archive has no role, ghost is no department: it comes last, by its id
    assert matrix.header[0][2:] == ["市公安局", "市卫健委", "市政府", "消防", "ghost"]
    assert build_matrix(ws, [], locale="en").header[0][-2:] == ["Fire", "ghost"]


def test_by_department_transposes(make_workspace: Callable[..., Path]) -> None:
    ws = load_workspace(make_workspace(second_plan()))
    by_duty = build_matrix(ws, [], by="duty", locale="zh-CN")
    by_dept = build_matrix(ws, [], by="department", locale="zh-CN")
    assert by_dept.by == "department"
    assert by_dept.lead == 1
    assert by_dept.header == [
        ["预案", "重大案件处置预案", "重大案件处置预案", "水域预案"],
        ["阶段", "先期处置（5分钟内）", "专业处置（30分钟内）", "救援"],
        ["职责", "封控现场", "医疗救护", "水上搜救"],
    ]
    assert by_dept.rows == [
        ["市公安局", "A/R", "R", "R"],
        ["市卫健委", "", "A/R", "A"],
        ["市政府", "", "I", "C"],
    ]
    grid = [*by_duty.header, *by_duty.rows]
    assert [*by_dept.header, *by_dept.rows] == [list(col) for col in zip(*grid, strict=True)]


def test_empty_workspace_renders_every_format(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({"plans/plan.yaml": None, "plans/drill.yaml": None}, base=True)
    for by in ("duty", "department"):
        for fmt in FORMATS:
            result = run(root, "matrix", "--by", by, "--format", fmt)
            assert result.exit_code == 0, result.output
            text = result.stdout_bytes.decode("utf-8-sig")
            assert text.startswith("预案") if fmt == "csv" else "全部预案" in text


# --- errors ---------------------------------------------------------------------------------

def test_unknown_plan_exits_2_with_a_suggestion(make_workspace: Callable[..., Path]) -> None:
    result = run(make_workspace(), "matrix", "major-incidnt")
    assert result.exit_code == 2
    assert result.stdout_bytes == b""
    assert "there is no plan 'major-incidnt' (did you mean 'major-incident'?)" in result.stderr
    assert "Traceback" not in result.output


def test_invalid_plan_is_not_used(make_workspace: Callable[..., Path]) -> None:
    broken = BASE["plans/plan.yaml"].replace("status: approved", "status: approvd")
    root = make_workspace({"plans/plan.yaml": broken})
    result = run(root, "matrix", "major-incident")
    assert result.exit_code == 2
    assert "plan 'major-incident' has errors" in result.stderr
    with pytest.raises(UnknownDocument):
        build_matrix(load_workspace(root), ["major-incident"])
    assert build_matrix(load_workspace(root), []).rows == []


# --- CSV --------------------------------------------------------------------------------------

def test_csv_has_a_bom_and_neutralises_formulas(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(second_plan('=HYPERLINK("http://evil.example","x")'))
    result = run(root, "matrix", "--format", "csv")
    assert result.exit_code == 0, result.output
    data = result.stdout_bytes
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.count(b"\xef\xbb\xbf") == 1
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["预案", "阶段", "职责", "市公安局", "市卫健委", "市政府"]
    assert rows[-1] == ["水域预案", "救援", "'=HYPERLINK(\"http://evil.example\",\"x\")",
                        "R", "A", "C"]
    assert b"\r\n" in data


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_spreadsheet_safe_prefixes_formula_starts(text: str) -> None:
    assert spreadsheet_safe(text) == "'" + text


@pytest.mark.parametrize("text", ["封控现场", "A/R", "", "1-2", "a=b"])
def test_spreadsheet_safe_leaves_plain_text(text: str) -> None:
    assert spreadsheet_safe(text) == text


# --- HTML and Markdown ----------------------------------------------------------------------

def test_html_escapes_data_and_never_runs_it_as_a_template(
        make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(second_plan("<script>alert(1)</script> {{ 7*7 }}"))
    result = run(root, "--locale", "en", "matrix", "--format", "html")
    assert result.exit_code == 0, result.output
    page = result.stdout_bytes.decode("utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in page
    assert "49" not in page


def test_html_is_a_complete_accessible_offline_page(make_workspace: Callable[..., Path]
                                                     ) -> None:
    result = run(make_workspace(), "--locale", "en", "matrix", "major-incident",
                 "--format", "html")
    page = result.stdout_bytes.decode("utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in page
    assert "<caption>Responsibility matrix: Major incident plan</caption>" in page
    assert '<th scope="col">Public Security Bureau</th>' in page
    assert '<th scope="row">Seal off the scene</th>' in page
    assert '<td class="role role-a">A/R</td>' in page
    assert "<dt>A</dt><dd>Accountable</dd>" in page
    assert page.rstrip().endswith("</html>")
    for external in ("http:", "https:", "src=", "href=", "@import"):
        assert external not in page


def test_workspace_template_overrides_the_builtin(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace({"templates/matrix.html": """\
        <p>{{ matrix.caption }}: {{ matrix.rows | length }} {{ labels.duties }}</p>
        """})
    result = run(root, "matrix", "--format", "html")
    assert result.exit_code == 0, result.output
    assert result.stdout_bytes.decode() == "<p>职责分工矩阵：全部预案: 2 职责</p>\n"


def test_markdown_cells_cannot_break_the_table(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace(second_plan("a|b <br> *c*"))
    result = run(root, "matrix", "--format", "markdown")
    line = next(x for x in result.stdout_bytes.decode().splitlines() if "水域预案" in x)
    assert r"a\|b \<br\> \*c\*" in line
    assert line.count(" | ") == 5


def test_output_file(make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    target = tmp_path / "matrix.csv"
    result = run(make_workspace(), "matrix", "--format", "csv", "-o", str(target))
    assert result.exit_code == 0
    assert result.stdout_bytes == b""
    assert target.read_bytes().startswith(b"\xef\xbb\xbf\xe9\xa2\x84\xe6\xa1\x88")  # BOM 预案


# --- the sample workspace ---------------------------------------------------------------------

@pytest.mark.parametrize("fmt", FORMATS)
def test_sample_workspace_every_plan(fmt: str) -> None:
    ws = load_workspace(REPO)
    duties = sum(len(plan.duties) for plan in ws.plans.values())
    matrix = build_matrix(ws, [], locale="zh-CN")
    assert len(matrix.rows) == duties > 0
    assert {row[0] for row in matrix.rows} == {
        plan.title["zh-CN"] for plan in ws.plans.values()}
    result = run(REPO, "matrix", "--format", fmt)
    assert result.exit_code == 0, result.output
    assert render_matrix(matrix, fmt).encode() == result.stdout_bytes


def test_sample_workspace_one_plan_by_department() -> None:
    ws = load_workspace(REPO)
    plan = ws.plans["major-incident"]
    matrix = build_matrix(ws, ["major-incident"], by="department", locale="en")
    assert len(matrix.header) == 2  # phase, duty
    assert len(matrix.header[0]) == 1 + len(plan.duties)
    police = next(row for row in matrix.rows if row[0] == "公安")
    cordon = [d.id for d in plan.duties].index("cordon")
    assert police[1 + cordon] == "A/R"


def test_unknown_format_is_a_programming_error() -> None:
    ws = load_workspace(REPO)
    with pytest.raises(ValueError):
        render_matrix(build_matrix(ws, []), "xlsx")
    with pytest.raises(ValueError):
        build_matrix(ws, [], by="phase")

