"""Nothing lost (issue 7): every file coordctl writes is written atomically, ``build -o``
refuses a folder it did not create and deletes nothing else, an interrupted build leaves
the previous site whole, ``init`` refuses a non-empty folder, and read commands never
touch the working tree, the index or the refs.

Interrupts are real signals sent to a real ``python -m coordctl build``. To land them
mid-build without relying on timing, the workspace overrides one template with one that
never finishes: the build is then certainly between its first file and the swap when
the signal arrives. A second test interrupts a larger, ordinary build at whatever point
it has reached, and accepts only "the old site whole" or "the new site whole".

Git repositories here are real (tests/gitrepo.py); outputs of single files are real
files, compared byte for byte and by mode and mtime.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import (
    BASE,
    REPO,
    SETTINGS,
    TODAY,
    default_signals,
    load_workspace,
    write_workspace,
)
from gitrepo import GitRepo, isolate_git, one_line_error, repo_factory

from coordctl import parallel
from coordctl.cli import cli
from coordctl.site import MARKER, build_site

#: Seconds a subprocess gets to start, build or stop; generous for a loaded machine.
TIMEOUT = 60

#: A template that never finishes: the build is stuck where it is rendered.
ENDLESS = "{% for i in range(10 ** 15) %}{% endfor %}\n"


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` by relative path, with its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def temporaries(out: Path) -> list[str]:
    """Hidden folders of builds of ``out`` next to it (``.NAME.build-…``, ``.NAME.old-…``)."""
    if not out.parent.is_dir():
        return []
    return sorted(p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}."))


def run(root: Path, *args: str) -> Result:
    """coordctl in this process, on the workspace ``root``, at TODAY."""
    return CliRunner().invoke(cli, ["-C", str(root), "--today", TODAY.isoformat(), *args])


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# --- single files: -o FILE ---------------------------------------------------------------------

#: Every command that writes one file with -o, with arguments that succeed on BASE.
WRITERS = {
    "check": ["check", "--format", "json"],
    "matrix": ["matrix", "--format", "csv"],
    "duties": ["duties", "police", "--format", "json"],
    "schema": ["schema"],
    "calendar": ["calendar"],
    "invite": ["invite", "meeting/analysis"],
    "render": ["render", "plan/major-incident", "--format", "html"],
    "agenda": ["agenda", "analysis"],
    "activate": ["activate", "major-incident", "--level", "I"],
    "diff": ["diff", "HEAD~1", "HEAD", "--format", "json"],
    "log": ["log", "plan/major-incident", "--format", "json"],
}

#: The same commands with arguments they refuse (exit 2).
REFUSED = {
    "check": ["check", "--select", "no-such-rule"],
    "matrix": ["matrix", "no-such-plan"],
    "duties": ["duties", "nobody"],
    "calendar": ["calendar", "--department", "nobody"],
    "invite": ["invite", "meeting/nothing"],
    "render": ["render", "plan/nothing"],
    "agenda": ["agenda", "nothing"],
    "activate": ["activate", "major-incident", "--level", "IX"],
    "diff": ["diff", "no-such-revision"],
    "log": ["log", "plan/nothing"],
}


def two_commits(repo: GitRepo) -> GitRepo:
    """BASE in two commits (so HEAD~1 exists and documents have a history)."""
    repo.commit_base()
    repo.commit("Second analysis meeting member", {
        "plans/meeting.yaml": BASE["plans/meeting.yaml"].replace("members: [health]",
                                                                 "members: [health, city-gov]")})
    return repo


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> GitRepo:
    return two_commits(repo_factory(tmp_path, monkeypatch)())


@pytest.fixture(scope="module")
def shared_repo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GitRepo]:
    """``repo`` for the tests that only read it."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield two_commits(repo_factory(tmp_path_factory.mktemp("shared"), monkeypatch)())


def out_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir(exist_ok=True)
    return folder


@pytest.mark.parametrize("command", list(WRITERS))
def test_an_output_file_is_replaced_whole_and_keeps_its_permissions(
        shared_repo: GitRepo, tmp_path: Path, command: str) -> None:
    repo = shared_repo
    args = WRITERS[command]
    expected = run(repo.workspace, *args)
    assert expected.exit_code == 0, expected.stderr
    folder = out_folder(tmp_path)
    target = folder / "result"
    previous = b"the previous output\n" * 5000
    target.write_bytes(previous)
    target.chmod(0o640)

    # A reader that opened the file before (a web server sending it) reads the previous
    # content whole: the new file takes the old one's name, nothing is written into it.
    with target.open("rb") as reader:
        result = run(repo.workspace, *args, "-o", str(target))
        assert reader.read() == previous
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert target.read_bytes() == expected.stdout_bytes
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert [p.name for p in folder.iterdir()] == ["result"]


@pytest.mark.parametrize("command", ["schema", "calendar"])
def test_a_new_output_file_gets_the_usual_permissions(make_workspace: Callable[..., Path],
                                                      tmp_path: Path, command: str) -> None:
    # A feed written for a web server must be readable by it, as a file the shell wrote.
    folder = out_folder(tmp_path)
    result = run(make_workspace(), command, "-o", str(folder / "new"))
    assert result.exit_code == 0, result.stderr
    assert stat.S_IMODE((folder / "new").stat().st_mode) == 0o666 & ~umask()
    assert [p.name for p in folder.iterdir()] == ["new"]


@pytest.mark.parametrize("command", list(REFUSED))
def test_a_refused_command_leaves_the_previous_output_untouched(
        shared_repo: GitRepo, tmp_path: Path, command: str) -> None:
    repo = shared_repo
    folder = out_folder(tmp_path)
    target = folder / "result"
    target.write_bytes(b"keep me\n")
    before = target.stat().st_mtime_ns
    one_line_error(run(repo.workspace, *REFUSED[command], "-o", str(target)))
    assert target.read_bytes() == b"keep me\n"
    assert target.stat().st_mtime_ns == before
    assert [p.name for p in folder.iterdir()] == ["result"]


@pytest.mark.parametrize("args,broken", [
    (["render", "plan/major-incident"], "plans/plan.yaml"),
    (["activate", "major-incident", "--level", "I"], "plans/plan.yaml"),
    (["duties", "police"], "plans/departments.yaml"),
])
def test_a_broken_document_leaves_the_previous_output_untouched(
        make_workspace: Callable[..., Path], tmp_path: Path, args: list[str],
        broken: str) -> None:
    # The document was fine when the file was written; now it is broken YAML.
    root = make_workspace()
    folder = out_folder(tmp_path)
    target = folder / "result"
    assert run(root, *args, "-o", str(target)).exit_code == 0
    before = target.read_bytes()
    (root / broken).write_text("kind: department\nid: [broken\n", encoding="utf-8")
    one_line_error(run(root, *args, "-o", str(target)))
    assert target.read_bytes() == before
    assert [p.name for p in folder.iterdir()] == ["result"]


def test_an_output_that_cannot_be_replaced_is_one_error_and_leaves_no_temporary_file(
        make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    # -o names a folder: the new content is written, then cannot take the folder's place
    folder = out_folder(tmp_path)
    (folder / "taken").mkdir()
    (folder / "taken/inside.txt").write_text("mine", encoding="utf-8")
    message = one_line_error(run(make_workspace(), "schema", "-o", str(folder / "taken")))
    assert "cannot write" in message
    assert tree(folder) == {"taken/inside.txt": b"mine"}
    assert [p.name for p in folder.iterdir()] == ["taken"]


# --- build -o: only a folder it built ----------------------------------------------------------

@pytest.mark.parametrize("occupant", [".git", ".nojekyll", "CNAME"])
def test_build_refuses_a_folder_with_anything_in_it(make_workspace: Callable[..., Path],
                                                    tmp_path: Path, occupant: str) -> None:
    out = tmp_path / "docs"
    out.mkdir()
    (out / occupant).write_text("mine\n", encoding="utf-8")
    before = (tree(out), (out / occupant).stat().st_mtime_ns)
    assert "not built by coordctl" in one_line_error(run(make_workspace(), "build", "-o",
                                                         str(out)))
    assert (tree(out), (out / occupant).stat().st_mtime_ns) == before
    assert temporaries(out) == []


def test_build_refuses_a_symbolic_link_even_to_a_site_it_built(
        make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    root = make_workspace()
    site = build_site(load_workspace(root), tmp_path / "real", "zh-CN")
    before = tree(site)
    (tmp_path / "link").symlink_to(site, target_is_directory=True)
    assert "symbolic link" in one_line_error(run(root, "build", "-o", str(tmp_path / "link")))
    assert tree(site) == before
    assert (tmp_path / "link").is_symlink()
    assert temporaries(tmp_path / "link") == [] and temporaries(site) == []


def test_build_touches_nothing_next_to_the_site(make_workspace: Callable[..., Path],
                                                tmp_path: Path) -> None:
    # Neighbours, some with names like the build's own temporary folders.
    parent = tmp_path / "public"
    parent.mkdir()
    for rel in ("site.bak/index.html", ".site.old-notes/keep.txt", ".site.build-x",
                "site2/.coordctl-site", "notes.txt"):
        path = parent / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{rel}\n", encoding="utf-8")
    neighbours = tree(parent)
    names = sorted(p.name for p in parent.iterdir())
    root = make_workspace()
    for _ in range(2):  # a first build, then one that replaces it
        result = run(root, "build", "-o", str(parent / "site"))
        assert result.exit_code == 0, result.stderr
    assert (parent / "site/index.html").is_file()
    assert {k: v for k, v in tree(parent).items() if not k.startswith("site/")} == neighbours
    assert sorted(p.name for p in parent.iterdir()) == sorted([*names, "site"])


# --- interrupted builds --------------------------------------------------------------------------

def start_build(root: Path, out: Path, *options: str, group: bool = False
                ) -> subprocess.Popen[str]:
    """``python -m coordctl build -o OUT`` as a separate process, as a user would run it;
    with ``group``, in a process group of its own, as a shell runs a command (Ctrl-C in
    a terminal signals the whole group)."""
    def start() -> None:
        default_signals()
        if group:
            os.setpgrp()

    return subprocess.Popen(
        [sys.executable, "-m", "coordctl", "-C", str(root), "--today", TODAY.isoformat(),
         "build", "-o", str(out), *options],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=start)


def wait_until(process: subprocess.Popen[str], ready: Callable[[], bool]) -> bool:
    """Poll ``ready`` until it is true (True) or the process has ended (False)."""
    deadline = time.monotonic() + TIMEOUT
    while not ready():
        if process.poll() is not None:
            return ready()
        if time.monotonic() > deadline:
            process.kill()
            process.communicate()
            raise AssertionError("the build reached no expected point in time")
        time.sleep(0.005)
    return True


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise
    return process.returncode, out, err


def building(out: Path, rel: str) -> Callable[[], bool]:
    """True once a temporary build folder of ``out`` holds ``rel``."""
    def ready() -> bool:
        return any((out.parent / name / rel).is_file() for name in temporaries(out)
                   if ".build-" in name)
    return ready


def stuck(tmp_path: Path, template: str) -> tuple[Path, Path, dict[str, bytes]]:
    """(workspace, site, the site's files): a site built from BASE, then the workspace
    changed (another name, so that every page differs) and ``template`` overridden with
    one that never finishes."""
    root = write_workspace(tmp_path / "ws", BASE)
    site = build_site(load_workspace(root), tmp_path / "pub" / "site", "zh-CN")
    (root / "coordctl.yaml").write_text(SETTINGS.replace("测试市", "改名市"), encoding="utf-8")
    (root / "templates").mkdir()
    (root / "templates" / template).write_text(ENDLESS, encoding="utf-8")
    return root, site, tree(site)


def pages_built(out: Path) -> int:
    """How many pages the temporary build folder of ``out`` holds (0 when there is none,
    or it was just renamed or removed)."""
    for name in temporaries(out):
        if ".build-" in name:
            try:
                return len(list((out.parent / name).rglob("*.html")))
            except OSError:
                return 0
    return 0


def fresh_site(root: Path, folder: Path) -> dict[str, bytes]:
    """The files of a build of ``root`` from scratch, the reference for "the new site"."""
    return tree(build_site(load_workspace(root), folder, "zh-CN"))


#: (template that never finishes, a file the build has written before it gets there):
#: Ctrl-C comes at the dashboard, the last page, when every other page is written and
#: only the calendar feeds and the swap are left. SIGTERM and SIGKILL come early, once
#: the marker is written: while the rules run or at the first page.
LAST_PAGE = ("site_index.html", "calendar/index.html")
FIRST_PAGE = ("agenda.html", MARKER)


def stop_build(tmp_path: Path, where: tuple[str, str], sig: int
               ) -> tuple[int, str, str, Path, Path, dict[str, str]]:
    """Build over a first site, stuck at ``where``, and send ``sig`` there: exit code,
    stdout, stderr, the workspace, the site and what the site held before."""
    template, written = where
    root, site, before = stuck(tmp_path, template)
    process = start_build(root, site)
    try:
        assert wait_until(process, building(site, written)), finish(process)
        process.send_signal(sig)
        code, out, err = finish(process)
    finally:
        process.kill()
    return code, out, err, root, site, before


def test_ctrl_c_during_a_build_keeps_the_previous_site_whole(tmp_path: Path) -> None:
    code, out, err, _, site, before = stop_build(tmp_path, LAST_PAGE, signal.SIGINT)
    assert (code, out, err) == (130, "", "coordctl: interrupted\n")
    assert tree(site) == before
    assert temporaries(site) == []


def test_sigterm_during_a_build_keeps_the_previous_site_whole_and_cleans_up(
        tmp_path: Path) -> None:
    # what a CI timeout, `timeout 60 coordctl build` or `kill` sends
    code, out, err, _, site, before = stop_build(tmp_path, FIRST_PAGE, signal.SIGTERM)
    assert code == 128 + signal.SIGTERM, err
    assert out == "" and "Traceback" not in err
    assert tree(site) == before
    assert temporaries(site) == []


def processes_of(root: Path) -> list[int]:
    """Processes whose command line names ``root``: a build and the workers it forked."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and os.fsencode(root) in (
                    entry / "cmdline").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue  # it ended meanwhile
    return found


@pytest.mark.skipif(not parallel.can_fork() or not Path("/proc").is_dir(),
                    reason="forked workers, found in /proc")
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "kill"])
def test_stopping_a_parallel_build_stops_its_workers_and_keeps_the_site(
        tmp_path: Path, sig: int) -> None:
    # One action page never finishes, in a worker; the page after it is made by the
    # other worker (a build in one process would never get there).
    root = write_workspace(tmp_path / "ws", {**BASE, "plans/more.yaml": "".join(
        f"---\nkind: action\nid: {ident}\ntitle: {title}\nowner: police\n"
        "due: 2027-06-30\nstatus: open\n" for ident, title in
        (("a-002", "卡住"), ("a-003", "之后")))})
    site = build_site(load_workspace(root), tmp_path / "pub" / "site", "zh-CN")
    before = tree(site)
    (root / "templates").mkdir()
    (root / "templates/action.html").write_text(
        "{% if doc.title == '卡住' %}" + ENDLESS + "{% endif %}{{ doc.title }}\n",
        encoding="utf-8")
    process = start_build(root, site, "-j", "2", group=True)
    try:
        assert wait_until(process, building(site, "actions/a-003.html")), finish(process)
        assert len(processes_of(root)) == 3  # the build and its two workers
        if sig == signal.SIGINT:  # Ctrl-C: to every process of the group
            os.killpg(process.pid, sig)
        else:  # kill PID: to the build alone
            process.send_signal(sig)
        code, out, err = finish(process)
    finally:
        process.kill()
    assert code == (130 if sig == signal.SIGINT else 128 + signal.SIGTERM), err
    assert out == "" and "Traceback" not in err
    assert tree(site) == before
    assert temporaries(site) == []
    deadline = time.monotonic() + TIMEOUT
    while processes_of(root) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processes_of(root) == []


def test_sigkill_during_a_build_keeps_the_previous_site_and_the_next_build_works(
        tmp_path: Path) -> None:
    code, _, _, root, site, before = stop_build(tmp_path, FIRST_PAGE, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert tree(site) == before
    # Nothing could clean up: the half-built folder stays, hidden, next to the site.
    left = temporaries(site)
    assert len(left) == 1 and ".build-" in left[0]
    assert (site.parent / left[0] / MARKER).is_file()

    shutil.rmtree(root / "templates")
    result = run(root, "build", "-o", str(site))
    assert result.exit_code == 0, result.stderr
    assert tree(site) == fresh_site(root, tmp_path / "reference")
    # The next build is not confused by it, and removes it: its name is a build's of
    # this site, the process that made it is gone and it holds the site marker.
    assert temporaries(site) == []


def test_a_build_removes_only_leftovers_of_dead_builds_of_its_own_site(
        make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    parent = tmp_path / "public"
    parent.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()
    alive = str(os.getpid())
    gone = [f".site.build-{dead}-0123abcd", f".site.old-{dead}-89abcdef",
            f".site.build-{dead}-00000000"]  # marker, marker, empty
    kept = [f".site.build-{alive}-0123abcd",  # a build still running
            f".site.build-{dead}-feedbeef",  # not a site: no marker, not empty
            f".site.build-{dead}-0123abc",  # not a name coordctl makes
            f".other.build-{dead}-0123abcd"]  # another site's
    for name in gone[:2] + kept:
        (parent / name).mkdir()
        (parent / name / MARKER).write_text("x", encoding="utf-8")
    (parent / gone[2]).mkdir()
    (parent / kept[1] / MARKER).unlink()
    (parent / kept[1] / "notes.txt").write_text("mine\n", encoding="utf-8")
    root = make_workspace()
    result = run(root, "build", "-o", str(parent / "site"))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in parent.iterdir()) == sorted([*kept, "site"])
    assert (parent / kept[1] / "notes.txt").read_text(encoding="utf-8") == "mine\n"


@pytest.mark.skipif(not hasattr(signal, "pthread_sigmask"), reason="POSIX signal masks")
def test_ctrl_c_during_the_swap_waits_until_the_swap_is_done() -> None:
    # The old site renamed aside and the new one not yet in its place is the one moment
    # an interrupt could leave no site at all; the swap holds SIGINT and SIGTERM back.
    # A real SIGINT, sent to this thread inside the held block, arrives at its end.
    from coordctl.site import _signals_held

    mask = signal.pthread_sigmask(signal.SIG_BLOCK, [])
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    done = []
    try:
        with pytest.raises(KeyboardInterrupt), _signals_held():
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)
            for _ in range(1000):  # the interpreter checks for signals here
                time.sleep(0)
            done.append("swapped")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert done == ["swapped"]
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == mask


# An ordinary build of a generated province, interrupted at whatever point it has reached.

@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated workspace of some hundred files, whose build takes a moment."""
    root = tmp_path_factory.mktemp("province") / "ws"
    subprocess.run([sys.executable, str(REPO / "benchmarks/generate.py"), "--scale", "0.01",
                    str(root)], check=True, capture_output=True, timeout=TIMEOUT)
    return root


def test_an_ordinary_build_interrupted_anywhere_leaves_one_whole_site(
        province: Path, make_workspace: Callable[..., Path], tmp_path: Path) -> None:
    # The previous site is BASE's: every file of it differs from the province's.
    site = build_site(load_workspace(make_workspace()), tmp_path / "site", "zh-CN")
    before = tree(site)
    process = start_build(province, site)
    try:
        # Some pages into the build, wherever it is then: writing a page, rendering one.
        wait_until(process, lambda: pages_built(site) >= 20)
        process.send_signal(signal.SIGINT)
        code, out, err = finish(process)
    finally:
        process.kill()
    assert out == "" and "Traceback" not in err
    after = tree(site)
    assert temporaries(site) == []
    if code == 0:  # the build was done before the signal came: the new site, whole
        assert after == fresh_site(province, tmp_path / "reference"), "a mix of two sites"
    else:
        assert (code, err) == (130, "coordctl: interrupted\n")
        assert after == before, "a mix of two sites"


# --- read commands: the working tree, the index and the refs stay as they were -----------------

def repo_state(repo: GitRepo) -> dict[str, object]:
    """Everything a read command must leave alone: every file of the repository, .git
    included (index, HEAD, refs, objects, logs, config), by content, mtime and mode; every
    folder; what git status and show-ref say. Only coordctl's cache, .git/coordctl, may
    change. git status runs without optional locks, so it never refreshes the index."""
    files: dict[str, tuple[str, int, int]] = {}
    folders: list[str] = []
    for path in sorted(repo.top.rglob("*")):
        rel = path.relative_to(repo.top)
        if rel.parts[:2] == (".git", "coordctl"):
            continue
        info = path.lstat()
        if stat.S_ISDIR(info.st_mode):
            folders.append(rel.as_posix())
            continue
        files[rel.as_posix()] = (hashlib.sha256(path.read_bytes()).hexdigest(),
                                 info.st_mtime_ns, stat.S_IMODE(info.st_mode))
    status = repo.git("--no-optional-locks", "status", "--porcelain=v1", "--ignored",
                      "--untracked-files=all")
    return {"files": files, "folders": folders, "status": status,
            "refs": repo.git("show-ref", "--head")}


#: Every command that only reads, with arguments that work on the ``repo`` fixture.
READS = [
    ["check"], ["check", "--format", "json"], ["--rev", "HEAD~1", "check"],
    ["--no-cache", "check", "--format", "github"],
    ["matrix"], ["matrix", "--format", "html"], ["--rev", "HEAD~1", "matrix"],
    ["duties", "police"], ["--audience", "internal", "duties", "health"],
    ["render", "plan/major-incident"], ["render", "meeting/analysis", "--format", "html"],
    ["--rev", "HEAD~1", "render", "meeting/analysis"],
    ["agenda", "analysis"], ["agenda", "analysis", "--format", "html"],
    ["activate", "major-incident", "--level", "I"],
    ["calendar"], ["calendar", "--department", "health"], ["--rev", "HEAD~1", "calendar"],
    ["invite", "meeting/analysis"],
    ["diff"], ["diff", "HEAD~1"], ["diff", "HEAD~1", "HEAD", "--format", "json"],
    ["log", "plan/major-incident"], ["log", "meeting/analysis", "--format", "json"],
    ["--rev", "HEAD~1", "log", "meeting/analysis"],
    ["schema"], ["schema", "--settings"],
]


def test_read_commands_never_touch_the_working_tree_the_index_or_the_refs(
        repo: GitRepo, tmp_path: Path) -> None:
    # A working tree in every state at once: a change not staged, a staged file, an
    # untracked one, an ignored one, and a file whose content is as committed but whose
    # mtime is not, so that anything refreshing the index would rewrite .git/index.
    repo.write({"plans/drill.yaml": BASE["plans/drill.yaml"].replace("3h", "4h"),
                "plans/staged.yaml": """\
                    kind: action
                    id: a-002
                    title: 复盘
                    owner: health
                    due: 2027-04-30
                    """,
                "plans/untracked.yaml": """\
                    kind: action
                    id: a-003
                    title: 演练总结
                    owner: police
                    due: 2027-05-30
                    """,
                ".gitignore": "*.log\n", "notes.log": "ignored\n"})
    repo.git("add", "plans/staged.yaml")
    touched = repo.workspace / "plans/action.yaml"
    mtime = touched.stat().st_mtime - 3600
    os.utime(touched, (mtime, mtime))
    before = repo_state(repo)
    assert "M plans/drill.yaml" in before["status"] and "A  plans/staged.yaml" in \
        before["status"] and "?? plans/untracked.yaml" in before["status"] and \
        "!! notes.log" in before["status"]

    for args in [*READS, ["build", "-o", str(tmp_path / "site")]]:
        result = run(repo.workspace, *args)
        assert result.exit_code in (0, 1), (args, result.stderr)
        assert repo_state(repo) == before, args
    assert (repo.top / ".git/coordctl").is_dir()  # the cache, the one thing allowed

    # The test can see a change to the index: git status, allowed to, refreshes it.
    index = (repo.top / ".git/index").stat().st_mtime_ns
    repo.git("status")
    assert (repo.top / ".git/index").stat().st_mtime_ns != index


# --- init: only an empty folder ----------------------------------------------------------------

@pytest.mark.parametrize("occupant", ["hidden file", "dangling link", "empty folder"])
def test_init_refuses_a_folder_that_holds_anything_and_leaves_it_as_it_was(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, occupant: str) -> None:
    isolate_git(monkeypatch, tmp_path / "home")
    folder = tmp_path / "busy"
    folder.mkdir()
    if occupant == "hidden file":
        (folder / ".env").write_text("SECRET=1\n", encoding="utf-8")
    elif occupant == "dangling link":
        (folder / "link").symlink_to(tmp_path / "nowhere")
    else:
        (folder / "plans").mkdir()
    entries = sorted(os.listdir(folder))
    mtimes = [(folder / name).lstat().st_mtime_ns for name in entries]
    folder_mtime = folder.stat().st_mtime_ns
    result = CliRunner().invoke(cli, ["init", str(folder)])
    assert "not empty" in one_line_error(result)
    assert sorted(os.listdir(folder)) == entries
    assert [(folder / name).lstat().st_mtime_ns for name in entries] == mtimes
    # nothing was made and removed again in it either
    assert folder.stat().st_mtime_ns == folder_mtime
