"""Packaging: the wheel ships the built-in templates and the console entry point; the
pre-commit hook checks the whole workspace."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Iterator[zipfile.ZipFile]:
    """A wheel built from the working tree, offline (hatchling from the test extras)."""
    if find_spec("hatchling") is None:
        pytest.fail("hatchling is not installed: pip install -e '.[test]'")
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--no-index", "--quiet", "--wheel-dir", str(out), str(REPO)],
        capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    (built,) = out.glob("coordctl-*.whl")
    with zipfile.ZipFile(built) as archive:
        yield archive


def test_wheel_ships_the_templates(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    templates = sorted(p.relative_to(REPO / "templates").as_posix()
                       for p in (REPO / "templates").rglob("*") if p.is_file())
    assert templates, "templates/ is empty"
    for rel in templates:
        assert f"coordctl/templates/{rel}" in names
    assert {"coordctl/__init__.py", "coordctl/cli.py", "coordctl/rules/__init__.py"} <= names
    assert not any(name.startswith(("tests/", "plans/", "templates/")) for name in names)


def test_wheel_has_the_console_entry_point(wheel: zipfile.ZipFile) -> None:
    (entry_points,) = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    text = wheel.read(entry_points).decode("utf-8")
    assert re.search(r"^\[console_scripts\]\s*^coordctl = coordctl\.cli:main$", text,
                     re.MULTILINE), text


def test_pre_commit_hook_checks_the_whole_workspace() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    (hook,) = [h for h in hooks if h["id"] == "coordctl-check"]
    assert hook["entry"] == "coordctl check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["always_run"] is False
    assert hook["files"] == r"^(coordctl\.yaml|plans/.*\.ya?ml)$"
    assert hook["name"] and hook["description"]

    files = re.compile(hook["files"])
    for path in ("coordctl.yaml", "plans/water.yaml", "plans/departments/police.yml"):
        assert files.search(path), path
    for path in ("README.md", "coordctl.yaml.bak", "templates/plan.md", "docs/plans/a.yaml",
                 "plans/notes.txt", "coordctl.schema.json"):
        assert not files.search(path), path
