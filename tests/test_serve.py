"""``coordctl serve`` and coordctl.serve: a real server on a free port of 127.0.0.1,
queried with urllib and http.client (bounded timeouts, no other address)."""

from __future__ import annotations

import email.utils
import http.client
import os
import re
import signal
import subprocess
import sys
import textwrap
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import BASE, TODAY, default_signals, load_workspace, write_workspace
from gitrepo import one_line_error, repo_factory

from coordctl.cli import Options, cli
from coordctl.serve import ServeError, Watcher, make_server, rebuilder, serve_site
from coordctl.site import build_site

TIMEOUT = 10


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built BASE site, with a secret file next to it that must never be served.
    Shared by the tests of this module: those that add files give them their own names."""
    top = tmp_path_factory.mktemp("serve")
    root = write_workspace(top / "ws", BASE)
    out = build_site(load_workspace(root), top / "out" / "site", "en", "public")
    (top / "out" / "secret.txt").write_text("SECRET", encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[tuple[str, int]]:
    """(host, port) of a server for ``site`` running in a thread."""
    httpd = make_server(site, "127.0.0.1", 0)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield httpd.server_address[:2]
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(TIMEOUT)


def request(address: tuple[str, int], method: str, path: str,
            headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """Send ``path`` exactly as given (no normalisation) and return status, headers, body."""
    connection = http.client.HTTPConnection(*address, timeout=TIMEOUT)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def get(address: tuple[str, int], path: str, **headers: str
        ) -> tuple[int, dict[str, str], bytes]:
    return request(address, "GET", path, {k.replace("_", "-"): v for k, v in headers.items()})


# --- answers -----------------------------------------------------------------------------------

def test_pages_and_feeds_with_their_types(server: tuple[str, int], site: Path) -> None:
    host, port = server
    with urllib.request.urlopen(f"http://{host}:{port}/", timeout=TIMEOUT) as response:
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.read() == (site / "index.html").read_bytes()
    status, headers, body = get(server, "/calendar/police.ics")
    assert status == 200 and headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert body == (site / "calendar/police.ics").read_bytes()
    assert headers["Content-Length"] == str(len(body))
    assert headers["X-Content-Type-Options"] == "nosniff"
    status, _, body = get(server, "/plans/major-incident.html?x=1#top")
    assert status == 200 and body == (site / "plans/major-incident.html").read_bytes()


def test_folders_serve_their_index(server: tuple[str, int], site: Path) -> None:
    status, headers, _ = get(server, "/plans")
    assert status == 301 and headers["Location"] == "/plans/"
    status, headers, _ = get(server, "//plans")  # not a redirect to the host "plans"
    assert status == 301 and headers["Location"] == "/plans/"
    status, headers, body = get(server, "/plans/")
    assert status == 200 and body == (site / "plans/index.html").read_bytes()
    (site / "empty").mkdir()
    assert get(server, "/empty/")[0] == 404  # no listings


def test_head_has_the_headers_and_no_body(server: tuple[str, int], site: Path) -> None:
    status, headers, body = request(server, "HEAD", "/index.html")
    assert status == 200 and body == b""
    assert headers["Content-Length"] == str((site / "index.html").stat().st_size)
    assert headers["ETag"] and headers["Last-Modified"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND"])
def test_other_methods_are_not_allowed(server: tuple[str, int], method: str) -> None:
    status, headers, _ = request(server, method, "/index.html")
    assert status == 405 and headers["Allow"] == "GET, HEAD"


@pytest.mark.parametrize("path", [
    "/../secret.txt", "/plans/../../secret.txt", "/%2e%2e/secret.txt", "/%2E%2E%2Fsecret.txt",
    "/plans/%2e%2e/%2e%2e/secret.txt", "/..%5csecret.txt", "//secret.txt",
    "/" + str(Path("/etc/passwd")), "/etc/passwd", "/.coordctl-site", "/missing.html",
    "/index.html%00.txt", "/%ff%fe.html",
])
def test_nothing_outside_the_site(server: tuple[str, int], path: str) -> None:
    status, _, body = get(server, path)
    assert status == 404, (path, status)
    assert b"SECRET" not in body and b"root:" not in body


def test_symbolic_links_out_of_the_site_are_forbidden(server: tuple[str, int],
                                                      site: Path) -> None:
    (site / "leak.txt").symlink_to(site.parent / "secret.txt")
    (site / "outside").symlink_to(site.parent, target_is_directory=True)
    (site / "alias.html").symlink_to(site / "index.html")
    for path in ("/leak.txt", "/outside/secret.txt", "/outside/"):
        status, _, body = get(server, path)
        assert status == 403 and b"SECRET" not in body, path
    assert get(server, "/alias.html")[0] == 200


def test_not_modified(server: tuple[str, int], site: Path) -> None:
    _, headers, _ = get(server, "/calendar/all.ics")
    etag, modified = headers["ETag"], headers["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')
    status, headers, body = get(server, "/calendar/all.ics", If_None_Match=etag)
    assert status == 304 and body == b"" and headers["ETag"] == etag
    assert get(server, "/calendar/all.ics", If_None_Match=f'"other", {etag}')[0] == 304
    assert get(server, "/calendar/all.ics", If_Modified_Since=modified)[0] == 304
    earlier = email.utils.formatdate(
        email.utils.parsedate_to_datetime(modified).timestamp() - 60, usegmt=True)
    assert get(server, "/calendar/all.ics", If_Modified_Since=earlier)[0] == 200
    # If-None-Match wins over If-Modified-Since
    assert get(server, "/calendar/all.ics", If_None_Match='"other"',
               If_Modified_Since=modified)[0] == 200
    # a changed file has a new ETag
    changing = site / "calendar/changing.ics"
    changing.write_bytes(b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    etag = get(server, "/calendar/changing.ics")[1]["ETag"]
    assert get(server, "/calendar/changing.ics", If_None_Match=etag)[0] == 304
    changing.write_bytes(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
    status, headers, _ = get(server, "/calendar/changing.ics", If_None_Match=etag)
    assert status == 200 and headers["ETag"] != etag


# --- starting and stopping -----------------------------------------------------------------------

def test_no_site_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(ServeError, match="coordctl build"):
        serve_site(tmp_path / "nothing", "127.0.0.1", 0)
    result = CliRunner().invoke(cli, ["serve", str(tmp_path / "nothing"), "--port", "0"])
    assert "there is no site" in one_line_error(result)


def test_a_taken_port_is_a_one_line_error(site: Path) -> None:
    first = make_server(site, "127.0.0.1", 0)
    try:
        port = first.server_address[1]
        with pytest.raises(ServeError, match=f"cannot listen on 127.0.0.1:{port}"):
            make_server(site, "127.0.0.1", port)
    finally:
        first.server_close()


def _start(args: list[str], cwd: Path) -> tuple[subprocess.Popen[str], str]:
    """Start ``coordctl ARGS`` and wait for the URL it prints; (process, URL)."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen([sys.executable, "-m", "coordctl", *args], cwd=cwd, env=env,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, preexec_fn=default_signals)
    deadline = time.monotonic() + 60
    seen = []
    assert process.stderr is not None
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        seen.append(line)
        match = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if match:
            return process, match.group(0)
        if not line and process.poll() is not None:
            break
    process.kill()
    raise AssertionError(f"no URL printed: {''.join(seen)}")


def _stop(process: subprocess.Popen[str]) -> tuple[int, str]:
    """Ctrl-C: the exit code and the rest of stderr."""
    process.send_signal(signal.SIGINT)
    try:
        _, err = process.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    return process.returncode, err


def _fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
        return response.read().decode("utf-8")


def test_cli_serves_until_ctrl_c(site: Path) -> None:
    process, url = _start(["serve", str(site), "--port", "0"], site.parent)
    try:
        assert "<!DOCTYPE html>" in _fetch(url)
        assert url.startswith("http://127.0.0.1:")
    finally:
        code, err = _stop(process)
    assert code == 0, err
    assert "Traceback" not in err


def test_watch_rebuilds_when_a_plan_changes(make_workspace: Callable[..., Path],
                                            tmp_path: Path) -> None:
    root = make_workspace()
    out = tmp_path / "out" / "site"
    process, url = _start(["-C", str(root), "--today", TODAY.isoformat(), "--locale", "en",
                           "serve", str(out), "--port", "0", "--watch"], tmp_path)
    try:
        assert "Major incident plan" in _fetch(url + "plans/major-incident.html")
        plan = root / "plans/plan.yaml"
        plan.write_text(textwrap.dedent(BASE["plans/plan.yaml"]).replace(
            "en: Major incident plan", "en: Renamed incident plan"), encoding="utf-8")
        deadline = time.monotonic() + 30
        page = ""
        while time.monotonic() < deadline and "Renamed incident plan" not in page:
            time.sleep(0.3)
            page = _fetch(url + "plans/index.html")
        assert "Renamed incident plan" in page
    finally:
        code, err = _stop(process)
    assert code == 0, err
    assert "rebuilt" in err and "Traceback" not in err


def test_a_failed_rebuild_keeps_the_site(make_workspace: Callable[..., Path], tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    root = make_workspace()
    out = tmp_path / "site"
    options = Options(str(root), None, TODAY, "en", "public", False)
    rebuild = rebuilder(options, out)
    rebuild()
    before = (out / "index.html").read_bytes()
    (root / "templates").mkdir()
    (root / "templates/site_index.html").write_text("{{ page.nothing }}", encoding="utf-8")
    rebuild()
    assert "coordctl: rebuild failed: cannot build index.html: template error" in \
        capsys.readouterr().err
    assert (out / "index.html").read_bytes() == before


def test_watcher_sees_changes_under_the_workspace(make_workspace: Callable[..., Path]) -> None:
    root = make_workspace()
    calls = threading.Semaphore(0)
    watcher = Watcher(root, calls.release, interval=0.05)
    watcher.start()
    try:
        assert not calls.acquire(timeout=0.3)  # nothing changed
        for path in ("plans/new.yaml", "templates/site_index.html", "coordctl.yaml"):
            (root / path).parent.mkdir(exist_ok=True)
            (root / path).write_text(f"# {path}\n", encoding="utf-8")
            assert calls.acquire(timeout=TIMEOUT), path
        (root / "README.txt").write_text("not watched", encoding="utf-8")
        assert not calls.acquire(timeout=0.3)
    finally:
        watcher.stop()
        watcher.join(TIMEOUT)


def _open_files() -> int:
    return len(os.listdir("/proc/self/fd"))


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_rebuilds_do_not_keep_workspaces_open(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """``serve --watch`` runs for days: each rebuild's workspace (its cache database, its
    git repository) must be let go, or open files and memory grow with every edit."""
    import gc

    from coordctl.workspace import Workspace

    repo = repo_factory(tmp_path, monkeypatch)()
    repo.commit_base()
    options = Options(str(repo.workspace), None, TODAY, "en", "public", False)
    rebuild = rebuilder(options, tmp_path / "site")

    def live_workspaces() -> int:
        gc.collect()
        return sum(isinstance(thing, Workspace) for thing in gc.get_objects())

    try:
        rebuild()
        rebuild()
        files, workspaces = _open_files(), live_workspaces()
        for _ in range(8):
            rebuild()
        assert _open_files() == files
        assert live_workspaces() == workspaces
    finally:
        gc.unfreeze()
    assert capsys.readouterr().err.count("coordctl: rebuilt") == 10
