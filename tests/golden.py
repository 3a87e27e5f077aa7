"""Golden files: rendered outputs compared byte for byte with files under tests/golden/.

Run the tests with ``COORDCTL_UPDATE_GOLDEN=1`` to (re)write the files after an
intended change, then review the difference in git before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(name: str, actual: str | bytes) -> None:
    """Assert ``actual`` equals the golden file ``name``; rewrite it when updating."""
    __tracebackhide__ = True
    data = actual.encode("utf-8") if isinstance(actual, str) else actual
    path = GOLDEN / name
    if os.environ.get("COORDCTL_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return
    assert path.is_file(), f"no golden file {name}: run with COORDCTL_UPDATE_GOLDEN=1"
    expected = path.read_bytes()
    assert data.decode("utf-8") == expected.decode("utf-8"), f"output differs from {name}"
