"""workspace: finding and loading a workspace, which files count, lookups and settings."""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import pytest
from conftest import BASE, SETTINGS, TODAY, write_workspace

from coordctl.errors import CoordctlError, WorkspaceNotFound
from coordctl.source import DirectorySource, find_root
from coordctl.workspace import load, open_workspace

DEPT = """\
kind: department
id: {id}
name: {id}
exempt: test
"""


def dept(ident: str) -> str:
    return DEPT.format(id=ident)


def paths_of(ws) -> list[str]:
    return sorted({e.path for e in ws.entries})


# --- finding the workspace ---------------------------------------------------------------

def test_found_from_a_sub_folder_upwards(make_workspace, monkeypatch):
    root = make_workspace()
    deep = root / "plans" / "a" / "b"
    deep.mkdir(parents=True)
    monkeypatch.chdir(deep)
    ws = open_workspace()
    assert ws.root == root.resolve()
    assert "police" in ws.departments
    assert find_root(deep) == root.resolve()


def test_the_nearest_workspace_upwards_wins(make_workspace, monkeypatch):
    outer = make_workspace()
    inner = write_workspace(outer / "nested", {"plans/x.yaml": dept("only-inner")})
    monkeypatch.chdir(inner / "plans")
    ws = open_workspace()
    assert ws.root == inner.resolve()
    assert list(ws.departments) == ["only-inner"]


def test_dash_c_uses_only_that_folder(make_workspace):
    root = make_workspace()
    assert open_workspace(root, explicit=True).root == root.resolve()
    with pytest.raises(WorkspaceNotFound) as caught:
        open_workspace(root / "plans", explicit=True)
    message = str(caught.value)
    assert str((root / "plans").resolve()) in message
    assert "above" not in message  # it did not look upwards
    assert "-C DIR" in message


def test_no_workspace_is_a_coordctl_error_with_advice(tmp_path, monkeypatch):
    empty = tmp_path / "empty" / "deeper"
    empty.mkdir(parents=True)
    monkeypatch.chdir(empty)
    with pytest.raises(CoordctlError) as caught:
        open_workspace()
    assert isinstance(caught.value, WorkspaceNotFound)
    assert caught.value.exit_code == 2
    assert "coordctl init" in str(caught.value)
    assert "or any folder above it" in str(caught.value)


def test_dash_c_pointing_at_a_file_or_nothing(make_workspace):
    root = make_workspace()
    with pytest.raises(WorkspaceNotFound, match="is not a directory"):
        open_workspace(root / "coordctl.yaml", explicit=True)
    with pytest.raises(WorkspaceNotFound, match="is not a directory"):
        open_workspace(root / "missing", explicit=True)


def test_a_folder_named_coordctl_yaml_is_not_a_workspace(tmp_path):
    (tmp_path / "w" / "coordctl.yaml").mkdir(parents=True)
    with pytest.raises(WorkspaceNotFound):
        find_root(tmp_path / "w", explicit=True)


# --- which files are read ------------------------------------------------------------------

def test_yaml_and_yml_in_nested_folders_are_loaded_and_other_files_ignored(make_workspace):
    root = make_workspace({
        "plans/one.yml": dept("one"),
        "plans/deep/er/two.yaml": dept("two"),
        "plans/deep/three.YML.txt": dept("three"),
        "plans/notes.txt": dept("four"),
        "plans/data.json": '{"kind": "department"}',
        "plans/backup.yaml.bak": dept("five"),
        "plans/README.md": "# plans\n",
        "plans/six.yaml~": dept("six"),
        "outside-plans.yaml": dept("seven"),
        "templates/eight.yaml": dept("eight"),
    })
    ws = load(root, today=TODAY)
    assert {"one", "two"} <= set(ws.departments)
    assert not {"three", "four", "five", "six", "seven", "eight"} & set(ws.departments)
    assert "plans/one.yml" in paths_of(ws)
    assert "plans/deep/er/two.yaml" in paths_of(ws)
    assert ws.findings == []


def test_files_are_read_in_sorted_order_with_posix_paths(make_workspace):
    root = make_workspace({"plans/b/z.yaml": dept("z"), "plans/a/y.yaml": dept("y")},
                          base=False)
    assert DirectorySource(root).files() == ["plans/a/y.yaml", "plans/b/z.yaml"]


def test_hidden_folders_and_files_are_skipped(make_workspace):
    root = make_workspace({
        "plans/.drafts/hidden.yaml": dept("hidden-folder"),
        "plans/sub/.git/config.yaml": dept("git-folder"),
        "plans/.hidden.yaml": dept("hidden-file"),
        "plans/sub/visible.yaml": dept("visible"),
    })
    ws = load(root, today=TODAY)
    assert "visible" in ws.departments
    assert not {"hidden-folder", "git-folder", "hidden-file"} & set(ws.departments)


def test_no_plans_folder_is_an_empty_workspace(tmp_path):
    root = write_workspace(tmp_path / "w", {})
    ws = load(root, today=TODAY)
    assert ws.entries == []
    assert ws.findings == []


def test_a_symlink_out_of_the_workspace_is_not_followed(make_workspace, tmp_path):
    outside = tmp_path / "elsewhere"
    (outside / "dir").mkdir(parents=True)
    (outside / "evil.yaml").write_text(dept("outside-file"), encoding="utf-8")
    (outside / "dir" / "evil.yaml").write_text(dept("outside-dir"), encoding="utf-8")
    root = make_workspace()
    (root / "plans" / "link.yaml").symlink_to(outside / "evil.yaml")
    (root / "plans" / "linkdir").symlink_to(outside / "dir", target_is_directory=True)
    ws = load(root, today=TODAY)
    assert "outside-file" not in ws.departments
    assert "outside-dir" not in ws.departments
    assert not any("link" in p for p in paths_of(ws))


def test_a_symlink_to_a_file_inside_the_workspace_is_read(make_workspace):
    root = make_workspace({"shared/inside.yaml": dept("shared-dept")})
    (root / "plans" / "inside.yaml").symlink_to(Path("..") / "shared" / "inside.yaml")
    ws = load(root, today=TODAY)
    assert "shared-dept" in ws.departments
    assert ws.entry("department", "shared-dept").path == "plans/inside.yaml"


def test_a_symlink_loop_is_an_error_not_a_hang(make_workspace):
    root = make_workspace()
    os.symlink("loop.yaml", root / "plans" / "loop.yaml")
    with pytest.raises(CoordctlError, match=r"plans/loop\.yaml"):
        load(root, today=TODAY)


# --- loading collects -----------------------------------------------------------------------

def test_one_bad_file_does_not_hide_the_others(make_workspace):
    root = make_workspace({"plans/bad.yaml": "kind: [\n", "plans/zz.yaml": dept("later")})
    ws = load(root, today=TODAY)
    assert "later" in ws.departments
    assert [(f.path, f.rule) for f in ws.findings] == [("plans/bad.yaml", "yaml-syntax")]


def test_documents_before_a_syntax_error_in_the_same_file_load(make_workspace):
    root = make_workspace({"plans/two.yaml": dept("first") + "---\n" + "kind: [\n"})
    ws = load(root, today=TODAY)
    assert "first" in ws.departments
    [finding] = ws.findings
    assert (finding.path, finding.rule) == ("plans/two.yaml", "yaml-syntax")
    assert finding.line >= 6


def test_a_document_with_schema_errors_still_exists(make_workspace):
    root = make_workspace({"plans/broken.yaml": "kind: department\nid: broken\nnaem: x\n"})
    ws = load(root, today=TODAY)
    assert ws.exists("department", "broken")
    assert "broken" not in ws.departments
    assert [e.id for e in ws.broken("department")] == ["broken"]
    assert ws.entry("department", "broken").model is None
    assert {f.rule for f in ws.findings} == {"schema"}


def test_duplicates_keep_the_first_and_remember_the_second(make_workspace):
    root = make_workspace({"plans/a.yaml": dept("twin"), "plans/b.yaml": dept("twin")})
    ws = load(root, today=TODAY)
    [(second, first)] = ws.duplicates
    assert (first.path, second.path) == ("plans/a.yaml", "plans/b.yaml")
    assert ws.entry("department", "twin") is first
    assert ws.ids("department").count("twin") == 1


def test_entry_positions(make_workspace):
    ws = load(make_workspace(), today=TODAY)
    plan = ws.entry("plan", "major-incident")
    assert (plan.path, plan.line, plan.column) == ("plans/plan.yaml", 1, 1)
    assert plan.at("duties", 1, "accountable") == (23, 18)
    assert plan.at("duties", 1, "accountable", key=True) == (23, 5)
    assert plan.at() == (1, 1)
    assert plan.ref == "plan/major-incident"
    police = ws.entry("department", "police")
    assert (police.line, police.column) == (1, 1)
    health = ws.entry("department", "health")
    assert (health.path, health.line) == ("plans/departments.yaml", 8)


# --- lookups ----------------------------------------------------------------------------

def test_lookups_by_kind_and_id(make_workspace):
    ws = load(make_workspace(), today=TODAY)
    assert list(ws.departments) == ["police", "health", "city-gov"]
    assert list(ws.plans) == ["major-incident"]
    assert list(ws.meetings) == ["analysis"]
    assert list(ws.drills) == ["tabletop-2027"]
    assert list(ws.actions) == ["a-001"]
    assert ws.exists("department", "police")
    assert not ws.exists("department", "fire")
    assert not ws.exists("plan", "police")  # ids are per kind
    assert ws.entry("drill", "nope") is None
    assert ws.departments["police"].email == "duty@police.example"
    assert ws.today == TODAY


def test_holdings_are_accountable_or_responsible_duties(make_workspace):
    ws = load(make_workspace(), today=TODAY)
    held = {dept: [duty.id for _, duty in items] for dept, items in ws.holdings.items()}
    assert held == {"police": ["cordon", "triage"], "health": ["triage"]}
    assert "city-gov" not in ws.holdings  # only informed


def test_consulted_and_informed_do_not_hold_a_duty(make_workspace):
    plan = BASE["plans/plan.yaml"].replace(
        "            informed: [city-gov]\n",
        "            informed: [city-gov]\n            consulted: [city-gov]\n")
    ws = load(make_workspace({"plans/plan.yaml": plan}), today=TODAY)
    assert "city-gov" not in ws.holdings


def test_drill_participants_default_to_the_plans_duty_holders(make_workspace):
    ws = load(make_workspace(), today=TODAY)
    drill = ws.drills["tabletop-2027"]
    assert drill.participants is None
    assert ws.drill_participants(drill) == ["police", "health"]
    assert ws.plan_holders(ws.plans["major-incident"]) == ["police", "health"]


def test_listed_drill_participants_are_kept(make_workspace):
    drill = BASE["plans/drill.yaml"] + "participants: [health, city-gov]\n"
    ws = load(make_workspace({"plans/drill.yaml": drill}), today=TODAY)
    assert ws.drill_participants(ws.drills["tabletop-2027"]) == ["health", "city-gov"]


def test_drill_of_an_unknown_plan_has_no_default_participants(make_workspace):
    drill = BASE["plans/drill.yaml"].replace("plan: major-incident", "plan: nope")
    ws = load(make_workspace({"plans/drill.yaml": drill}), today=TODAY)
    assert ws.drill_participants(ws.drills["tabletop-2027"]) == []


def test_occurrences_of_a_meeting_in_the_workspace_zone(make_workspace):
    ws = load(make_workspace(), today=TODAY)
    found = ws.occurrences(ws.meetings["analysis"].schedule, dt.datetime(2027, 9, 1),
                           dt.datetime(2027, 12, 1))
    # 5 October is skipped in the base meeting
    assert [o.start.date().isoformat() for o in found] == ["2027-09-07", "2027-11-02"]
    assert found[0].start.tzinfo is not None
    assert str(found[0].start.tzinfo) == "Asia/Shanghai"


def test_today_defaults_to_the_real_today(make_workspace):
    assert load(make_workspace()).today == dt.date.today()


# --- settings ------------------------------------------------------------------------------

MINIMAL_SETTINGS = "name: 测试\ntimezone: Asia/Shanghai\n"


def test_settings_defaults(make_workspace):
    ws = load(make_workspace(settings=MINIMAL_SETTINGS), today=TODAY)
    settings = ws.settings
    assert str(settings.policy.drill_every) == "P3Y"
    assert settings.policy.drill_every.years == 3
    assert settings.policy.review_every.years == 3
    assert settings.locale == "zh-CN"
    assert settings.calendar.blackout == []
    assert settings.calendar.reminders == []
    assert settings.check.ignore == []
    assert settings.smtp is None
    assert str(ws.tz) == "Asia/Shanghai"
    assert [f for f in ws.findings if f.path == "coordctl.yaml"] == []


def test_settings_as_written(make_workspace):
    ws = load(make_workspace(), today=TODAY)
    assert ws.settings.name == {"zh-CN": "测试市", "en": "Test City"}
    assert ws.settings.calendar.domain == "coord.test.example"
    assert [str(r) for r in ws.settings.calendar.blackout] == ["2027-10-01/2027-10-07"]
    assert ws.settings.calendar.reminders[0].days == 1


def test_a_settings_file_with_errors_still_loads_what_is_valid(make_workspace):
    settings = ("name: 测试\n"
                "timezone: Asia/Beijing\n"
                "locale: fr\n"
                "policy: {drill_every: P1Y, review_every: soon}\n"
                "colour: blue\n")
    ws = load(make_workspace(settings=settings), today=TODAY)
    about_settings = [(f.line, f.column, f.rule) for f in ws.findings
                      if f.path == "coordctl.yaml"]
    assert about_settings == [(2, 11, "schema"), (3, 9, "schema"), (4, 42, "schema"),
                              (5, 1, "schema")]
    # the good values apply, the bad ones fall back to their defaults
    assert ws.settings.name == "测试"
    assert str(ws.settings.policy.drill_every) == "P1Y"
    assert str(ws.settings.policy.review_every) == "P3Y"
    assert ws.settings.locale == "zh-CN"
    assert str(ws.tz) == "UTC"
    # and the documents are still read
    assert "police" in ws.departments


def test_a_settings_file_that_is_not_yaml_still_loads_the_documents(make_workspace):
    ws = load(make_workspace(settings="name: [\n"), today=TODAY)
    [finding] = [f for f in ws.findings if f.path == "coordctl.yaml"]
    assert finding.rule == "yaml-syntax"
    assert "police" in ws.departments
    assert str(ws.settings.policy.drill_every) == "P3Y"


@pytest.mark.parametrize("text, words", [
    ("", "must be a mapping"),
    ("- a\n- b\n", "must be a mapping"),
    ("just text\n", "must be a mapping"),
])
def test_settings_that_are_not_a_mapping(make_workspace, text, words):
    ws = load(make_workspace(settings=text), today=TODAY)
    [finding] = [f for f in ws.findings if f.path == "coordctl.yaml"]
    assert (finding.line, finding.column, finding.rule) == (1, 1, "schema")
    assert words in finding.message


def test_settings_hold_one_document(make_workspace):
    ws = load(make_workspace(settings=SETTINGS + "---\nname: again\n"), today=TODAY)
    [finding] = [f for f in ws.findings if f.path == "coordctl.yaml"]
    assert finding.line == 10
    assert "holds one document" in finding.message
    assert ws.settings.calendar.domain == "coord.test.example"


def test_missing_required_settings(make_workspace):
    ws = load(make_workspace(settings="locale: en\n"), today=TODAY)
    messages = sorted(f.message for f in ws.findings if f.path == "coordctl.yaml")
    assert messages == ["missing required field 'name'", "missing required field 'timezone'"]
    assert ws.settings.locale == "en"


def test_check_ignore_naming_an_unknown_rule(make_workspace):
    settings = MINIMAL_SETTINGS + "check:\n  ignore: [action-overdue, action-overdeu]\n"
    ws = load(make_workspace(settings=settings), today=TODAY)
    [finding] = [f for f in ws.findings if f.path == "coordctl.yaml"]
    assert (finding.line, finding.column) == (4, 28)
    assert "unknown rule 'action-overdeu'" in finding.message
    assert "did you mean 'action-overdue'" in finding.message
