"""Golden files: rendered outputs compared byte for byte with files under tests/golden/.

Run the tests with ``COORDCTL_UPDATE_GOLDEN=1`` to (re)write the files after an
intended change, then review the difference in git before committing it.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def without_stylesheet(page: str) -> str:
    """The page with its inlined stylesheet left out: goldens follow what a page says,
    not ``_style.css``, which every page shares (a style change would rewrite them all)."""
    return re.sub(r"<style>.*?</style>", "<style>…</style>", page, count=1, flags=re.S)


def assert_golden(name: str, actual: str | bytes) -> None:
    """Assert ``actual`` equals the golden file ``name``; rewrite it when updating.

    HTML goldens are compared without the inlined stylesheet.
    """
    __tracebackhide__ = True
    if name.endswith(".html"):
        text = actual if isinstance(actual, str) else actual.decode("utf-8")
        actual = without_stylesheet(text)
    data = actual.encode("utf-8") if isinstance(actual, str) else actual
    path = GOLDEN / name
    if os.environ.get("COORDCTL_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.is_file(), f"no golden file {name}: run with COORDCTL_UPDATE_GOLDEN=1"
    expected = path.read_bytes()
    assert data.decode("utf-8") == expected.decode("utf-8"), f"output differs from {name}"
