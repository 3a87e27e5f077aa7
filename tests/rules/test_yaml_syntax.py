"""yaml-syntax: invalid YAML and duplicate keys are findings at their line, not crashes."""

from __future__ import annotations

from coordctl.rules import yaml_syntax

RULE = "yaml-syntax"


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def test_duplicate_key_is_reported_at_its_second_occurrence(findings):
    found = findings({"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: 海事局
        name: Maritime Safety Administration
        exempt: 只负责水上
        """}, rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 4, 1, "error", RULE)]
    assert "duplicate key 'name'" in found[0].message
    assert "line 3" in found[0].message


def test_duplicate_key_in_a_nested_mapping(findings):
    found = findings({"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: 海事局
        exempt: 只负责水上
        contacts:
          - role: 值班室
            phone: "0771-1"
            role: 办公室
        """}, rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 8, 5, "error", RULE)]
    assert "duplicate key 'role'" in found[0].message


def test_one_locale_map_instead_of_a_duplicate_key_passes(findings):
    assert findings({"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: {zh-CN: 海事局, en: Maritime Safety Administration}
        exempt: 只负责水上
        """}, rule=RULE) == []


def test_tab_indentation_is_one_finding_that_names_tabs(findings):
    found = findings({"plans/maritime.yaml": (
        "kind: department\n"
        "id: maritime\n"
        "name: 海事局\n"
        "exempt: 只负责水上\n"
        "contacts:\n"
        "\t- {role: 值班室, always: true}\n")}, rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 6, 1, "error", RULE)]
    assert "tab" in found[0].message


def test_tab_inside_a_block_mapping_names_tabs(findings):
    found = findings({"plans/maritime.yaml": (
        "kind: department\n"
        "id: maritime\n"
        "name: 海事局\n"
        "exempt: 只负责水上\n"
        "contacts:\n"
        "  - role: 值班室\n"
        "\t  always: true\n")}, rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 7, 1, "error", RULE)]
    assert "tab" in found[0].message


def test_space_indentation_passes(findings):
    assert findings({"plans/maritime.yaml": (
        "kind: department\n"
        "id: maritime\n"
        "name: 海事局\n"
        "exempt: 只负责水上\n"
        "contacts:\n"
        "  - {role: 值班室, always: true}\n")}, rule=RULE) == []


def test_syntax_error_points_at_its_line_and_column(findings):
    found = findings({"plans/maritime.yaml": """\
        kind: department
        id: maritime: bureau
        name: 海事局
        """}, rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 2, 13, "error", RULE)]
    assert "mapping values are not allowed" in found[0].message


def test_unclosed_flow_list_is_one_finding_where_reading_stopped(findings):
    found = findings({"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: 海事局
        tags: [water, port
        """}, rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 5, 1, "error", RULE)]
    assert "']'" in found[0].message


def test_syntax_error_in_coordctl_yaml_is_at_that_path(findings):
    settings = "name: 测试市\ntimezone: Asia/Shanghai\nlocale: [zh-CN\n"
    found = findings(rule=RULE, settings=settings)
    assert [place(f) for f in found] == [("coordctl.yaml", 4, 1, "error", RULE)]


def test_file_that_is_not_utf8(make_workspace):
    from conftest import TODAY

    from coordctl.check import check
    from coordctl.workspace import load

    root = make_workspace()
    (root / "plans" / "latin1.yaml").write_bytes(
        b"kind: department\nid: maritime\nname: Mar\xeetime\n")
    found = check(load(root, today=TODAY), select=[RULE]).findings
    assert [place(f) for f in found] == [("plans/latin1.yaml", 3, 10, "error", RULE)]
    assert "UTF-8" in found[0].message


def test_alias_bomb_is_refused_as_a_finding(findings):
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, "
              f"*a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}, *a{i - 1}]" for i in range(1, 8)]
    found = findings({"plans/bomb.yaml": "\n".join(lines) + "\n"}, rule=RULE)
    assert [(f.path, f.rule) for f in found] == [("plans/bomb.yaml", RULE)]
    assert "alias" in found[0].message


def test_module_metadata():
    assert yaml_syntax.ID == RULE
    assert yaml_syntax.SEVERITY == "error"


def test_tags_are_not_allowed(findings):
    found = findings({"plans/maritime.yaml": """\
        kind: department
        id: maritime
        name: !!python/name:os.system 海事局
        exempt: 只负责水上
        """}, rule=RULE)
    assert [place(f) for f in found] == [("plans/maritime.yaml", 3, 7, "error", RULE)]
    assert "tag" in found[0].message
