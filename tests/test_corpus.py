"""The corpus of nasty files (issue 7): what each one yields, through the real CLI.

Every case is put into its own copy of the BASE workspace (which passes every rule at
TODAY), so the findings of ``coordctl check`` are exactly the case's own. They are
compared with ``tests/golden/corpus/<case>.txt`` in the text format
(``PATH:LINE:COL: SEVERITY RULE: message``); run with ``COORDCTL_UPDATE_GOLDEN=1`` to
rewrite them. Whatever the case: no traceback, no "internal error", exit 1 exactly when
there is an error finding, and every finding has a path and a line and column >= 1.

The files are in ``tests/corpus/`` (see its README.md) as real bytes. Cases that are
large or cannot be kept in git well (10,000 documents, a line of several MB, files over
the size limit, symbolic links, odd file names) are made by the functions below.
Cases that could cost unbounded time or memory run in a subprocess under a memory limit
and a timeout (generous: the machine is shared, speed belongs in benchmarks/).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import BASE, SETTINGS, write_workspace
from golden import assert_golden

from coordctl.check import format_text
from coordctl.cli import cli
from coordctl.findings import Finding
from coordctl.workspace import load

CORPUS = Path(__file__).resolve().parent / "corpus"
TODAY = "2026-11-28"

#: Case file in tests/corpus/ -> the exit code of ``check``: 0 when it loads fine (a
#: user would expect it to), 1 when it is reported. ``settings-*`` files replace
#: coordctl.yaml; the others are copied to plans/ under their own name.
STORED = {
    "not-utf8.yaml": 1,
    "binary.yaml": 1,
    "bom.yaml": 0,
    "utf16.yaml": 1,
    "utf16-no-bom.yaml": 1,
    "crlf.yaml": 0,
    "cr-only.yaml": 0,
    "tabs.yaml": 1,
    "empty.yaml": 1,
    "only-comments.yaml": 1,
    "only-dashes.yaml": 1,
    "json.yaml": 0,
    "deep-nesting.yaml": 1,
    "python-tag.yaml": 1,
    "huge-integer.yaml": 1,
    "big-numbers.yaml": 1,
    "feb-30.yaml": 1,
    "far-years.yaml": 1,
    "rrule-out-of-range.yaml": 1,
    "tz-in-document.yaml": 1,
    "settings-unknown-tz.yaml": 1,
    "lookalike-chars.yaml": 1,
    "alias-bomb.yaml": 1,
    "secondly.yaml": 0,
    "count-billion.yaml": 0,
}
#: Cases that could cost unbounded time or memory: checked in a subprocess (below).
BOUNDED = ("alias-bomb.yaml", "secondly.yaml", "count-billion.yaml")


def test_every_corpus_file_is_a_case():
    on_disk = {p.name for p in CORPUS.iterdir()} - {"README.md", ".gitattributes"}
    assert on_disk == set(STORED)
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for name in (*STORED, *GENERATED, "many-documents", "long-line"):
        assert f"`{name}`" in readme, f"{name} is not described in tests/corpus/README.md"


# --- running the CLI ---------------------------------------------------------------------

def base_workspace(root: Path, settings: str | bytes = SETTINGS) -> Path:
    write_workspace(root, dict(BASE))
    data = settings.encode() if isinstance(settings, str) else settings
    (root / "coordctl.yaml").write_bytes(data)
    return root


def with_stored_case(root: Path, name: str) -> tuple[Path, str]:
    """The BASE workspace at ``root`` with the corpus file ``name``; and its path."""
    data = (CORPUS / name).read_bytes()
    if name.startswith("settings-"):
        return base_workspace(root, data), "coordctl.yaml"
    base_workspace(root)
    (root / "plans" / name).write_bytes(data)
    return root, f"plans/{name}"


def invoke(root: Path, *args: str) -> Result:
    result = CliRunner().invoke(cli, ["--today", TODAY, "-C", str(root), *args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    for stream in (result.stdout, result.stderr):
        assert "Traceback" not in stream and "internal error" not in stream, stream
    return result


def sound(findings: list[dict], exit_code: int) -> list[Finding]:
    """The findings, after checking what holds for any input."""
    out = [Finding(**f) for f in findings]
    for f in out:
        assert f.path and f.line >= 1 and f.column >= 1, f
        assert f.severity in ("error", "warning") and f.rule and f.message, f
        assert "\n" not in f.message, f
    assert out == sorted(out, key=lambda f: (f.path, f.line, f.column))
    assert exit_code == (1 if any(f.severity == "error" for f in out) else 0)
    return out


def check_case(root: Path, case: str) -> list[Finding]:
    """``coordctl check`` (json, then text) on ``root``; the golden of ``case`` is the text."""
    result = invoke(root, "check", "--format", "json")
    found = sound(json.loads(result.stdout)["findings"], result.exit_code)
    text = invoke(root, "check")  # from the cache the first run filled
    assert text.exit_code == result.exit_code
    assert text.stdout == format_text(found)
    assert len(text.stdout.splitlines()) == len(found)
    assert_golden(f"corpus/{case}.txt", text.stdout)
    return found


# --- the stored files ----------------------------------------------------------------------

@pytest.mark.parametrize("name", [n for n in STORED if n not in BOUNDED])
def test_stored_case(tmp_path, monkeypatch, name):
    root, path = with_stored_case(tmp_path / "ws", name)
    monkeypatch.chdir(root)
    found = check_case(root, name.removesuffix(".yaml"))
    assert {f.path for f in found} <= {path}  # nothing but the case's own
    assert (1 if any(f.severity == "error" for f in found) else 0) == STORED[name]
    # Outputs skip what is broken and carry on.
    assert invoke(root, "calendar").exit_code == 0
    assert invoke(root, "duties", "city-gov").exit_code == 0


@pytest.mark.parametrize("name, ident", [("bom.yaml", "bom"), ("crlf.yaml", "crlf"),
                                         ("cr-only.yaml", "cr-only"), ("json.yaml", "json")])
def test_files_that_load_fine_hold_clean_values(tmp_path, name, ident):
    root, _ = with_stored_case(tmp_path / "ws", name)
    department = load(root).departments[ident]
    assert department.name == "港务局"  # no BOM glued to a key, no stray '\r'
    assert department.exempt in ("测试", "test")


def test_python_tags_are_not_executed(tmp_path, monkeypatch):
    root, _ = with_stored_case(tmp_path / "ws", "python-tag.yaml")
    monkeypatch.chdir(root)
    for command in (["check"], ["build", "-o", str(tmp_path / "site")], ["calendar"]):
        invoke(root, *command)
    assert not list(tmp_path.rglob("pwned-by-coordctl"))


def test_an_unknown_time_zone_in_the_settings_leaves_outputs_working(tmp_path):
    root, _ = with_stored_case(tmp_path / "ws", "settings-unknown-tz.yaml")
    feed = invoke(root, "calendar")
    assert feed.exit_code == 0
    assert "BEGIN:VEVENT" in feed.stdout
    assert invoke(root, "render", "meeting/analysis").exit_code == 0


# --- bounded in time and memory --------------------------------------------------------------

#: Address space a bounded run may use, and how long it may take (generous on purpose).
MEMORY_LIMIT = 1536 * 2**20
TIMEOUT = 180

#: Runs several commands in one process (one start-up), each like ``coordctl ARGS``.
_DRIVER = """\
import json, sys
from click.testing import CliRunner
from coordctl.cli import cli
out = []
for args in json.loads(sys.argv[1]):
    result = CliRunner().invoke(cli, args)
    error = result.exception
    out.append({"args": args, "exit_code": result.exit_code, "stdout": result.stdout,
                "stderr": result.stderr,
                "exception": None if error is None or isinstance(error, SystemExit)
                else repr(error)})
print(json.dumps(out))
"""


def _limit_memory() -> None:  # pragma: no cover - runs in the child
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def many_documents(root: Path) -> str:
    """10,000 documents in one file; the last one has a typo, found at its line."""
    text = "".join(f"---\nkind: department\nid: d-{i:05}\nname: 部门{i}\nexempt: 测试\n"
                   for i in range(9_999))
    text += "---\nkind: department\nid: d-09999\nname: 部门9999\nexmpt: 测试\n"
    (root / "plans" / "many-documents.yaml").write_text(text, encoding="utf-8")
    return "plans/many-documents.yaml"


LONG_LINE_START = "{kind: department, id: long, name: x, exempt: test, description: \""


def long_line(root: Path) -> str:
    """One line of about 3 MB (a million three-byte characters), an unknown field at its
    end: the column counts characters."""
    line = LONG_LINE_START + "长" * 1_000_000 + "\", colour: blue}\n"
    (root / "plans" / "long-line.yaml").write_text(line, encoding="utf-8")
    return "plans/long-line.yaml"


def _bounded_cases() -> dict[str, tuple[Callable[[Path], str], tuple[str, ...]]]:
    def stored(name: str) -> Callable[[Path], str]:
        def write(root: Path) -> str:
            (root / "plans" / name).write_bytes((CORPUS / name).read_bytes())
            return f"plans/{name}"
        return write

    outputs = ("calendar", "render meeting/{}", "render meeting/{} --format html",
               "agenda {}", "invite meeting/{}")
    return {
        "alias-bomb": (stored("alias-bomb.yaml"), ()),
        "secondly": (stored("secondly.yaml"), outputs),
        "count-billion": (stored("count-billion.yaml"), outputs),
        "many-documents": (many_documents, ()),
        "long-line": (long_line, ()),
    }


@pytest.fixture(scope="module")
def bounded_runs(tmp_path_factory):
    """case -> (process, path of the case): every bounded case starts at once (they run
    side by side), each test waits for its own."""
    runs = {}
    for case, (write, outputs) in _bounded_cases().items():
        root = base_workspace(tmp_path_factory.mktemp(case) / "ws")
        path = write(root)
        common = ["--today", TODAY, "-C", str(root), "--no-cache"]
        commands = [[*common, "check", "--format", "json"]]
        commands += [[*common, *command.format(case).split()] for command in outputs]
        process = subprocess.Popen(
            [sys.executable, "-c", _DRIVER, json.dumps(commands)], cwd=root,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=_limit_memory)
        runs[case] = (process, path)
    yield runs
    for process, _ in runs.values():
        if process.poll() is None:
            process.kill()
            process.communicate()


def bounded(runs: dict, case: str) -> tuple[list[dict], str]:
    process, path = runs[case]
    try:
        stdout, stderr = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        pytest.fail(f"{case}: not done in {TIMEOUT} s")
    assert process.returncode == 0, f"{case}: {stderr[-2000:]}"  # not killed, no MemoryError
    results = json.loads(stdout)
    for result in results:
        assert result["exception"] is None, (result["args"], result["exception"])
        for stream in (result["stdout"], result["stderr"]):
            assert "Traceback" not in stream and "internal error" not in stream, stream
    return results, path


def test_the_memory_limit_bites():
    # Else the bounded cases below would prove nothing about memory.
    allocate = subprocess.run([sys.executable, "-c", f"bytearray({MEMORY_LIMIT})"],
                              capture_output=True, text=True, preexec_fn=_limit_memory,
                              timeout=TIMEOUT)
    assert allocate.returncode != 0
    assert "MemoryError" in allocate.stderr


@pytest.mark.parametrize("case", list(_bounded_cases()))
def test_bounded_case(bounded_runs, case):
    results, path = bounded(bounded_runs, case)
    check = results[0]
    found = sound(json.loads(check["stdout"])["findings"], check["exit_code"])
    assert {f.path for f in found} <= {path}
    assert_golden(f"corpus/{case}.txt", format_text(found))
    for output in results[1:]:
        assert output["exit_code"] == 0, (output["args"], output["stderr"])
        assert len(output["stdout"]) < 100_000, output["args"]  # a bounded listing


def test_alias_bomb_is_refused_with_a_clear_finding(bounded_runs):
    results, path = bounded(bounded_runs, "alias-bomb")
    [finding] = json.loads(results[0]["stdout"])["findings"]
    assert (finding["path"], finding["rule"]) == (path, "yaml-syntax")
    assert "alias bomb" in finding["message"]


@pytest.mark.parametrize("case, rule", [("secondly", "FREQ=SECONDLY"),
                                        ("count-billion", "FREQ=DAILY;COUNT=1000000000")])
def test_endless_repeats_stay_one_event_in_the_feed(bounded_runs, case, rule):
    results, _ = bounded(bounded_runs, case)
    feed = results[1]["stdout"]
    assert feed.count(f"UID:meeting-{case}@") == 1  # one event, not its occurrences
    assert f"RRULE:{rule}" in feed


def test_ten_thousand_documents_are_all_read(bounded_runs):
    results, _ = bounded(bounded_runs, "many-documents")
    [finding] = json.loads(results[0]["stdout"])["findings"]
    assert finding["line"] == 5 * 9_999 + 5  # the typo in the last document


def test_a_long_line_is_read_to_its_end(bounded_runs):
    results, _ = bounded(bounded_runs, "long-line")
    [finding] = json.loads(results[0]["stdout"])["findings"]
    column = len(LONG_LINE_START) + 1_000_000 + len('", ') + 1  # of 'colour'
    assert (finding["line"], finding["column"]) == (1, column)


# --- made at test time: size limits, symbolic links, odd file names --------------------------

EXEMPT = "kind: department\nid: {}\nname: x\nexempt: test\n"


def over_small_limit(root: Path) -> None:
    """max_file_size 1kB: a file of 1,001 bytes is not read; one of 1,000 is."""
    settings = SETTINGS + "check:\n  max_file_size: 1kB\n"
    (root / "coordctl.yaml").write_text(settings, encoding="utf-8")
    for name, size in (("at-limit", 1000), ("over-limit", 1001)):
        body = EXEMPT.format(name) + "# "
        (root / "plans" / f"{name}.yaml").write_text(
            body + "x" * (size - len(body) - 1) + "\n", encoding="utf-8")


def over_default_limit(root: Path) -> None:
    """No setting: a file one byte over 4 MiB is not read."""
    body = (EXEMPT.format("big") + "# ").encode()
    (root / "plans" / "big.yaml").write_bytes(body + b"x" * (4 * 2**20 + 1 - len(body)))


def links_outside(root: Path) -> None:
    """Links under plans/ to a file, a folder and a missing file outside the workspace
    (each would give findings if followed): none is followed."""
    outside = root.parent / "outside"
    (outside / "folder").mkdir(parents=True)
    for path in (outside / "bad.yaml", outside / "folder" / "bad.yaml"):
        path.write_text("kind: department\nid: outside\ncolour: x\n", encoding="utf-8")
    plans = root / "plans"
    (plans / "outside-file.yaml").symlink_to(outside / "bad.yaml")
    (plans / "outside-relative.yaml").symlink_to(Path("..", "..", "outside", "bad.yaml"))
    (plans / "outside-folder").symlink_to(outside / "folder", target_is_directory=True)
    (plans / "outside-missing.yaml").symlink_to(outside / "missing.yaml")


def link_inside_to_a_file(root: Path) -> None:
    """A link to a file of the workspace is read like a copy: its ids are duplicates."""
    (root / "plans" / "copy.yaml").symlink_to("departments.yaml")


def link_inside_to_a_folder(root: Path) -> None:
    """Linked folders are not walked (no file read twice, no loop)."""
    (root / "plans" / "sub").mkdir()
    (root / "plans" / "sub" / "port.yaml").write_text(EXEMPT.format("port"), encoding="utf-8")
    (root / "plans" / "sub-again").symlink_to("sub", target_is_directory=True)
    (root / "plans" / "loop").symlink_to(".", target_is_directory=True)


#: Odd names of files that are read; each holds a department without duties, so the
#: finding shows the path. The folder named like a file is walked.
ODD_NAMES = ["my plans/水上 救援.yaml", "-rf.yaml", "--help.yaml", "a.yml",
             "<b>&amp;.yaml", "quote'\"name.yaml", "colon:7:7.yaml", "tab\tname.yaml",
             "new\nline.yaml", "x" * 250 + ".yaml", "长" * 80 + ".yaml", "dir.yaml/inner.yaml"]
#: Names that are not read: only *.yaml and *.yml (as written, like git's globs), no
#: hidden files, no editor backups.
NOT_READ = ["B.YAML", "c.Yaml", "noext", ".hidden.yaml", "backup.yaml~", "x.yaml.bak"]


def odd_names(root: Path) -> None:
    for index, name in enumerate(ODD_NAMES + NOT_READ):
        path = root / "plans" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"kind: department\nid: odd-{index}\nname: x\n", encoding="utf-8")


GENERATED: dict[str, Callable[[Path], None]] = {
    "over-small-limit": over_small_limit,
    "over-default-limit": over_default_limit,
    "links-outside": links_outside,
    "link-inside-to-a-file": link_inside_to_a_file,
    "link-inside-to-a-folder": link_inside_to_a_folder,
    "odd-names": odd_names,
}


@pytest.mark.parametrize("case", list(GENERATED))
def test_generated_case(tmp_path, monkeypatch, case):
    root = base_workspace(tmp_path / "ws")
    GENERATED[case](root)
    monkeypatch.chdir(root)
    check_case(root, case)


def test_size_limit_findings_name_the_size_and_the_setting(tmp_path):
    root = base_workspace(tmp_path / "ws")
    over_small_limit(root)
    [small] = json.loads(invoke(root, "check", "--format", "json").stdout)["findings"]
    assert small["path"] == "plans/over-limit.yaml"
    assert "1,001 bytes, over the limit of 1,000" in small["message"]
    over_default_limit(root)
    (root / "coordctl.yaml").write_text(SETTINGS, encoding="utf-8")
    [big] = json.loads(invoke(root, "check", "--format", "json").stdout)["findings"]
    assert big["path"] == "plans/big.yaml"
    assert f"{4 * 2**20 + 1:,} bytes, over the limit of {4 * 2**20:,}" in big["message"]
    assert "check.max_file_size in coordctl.yaml" in big["message"]


def test_a_link_to_a_missing_file_inside_stops_the_check_naming_it(tmp_path):
    # As with --rev (tests/test_history.py): the same message from both sources.
    root = base_workspace(tmp_path / "ws")
    (root / "plans" / "gone.yaml").symlink_to("missing.yaml")
    result = invoke(root, "check")
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        "coordctl: error: plans/gone.yaml is a link to missing.yaml, which does not exist: "
        "restore its target or remove the link")


def test_a_link_loop_stops_the_check_with_a_clear_message(tmp_path):
    root = base_workspace(tmp_path / "ws")
    (root / "plans" / "a.yaml").symlink_to("b.yaml")
    (root / "plans" / "b.yaml").symlink_to("a.yaml")
    result = invoke(root, "check")
    assert result.exit_code == 2
    assert result.stderr.startswith("coordctl: error: cannot read plans/a.yaml: ")


def test_odd_names_in_json_render_and_build(tmp_path, monkeypatch):
    root = base_workspace(tmp_path / "ws")
    odd_names(root)
    monkeypatch.chdir(root)
    found = json.loads(invoke(root, "check", "--format", "json").stdout)["findings"]
    assert sorted(f["path"] for f in found) == sorted(f"plans/{n}" for n in ODD_NAMES)
    github = invoke(root, "check", "--format", "github").stdout
    assert len(github.splitlines()) == len(ODD_NAMES)
    for index in range(len(ODD_NAMES)):
        assert invoke(root, "render", f"department/odd-{index}").exit_code == 0
    site = tmp_path / "site"
    assert invoke(root, "build", "-o", str(site)).exit_code == 0
    report = (site / "check.html").read_text(encoding="utf-8")
    assert "plans/&lt;b&gt;&amp;amp;.yaml" in report
    assert "<b>&amp;.yaml" not in report
    assert "my plans/水上 救援.yaml" in report


def test_the_base_workspace_is_clean(tmp_path):
    # What makes each case's findings its own.
    result = invoke(base_workspace(tmp_path / "ws"), "check", "--format", "json")
    assert json.loads(result.stdout) == {"findings": []}
