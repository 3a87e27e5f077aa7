"""The docs generated from the rule docstrings stay in step with the code."""

from __future__ import annotations

import re

from conftest import REPO

from coordctl.rules import RULE_IDS
from coordctl.rules.__main__ import page, table


def test_readme_rule_table_is_generated_from_the_rules() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = re.search(r"<!-- rules:start -->\n(.*?)<!-- rules:end -->", readme, re.S)
    assert block, "README.md lost its rules markers"
    assert block.group(1) == table(), "run: python -m coordctl.rules --table, paste in README"


def test_docs_rules_page_is_generated_from_the_rules() -> None:
    assert (REPO / "docs" / "rules.md").read_text(encoding="utf-8") == page(), \
        "run: python -m coordctl.rules > docs/rules.md"


def test_every_rule_is_documented_with_examples() -> None:
    text = page()
    for rule_id in RULE_IDS:
        section = text.split(f"\n## {rule_id}\n", 1)[1].split("\n## ", 1)[0]
        assert "Fails" in section and "Passes" in section, rule_id
