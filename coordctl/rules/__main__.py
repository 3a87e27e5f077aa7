"""Print the rules reference (Markdown) from the rule docstrings.

``python -m coordctl.rules > docs/rules.md`` regenerates the docs page;
``python -m coordctl.rules --table`` prints the README's rule table.
"""

from __future__ import annotations

import inspect
import sys

from coordctl.rules import all_rules


def summary(module: object) -> str:
    """The first paragraph of a rule's docstring, on one line."""
    doc = inspect.getdoc(module) or ""
    return " ".join(doc.split("\n\n")[0].split())


def table() -> str:
    lines = ["| rule | severity | finds |", "|---|---|---|"]
    for module in all_rules():
        lines.append(f"| [`{module.ID}`](docs/rules.md#{module.ID}) | {module.SEVERITY} | "
                     f"{summary(module)} |")
    return "\n".join(lines) + "\n"


def page() -> str:
    parts = [
        "# Rules\n\n",
        "`coordctl check` runs these rules. This page is generated from the rule modules' "
        "docstrings by `python -m coordctl.rules > docs/rules.md`; a test keeps it in step.\n\n",
        "Switch a rule off for one run with `--ignore RULE`, for the workspace with "
        "`check: {ignore: [RULE]}` in `coordctl.yaml`; run only some with `--select`.\n",
    ]
    for module in all_rules():
        doc = inspect.getdoc(module) or ""
        parts.append(f"\n## {module.ID}\n\n*{module.SEVERITY}* — module "
                     f"`{module.__name__}`\n\n{doc}\n")
    return "".join(parts)


def main(argv: list[str]) -> None:
    sys.stdout.write(table() if "--table" in argv else page())


if __name__ == "__main__":
    main(sys.argv[1:])
