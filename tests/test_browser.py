"""The built site in a real browser: headless Chromium opens the dashboard and a plan
page from disk at a phone's size, takes screenshots and reports console messages.

Skipped only when Debian's ``/usr/bin/chromium`` is not installed (``.ci/run`` installs
it). The screenshots stay under the test's temporary folder for a look.
"""

from __future__ import annotations

import struct
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import load_workspace
from test_site import parse, parse_html

from coordctl.site import build_site

CHROMIUM = Path("/usr/bin/chromium")
PHONE = (390, 844)

pytestmark = pytest.mark.skipif(not CHROMIUM.is_file(),
                                reason=f"{CHROMIUM} is not installed (apt-get install chromium)")


def open_in_chromium(page: Path, screenshot: Path, profile: Path) -> tuple[str, str]:
    """Load ``page`` (a file) in headless Chromium with no network; (DOM, stderr log)."""
    args = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={screenshot}",
            f"--window-size={PHONE[0]},{PHONE[1]}", "--enable-logging=stderr", "--v=0",
            "--dump-dom", page.resolve().as_uri()]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_dashboard_and_plan_page_on_a_phone(make_workspace: Callable[..., Path],
                                            tmp_path: Path) -> None:
    locale = "zh-CN"
    site = build_site(load_workspace(make_workspace()), tmp_path / "site", locale, "public")
    for name, rel in (("index", "index.html"), ("plan", "plans/major-incident.html")):
        screenshot = tmp_path / f"{name}.png"
        dom, log = open_in_chromium(site / rel, screenshot, tmp_path / f"profile-{name}")
        console = [line for line in log.splitlines() if ":CONSOLE" in line]
        assert console == [], f"{rel}: console messages: {console}"
        assert png_size(screenshot) == PHONE, rel
        assert screenshot.stat().st_size > 5000, f"{rel}: a blank screenshot?"
        # the browser read the page as written: its language, headings and text
        shown, written = parse_html(dom), parse(site / rel)
        assert shown.lang == locale
        assert shown.headings == written.headings and shown.headings[0] == 1
        assert shown.text == written.text
