"""parent-cycle: departments whose parent chain loops."""

from __future__ import annotations

RULE = "parent-cycle"


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def departments(*pairs: tuple[str, str | None]) -> str:
    """One exempt department per (id, parent), five lines each."""
    docs = []
    for ident, parent in pairs:
        docs.append(f"kind: department\nid: {ident}\nname: {ident}\n"
                    f"parent: {parent or 'null'}\nexempt: 测试\n")
    return "---\n".join(docs)


def test_self_parent(findings):
    found = findings({"plans/org.yaml": departments(("office", "office"))}, rule=RULE)
    assert [place(f) for f in found] == [("plans/org.yaml", 4, 9, "error", RULE)]
    assert "department 'office'" in found[0].message
    assert "office → office" in found[0].message


def test_two_departments_parent_each_other(findings):
    found = findings({"plans/org.yaml": departments(("office", "bureau"),
                                                    ("bureau", "office"))}, rule=RULE)
    assert [place(f) for f in found] == [("plans/org.yaml", 4, 9, "error", RULE)]
    assert "office → bureau → office" in found[0].message


def test_loop_is_reported_once_at_its_first_department_in_path_order(findings):
    found = findings({
        "plans/b.yaml": departments(("bureau", "office")),
        "plans/a.yaml": departments(("section", "bureau")),
        "plans/c.yaml": departments(("office", "section")),
    }, rule=RULE)
    assert [place(f) for f in found] == [("plans/a.yaml", 4, 9, "error", RULE)]
    assert "section → bureau → office → section" in found[0].message


def test_department_leading_into_a_loop_is_not_the_loop(findings):
    found = findings({"plans/org.yaml": departments(
        ("team", "office"), ("office", "bureau"), ("bureau", "office"))}, rule=RULE)
    # team (line 1) hangs under the loop office ↔ bureau, reported at office (line 7).
    assert [place(f) for f in found] == [("plans/org.yaml", 10, 9, "error", RULE)]
    assert "team" not in found[0].message


def test_two_separate_loops_are_two_findings(findings):
    found = findings({"plans/org.yaml": departments(
        ("a", "b"), ("b", "a"), ("c", "c"))}, rule=RULE)
    assert [place(f) for f in found] == [("plans/org.yaml", 4, 9, "error", RULE),
                                         ("plans/org.yaml", 16, 9, "error", RULE)]


def test_chain_ending_at_a_root_passes(findings):
    assert findings({"plans/org.yaml": departments(
        ("team", "office"), ("office", "bureau"), ("bureau", None))}, rule=RULE) == []


def test_parent_that_does_not_exist_is_not_a_loop(findings):
    assert findings({"plans/org.yaml": departments(("office", "nowhere"))},
                    rule=RULE) == []


def test_existing_departments_with_a_parent_pass(findings):
    assert findings({"plans/org.yaml": departments(("office", "city-gov"))},
                    rule=RULE) == []
