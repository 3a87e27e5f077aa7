"""Serve a built site over HTTP (``coordctl serve``), for a look before publishing.

A small read-only static server on ``http.server``: GET and HEAD only, files inside the
site folder only (no ``..``, no symbolic links out, no hidden files, no listings),
``text/calendar`` for feeds, ETag and Last-Modified with 304 answers. With ``--watch`` a
thread polls the workspace files about once a second and rebuilds the site in place
(atomically, so a failed rebuild keeps the previous site).
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import socket
import sys
import threading
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from coordctl.errors import CoordctlError

#: Content types by suffix; text is always UTF-8 (the site writes nothing else).
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".ics": "text/calendar; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
    ".csv": "text/csv; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
#: Pages load nothing from anywhere (the stylesheet is inline); links still work.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                           "base-uri 'none'; form-action 'none'")
#: What ``--watch`` looks at, relative to the workspace root.
WATCHED = ("coordctl.yaml", "plans", "templates")
#: Seconds between two looks at the workspace files.
POLL_SECONDS = 1.0


class ServeError(CoordctlError):
    """The server cannot start: no site to serve, or the address is taken."""


def content_type(path: Path) -> str:
    """The ``Content-Type`` of a site file."""
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name)
    return guessed or "application/octet-stream"


class SiteHandler(BaseHTTPRequestHandler):
    """Answers GET and HEAD with files of ``root``; every other method gets 405."""

    root: Path = Path("site")
    server_version = "coordctl"
    sys_version = ""

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def __getattr__(self, name: str) -> Callable[[], None]:
        # http.server looks up do_<METHOD>; any method but GET and HEAD is not allowed
        if name.startswith("do_"):
            return self._not_allowed
        raise AttributeError(name)

    def _not_allowed(self) -> None:
        self.send_response(HTTPStatus.METHOD_NOT_ALLOWED)
        self.send_header("Allow", "GET, HEAD")
        self._common_headers()
        self.send_header("Content-Length", "0")
        self.end_headers()

    # --- answers -----------------------------------------------------------------------

    def _common_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("Content-Security-Policy", CONTENT_SECURITY_POLICY)

    def _status(self, status: HTTPStatus, body: bool) -> None:
        text = f"{status.value} {status.phrase}\n".encode()
        self.send_response(status)
        self._common_headers()
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        if body:
            self.wfile.write(text)

    def _answer(self, body: bool) -> None:
        target = self._target()
        if isinstance(target, HTTPStatus):
            self._status(target, body)
            return
        if isinstance(target, str):  # a folder asked without its trailing slash
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self._common_headers()
            self.send_header("Location", target)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        try:
            data = target.read_bytes()
            modified = int(target.stat().st_mtime)
        except OSError:
            self._status(HTTPStatus.NOT_FOUND, body)
            return
        etag = '"' + hashlib.sha256(data).hexdigest()[:32] + '"'
        fresh = self._not_modified(etag, modified)
        self.send_response(HTTPStatus.NOT_MODIFIED if fresh else HTTPStatus.OK)
        self._common_headers()
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", email.utils.formatdate(modified, usegmt=True))
        self.send_header("Cache-Control", "no-cache")
        if fresh:
            self.end_headers()
            return
        self.send_header("Content-Type", content_type(target))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if body:
            self.wfile.write(data)

    def _not_modified(self, etag: str, modified: int) -> bool:
        """True when the client's copy is current (If-None-Match wins over
        If-Modified-Since, as RFC 9110 says)."""
        match = self.headers.get("If-None-Match")
        if match is not None:
            tags = [t.strip().removeprefix("W/") for t in match.split(",")]
            return "*" in tags or etag in tags
        since = self.headers.get("If-Modified-Since")
        if since is None:
            return False
        try:
            when = email.utils.parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
        if when is None or when.tzinfo is None:
            return False
        return modified <= int(when.timestamp())

    def _target(self) -> Path | HTTPStatus | str:
        """The file to send, a redirect location, or the error status."""
        try:
            decoded = urllib.parse.unquote(urllib.parse.urlsplit(self.path).path,
                                           errors="strict")
        except (UnicodeDecodeError, ValueError):
            return HTTPStatus.NOT_FOUND
        parts = [p for p in decoded.split("/") if p]
        if "\0" in decoded or "\\" in decoded or any(p in (".", "..") for p in parts):
            return HTTPStatus.NOT_FOUND
        if any(p.startswith(".") for p in parts):  # the site marker, editors' files
            return HTTPStatus.NOT_FOUND
        root = self.root.resolve()
        candidate = root.joinpath(*parts)
        try:
            resolved = candidate.resolve(strict=True)
        except (OSError, RuntimeError):
            return HTTPStatus.NOT_FOUND
        if resolved != root and root not in resolved.parents:
            return HTTPStatus.FORBIDDEN  # a symbolic link out of the site
        if resolved.is_dir():
            if not decoded.endswith("/"):
                # built from the checked parts: "//name" must not become another host
                return "".join(f"/{urllib.parse.quote(p)}" for p in parts) + "/"
            resolved = resolved / "index.html"
            if not resolved.is_file():
                return HTTPStatus.NOT_FOUND
        if not resolved.is_file():
            return HTTPStatus.NOT_FOUND
        return resolved

    def log_message(self, format: str, *args: Any) -> None:
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def make_server(directory: Path, host: str = "127.0.0.1", port: int = 8000
                ) -> ThreadingHTTPServer:
    """A server for the site in ``directory`` bound to ``host:port`` (not yet serving);
    port 0 picks a free one (``server.server_address`` tells which)."""
    handler = type("BoundSiteHandler", (SiteHandler,), {"root": Path(directory)})
    server_class = ThreadingHTTPServer
    if ":" in host:
        server_class = type("ThreadingHTTPServer6", (ThreadingHTTPServer,),
                            {"address_family": socket.AF_INET6})
    try:
        server = server_class((host, port), handler)
    except OSError as exc:
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror or exc}; "
                         "pick another port with --port") from None
    server.daemon_threads = True
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    shown = f"[{host}]" if ":" in str(host) else host
    return f"http://{shown}:{port}/"


# --- watching ----------------------------------------------------------------------------

def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """(mtime, size) of every file ``--watch`` looks at, by path."""
    out: dict[str, tuple[int, int]] = {}
    for name in WATCHED:
        top = root / name
        paths = [top] if top.is_file() else sorted(top.rglob("*")) if top.is_dir() else []
        for path in paths:
            try:
                stat = path.stat()
            except OSError:
                continue
            if path.is_file():
                out[path.relative_to(root).as_posix()] = (stat.st_mtime_ns, stat.st_size)
    return out


class Watcher(threading.Thread):
    """Polls the workspace files and calls ``rebuild`` when any changed."""

    def __init__(self, root: Path, rebuild: Callable[[], None],
                 interval: float = POLL_SECONDS) -> None:
        super().__init__(name="coordctl-watch", daemon=True)
        self.root = root
        self.rebuild = rebuild
        self.interval = interval
        self.stopped = threading.Event()
        self._seen = snapshot(root)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            now = snapshot(self.root)
            if now != self._seen:
                self._seen = now
                self.rebuild()

    def stop(self) -> None:
        self.stopped.set()


def rebuilder(options: Any, directory: Path) -> Callable[[], None]:
    """Reload the workspace and build the site into ``directory``; a failure is one line
    on stderr and the previous site stays."""
    from coordctl.site import build_site

    def rebuild() -> None:
        ws = None
        try:
            ws = options.workspace(freeze=False)
            build_site(ws, directory, options.locale_for(ws), options.audience, progress=False)
        except CoordctlError as exc:
            print(f"coordctl: rebuild failed: {exc}", file=sys.stderr, flush=True)
            return
        except Exception as exc:  # keep serving; the message says what broke
            print(f"coordctl: rebuild failed: {type(exc).__name__}: {exc}", file=sys.stderr,
                  flush=True)
            return
        finally:
            if ws is not None:  # serving runs for days: let each rebuild's workspace go
                ws.close()
        print(f"coordctl: rebuilt {directory}", file=sys.stderr, flush=True)

    return rebuild


def serve_site(directory: Path, host: str = "127.0.0.1", port: int = 8000,
               options: Any = None) -> None:
    """Serve the site in ``directory`` until Ctrl-C. With ``options`` (the CLI's global
    options) build it first and rebuild it whenever a workspace file changes."""
    from coordctl.site import build_site

    directory = Path(directory)
    watcher = None
    if options is not None:
        ws = options.workspace(freeze=False)
        try:
            build_site(ws, directory, options.locale_for(ws), options.audience,
                       progress=False)
        finally:
            ws.close()
        watcher = Watcher(options.root(), rebuilder(options, directory))
    if not (directory / "index.html").is_file():
        raise ServeError(f"there is no site in {directory}: run 'coordctl build -o "
                         f"{directory}' first, or serve with --watch")
    server = make_server(directory, host, port)
    print(f"serving {directory} at {server_url(server)} (Ctrl-C stops)", file=sys.stderr,
          flush=True)
    if watcher is not None:
        watcher.start()
        print(f"watching {watcher.root} for changes", file=sys.stderr, flush=True)
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr, flush=True)
    finally:
        if watcher is not None:
            watcher.stop()
        server.server_close()
