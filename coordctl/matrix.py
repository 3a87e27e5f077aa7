"""The responsibility matrix: duties × departments with R/A/C/I (DESIGN §3 ``matrix``).

``build_matrix`` turns valid plans into a grid of text cells (header rows, body rows, how
many leading columns label a row); ``render_matrix`` only lays that grid out as a
terminal table, Markdown, CSV or an HTML page. ``--by department`` is the exact
transpose of the grid by duty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMATS = ("table", "markdown", "csv", "html")
BY = ("duty", "department")

#: The role letters, in the order a cell shows them: a department both accountable and
#: responsible for a duty shows ``A/R``.
ROLES = (("A", "accountable"), ("R", "responsible"), ("C", "consulted"), ("I", "informed"))

#: A spreadsheet runs a cell starting with one of these as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Matrix:
    """A responsibility matrix as text cells, ready to lay out in any format."""

    caption: str
    #: Header rows; by duty one row (lead labels, then departments), by department one
    #: row per lead label (plan, phase, duty), each starting with that label.
    header: list[list[str]]
    rows: list[list[str]]
    #: How many leading columns of each row label it (the rest are role cells).
    lead: int
    #: (letter, meaning) for A, R, C, I.
    legend: list[tuple[str, str]]
    by: str
    locale: str
    #: Workspace whose ``templates/`` may override the built-in HTML template.
    templates_root: Path | None = None


def role_letters(duty: Any, department: str) -> str:
    """The roles of ``department`` in ``duty`` as letters: ``A``, ``A/R``, ``C``, ``""``."""
    held = {
        "A": duty.accountable == department,
        "R": department in duty.doers,
        "C": department in duty.consulted,
        "I": department in duty.informed,
    }
    return "/".join(letter for letter, _ in ROLES if held[letter])


def roles_by_department(duty: Any) -> dict[str, str]:
    """``role_letters`` of every department with a role in ``duty``, at once (a matrix
    row asks for each of its columns; a duty card for one department)."""
    held: dict[str, list[str]] = {}
    for letter, departments in (("A", (duty.accountable,)), ("R", duty.doers),
                                ("C", duty.consulted), ("I", duty.informed)):
        for dept in dict.fromkeys(departments):
            held.setdefault(dept, []).append(letter)
    return {dept: "/".join(letters) for dept, letters in held.items()}


def involved(duty: Any) -> list[str]:
    """Every department with a role in ``duty``: accountable, responsible, consulted,
    informed, each once, in that order."""
    seen: dict[str, None] = {}
    for dept in [duty.accountable, *duty.doers, *duty.consulted, *duty.informed]:
        seen.setdefault(dept, None)
    return list(seen)


def department_label(ws: Any, ident: str, locale: str) -> str:
    """A department's short name if it has one, else its name; the id when it is not a
    valid department."""
    from coordctl.values import localize

    dept = ws.departments.get(ident)
    if dept is None:
        return ident
    return localize(dept.short, locale) or localize(dept.name, locale)


def phase_text(name: str, within: Any, locale: str) -> str:
    """A phase name with its time target (a ``Duration`` or None): "先期处置（5分钟内）"."""
    from coordctl.render import duration_in_words, labels

    if within is None:
        return name
    return labels(locale)["phase_within"].format(
        phase=name, within=duration_in_words(within, locale))


def phase_label(plan: Any, phase_id: str, locale: str) -> str:
    """The text of ``plan``'s phase ``phase_id``: its name and time target, or the id
    when the plan has no such phase."""
    from coordctl.values import localize

    phase = plan.phase(phase_id)
    if phase is None:
        return phase_id
    return phase_text(localize(phase.name, locale), phase.within, locale)


def build_matrix(ws: Any, plan_ids: list[str], by: str = "duty",
                 locale: str = "zh-CN") -> Matrix:
    """The matrix of the plans ``plan_ids`` (every plan when empty), rows by duty or by
    department.

    Rows follow plan file order and duty order. Columns are the departments with a role
    in those duties, in workspace order, then ids that name no valid department. An
    unknown plan id raises ``UnknownDocument``.
    """
    from coordctl.render import document, labels
    from coordctl.values import localize

    if by not in BY:
        raise ValueError(f"by must be one of {BY}, not {by!r}")
    words = labels(locale)
    chosen = {(plan := document(ws, "plan", ident)).id: plan for ident in plan_ids}
    wanted = set(chosen)
    # in file order, found by position (a plan's page must not look through every plan)
    plans = sorted(chosen.values(), key=lambda p: ws.positions("plan")[p.id]) if chosen \
        else list(ws.plans.values())
    duties = [(plan, duty) for plan in plans for duty in plan.duties]

    named: dict[str, None] = {}
    for _, duty in duties:
        for dept in involved(duty):
            named.setdefault(dept, None)
    # in workspace order, found by position (a province has 1,000 departments)
    order = ws.positions("department")
    columns = sorted((d for d in named if d in order), key=order.__getitem__)
    columns += [d for d in named if d not in order]

    show_plan = len(wanted) != 1
    lead_header = ([words["plan"]] if show_plan else []) + [words["phase"], words["duty"]]
    header = lead_header + [department_label(ws, d, locale) for d in columns]
    rows = []
    for plan, duty in duties:
        lead = [localize(plan.title, locale)] if show_plan else []
        lead += [phase_label(plan, duty.phase, locale), localize(duty.task, locale)]
        held = roles_by_department(duty)
        rows.append(lead + [held.get(d, "") for d in columns])

    if len(wanted) == 1:
        what = localize(plans[0].title, locale)
    elif wanted:
        what = words["list_separator"].join(localize(p.title, locale) for p in plans)
    else:
        what = words["all_plans"]
    caption = words["matrix_caption"].format(matrix=words["matrix"], what=what)
    legend = [(letter, words[role]) for letter, role in ROLES]
    grid = Matrix(caption, [header], rows, len(lead_header), legend, "duty", locale, ws.root)
    return grid if by == "duty" else transpose(grid)


def transpose(matrix: Matrix) -> Matrix:
    """The matrix with rows and columns swapped: lead columns become header rows."""
    grid = [*matrix.header, *matrix.rows]
    flipped = [list(column) for column in zip(*grid, strict=True)] if grid and grid[0] else []
    by = "department" if matrix.by == "duty" else "duty"
    return Matrix(matrix.caption, flipped[:matrix.lead], flipped[matrix.lead:],
                  len(matrix.header), matrix.legend, by, matrix.locale,
                  matrix.templates_root)


# --- formats ---------------------------------------------------------------------------

def render_matrix(matrix: Matrix, fmt: str) -> str:
    """The matrix as ``table`` (terminal), ``markdown``, ``csv`` or ``html``."""
    renderers = {"table": _table, "markdown": _markdown, "csv": _csv, "html": _html}
    if fmt not in renderers:
        raise ValueError(f"format must be one of {FORMATS}, not {fmt!r}")
    return renderers[fmt](matrix)


def _legend_line(matrix: Matrix) -> str:
    from coordctl.render import labels

    words = labels(matrix.locale)
    items = words["list_separator"].join(words["legend_item"].format(letter=letter, meaning=meaning)
                      for letter, meaning in matrix.legend)
    return words["legend_line"].format(legend=words["legend"], items=items)


def _tabulate(matrix: Matrix, tablefmt: str, cell: Any, line_break: str) -> str:
    from tabulate import tabulate

    width = len(matrix.header[0]) if matrix.header else 0
    headers = [line_break.join(cell(row[i]) for row in matrix.header) for i in range(width)]
    body = [[cell(text) for text in row] for row in matrix.rows]
    align = ["left"] * matrix.lead + ["center"] * (width - matrix.lead)
    return tabulate(body, headers=headers, tablefmt=tablefmt, colalign=align or None,
                    disable_numparse=True)


def _table(matrix: Matrix) -> str:
    table = _tabulate(matrix, "simple", str, "\n")
    return f"{matrix.caption}\n\n{table}\n\n{_legend_line(matrix)}\n"


def _markdown(matrix: Matrix) -> str:
    from coordctl.render import markdown_cell

    table = _tabulate(matrix, "pipe", markdown_cell, "<br>")
    return (f"# {markdown_cell(matrix.caption)}\n\n{table}\n\n"
            f"{markdown_cell(_legend_line(matrix))}\n")


def spreadsheet_safe(text: str) -> str:
    """``text`` that a spreadsheet shows rather than runs: a leading apostrophe before
    ``=``, ``+``, ``-``, ``@``, tab or carriage return."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _csv(matrix: Matrix) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in [*matrix.header, *matrix.rows]:
        writer.writerow([spreadsheet_safe(text) for text in row])
    return "\ufeff" + buffer.getvalue()  # the BOM makes Excel read UTF-8 (Chinese)


def _html(matrix: Matrix) -> str:
    from coordctl.render import environment, labels

    template = environment(matrix.templates_root).get_template("matrix.html")
    return template.render(matrix=matrix, labels=labels(matrix.locale),
                           lang=matrix.locale)
