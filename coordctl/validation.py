"""Turn pydantic's validation errors into ``schema`` messages at the right YAML node."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from coordctl.yamlsrc import Mapping
from coordctl.yamlsrc import Sequence as YamlSequence

Loc = tuple[Any, ...]


def did_you_mean(word: object, choices: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` when one of ``choices`` is close to ``word``, else ''."""
    if not isinstance(word, str):
        return ""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if not close:
        lowered = {c.lower(): c for c in choices}
        if word.lower() in lowered:
            close = [lowered[word.lower()]]
    return f" (did you mean '{close[0]}'?{non_ascii_hint(word)})" if close else ""


def non_ascii_hint(word: str) -> str:
    """`` 'pоlice' holds the non-ASCII character U+043E: retype it`` when ``word`` holds
    one (a Cyrillic о, a no-break or zero-width space look like what was meant), else ''."""
    odd = next((c for c in word if not c.isascii()), None)
    return "" if odd is None else \
        f" '{word}' holds the non-ASCII character U+{ord(odd):04X}: retype it"


def position(raw: Any, loc: Sequence[Any], key: bool = False) -> tuple[int, int]:
    """Line and column of the node at ``loc`` in the raw YAML data.

    With ``key`` the mark of the last mapping key itself is returned (for unknown fields).
    Where ``loc`` leaves the data (a missing field), the nearest enclosing node is used.
    """
    node = raw
    where = (getattr(raw, "line", 1), getattr(raw, "column", 1))
    for depth, part in enumerate(loc):
        last = depth == len(loc) - 1
        if isinstance(node, Mapping) and part in node:
            where = node.key_mark(part) if (key and last) else node.value_mark(part)
            node = node[part]
        elif isinstance(node, YamlSequence) and isinstance(part, int) and 0 <= part < len(node):
            where = node.item_mark(part)
            node = node[part]
        else:
            break
    return where


def field_path(raw: Any, loc: Sequence[Any]) -> str:
    """``duties[cordon].accountable``: list items by their id where they have one."""
    out = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            item = node[part] if isinstance(node, list) and 0 <= part < len(node) else None
            ident = item.get("id") if isinstance(item, dict) else None
            out += f"[{ident}]" if isinstance(ident, (str, int)) and ident != "" else f"[{part}]"
            node = item
        else:
            out += ("." if out else "") + str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out


def _model_at(model: type[BaseModel], loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model class that the mapping at ``loc`` is validated as."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = next((f for name, f in current.model_fields.items()
                      if name == part or f.alias == part), None)
        if field is None:
            return None
        current = _unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """The model inside ``Optional[list[Model]]`` and friends."""
    while True:
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = args[0] if args else None
        elif origin in (list, typing.Annotated):
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


_TYPE_WORDS = {
    "list_type": "a list (one '- item' per line, or [a, b])",
    "dict_type": "a mapping (key: value lines)",
    "model_type": "a mapping (key: value lines)",
    "model_attributes_type": "a mapping (key: value lines)",
    "string_type": "text",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
    "int_parsing": "a whole number",
    "int_from_float": "a whole number",
}


def _kind_of(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return f"{str(value).lower()}"
    if value is None:
        return "nothing"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    return f"'{value}'"


def messages(error: ValidationError, model: type[BaseModel], raw: Any
             ) -> list[tuple[tuple[int, int], str]]:
    """One ``((line, column), message)`` per error of ``error``, for the document ``raw``."""
    out = []
    for item in error.errors(include_url=False):
        loc = tuple(part for part in item["loc"])
        kind = item["type"]
        where_loc, key = loc, False
        if kind == "extra_forbidden":
            parent = _model_at(model, loc[:-1])
            hint = did_you_mean(loc[-1], field_names(parent)) if parent else ""
            text = f"unknown field '{loc[-1]}'{hint}"
            key = True
        elif kind == "missing":
            name = loc[-1]
            where_loc = loc[:-1]
            inside = field_path(raw, loc[:-1])
            text = f"missing required field '{name}'" + (f" in {inside}" if inside else "")
            out.append((position(raw, where_loc), text))
            continue
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            choices = [c.strip().strip("'") for c in
                       expected.replace(" or ", ", ").split(",") if c.strip()]
            text = (f"{_kind_of(item['input'])} is not allowed here: use "
                    f"{expected}{did_you_mean(item['input'], choices)}")
        elif kind in _TYPE_WORDS:
            text = f"expected {_TYPE_WORDS[kind]}, found {_kind_of(item['input'])}"
        elif kind == "value_error":
            text = item["msg"].removeprefix("Value error, ")
            if text.startswith("expected ") and ", found " not in text:
                text = f"{text}, found {_kind_of(item['input'])}"
        elif kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
            bound = next(iter(item.get("ctx", {}).values()), "")
            words = {"greater_than_equal": "at least", "greater_than": "more than",
                     "less_than_equal": "at most", "less_than": "less than"}[kind]
            text = f"must be {words} {bound}, found {_kind_of(item['input'])}"
        elif kind == "string_pattern_mismatch" and loc and loc[-1] == "source":
            text = (f"'{item['input']}' is not a document reference: write kind/id, "
                    "e.g. drill/flood-2027")
        else:
            text = item["msg"]
        path = field_path(raw, loc)
        if path and kind != "extra_forbidden":
            text = f"{path}: {text}"
        elif path and kind == "extra_forbidden" and len(loc) > 1:
            text = f"{text} in {field_path(raw, loc[:-1])}"
        out.append((position(raw, where_loc, key=key), text))
    return out
