"""yamlsrc: YAML text to data with 1-based positions; bad input becomes problems, never
exceptions."""

from __future__ import annotations

import codecs
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coordctl import yamlsrc
from coordctl.yamlsrc import Mapping, Sequence, load_bytes, load_text


def only(text: str):
    """The data of the single document of ``text``, which must load without problems."""
    result = load_text(text)
    assert result.problems == []
    assert len(result.documents) == 1
    return result.documents[0].data


# --- positions ---------------------------------------------------------------------------

def test_keys_values_and_items_have_1_based_line_and_column():
    data = only(
        "kind: plan\n"            # 1
        "id:   water\n"           # 2  value at column 7
        "phases:\n"               # 3
        "  - id: initial\n"       # 4  item at column 5
        "  -   id: later\n"       # 5  item at column 7
        "levels: [I,  II]\n"      # 6  flow items at columns 10 and 14
        "  # a comment\n"         # 7
        "owner:\n"                # 8
        "    police\n")           # 9  value on its own line
    assert isinstance(data, Mapping)
    assert data.key_mark("kind") == (1, 1)
    assert data.value_mark("kind") == (1, 7)
    assert data.value_mark("id") == (2, 7)
    assert data.key_mark("phases") == (3, 1)
    phases = data["phases"]
    assert isinstance(phases, Sequence)
    assert phases.item_mark(0) == (4, 5)
    assert phases.item_mark(1) == (5, 7)
    assert phases[1].key_mark("id") == (5, 7)
    assert phases[1].value_mark("id") == (5, 11)
    assert data["levels"].item_mark(0) == (6, 10)
    assert data["levels"].item_mark(1) == (6, 14)
    assert data.key_mark("owner") == (8, 1)
    assert data.value_mark("owner") == (9, 5)


def test_a_mapping_and_a_sequence_know_where_they_start():
    data = only("a:\n  b: {c: 1}\n  d:\n    - x\n")
    assert (data.line, data.column) == (1, 1)
    assert (data["a"]["b"].line, data["a"]["b"].column) == (2, 6)
    assert (data["a"]["d"].line, data["a"]["d"].column) == (4, 5)


def test_a_missing_key_or_item_falls_back_to_the_container():
    data = only("top:\n  inner: {x: 1}\n")
    inner = data["top"]["inner"]
    assert inner.key_mark("nope") == (2, 10)
    assert inner.value_mark("nope") == (2, 10)
    seq = only("- a\n- b\n")
    assert seq.item_mark(5) == (1, 1)
    assert seq.item_mark(-1) == (1, 1)


def test_marks_are_the_same_with_crlf_line_endings():
    lf = only("kind: department\nid: police\ncontacts:\n  - role: x\n")
    crlf = only("kind: department\r\nid: police\r\ncontacts:\r\n  - role: x\r\n")
    assert crlf == lf
    assert crlf["id"] == "police"  # no stray '\r'
    assert crlf.value_mark("id") == lf.value_mark("id") == (2, 5)
    assert crlf["contacts"].item_mark(0) == (4, 5)


def test_data_is_plain_dicts_and_lists_underneath():
    data = only("a: [1, {b: true}]\n")
    assert data == {"a": [1, {"b": True}]}
    assert isinstance(data, dict)
    assert isinstance(data["a"], list)


# --- several documents -------------------------------------------------------------------

def test_several_documents_each_with_its_start_line_and_index():
    result = load_text("kind: a\n---\nkind: b\n---\n\n# gap\nkind: c\n")
    assert result.problems == []
    assert [d.data["kind"] for d in result.documents] == ["a", "b", "c"]
    assert [d.line for d in result.documents] == [1, 3, 7]
    assert [d.index for d in result.documents] == [0, 1, 2]


def test_documents_before_a_syntax_error_are_kept():
    result = load_text("kind: a\n---\nkind: b\n---\nkind: [c\n")
    assert [d.data["kind"] for d in result.documents] == ["a", "b"]
    assert len(result.problems) == 1
    assert result.problems[0].line >= 5


def test_a_syntax_error_in_the_first_document_is_at_its_line():
    result = load_text("kind: department\nid: x\nname: [unclosed\nother: 1\n")
    assert result.documents == []
    [problem] = result.problems
    assert problem.line in (3, 4)  # libyaml notices at the next token
    assert problem.column >= 1


def test_empty_documents_point_at_their_own_separator():
    result = load_text("kind: a\n---\n---\nkind: b\n---\n")
    assert [d.data for d in result.documents] == [{"kind": "a"}, None, {"kind": "b"}, None]
    # each empty document at its '---', never past the end of the 5-line file
    assert [d.line for d in result.documents] == [1, 2, 4, 5]
    assert result.documents[3].line <= 5


def test_only_a_separator_is_one_empty_document_on_line_1():
    result = load_text("---\n")
    assert result.problems == []
    assert [(d.data, d.line, d.column) for d in result.documents] == [(None, 1, 1)]


@pytest.mark.parametrize("text", ["", "# only a comment\n# and another\n", "\n\n  \n"])
def test_empty_and_comment_only_files_hold_no_document(text):
    result = load_text(text)
    assert result.documents == []
    assert result.problems == []


# --- duplicate keys and merges -------------------------------------------------------------

def test_duplicate_key_is_a_problem_at_the_second_naming_the_first_line():
    result = load_text("kind: department\nid: a\nname: x\nexempt: y\nname: z\n")
    [problem] = result.problems
    assert (problem.line, problem.column) == (5, 1)
    assert "duplicate key 'name'" in problem.message
    assert "first at line 3" in problem.message
    # the document is still read, keeping the first value
    assert result.documents[0].data["name"] == "x"


def test_duplicate_key_in_a_nested_flow_mapping():
    result = load_text("a:\n  b: {c: 1, d: 2, c: 3}\n")
    [problem] = result.problems
    assert (problem.line, problem.column) == (2, 19)
    assert "first at line 2" in problem.message


def test_same_key_in_different_mappings_is_not_a_duplicate():
    assert load_text("a: {x: 1}\nb: {x: 2}\n---\na: 3\n").problems == []


def test_merge_keys_are_not_duplicates_and_own_keys_override():
    data = only(
        "defaults: &d {phase: initial, accountable: police}\n"
        "duty:\n"
        "  <<: *d\n"
        "  accountable: fire\n"
        "  id: cordon\n")
    assert data["duty"] == {"phase": "initial", "accountable": "fire", "id": "cordon"}
    assert data["duty"].key_mark("accountable") == (4, 3)


def test_merge_of_a_list_of_mappings():
    data = only("a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n")
    assert data["c"] == {"x": 1, "y": 2, "z": 3}


def test_a_duplicate_own_key_next_to_a_merge_is_still_reported():
    result = load_text("a: &a {x: 1}\nc:\n  <<: *a\n  y: 1\n  y: 2\n")
    [problem] = result.problems
    assert (problem.line, problem.column) == (5, 3)
    assert "first at line 4" in problem.message


def test_a_list_as_a_mapping_key_is_a_problem():
    result = load_text("? [a, b]\n: 1\n")
    assert result.documents == []
    assert "plain value" in result.problems[0].message


# --- scalars -------------------------------------------------------------------------------

def test_dates_and_date_times_stay_text():
    data = only(
        "date: 2027-01-05\n"
        "local: 2027-01-05T09:30\n"
        "spaced: 2027-01-05 09:30:00\n"
        "seconds: 2027-01-05T09:30:00\n"
        "zoned: 2027-01-05T09:30:00+08:00\n"
        "impossible: 2027-02-30\n")
    assert data == {
        "date": "2027-01-05",
        "local": "2027-01-05T09:30",
        "spaced": "2027-01-05 09:30:00",
        "seconds": "2027-01-05T09:30:00",
        "zoned": "2027-01-05T09:30:00+08:00",
        "impossible": "2027-02-30",
    }
    assert all(isinstance(v, str) for v in data.values())


def test_other_scalars_keep_their_yaml_types():
    data = only("n: 5\nf: 1.5\nb: true\nnull_: ~\ns: '5'\n")
    assert data == {"n": 5, "f": 1.5, "b": True, "null_": None, "s": "5"}


# --- encodings ---------------------------------------------------------------------------------

def test_utf8_text_reads():
    result = load_bytes("name: 市公安局\n".encode())
    assert result.documents[0].data == {"name": "市公安局"}


def test_utf8_with_bom_is_accepted():
    result = load_bytes(codecs.BOM_UTF8 + "name: 市公安局\nid: a\n".encode())
    assert result.problems == []
    data = result.documents[0].data
    assert list(data) == ["name", "id"]  # no BOM glued to the first key
    assert data.key_mark("name") == (1, 1)


def test_not_utf8_is_a_problem_at_the_bad_byte():
    result = load_bytes("kind: department\nname: 公安\n".encode("gbk"))
    assert result.documents == []
    [problem] = result.problems
    assert (problem.line, problem.column) == (2, 7)
    assert "not valid UTF-8" in problem.message
    assert "save it as UTF-8" in problem.message


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32"])
def test_utf16_and_utf32_are_refused_with_a_clear_message(codec):
    data = "kind: department\n".encode(codec)
    if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        data = {"utf-16-le": codecs.BOM_UTF16_LE, "utf-16-be": codecs.BOM_UTF16_BE}[codec] + data
    result = load_bytes(data)
    assert result.documents == []
    [problem] = result.problems
    assert (problem.line, problem.column) == (1, 1)
    assert "UTF-16" in problem.message and "UTF-8" in problem.message


@pytest.mark.parametrize("codec, column", [("utf-16-le", 2), ("utf-16-be", 1)])
def test_utf16_without_bom_is_one_clear_problem(codec, column):
    result = load_bytes("kind: x\n".encode(codec))
    assert result.documents == []
    [problem] = result.problems
    assert (problem.line, problem.column) == (1, column)
    assert "UTF-16" in problem.message and "UTF-8" in problem.message
    assert "\n" not in problem.message


def test_a_control_character_is_one_line_problem_at_its_place():
    result = load_text("kind: x\nname: 市公\x07安\n")
    [problem] = result.problems
    assert (problem.line, problem.column) == (2, 9)
    assert problem.message == "the control character U+0007 is not allowed in YAML; remove it"


# --- tabs ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, line", [
    ("kind: department\n\tid: x\n", 2),
    ("contacts:\n\t- role: x\n", 2),
    ("a:\n  b: 1\n\tc: 2\n", 3),
])
def test_tab_indentation_is_a_problem_that_names_tabs(text, line):
    result = load_text(text)
    [problem] = result.problems
    assert problem.line == line
    assert problem.column == 1
    assert "tab" in problem.message
    assert "spaces" in problem.message


def test_a_tab_inside_a_value_line_is_fine():
    assert only("a:\tx\nb: 'tab\there'\n") == {"a": "x", "b": "tab\there"}


# --- hostile input -------------------------------------------------------------------------------

@pytest.mark.parametrize("tag", [
    "!!python/object:os.system x",
    "!!python/object/apply:os.system ['echo hi']",
    "!!python/name:os.system",
    "!custom x",
    "!!set {a, b}",
    "!!binary aGVsbG8=",
])
def test_unknown_and_python_tags_are_refused(tag):
    result = load_text(f"kind: department\nid: x\nname: {tag}\n")
    assert result.documents == []
    [problem] = result.problems
    assert (problem.line, problem.column) == (3, 7)
    assert "not allowed" in problem.message


def test_alias_bomb_is_bounded_with_a_clear_problem():
    lines = ['a: &a ["x", "x", "x", "x", "x", "x", "x", "x", "x", "x"]']
    for i, name in enumerate("bcdefghij"):
        prev = "abcdefghij"[i]
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * 10) + "]")
    started = time.perf_counter()
    result = load_text("\n".join(lines) + "\n")
    assert time.perf_counter() - started < 2
    assert result.documents == []
    [problem] = result.problems
    assert "alias" in problem.message
    assert f"{yamlsrc.MAX_EXPANDED_NODES:,}" in problem.message
    assert problem.line > 1


def test_documents_before_an_alias_bomb_are_kept():
    pairs = zip("abcdefg", "bcdefgh", strict=True)
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{n}: &{n} [{', '.join([f'*{p}'] * 10)}]\n" for p, n in pairs)
    result = load_text("kind: ok\n---\n" + bomb)
    assert [d.data for d in result.documents] == [{"kind": "ok"}]
    assert len(result.problems) == 1


def test_moderate_aliases_are_fine():
    data = only("base: &b {x: 1}\nuse: [*b, *b, *b]\n")
    assert data["use"] == [{"x": 1}] * 3


@pytest.mark.parametrize("depth", [400, 999, 1500, 20000])
@pytest.mark.parametrize("shape", ["flow-list", "flow-map", "block"])
def test_deep_nesting_is_a_problem_not_a_crash(depth, shape):
    if shape == "flow-list":
        text = "x: " + "[" * depth + "]" * depth + "\n"
    elif shape == "flow-map":
        text = "x: " + "{a: " * depth + "1" + "}" * depth + "\n"
    else:
        if depth > 1500:
            pytest.skip("a 20000-level block document is 400 MB")
        text = "".join("  " * i + "k:\n" for i in range(depth)) + "  " * depth + "v\n"
    started = time.perf_counter()
    result = load_text(text)
    assert time.perf_counter() - started < 2
    if result.problems:
        assert result.documents == []
        [problem] = result.problems
        assert "nest" in problem.message
        assert problem.line >= 1 and problem.column >= 1
    else:  # shallow enough to read: then it reads correctly
        assert result.documents


def test_a_document_after_a_too_deep_one_is_not_read_but_earlier_ones_are():
    result = load_text("kind: ok\n---\nx: " + "[" * 3000 + "]" * 3000 + "\n---\nkind: later\n")
    assert [d.data for d in result.documents] == [{"kind": "ok"}]
    assert len(result.problems) == 1


@pytest.mark.parametrize("text", [
    "{", "]", "a: b: c", "- a\nb: c", "*nope", "%YAML 9.9\n---\na: 1\n", "'unterminated",
    "\x00", "a: |\n bad\n  indent\n x", "\ufffe", "a: 1\n\x85b: 2\n"])
def test_garbage_gives_one_line_problems_never_exceptions(text):
    result = load_text(text)
    for problem in result.problems:
        assert problem.line >= 1 and problem.column >= 1
        assert problem.message and "\n" not in problem.message


@pytest.mark.parametrize("text, position, words", [
    ("a: 1\nb: !!bool maybe\n", (2, 4), "'maybe' is not true or false"),
    ("a: !!int x\n", (1, 4), "'x' is not a whole number"),
    ("a: !!float x\n", (1, 4), "'x' is not a number"),
    ("a: !!int " + "9" * 5000 + "\n", (1, 4), "5,000 digits, too many to read"),
    ("a: !!str [1]\n", (1, 4), "scalar"),
    ("a: &x [*x]\n", (1, 4), "recursive"),
    ("a: !!float\nb: 1\n", (1, 4), "is not a number"),
    ("a: !!map text\n", (1, 4), "the tag tag:yaml.org,2002:map needs a mapping here"),
    ("a: !!seq text\n", (1, 4), "the tag tag:yaml.org,2002:seq needs a list here"),
    ("a: !!seq {b: 1}\n", (1, 4), "needs a list"),
    ("a: !!int |\n  1\n  2\n", (1, 4), "the value is not a whole number"),
])
def test_explicit_tags_that_do_not_fit_are_problems_at_the_value(text, position, words):
    result = load_text(text)
    assert result.documents == []
    [problem] = result.problems
    assert (problem.line, problem.column) == position
    assert words in problem.message
    assert "\n" not in problem.message


_PIECES = [*"ab:-[]{},&*!|>'\"#?%@`\t \n\r~.0129", "<<: ", "!!int ", "!!bool ", "!!float ",
           "!!str ", "!!map ", "!!seq ", "!!null ", "!!timestamp ", "---\n", "...\n", "&a ",
           "*a", "!!omap ", "!!python/tuple ", "? ", "%YAML 1.1\n", "\ufeff", "é", "\x85",
           "a: &a {b: 1}\n", "<<: *a\n", "- &a [1]\n"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_any_text_loads_without_raising_and_with_one_line_problems(text):
    result = load_text(text)
    for problem in result.problems:
        assert problem.line >= 1 and problem.column >= 1
        assert problem.message and "\n" not in problem.message


# --- plain loading (old revisions) -------------------------------------------------------

class _PyYAMLPlain(__import__("yaml").CSafeLoader):
    """PyYAML's own safe constructors, dates kept as text: what load_plain must give."""


_PyYAMLPlain.add_constructor("tag:yaml.org,2002:timestamp",
                             lambda loader, node: loader.construct_scalar(node))


def pyyaml_plain(data: bytes):
    import yaml

    try:
        return list(yaml.load_all(data.decode("utf-8-sig"), Loader=_PyYAMLPlain))
    except yaml.YAMLError:
        return []


@pytest.mark.parametrize("text", [
    "kind: plan\nid: p\nduties:\n  - {phase: respond, accountable: police}\n  - [a, 1, 2.5]\n",
    "base: &b {x: 1, y: 2}\nown:\n  <<: *b\n  y: 3\nlist: [*b, *b]\n",
    "a: 1\na: 2\n",  # a duplicate key: the last wins, as in PyYAML
    "? [1, 2]\n: unhashable key\n",
    "1: one\n2.5: two\nnull: three\ntrue: four\n2027-03-10: date key\n",
    "when: 2027-03-10T09:00:00+08:00\nday: 2027-02-30\n",
    "set: !!set {a, b}\nbin: !!binary aGVsbG8=\nomap: !!omap [{a: 1}]\n",
    "- x\n- {a: [1, {b: c}]}\n---\nsecond: doc\n--- plain scalar\n",
    "key: [unclosed\n",
    "",
])
def test_plain_loading_gives_what_pyyamls_own_constructors_give(text):
    data = text.encode()
    assert yamlsrc.load_plain(data) == pyyaml_plain(data)


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) |
                    st.dictionaries(st.text(max_size=6), inner, max_size=4), max_leaves=20))
def test_plain_loading_of_any_data_is_pyyamls(value):
    import yaml

    data = yaml.safe_dump(value, allow_unicode=True).encode()
    assert yamlsrc.load_plain(data) == pyyaml_plain(data)
