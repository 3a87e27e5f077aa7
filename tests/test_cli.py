"""The command line: exit codes, output formats, options, and no tracebacks for mistakes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import BASE, REPO, SETTINGS

from coordctl import __version__
from coordctl.cli import cli
from coordctl.rules import RULE_IDS

TODAY = "2026-11-28"
#: A date at which the base workspace has warnings only (an overdue action, a drill
#: in the past still planned) and no errors.
WARNING_DAY = "2027-07-15"

HEAVY_MODULES = ("yaml", "pydantic", "jinja2", "icalendar", "git")


def run(*args: str, today: str | None = TODAY) -> Result:
    """Invoke coordctl in-process; fail on any Python traceback."""
    argv = ([f"--today={today}"] if today else []) + list(args)
    result = CliRunner().invoke(cli, argv)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    assert "Traceback" not in result.output
    assert "Traceback" not in result.stderr
    return result


def check(root: Path, *args: str, today: str | None = TODAY) -> Result:
    return run("-C", str(root), "check", *args, today=today)


def json_findings(result: Result) -> list[dict]:
    return json.loads(result.stdout)["findings"]


def one_line_error(result: Result) -> str:
    """The single 'coordctl: error: ...' or click 'Error: ...' line on stderr."""
    lines = [line for line in result.stderr.splitlines() if "rror" in line]
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- exit codes -----------------------------------------------------------------------------

def test_clean_workspace_exits_0_with_a_summary_on_stderr(make_workspace):
    result = check(make_workspace())
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "no problems found" in result.stderr


def test_warnings_only_exit_0_and_1_with_strict(make_workspace):
    root = make_workspace()
    result = check(root, today=WARNING_DAY)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines and all(" warning " in line for line in lines)
    assert "0 errors, 2 warnings" in result.stderr
    assert check(root, "--strict", today=WARNING_DAY).exit_code == 1


def test_errors_exit_1(make_workspace):
    root = make_workspace({"plans/extra.yaml": "kind: department\nid: fire\nname: 消防\n"})
    result = check(root)
    assert result.exit_code == 1
    [line] = result.stdout.splitlines()
    assert line.startswith("plans/extra.yaml:2:5: error department-without-duty: "
                           "department 'fire' holds no duty")
    assert "1 error, 0 warnings" in result.stderr


def test_no_workspace_exits_2_with_one_line(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("check")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "no coordctl.yaml" in one_line_error(result)


def test_dash_c_to_a_folder_without_settings_exits_2(make_workspace):
    result = check(make_workspace() / "plans")
    assert result.exit_code == 2
    assert "no coordctl.yaml" in one_line_error(result)


@pytest.mark.parametrize("args, words", [
    (["check", "--bogus"], "No such option"),
    (["check", "--format", "xml"], "'xml' is not one of"),
    (["nonsense"], "No such command"),
    (["--locale", "fr", "check"], "'fr' is not one of"),
])
def test_bad_options_exit_2(make_workspace, args, words):
    result = run("-C", str(make_workspace()), *args)
    assert result.exit_code == 2
    assert words in result.stderr


@pytest.mark.parametrize("today", ["2027-13-01", "tomorrow", "2027/01/05", "27-1-5"])
def test_bad_today_exits_2(make_workspace, today):
    result = check(make_workspace(), today=today)
    assert result.exit_code == 2
    assert "is not a date: use YYYY-MM-DD" in result.stderr


@pytest.mark.parametrize("option", ["--select", "--ignore"])
def test_unknown_rule_exits_2_with_a_suggestion(make_workspace, option):
    result = check(make_workspace(), option, "schema,action-overdeu")
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "unknown rule 'action-overdeu' (did you mean 'action-overdue'?)" in line
    assert result.stdout == ""


def test_unknown_rule_is_refused_before_looking_for_a_workspace(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("check", "--select", "nope")
    assert result.exit_code == 2
    assert "unknown rule 'nope'" in one_line_error(result)


def test_unreadable_folder_exits_2(make_workspace):
    root = make_workspace({"plans/locked/x.yaml": "kind: department\n"})
    locked = root / "plans" / "locked"
    locked.chmod(0)
    try:
        if os.access(locked, os.R_OK):
            pytest.skip("running as root: a chmod 000 folder stays readable")
        result = check(root)
        assert result.exit_code == 2
        assert "cannot read" in one_line_error(result)
        assert "locked" in one_line_error(result)
    finally:
        locked.chmod(0o755)


def test_unreadable_settings_exit_2(make_workspace):
    root = make_workspace()
    settings = root / "coordctl.yaml"
    settings.chmod(0)
    try:
        if os.access(settings, os.R_OK):
            pytest.skip("running as root: a chmod 000 file stays readable")
        result = check(root)
        assert result.exit_code == 2
        assert "cannot read coordctl.yaml" in one_line_error(result)
    finally:
        settings.chmod(0o644)


def test_a_file_that_cannot_be_read_exits_2(make_workspace):
    # a symlink loop cannot be read by anyone, root included
    root = make_workspace()
    os.symlink("loop.yaml", root / "plans" / "loop.yaml")
    result = check(root)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "plans/loop.yaml" in line


def test_writing_to_a_missing_folder_exits_2(make_workspace, tmp_path):
    result = check(make_workspace(), "-o", str(tmp_path / "no" / "such" / "out.txt"))
    assert result.exit_code == 2
    assert "does not exist" in one_line_error(result)


# --- the problem inputs of the issue: one clear finding each ---------------------------------

BAD_INPUTS = {
    "not UTF-8": ("kind: department\nid: fire\nname: 消防\n".encode("gbk"), 3, "yaml-syntax",
                  "not valid UTF-8"),
    "empty": (b"", 1, "schema", "holds no document"),
    "only comments": (b"# kind: department\n# id: fire\n", 1, "schema", "holds no document"),
    "tab indent": (b"kind: department\nid: fire\ncontacts:\n\t- role: x\n", 4, "yaml-syntax",
                   "tab"),
    "no kind": (b"id: fire\nname: x\n", 1, "schema", "has no 'kind'"),
    "unknown kind": (b"kind: departmnt\nid: fire\nname: x\n", 1, "schema",
                     "unknown kind 'departmnt' (did you mean 'department'?)"),
    "list for a mapping": (
        "kind: meeting\nid: extra\ntitle: 会\nconvenor: police\n"
        "schedule:\n  - start: 2027-01-05T09:30\n".encode(), 6, "schema",
        "schedule: expected a mapping"),
    "a list as the document": (b"- kind: department\n  id: fire\n", 1, "schema",
                               "not a list"),
    "UTF-16": ("kind: department\n".encode("utf-16"), 1, "yaml-syntax", "UTF-16"),
    "only ---": (b"---\n", 1, "schema", "empty document"),
    "a duplicate key": (b"kind: department\nid: fire\nname: a\nexempt: b\nname: c\n", 5,
                        "yaml-syntax", "duplicate key 'name' (first at line 3)"),
}


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_each_bad_input_is_one_finding_with_path_and_line_and_exit_1(make_workspace, name):
    data, line, rule, words = BAD_INPUTS[name]
    root = make_workspace()
    (root / "plans" / "bad.yaml").write_bytes(data)
    result = check(root, "--format", "json")
    assert result.exit_code == 1
    [finding] = json_findings(result)
    assert finding["path"] == "plans/bad.yaml"
    assert finding["line"] == line
    assert finding["column"] >= 1
    assert finding["severity"] == "error"
    assert finding["rule"] == rule
    assert words in finding["message"]
    assert "\n" not in finding["message"]


def test_bad_input_in_text_format_reads_path_line_column(make_workspace):
    root = make_workspace()
    (root / "plans" / "bad.yaml").write_bytes(b"id: fire\nname: x\n")
    result = check(root)
    assert result.stdout == ("plans/bad.yaml:1:1: error schema: the document has no 'kind': "
                             "add kind: department | plan | meeting | drill | action\n")


# --- output formats -------------------------------------------------------------------------

MESSY = {
    # rules run in registry order (schema before unknown-ref): the output is sorted anyway
    "plans/b.yaml": "kind: department\nid: b1\nname: x\nexempt: y\nparent: nowhere\n---\n"
                    "kind: department\nid: b2\nname: x\nexempt: y\nnaem: z\ncolour: red\n",
    "plans/a.yaml": "kind: department\nid: a1\nname: x\nexempt: y\nzzz: 1\n---\nid: q\n",
    "plans/a/z.yaml": "kind: departmnt\n",
}


def test_json_has_the_exact_shape_and_is_sorted(make_workspace):
    root = make_workspace(MESSY)
    result = check(root, "--format", "json")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert list(document) == ["findings"]
    found = document["findings"]
    assert len(found) == 6
    for finding in found:
        assert list(finding) == ["path", "line", "column", "severity", "rule", "message"]
        assert isinstance(finding["line"], int) and isinstance(finding["column"], int)
        assert finding["line"] >= 1 and finding["column"] >= 1
    places = [(f["path"], f["line"], f["column"]) for f in found]
    assert places == sorted(places)
    assert places == [("plans/a.yaml", 5, 1), ("plans/a.yaml", 7, 1), ("plans/a/z.yaml", 1, 7),
                      ("plans/b.yaml", 5, 9), ("plans/b.yaml", 11, 1), ("plans/b.yaml", 12, 1)]
    assert [f["rule"] for f in found][3:] == ["unknown-ref", "schema", "schema"]


def test_json_of_a_clean_workspace_is_an_empty_list(make_workspace):
    result = check(make_workspace(), "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"findings": []}


def test_json_keeps_chinese_text_readable(make_workspace):
    root = make_workspace({"plans/x.yaml": "kind: department\nid: x\nname: 消防\n"})
    result = check(root, "--format", "json", "--select", "department-without-duty")
    assert "'x'" in result.stdout and "\\u" not in result.stdout
    json.loads(result.stdout)


def test_text_lines_match_the_json(make_workspace):
    root = make_workspace(MESSY)
    text = check(root).stdout.splitlines()
    found = json_findings(check(root, "--format", "json"))
    assert text == [f"{f['path']}:{f['line']}:{f['column']}: {f['severity']} {f['rule']}: "
                    f"{f['message']}" for f in found]


def test_github_annotations(make_workspace):
    root = make_workspace({"plans/x.yaml": "kind: department\nid: x\nname: y\nexempt: z\n"
                                           "colour: red\n"})
    result = check(root, "--format", "github")
    assert result.exit_code == 1
    assert result.stdout == ("::error file=plans/x.yaml,line=5,col=1,title=schema::"
                             "unknown field 'colour'\n")


def test_github_warnings_are_warning_annotations(make_workspace):
    result = check(make_workspace(), "--format", "github", today=WARNING_DAY)
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert all(line.startswith("::warning file=plans/") for line in lines)


def test_github_annotations_escape_properties_and_data(make_workspace):
    root = make_workspace({"plans/we,ird:100%.yaml":
                           "kind: department\nid: x\nname: y\nexempt: z\n'50%,a:b': 1\n"})
    result = check(root, "--format", "github")
    [line] = result.stdout.splitlines()
    assert line.startswith("::error file=plans/we%2Cird%3A100%25.yaml,line=5,col=1,"
                           "title=schema::")
    assert line.endswith("::unknown field '50%25,a:b'")


def test_github_escapes_newlines_in_messages():
    from coordctl.check import format_github
    from coordctl.findings import Finding

    out = format_github([Finding("p.yaml", 1, 2, "error", "schema", "a\nb\r%")])
    assert out == "::error file=p.yaml,line=1,col=2,title=schema::a%0Ab%0D%25\n"


# --- choosing rules ---------------------------------------------------------------------------

def rules_of(result: Result) -> set[str]:
    return {f["rule"] for f in json_findings(result)}


@pytest.fixture
def noisy(make_workspace) -> Path:
    """Errors of three rules and warnings of two at WARNING_DAY."""
    return make_workspace({
        "plans/extra.yaml": "kind: department\nid: fire\nname: 消防\n",       # without duty
        "plans/typo.yaml": "kind: department\nid: x\nname: y\nexempt: z\nq: 1\n",  # schema
        "plans/ref.yaml": BASE["plans/action.yaml"].replace("a-001", "a-002")
                          .replace("owner: police", "owner: polise"),          # unknown-ref
    })


def test_all_rules_run_by_default(noisy):
    assert rules_of(check(noisy, "--format", "json", today=WARNING_DAY)) == {
        "department-without-duty", "schema", "unknown-ref", "action-overdue",
        "drill-outcome-missing"}


def test_select_comma_separated_and_repeated(noisy):
    result = check(noisy, "--format", "json", "--select", "schema,unknown-ref",
                   "--select", "action-overdue", today=WARNING_DAY)
    assert rules_of(result) == {"schema", "unknown-ref", "action-overdue"}
    assert result.exit_code == 1


def test_select_only_warnings_exits_0(noisy):
    result = check(noisy, "--format", "json", "--select", "action-overdue", today=WARNING_DAY)
    assert rules_of(result) == {"action-overdue"}
    assert result.exit_code == 0


def test_ignore_comma_separated_and_repeated(noisy):
    result = check(noisy, "--format", "json", "--ignore", "schema, unknown-ref",
                   "--ignore", "department-without-duty", today=WARNING_DAY)
    assert rules_of(result) == {"action-overdue", "drill-outcome-missing"}
    assert result.exit_code == 0


def test_check_ignore_in_the_settings(make_workspace):
    settings = SETTINGS + "check:\n  ignore: [department-without-duty]\n"
    root = make_workspace({"plans/extra.yaml": "kind: department\nid: fire\nname: 消防\n"},
                          settings=settings)
    result = check(root, "--format", "json")
    assert json_findings(result) == []
    assert result.exit_code == 0
    # --select names what to run, settings or not
    selected = check(root, "--format", "json", "--select", "department-without-duty")
    assert rules_of(selected) == {"department-without-duty"}


def test_every_rule_id_is_accepted_by_select(make_workspace):
    result = check(make_workspace(), "--select", ",".join(RULE_IDS))
    assert result.exit_code == 0


# --- output file -------------------------------------------------------------------------------

def test_output_file_gets_the_findings_and_stdout_stays_empty(make_workspace, tmp_path):
    root = make_workspace(MESSY)
    target = tmp_path / "report.json"
    result = check(root, "--format", "json", "-o", str(target))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8")) == json.loads(
        check(root, "--format", "json").stdout)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".report.json")]


def test_output_file_in_text_format_and_summary_on_stderr(make_workspace, tmp_path):
    target = tmp_path / "report.txt"
    result = check(make_workspace(MESSY), "--output", str(target))
    assert result.stdout == ""
    assert target.read_text(encoding="utf-8").count("\n") == 6
    assert "6 errors, 0 warnings" in result.stderr


# --- version, help and imports --------------------------------------------------------------

def test_version():
    result = run("--version", today=None)
    assert result.exit_code == 0
    assert result.stdout.strip() == f"coordctl, version {__version__}"


def test_help_lists_check():
    result = run("--help", today=None)
    assert result.exit_code == 0
    assert "check" in result.stdout
    assert "Exit codes" in result.stdout


def _coordctl_command() -> list[str]:
    script = shutil.which("coordctl", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "coordctl"]


def _fresh(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    return subprocess.run(list(args), capture_output=True, text=True, timeout=60, cwd=cwd,
                          env=env, check=False)


def test_help_imports_no_heavy_module_in_a_fresh_interpreter():
    snippet = (
        "import sys\n"
        "from coordctl.cli import main\n"
        "sys.argv = ['coordctl', '--help']\n"
        "try:\n"
        "    main()\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('LOADED', sorted(m for m in {HEAVY_MODULES!r} if m in sys.modules))\n")
    done = _fresh(sys.executable, "-c", snippet)
    assert done.returncode == 0, done.stderr
    assert "Usage:" in done.stdout
    assert done.stdout.splitlines()[-1] == "LOADED []"


@pytest.mark.parametrize("args", [["--help"], ["check", "--help"], ["--version"]])
def test_python_m_coordctl_help_imports_no_heavy_module(args):
    done = _fresh(sys.executable, "-X", "importtime", "-m", "coordctl", *args)
    assert done.returncode == 0, done.stderr
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0]
                for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "coordctl" in imported  # the report is there
    assert not imported & set(HEAVY_MODULES), imported & set(HEAVY_MODULES)


def test_real_process_exit_codes_and_streams(make_workspace, tmp_path):
    command = _coordctl_command()
    clean = _fresh(*command, "-C", str(make_workspace()), f"--today={TODAY}", "check")
    assert (clean.returncode, clean.stdout) == (0, "")
    assert "no problems found" in clean.stderr
    bad = make_workspace({"plans/bad.yaml": "id: x\n"})
    failed = _fresh(*command, "-C", str(bad), f"--today={TODAY}", "check", "--format", "json")
    assert failed.returncode == 1
    assert json.loads(failed.stdout)["findings"][0]["path"] == "plans/bad.yaml"
    nowhere = _fresh(*command, "check", cwd=tmp_path)
    assert nowhere.returncode == 2
    assert nowhere.stdout == ""
    assert "Traceback" not in nowhere.stderr
    assert nowhere.stderr.startswith("coordctl: error: no coordctl.yaml")


def test_real_process_from_a_sub_folder_finds_the_workspace(make_workspace):
    root = make_workspace()
    done = _fresh(sys.executable, "-m", "coordctl", f"--today={TODAY}", "check",
                  cwd=root / "plans")
    assert done.returncode == 0, done.stderr


# --- the bundled sample ----------------------------------------------------------------------

def test_the_sample_workspace_checks_with_exit_0_and_no_errors():
    result = run("-C", str(REPO), "check", "--format", "json")
    assert result.exit_code == 0, result.stdout
    assert [f for f in json_findings(result) if f["severity"] == "error"] == []
