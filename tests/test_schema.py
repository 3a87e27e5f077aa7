"""``coordctl schema``: JSON Schema 2020-12 that check-jsonschema and editors accept."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from coordctl.cli import cli

REPO = Path(__file__).resolve().parent.parent
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"


def _check_jsonschema() -> str:
    beside = Path(sys.executable).parent / "check-jsonschema"
    found = str(beside) if beside.is_file() else shutil.which("check-jsonschema")
    if found is None:
        pytest.fail("check-jsonschema is not installed: pip install -e '.[test]'")
    return found


def schema_text(*options: str) -> str:
    result = CliRunner().invoke(cli, ["schema", *options])
    assert result.exit_code == 0, result.stderr
    assert result.stderr == ""
    return result.stdout


@pytest.fixture(scope="module")
def schemas(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The document and settings schemas, written to files."""
    folder = tmp_path_factory.mktemp("schemas")
    out = {}
    for name, options in (("document", ()), ("settings", ("--settings",))):
        out[name] = folder / f"{name}.schema.json"
        out[name].write_text(schema_text(*options), encoding="utf-8")
    return out


def validate(schema: Path, *files: Path, tmp_path: Path, options: tuple[str, ...] = ()
             ) -> subprocess.CompletedProcess[str]:
    """Run check-jsonschema on ``files`` with a HOME of its own (it may keep a cache)."""
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    return subprocess.run([_check_jsonschema(), *options, "--schemafile", str(schema),
                           *map(str, files)],
                          capture_output=True, text=True, env=env, check=False, timeout=120)


def sample_documents() -> list[Path]:
    return sorted(p for pattern in ("*.yaml", "*.yml") for p in (REPO / "plans").rglob(pattern))


def test_schema_is_json_schema_2020_12() -> None:
    generated = json.loads(schema_text())
    assert generated["$schema"] == DRAFT_2020_12
    assert set(generated["properties"]["kind"]["enum"]) == {"department", "plan", "meeting",
                                                            "drill", "action"}
    jsonschema.Draft202012Validator.check_schema(generated)


def test_settings_schema() -> None:
    generated = json.loads(schema_text("--settings"))
    assert generated["$schema"] == DRAFT_2020_12
    assert set(generated["required"]) == {"name", "timezone"}
    assert {"calendar", "policy", "check", "smtp"} <= set(generated["properties"])
    jsonschema.Draft202012Validator.check_schema(generated)


def test_schema_output_is_deterministic(tmp_path: Path) -> None:
    """Separate processes with different hash seeds print byte-identical schemas."""
    outputs = set()
    for seed, options in (("1", ()), ("2", ()), ("3", ("--settings",))):
        done = subprocess.run([sys.executable, "-m", "coordctl", "schema", *options],
                              capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed},
                              check=True, timeout=120)
        outputs.add((options, done.stdout))
    assert outputs == {((), schema_text().encode("utf-8")),
                       (("--settings",), schema_text("--settings").encode("utf-8"))}


def _defaults(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "default" in node:
            yield path, node
        for key, value in node.items():
            yield from _defaults(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _defaults(value, f"{path}/{index}")


@pytest.mark.parametrize("options", [(), ("--settings",)])
def test_every_default_is_valid_against_its_own_schema(options: tuple[str, ...]) -> None:
    generated = json.loads(schema_text(*options))
    found = list(_defaults(generated))
    assert found
    for path, node in found:
        subschema = {**{k: v for k, v in node.items() if k != "default"},
                     "$defs": generated.get("$defs", {})}
        errors = list(jsonschema.Draft202012Validator(subschema).iter_errors(node["default"]))
        assert not errors, f"{path}: default {node['default']!r}: {errors[0].message}"


def test_the_schemas_pass_the_metaschema(schemas: dict[str, Path], tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    done = subprocess.run([_check_jsonschema(), "--check-metaschema",
                           str(schemas["document"]), str(schemas["settings"])],
                          capture_output=True, text=True, env=env, check=False, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_sample_document_is_valid(schemas: dict[str, Path], tmp_path: Path) -> None:
    documents = sample_documents()
    assert len(documents) > 10
    for path in documents:
        with path.open(encoding="utf-8") as handle:
            count = sum(1 for _ in yaml.safe_load_all(handle))
        assert count == 1, f"{path.relative_to(REPO)} holds {count} documents, not one"
    done = validate(schemas["document"], *documents, tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_sample_settings_are_valid(schemas: dict[str, Path], tmp_path: Path) -> None:
    done = validate(schemas["settings"], REPO / "coordctl.yaml", tmp_path=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr


DEPARTMENT = """\
    kind: department
    id: police
    name: {zh-CN: 市公安局, en: Public Security Bureau}
    """

DRILL = """\
    kind: drill
    id: tabletop-2027
    title: 桌面推演
    plan: major-incident
    type: tabletop
    schedule:
      start: {start}
      duration: 3h
    """

#: Example documents and whether check-jsonschema accepts them.
EXAMPLES: dict[str, tuple[str, bool]] = {
    "valid department": (DEPARTMENT, True),
    "unknown field": (DEPARTMENT + "    colour: blue\n", False),
    "bad id": (DEPARTMENT.replace("id: police", "id: Police_Bureau"), False),
    "missing required field": (DEPARTMENT.replace(
        "    name: {zh-CN: 市公安局, en: Public Security Bureau}\n", ""), False),
    "unknown kind": (DEPARTMENT.replace("kind: department", "kind: agency"), False),
    "unknown locale": (DEPARTMENT.replace("en: Public", "fr: Public"), False),
    # check-jsonschema reads YAML timestamps as strings; the pattern takes T or a space
    "timestamp with a space": (DRILL.replace("{start}", "2027-01-05 09:30:00"), True),
    "timestamp with T": (DRILL.replace("{start}", "2027-01-05T09:30"), True),
    "timestamp with seconds": (DRILL.replace("{start}", "2027-01-05T09:30:00"), True),
    "quoted timestamp": (DRILL.replace("{start}", "'2027-01-05T09:30'"), True),
    "a date as start": (DRILL.replace("{start}", "2027-01-05"), False),
    "a start in words": (DRILL.replace("{start}", "tomorrow 9:30"), False),
    "a start with an offset": (DRILL.replace("{start}", "2027-01-05T09:30+08:00"), False),
}


@pytest.fixture(scope="module")
def rejected(schemas: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The EXAMPLES check-jsonschema rejects, from one run over all of them."""
    folder = tmp_path_factory.mktemp("examples")
    names = {}
    for number, (label, (text, _)) in enumerate(EXAMPLES.items()):
        path = folder / f"example-{number}.yaml"
        path.write_text(textwrap.dedent(text), encoding="utf-8")
        names[str(path)] = names[path.name] = label
    done = validate(schemas["document"], *sorted(folder.iterdir()), tmp_path=folder,
                    options=("--output-format", "json"))
    report = json.loads(done.stdout)
    failed = {names[item["filename"]] for key in ("errors", "parse_errors")
              for item in report[key]}
    assert done.returncode == (1 if failed else 0), done.stdout + done.stderr
    return failed


@pytest.mark.parametrize("label", list(EXAMPLES))
def test_examples(rejected: set[str], label: str) -> None:
    accepted = EXAMPLES[label][1]
    assert (label not in rejected) == accepted
