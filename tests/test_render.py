"""What rendered outputs share: templates, labels, words for durations and repeat rules."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
import pytest
from conftest import REPO, load_workspace

from coordctl.errors import UnknownDocument
from coordctl.render import (
    builtin_templates_dir,
    document,
    duration_in_words,
    environment,
    labels,
    markdown_cell,
    repeat_in_words,
)
from coordctl.values import parse_duration


def keys(tree: dict[str, Any], prefix: str = "") -> set[str]:
    out = set()
    for key, value in tree.items():
        out.add(prefix + str(key))
        if isinstance(value, dict):
            out |= keys(value, f"{prefix}{key}.")
    return out


def test_builtin_templates_are_the_repository_templates() -> None:
    folder = builtin_templates_dir()
    assert folder == REPO / "templates"
    assert (folder / "matrix.html").is_file()
    assert (folder / "labels" / "zh-CN.yaml").is_file()


def test_every_label_exists_in_both_locales() -> None:
    import yaml

    files = {locale: yaml.safe_load((builtin_templates_dir() / "labels" / f"{locale}.yaml")
                                    .read_text(encoding="utf-8"))
             for locale in ("zh-CN", "en")}
    assert keys(files["zh-CN"]) == keys(files["en"])
    assert labels("zh-CN")["accountable"] == "牵头"
    assert labels("en")["accountable"] == "Accountable"
    assert labels("zh-CN")["responsible"] == "配合"
    assert labels("zh-CN")["levels"] == "响应级别"


def test_a_missing_label_falls_back_to_another_locale() -> None:
    assert labels("fr")["plan"] == "预案"
    assert keys(labels("fr")) == keys(labels("en"))


@pytest.mark.parametrize(("rule", "zh", "en"), [
    ("FREQ=MONTHLY;BYDAY=1TU", "每月第一个星期二", "monthly on the first Tuesday"),
    ("FREQ=MONTHLY;INTERVAL=3;BYDAY=-1TH", "每3个月最后一个星期四",
     "every 3 months on the last Thursday"),
    ("FREQ=WEEKLY;BYDAY=MO,TH", "每周星期一、星期四", "weekly on Monday, Thursday"),
    ("FREQ=WEEKLY;INTERVAL=2", "每2周", "every 2 weeks"),
    ("FREQ=MONTHLY;BYMONTHDAY=15", "每月15日", "monthly on day 15"),
    ("FREQ=DAILY", "每天", "daily"),
    ("FREQ=YEARLY;WKST=MO", "每年", "yearly"),
    (None, "单次", "once"),
])
def test_repeat_in_words(rule: str | None, zh: str, en: str) -> None:
    assert repeat_in_words(rule, "zh-CN") == zh
    assert repeat_in_words(rule, "en") == en


@pytest.mark.parametrize("rule", [
    "FREQ=MONTHLY;BYDAY=2TU;BYSETPOS=1", "FREQ=DAILY;COUNT=3", "FREQ=HOURLY",
    "FREQ=WEEKLY;BYDAY=1MO", "FREQ=MONTHLY;BYDAY=MO;BYMONTHDAY=1", "FREQ=YEARLY;BYMONTH=3",
    "FREQ=MONTHLY;BYDAY=9TU", "not a rule",
])
def test_repeat_beyond_plain_words_is_shown_raw(rule: str) -> None:
    assert repeat_in_words(rule, "zh-CN") == rule
    assert repeat_in_words(rule, "en") == rule


@pytest.mark.parametrize(("text", "zh", "en"), [
    ("5m", "5分钟", "5 min"), ("1h30m", "1小时30分钟", "1 h 30 min"), ("3d", "3天", "3 d"),
    ("P3Y", "3年", "3 yr"), ("PT0S", "PT0S", "PT0S"),
])
def test_duration_in_words(text: str, zh: str, en: str) -> None:
    assert duration_in_words(parse_duration(text), "zh-CN") == zh
    assert duration_in_words(parse_duration(text), "en") == en
    assert duration_in_words(None, "en") == ""


def test_environment_search_path_escaping_and_strictness(tmp_path: Path) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text("<p>{{ text }}</p>\n")
    (tmp_path / "templates" / "page.md").write_text("{{ text }}\n")
    (tmp_path / "templates" / "matrix.html").write_text("overridden\n")
    env = environment(tmp_path)
    assert env.get_template("page.html").render(text="<b>") == "<p>&lt;b&gt;</p>\n"
    assert env.get_template("page.md").render(text="<b>") == "<b>\n"
    assert env.get_template("matrix.html").render() == "overridden\n"
    assert "<!DOCTYPE html>" in environment(None).loader.get_source(
        environment(None), "matrix.html")[0]
    with pytest.raises(jinja2.UndefinedError):
        env.get_template("page.md").render()


def test_filters_take_the_locale() -> None:
    env = environment(None)
    template = env.from_string("{{ name | localize('en') }} {{ d | duration('zh-CN') }}")
    assert template.render(name={"zh-CN": "公安", "en": "Police"},
                           d=parse_duration("2h")) == "Police 2小时"


def test_markdown_cell_is_literal_and_one_line() -> None:
    assert markdown_cell("a|b\n<i>x</i> [l](u) *e* _f_ `c` & \\") == \
        r"a\|b \<i\>x\</i\> \[l\](u) \*e\* \_f\_ \`c\` \& \\"
    assert markdown_cell("封控现场") == "封控现场"


def test_document_lookup(make_workspace: Callable[..., Path]) -> None:
    ws = load_workspace(make_workspace())
    assert document(ws, "plan", "major-incident").id == "major-incident"
    assert document(ws, "meeting", "analysis").id == "analysis"
    with pytest.raises(UnknownDocument, match=r"there is no drill 'tabletop' \(did you mean "
                                              r"'tabletop-2027'\?\)"):
        document(ws, "drill", "tabletop")
    with pytest.raises(UnknownDocument, match=r"^there is no action 'zzz'$"):
        document(ws, "action", "zzz")
