"""YAML text to plain data that remembers where every key and value was written.

PyYAML's C loader builds the nodes; our constructors turn mappings and sequences into
``Mapping`` and ``Sequence`` (``dict`` and ``list`` subclasses) that carry 1-based
line and column marks for every key, value and item. That costs about as much as a
plain load, whereas keeping whole node trees costs about three times as much.

Loading never raises for bad input: syntax errors, duplicate keys, unknown tags, alias
bombs and over-deep nesting become ``Problem``s at their line, and the documents read
before the problem are kept.
"""

from __future__ import annotations

import codecs
import gc
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

#: A document that expands (through aliases) to more nodes than this is refused.
MAX_EXPANDED_NODES = 1_000_000

Mark = tuple[int, int]


class Mapping(dict):
    """A YAML mapping: ``marks[key] = (key_line, key_col, value_line, value_col)``."""

    __slots__ = ("column", "line", "marks", "size")

    def key_mark(self, key: Any) -> Mark:
        m = self.marks.get(key)
        return (m[0], m[1]) if m else (self.line, self.column)

    def value_mark(self, key: Any) -> Mark:
        m = self.marks.get(key)
        return (m[2], m[3]) if m else (self.line, self.column)


class Sequence(list):
    """A YAML sequence: ``marks[i] = (line, col)`` of item ``i``."""

    __slots__ = ("column", "line", "marks", "size")

    def item_mark(self, index: int) -> Mark:
        if 0 <= index < len(self.marks):
            return self.marks[index]
        return (self.line, self.column)


@dataclass
class Problem:
    """Something wrong with the YAML itself, at a 1-based line and column."""

    line: int
    column: int
    message: str


@dataclass
class Document:
    """One YAML document of a file: its data and where it starts."""

    data: Any
    line: int
    column: int
    index: int


@dataclass
class YamlFile:
    """What was read from one file: its documents and the problems found."""

    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: True when a problem stopped the reading: the text after ``documents`` is unread.
    stopped: bool = False


class _Loader(yaml.CSafeLoader):
    """CSafeLoader that builds ``Mapping``/``Sequence`` with marks and reports duplicates."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.duplicates: list[Problem] = []
        self.text = stream


class _TooLarge(yaml.YAMLError):
    def __init__(self, line: int, column: int) -> None:
        super().__init__()
        self.line, self.column = line, column


_ScalarNode = yaml.ScalarNode
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"


def _size_of(value: Any) -> int:
    return value.size if isinstance(value, (Mapping, Sequence)) else 1


def _wrong_node(node: yaml.Node, expected: str) -> yaml.YAMLError:
    """The problem of a tag that does not fit its node (``!!map text``)."""
    return yaml.constructor.ConstructorError(
        None, None, f"the tag {node.tag} needs {expected} here", node.start_mark)


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    if not isinstance(node, yaml.MappingNode):
        raise _wrong_node(node, "a mapping")
    own_pairs = node.value
    merged_pairs: list = []
    if _MERGE in {key.tag for key, _ in own_pairs}:
        own_pairs = [(k, v) for k, v in node.value if k.tag != _MERGE]
        loader.flatten_mapping(node)
        merged_pairs = node.value[: len(node.value) - len(own_pairs)]
    mapping = Mapping()
    marks: dict[Any, tuple[int, int, int, int]] = {}
    mapping.line = node.start_mark.line + 1
    mapping.column = node.start_mark.column + 1
    size = 1
    construct = loader.construct_object
    for merged, pairs in ((True, merged_pairs), (False, own_pairs)):
        for key_node, value_node in pairs:
            # Plain text is most of a document: take it straight from the node.
            key = key_node.value if key_node.__class__ is _ScalarNode and \
                key_node.tag == _STR else construct(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                raise yaml.constructor.ConstructorError(
                    None, None, "a mapping key must be a plain value, not a list or mapping",
                    key_node.start_mark) from None
            km, vm = key_node.start_mark, value_node.start_mark
            if key in mapping and not merged and key in marks and marks[key][0] != 0:
                loader.duplicates.append(Problem(
                    km.line + 1, km.column + 1,
                    f"duplicate key '{key}' (first at line {marks[key][0]}); "
                    "YAML keeps only one of them: remove or merge the other"))
                continue
            if value_node.__class__ is _ScalarNode and value_node.tag == _STR:
                value = value_node.value
                size += 1
            else:
                value = construct(value_node, deep=True)
                size += _size_of(value)
            mapping[key] = value
            # Keys that come from a merge (<<) get line 0 so an own key may override them.
            marks[key] = (0 if merged else km.line + 1, km.column + 1,
                          vm.line + 1, vm.column + 1)
    if size > MAX_EXPANDED_NODES:
        raise _TooLarge(mapping.line, mapping.column)
    mapping.marks = marks
    mapping.size = size
    return mapping


def _construct_sequence(loader: _Loader, node: yaml.SequenceNode) -> Sequence:
    if not isinstance(node, yaml.SequenceNode):
        raise _wrong_node(node, "a list")
    seq = Sequence()
    seq.line = node.start_mark.line + 1
    seq.column = node.start_mark.column + 1
    marks = []
    size = 1
    construct = loader.construct_object
    for item in node.value:
        if item.__class__ is _ScalarNode and item.tag == _STR:
            value = item.value
            size += 1
        else:
            value = construct(item, deep=True)
            size += _size_of(value)
        seq.append(value)
        marks.append((item.start_mark.line + 1, item.start_mark.column + 1))
    if size > MAX_EXPANDED_NODES:
        raise _TooLarge(seq.line, seq.column)
    seq.marks = marks
    seq.size = size
    return seq


def _construct_timestamp_as_text(loader: _Loader, node: yaml.ScalarNode) -> str:
    # Dates and date-times stay text: the models parse them with clear messages
    # (PyYAML would raise on 2027-02-30 and silently drop time zones).
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)
_Loader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


def _unknown_tag(loader: _Loader, node: yaml.Node) -> Any:
    raise yaml.constructor.ConstructorError(
        None, None,
        f"the tag {node.tag} is not allowed: coordctl documents hold plain values only",
        node.start_mark)


# Sets, ordered maps and binary are not part of the document format.
for _tag in ("tag:yaml.org,2002:set", "tag:yaml.org,2002:omap",
             "tag:yaml.org,2002:pairs", "tag:yaml.org,2002:binary"):
    _Loader.add_constructor(_tag, _unknown_tag)
_Loader.add_constructor(None, _unknown_tag)


def _checked(name: str, construct: Any) -> Any:
    """A scalar constructor that reports a bad value at its node (``!!bool maybe``)."""

    def checked(loader: _Loader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except yaml.YAMLError:
            raise
        except (ValueError, KeyError, IndexError, TypeError, AttributeError, OverflowError):
            value = getattr(node, "value", "")
            if name == "a whole number" and isinstance(value, str) and \
                    value.lstrip("+-").replace("_", "").isdigit():
                # Python refuses to read whole numbers of more than 4,300 digits
                raise yaml.constructor.ConstructorError(
                    None, None, f"the number has {len(value):,} digits, too many to read: "
                    "write a smaller one, or quote it if it is text", node.start_mark) \
                    from None
            shown = f"'{value}'" if isinstance(value, str) and len(value) <= 40 and \
                "\n" not in value else "the value"
            raise yaml.constructor.ConstructorError(
                None, None, f"{shown} is not {name} (tag {node.tag})",
                node.start_mark) from None

    return checked


# Plain scalars only get these tags when they match; an explicit tag can force any text.
for _tag, _name in (("bool", "true or false"), ("int", "a whole number"),
                    ("float", "a number"), ("null", "null")):
    _Loader.add_constructor(f"tag:yaml.org,2002:{_tag}", _checked(
        _name, _Loader.yaml_constructors[f"tag:yaml.org,2002:{_tag}"]))


_NUL_MESSAGE = ("the file holds NUL characters: it is UTF-16 without a byte order mark, "
                "or not text at all; save it as UTF-8")


def decode(data: bytes) -> tuple[str | None, Problem | None]:
    """Decode file bytes as UTF-8 (a BOM is allowed) or say where and why it is not."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE,
                        codecs.BOM_UTF32_BE)):
        return None, Problem(1, 1, "the file is UTF-16 or UTF-32; save it as UTF-8")
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8):]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        nul = data.find(b"\x00", 0, exc.start)
        where = nul if nul >= 0 else exc.start
        line = data.count(b"\n", 0, where) + 1
        column = where - (data.rfind(b"\n", 0, where) + 1) + 1
        return None, Problem(line, column, _NUL_MESSAGE if nul >= 0 else
                             f"the file is not valid UTF-8 (byte 0x{data[exc.start]:02x}); "
                             "save it as UTF-8")


_DEEP_MESSAGE = ("the document is nested too deeply to read (lists and mappings inside "
                 "each other hundreds of levels deep): write it with fewer levels")


def _problem_from(exc: Exception, text: str = "") -> Problem:
    if isinstance(exc, yaml.reader.ReaderError):
        # libyaml counts the position in UTF-8 bytes
        before = text.encode("utf-8")[:exc.position].decode("utf-8", "replace")
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        message = (f"the control character U+{code:04X} is not allowed in YAML; remove it"
                   if code else _NUL_MESSAGE)
        return Problem(before.count("\n") + 1, len(before) - before.rfind("\n"), message)
    if isinstance(exc, _TooLarge):
        return Problem(exc.line, exc.column,
                       f"the document expands to more than {MAX_EXPANDED_NODES:,} values "
                       "through aliases (an alias bomb?); write it out without aliases")
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or exc.context or "invalid YAML"
        if "tab character" in problem or "'\\t'" in problem:
            problem = f"{problem}: YAML indents with spaces, never tabs"
        if "nesting depth" in problem:
            problem = _DEEP_MESSAGE
        if mark is not None:
            return Problem(mark.line + 1, mark.column + 1, problem)
        return Problem(1, 1, problem)
    if isinstance(exc, RecursionError):
        return Problem(1, 1, _DEEP_MESSAGE)
    return Problem(1, 1, str(exc) or type(exc).__name__)


def _empty_document_line(text: str, line: int) -> int:
    """The 0-based line of the ``---`` that opens an empty document whose (empty) node
    libyaml places at the next token, on ``line``: past the end of the file, or on the
    next document's ``---``."""
    lines = text.splitlines()
    for number in range(min(line - 1, len(lines) - 1), -1, -1):
        if lines[number].startswith("---"):
            return number
    return max(0, min(line, len(lines) - 1))


def _documents(loader: _Loader) -> Iterator[Document]:
    index = 0
    while loader.check_node():
        node = loader.get_node()
        data = loader.construct_document(node)
        line, column = node.start_mark.line, node.start_mark.column
        if data is None and isinstance(node, yaml.ScalarNode) and not node.value:
            line, column = _empty_document_line(loader.text, line), 0
        yield Document(data, line + 1, column + 1, index)
        index += 1


def load_text(text: str) -> YamlFile:
    """Read every document of a YAML text; problems are collected, not raised."""
    result = YamlFile()
    loader = _Loader(text)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # the loader creates many objects and no cycles; GC passes only cost time
    try:
        for document in _documents(loader):
            result.documents.append(document)
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError) as exc:
        problem = _problem_from(exc, text)
        lines = text.split("\n")
        line = lines[problem.line - 1] if 0 < problem.line <= len(lines) else ""
        if line[problem.column - 1:problem.column] == "\t" and "tabs" not in problem.message:
            problem.message += ": a tab here; YAML indents with spaces, never tabs"
        result.problems.append(problem)
        result.stopped = True
    finally:
        if gc_was_enabled:
            gc.enable()
        loader.dispose()
    result.problems[:0] = loader.duplicates
    return result


def load_bytes(data: bytes) -> YamlFile:
    """Decode and read a file's bytes."""
    text, problem = decode(data)
    if problem is not None:
        return YamlFile(problems=[problem], stopped=True)
    return load_text(text)


class _PlainLoader(yaml.CSafeLoader):
    """CSafeLoader keeping dates as text, without marks: for reading history fast."""


def _plain_mapping(loader: _PlainLoader, node: yaml.MappingNode) -> dict:
    # PyYAML's own builds each mapping in two steps (to allow recursive aliases, which
    # no document needs); this one-step build is about a third faster.
    if not isinstance(node, yaml.MappingNode):
        raise _wrong_node(node, "a mapping")
    if _MERGE in {key.tag for key, _ in node.value}:
        loader.flatten_mapping(node)  # merged keys first: the mapping's own win
    mapping = {}
    construct = loader.construct_object
    for key_node, value_node in node.value:
        key = key_node.value if key_node.__class__ is _ScalarNode and \
            key_node.tag == _STR else construct(key_node, deep=True)
        mapping[key] = value_node.value if value_node.__class__ is _ScalarNode and \
            value_node.tag == _STR else construct(value_node, deep=True)
    return mapping


def _plain_sequence(loader: _PlainLoader, node: yaml.SequenceNode) -> list:
    if not isinstance(node, yaml.SequenceNode):
        raise _wrong_node(node, "a list")
    construct = loader.construct_object
    return [item.value if item.__class__ is _ScalarNode and item.tag == _STR else
            construct(item, deep=True) for item in node.value]


_PlainLoader.add_constructor("tag:yaml.org,2002:map", _plain_mapping)
_PlainLoader.add_constructor("tag:yaml.org,2002:seq", _plain_sequence)
_PlainLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp_as_text)


def load_plain(data: bytes) -> list[Any]:
    """Every document of ``data`` as plain data (no marks, no checks); [] when the text
    is not readable YAML. Old revisions only need their content, not its positions."""
    text, problem = decode(data)
    if problem is not None:
        return []
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        return list(yaml.load_all(text, Loader=_PlainLoader))
    except (yaml.YAMLError, RecursionError, ValueError, OverflowError, TypeError,
            AttributeError, KeyError, IndexError):
        return []
    finally:
        if gc_was_enabled:
            gc.enable()
