"""Hypothesis strategies for fuzzing: valid workspaces, and valid ones made hostile.

``workspaces()`` draws a ``FuzzCase``: a valid workspace built from the document models
of DESIGN §2 (settings, departments, plans with levels, phases and duties, meetings,
drills, actions, written as YAML in several styles), the same workspace mutated (keys
dropped, renamed and retyped, values swapped for other kinds, documents duplicated,
moved, re-kinded and removed), and then the bytes of some files broken (truncated at a
random byte, random bytes and YAML syntax inserted, lines duplicated or deleted,
re-encoded). ``tests/test_fuzz.py`` runs the commands on them.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import yaml
from hypothesis import strategies as st

from coordctl.model import KINDS, MODELS
from coordctl.rules import RULE_IDS
from coordctl.values import is_slug

# Small pools of ids, so that references between documents mostly resolve and
# duplicates, near misses and collisions happen often.
DEPARTMENTS = ("police", "health", "fire", "city-gov", "maritime", "armed-police",
               "justice", "x")
PLANS = ("major-incident", "water-rescue", "fraud", "p1")
PHASES = ("initial", "reinforcement", "specialist", "a")
LEVELS = ("I", "II", "III", "IV", "1")
TIMEZONES = ("Asia/Shanghai", "UTC", "Europe/London", "America/New_York",
             "Australia/Lord_Howe", "Pacific/Chatham", "Asia/Kathmandu")
REPEATS = (
    None, "FREQ=WEEKLY", "FREQ=MONTHLY;BYDAY=1TU", "FREQ=DAILY;COUNT=5",
    "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20271231", "FREQ=MONTHLY;BYMONTHDAY=31",
    "FREQ=YEARLY", "FREQ=MONTHLY;BYDAY=2TU,4TU", "FREQ=HOURLY;INTERVAL=6;COUNT=10",
    "FREQ=MONTHLY;BYSETPOS=-1;BYDAY=FR", "FREQ=WEEKLY;INTERVAL=2;UNTIL=20270301T000000Z",
    "FREQ=MINUTELY;INTERVAL=30", "FREQ=SECONDLY;COUNT=100000000",
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
    "FREQ=MONTHLY;BYMONTHDAY=30;BYMONTH=2", "FREQ=DAILY;BYHOUR=9,14;BYMINUTE=0,30",
    "FREQ=YEARLY;BYWEEKNO=53;BYDAY=MO", "FREQ=YEARLY;BYYEARDAY=-1",
)
DURATIONS = ("5m", "15m", "30m", "1h", "2h", "1h30m", "3d", "2w", "PT5M", "PT1H", "P1D",
             "P3Y", "P6M", "P1W", "PT90M", "99999w")

#: Text that is hostile to the outputs: markup, template syntax, control characters.
HOSTILE_TEXT = (
    '<script>alert("x")</script>', "<b>bold</b> & <i>it</i>", "{{ 7*7 }} {% raw %}",
    "**bold** _it_ [link](javascript:alert(1))", "| a | b |\n|---|---|\n| c | d |",
    "line one\nline two\r\nline three", "tab\there", "=SUM(A1:A2)", "+1", "-cmd", "@x",
    "BEGIN:VEVENT\r\nEND:VCALENDAR", "a;b,c\\d", "\u202eevil\u202c", "\u200b", " ",
    "#", "---", "...", "'", '"', "%s %d {0}", "\x7f", "市公安局", "🚒🚑", "x" * 300,
)
WORDS = ("市公安局", "市卫健委", "先期处置", "封控现场", "Seal off the scene",
         "Health Commission", "值班室", "联席会议", "演练", "更新通讯设备")


# Strategies are made once, here: making them inside the composites below (where they
# are drawn from thousands of times) costs more than drawing.
_TEXT_ATOM = st.one_of(st.sampled_from(WORDS), st.sampled_from(HOSTILE_TEXT),
                       st.text(min_size=1, max_size=12))
#: A text field: a string, or a map of locale to string.
TEXT = st.one_of(
    _TEXT_ATOM,
    st.fixed_dictionaries({"zh-CN": _TEXT_ATOM}, optional={"en": _TEXT_ATOM}),
    st.fixed_dictionaries({"en": _TEXT_ATOM}))


@cache
def _date(low: int = 2024, high: int = 2029) -> st.SearchStrategy[Any]:
    """A date, as a YAML date or as quoted text (both must load)."""
    day = st.dates(dt.date(low, 1, 1), dt.date(high, 12, 31))
    return st.one_of(day, day.map(dt.date.isoformat))


#: Most starts fall on a few days and hours, so that events overlap (schedule-conflict).
_NEAR_STARTS = st.builds(
    lambda day, hour: dt.datetime(2027, 3, 1 + day, hour, 30 * (day % 2)),
    st.integers(0, 6), st.integers(8, 11))
LOCAL_DATETIME = st.builds(
    lambda m, f: m.strftime(f),
    st.one_of(_NEAR_STARTS, st.datetimes(dt.datetime(2025, 1, 1), dt.datetime(2028, 12, 31))),
    st.sampled_from(("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S")))


@cache
def _subset(pool: tuple[str, ...], min_size: int = 0,
            max_size: int = 4) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(pool), min_size=min_size, max_size=max_size,
                    unique=True)


def _pick(draw: st.DrawFn, choices: tuple[Any, ...] | list[Any]) -> Any:
    """One of ``choices``: ``draw(st.sampled_from(choices))`` without making a strategy."""
    return choices[draw(st.integers(0, len(choices) - 1))]


def _maybe(draw: st.DrawFn, data: dict[str, Any], key: str, make: Callable[[], Any]) -> None:
    """Half the time, set the optional field ``key`` of ``data`` to ``make()``."""
    if draw(st.booleans()):
        data[key] = make()


@st.composite
def settings_data(draw: st.DrawFn) -> dict[str, Any]:
    """A valid ``coordctl.yaml``."""
    data: dict[str, Any] = {"name": draw(TEXT),
                            "timezone": _pick(draw, TIMEZONES)}
    _maybe(draw, data, "locale", lambda: _pick(draw, ("zh-CN", "en")))
    calendar: dict[str, Any] = {}
    _maybe(draw, calendar, "domain", lambda: _pick(draw, ("coord.test.example", "x.example")))
    _maybe(draw, calendar, "site_url", lambda: "https://coord.test.example/")
    _maybe(draw, calendar, "reminders", lambda: draw(_subset(DURATIONS, max_size=2)))
    if draw(st.booleans()):
        first = draw(st.one_of(st.dates(dt.date(2027, 3, 1), dt.date(2027, 3, 7)),
                               st.dates(dt.date(2026, 1, 1), dt.date(2028, 12, 31))))
        span = draw(st.integers(0, 10))
        calendar["blackout"] = [str(first) if not span
                                else f"{first}/{first + dt.timedelta(days=span)}"]
    if calendar or draw(st.booleans()):
        data["calendar"] = calendar
    if draw(st.booleans()):
        data["policy"] = {"drill_every": _pick(draw, DURATIONS),
                          "review_every": _pick(draw, DURATIONS)}
    _maybe(draw, data, "check", lambda: {"ignore": draw(_subset(RULE_IDS, max_size=2))})
    if draw(st.integers(0, 4)) == 0:
        data["smtp"] = {"host": "mail.test.example", "port": 587, "starttls": True,
                        "user": "coord@test.example"}
    return data


@st.composite
def department(draw: st.DrawFn, ident: str, others: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": "department", "id": ident, "name": draw(TEXT)}
    _maybe(draw, doc, "short", lambda: draw(TEXT))
    parents = [o for o in others if o != ident]
    if parents and draw(st.booleans()):
        doc["parent"] = _pick(draw, parents)
    _maybe(draw, doc, "tags", lambda: draw(st.lists(_TEXT_ATOM, max_size=2)))
    _maybe(draw, doc, "email", lambda: f"duty@{ident}.example")
    _maybe(draw, doc, "description", lambda: draw(TEXT))
    contacts = []
    for _ in range(draw(st.integers(0, 2))):
        contact: dict[str, Any] = {"role": draw(TEXT)}
        _maybe(draw, contact, "name", lambda: draw(TEXT))
        _maybe(draw, contact, "phone", lambda: _pick(draw, ("0771-5550001", "+86 771 555", "110")))
        _maybe(draw, contact, "email", lambda: "someone@test.example")
        contact["always"] = draw(st.booleans())
        _maybe(draw, contact, "verified", lambda: draw(_date()))
        contacts.append(contact)
    if contacts or draw(st.booleans()):
        doc["contacts"] = contacts
    if draw(st.integers(0, 3)) == 0:
        doc["exempt"] = draw(_TEXT_ATOM)
    return doc


@st.composite
def plan(draw: st.DrawFn, ident: str, departments: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": "plan", "id": ident, "title": draw(TEXT),
                           "owner": _pick(draw, departments)}
    _maybe(draw, doc, "hazard", lambda: _pick(draw, ("public-security", "water", "fraud")))
    _maybe(draw, doc, "status", lambda: _pick(draw, ("draft", "approved", "retired")))
    _maybe(draw, doc, "reviewed", lambda: draw(_date(2020, 2027)))
    _maybe(draw, doc, "basis", lambda: draw(st.lists(TEXT, max_size=2)))
    _maybe(draw, doc, "description", lambda: draw(TEXT))
    levels = draw(_subset(LEVELS, min_size=0, max_size=3))
    doc["levels"] = [{"id": lv, "name": draw(TEXT),
                      **({"criteria": draw(TEXT)} if draw(st.booleans()) else {})}
                     for lv in levels]
    phases = draw(_subset(PHASES, min_size=0, max_size=3))
    doc["phases"] = [{"id": ph, "name": draw(TEXT),
                      **({"within": _pick(draw, DURATIONS)}
                         if draw(st.booleans()) else {})}
                     for ph in phases]
    if draw(st.booleans()):
        doc["sections"] = [{"title": draw(TEXT), "body": draw(TEXT)}
                           for _ in range(draw(st.integers(1, 2)))]
    _maybe(draw, doc, "departments", lambda: draw(_subset(tuple(departments), max_size=3)))
    duties = []
    for index in range(draw(st.integers(0, 4)) if phases else 0):
        duty: dict[str, Any] = {"id": f"duty-{index}", "task": draw(TEXT),
                                "phase": _pick(draw, phases),
                                "accountable": _pick(draw, departments)}
        if levels and draw(st.booleans()):
            duty["levels"] = draw(_subset(tuple(levels), min_size=1, max_size=3))
        for role in ("responsible", "consulted", "informed"):
            if draw(st.booleans()):
                duty[role] = draw(_subset(tuple(departments), max_size=3))
        if draw(st.integers(0, 3)) == 0:
            duty["description"] = draw(TEXT)
        duties.append(duty)
    doc["duties"] = duties
    return doc


@st.composite
def schedule(draw: st.DrawFn) -> dict[str, Any]:
    sched: dict[str, Any] = {"start": draw(LOCAL_DATETIME)}
    _maybe(draw, sched, "duration", lambda: _pick(draw, DURATIONS[:9]))
    repeat = _pick(draw, REPEATS)
    if repeat is not None:
        sched["repeat"] = repeat
    if draw(st.integers(0, 2)) == 0:
        sched["except"] = draw(st.lists(_date(2025, 2028), max_size=2))
    return sched


@st.composite
def meeting(draw: st.DrawFn, ident: str, departments: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": "meeting", "id": ident, "title": draw(TEXT),
                           "convenor": _pick(draw, departments),
                           "schedule": draw(schedule())}
    _maybe(draw, doc, "type", lambda: _pick(draw, ("joint", "coordination", "other")))
    _maybe(draw, doc, "members", lambda: draw(_subset(tuple(departments), max_size=4)))
    _maybe(draw, doc, "location", lambda: draw(TEXT))
    if draw(st.booleans()):
        doc["agenda"] = [
            {"title": draw(TEXT),
             **({"presenter": _pick(draw, departments)} if draw(st.booleans())
                else {}),
             **({"minutes": draw(st.integers(1, 600))} if draw(st.booleans()) else {})}
            for _ in range(draw(st.integers(1, 3)))]
    return doc


@st.composite
def drill(draw: st.DrawFn, ident: str, plans: list[str],
          departments: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": "drill", "id": ident, "title": draw(TEXT),
                           "plan": _pick(draw, plans),
                           "type": _pick(draw, ("tabletop", "drill", "functional", "full-scale")),
                           "schedule": draw(schedule())}
    _maybe(draw, doc, "participants", lambda: draw(_subset(tuple(departments), max_size=4)))
    _maybe(draw, doc, "objectives", lambda: draw(st.lists(TEXT, max_size=2)))
    _maybe(draw, doc, "location", lambda: draw(TEXT))
    _maybe(draw, doc, "status", lambda: _pick(draw, ("planned", "done", "cancelled")))
    return doc


@st.composite
def action(draw: st.DrawFn, ident: str, sources: list[str],
           departments: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {"kind": "action", "id": ident, "title": draw(TEXT),
                           "owner": _pick(draw, departments),
                           "due": draw(_date(2025, 2028))}
    if sources and draw(st.booleans()):
        doc["source"] = _pick(draw, sources)
    status = _pick(draw, ("open", "done", "dropped", None))
    if status is not None:
        doc["status"] = status
    if status in ("done", "dropped") and draw(st.booleans()):
        doc["closed"] = draw(_date(2025, 2027))
    _maybe(draw, doc, "description", lambda: draw(TEXT))
    return doc


@st.composite
def documents(draw: st.DrawFn) -> list[dict[str, Any]]:
    """The documents of a valid workspace (references resolve within it)."""
    depts = draw(_subset(DEPARTMENTS, min_size=1, max_size=5))
    docs = [draw(department(d, depts)) for d in depts]
    plans = draw(_subset(PLANS, max_size=3))
    docs += [draw(plan(p, depts)) for p in plans]
    meetings = [f"meeting-{i}" for i in range(draw(st.integers(0, 2)))]
    docs += [draw(meeting(m, depts)) for m in meetings]
    drills = [f"drill-{i}" for i in range(draw(st.integers(0, 2)) if plans else 0)]
    docs += [draw(drill(d, plans, depts)) for d in drills]
    sources = ([f"plan/{p}" for p in plans] + [f"meeting/{m}" for m in meetings]
               + [f"drill/{d}" for d in drills] + [f"department/{d}" for d in depts])
    docs += [draw(action(f"a-{i:03d}", sources, depts))
             for i in range(draw(st.integers(0, 3)))]
    return docs


# --- mutations of the data ------------------------------------------------------------

#: Every field name of every model: renames pick plausible wrong fields too.
FIELD_NAMES = sorted({name for model in MODELS.values() for name in model.model_fields}
                     | {"except", "within", "criteria", "body", "role", "always", "minutes",
                        "presenter", "phone", "verified", "start", "repeat"})

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(10**30), 10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(HOSTILE_TEXT),
    st.text(max_size=8), st.dates().map(dt.date.isoformat), st.dates(),
    st.sampled_from(("", "~", "null", "yes", "no", "0x1F", "1e3", "P0D", "0m", "-5m",
                     "2027-02-30", "2027-13-01T25:61", "2027-01-05T09:30+08:00",
                     "FREQ=SECONDLY", "FREQ=MONTHLY;BYDAY=9TU", "RRULE:FREQ=DAILY",
                     "drill/", "plan/x/y", "I", "police", "Police", "POLICE ", "-a-",
                     "a" * 65, "Etc/GMT+99", "../../etc/passwd", "kind", "id")),
    st.sampled_from(KINDS), st.sampled_from(DEPARTMENTS + PLANS + PHASES + LEVELS),
)
any_value = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(st.one_of(st.sampled_from(FIELD_NAMES),
                                                      st.text(max_size=5)),
                                            inner, max_size=3)),
    max_leaves=8)
keys = st.one_of(
    st.sampled_from(FIELD_NAMES), st.text(max_size=6), st.integers(-3, 3), st.booleans(),
    st.none(), st.floats(allow_nan=False), st.dates())


def _slots(node: Any, out: list[tuple[Any, Any]]) -> list[tuple[Any, Any]]:
    """Every (container, key or index) below ``node``, parents before children."""
    if isinstance(node, dict):
        for key in list(node):
            out.append((node, key))
            _slots(node[key], out)
    elif isinstance(node, list):
        for index in range(len(node)):
            out.append((node, index))
            _slots(node[index], out)
    return out


def _typo(draw: st.DrawFn, word: str) -> str:
    """``word`` with a letter dropped or added, upper case, a space, '_' for '-'."""
    if not word:
        return "x"
    at = draw(st.integers(0, len(word) - 1))
    return _pick(draw, (word[:at] + word[at + 1:], word[:at] + "x" + word[at:],
                        word.upper(), word + " ", word.replace("-", "_")))


def _rename(draw: st.DrawFn, container: dict, key: Any) -> None:
    new = _typo(draw, key) if isinstance(key, str) and draw(st.booleans()) else draw(keys)
    container[new] = container.pop(key)


def _retype(draw: st.DrawFn, value: Any) -> Any:
    """A value of another kind than ``value`` (or of the same kind, but broken)."""
    if draw(st.booleans()):
        return draw(any_value)
    shapes: list[Any] = [[value], {"zh-CN": value}, {"x": value}]
    if isinstance(value, list):
        shapes += [value[0] if value else None, dict(enumerate(value)), value + value,
                   ", ".join(map(str, value))]
    elif isinstance(value, dict):
        shapes += [list(value.values()), list(value), next(iter(value.values()), None)]
    elif isinstance(value, str):
        shapes += [value * 3, value.upper(), value[::-1], value + "\x00", f"{value}/{value}"]
    return _pick(draw, shapes)


def _deep(depth: int) -> Any:
    value: Any = "deep"
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


def mutate_documents(draw: st.DrawFn, docs: list[Any]) -> None:
    """One mutation of the data of ``docs`` (in place)."""
    op = _pick(draw, (
        "drop", "drop", "rename", "rename", "retype", "retype", "retype", "swap",
        "duplicate", "rekind", "remove", "collide", "replace-doc", "huge"))
    if not docs:
        docs.append(draw(any_value))
        return
    index = draw(st.integers(0, len(docs) - 1))
    doc = docs[index]
    if op == "duplicate":
        twin = copy.deepcopy(doc)
        if draw(st.booleans()) and isinstance(twin, dict):  # same id, other content
            twin[_pick(draw, FIELD_NAMES)] = draw(any_value)
        docs.insert(draw(st.integers(0, len(docs))), twin)
        return
    if op == "remove":
        del docs[index]
        return
    if op == "replace-doc":
        docs[index] = draw(st.one_of(any_value, st.just(None), st.just([]), st.just({})))
        return
    if op == "rekind" and isinstance(doc, dict):
        doc["kind"] = _pick(draw, KINDS)
        return
    if op == "collide" and isinstance(doc, dict):
        others = [d.get("id") for d in docs if isinstance(d, dict) and d is not doc]
        doc["id"] = _pick(draw, others) if others else draw(scalars)
        return
    slots = _slots(doc, [])
    if not slots:
        docs[index] = draw(any_value)
        return
    container, key = _pick(draw, slots)
    if op == "drop":
        del container[key]
    elif op == "rename" and isinstance(container, dict):
        _rename(draw, container, key)
    elif op == "swap":
        other_container, other_key = _pick(draw, slots)
        container[key], other_container[other_key] = \
            copy.deepcopy(other_container[other_key]), copy.deepcopy(container[key])
    elif op == "huge":
        container[key] = _pick(draw, (
            "x" * 100_000, list(range(3000)), _deep(60), 10**400, -(2**64),
            {f"k{i}": i for i in range(500)}))
    else:
        container[key] = _retype(draw, container[key])


# --- serialisation ----------------------------------------------------------------------

def _json_default(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _plain_keys(value: Any) -> bool:
    """True when JSON can write ``value`` (string keys only)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain_keys(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain_keys(v) for v in value)
    return True


@st.composite
def yaml_text(draw: st.DrawFn, docs: list[Any]) -> str:
    """``docs`` as YAML text, in one of several styles (all of them valid YAML)."""
    style = _pick(draw, ("block", "block", "flow", "mixed", "json", "ascii"))
    if style == "json" and _plain_keys(docs):
        return "\n---\n".join(json.dumps(d, ensure_ascii=draw(st.booleans()),
                                         default=_json_default,
                                         indent=_pick(draw, (None, 2)))
                              for d in docs) + "\n"
    text = yaml.dump_all(
        docs, Dumper=yaml.CSafeDumper, allow_unicode=style != "ascii", sort_keys=False,
        default_flow_style={"flow": True, "mixed": None}.get(style, False),
        width=_pick(draw, (80, 40, 10_000)), indent=draw(st.integers(2, 5)),
        explicit_start=draw(st.booleans()))
    if draw(st.booleans()):
        text = "# a comment: 注释\n" + text
    return text


# --- mutations of the bytes -------------------------------------------------------------

SNIPPETS = (b"---\n", b"...\n", b"&a ", b"*a", b"<<: *a\n", b"\t", b"%YAML 1.1\n",
            b"!!python/object/apply:os.system ['true']\n", b"? [a, b]\n: x\n", b"- \n",
            b"kind: plan\n", b"id: police\n", b"!!binary aGk=\n", b"!!set {a}\n",
            b"{", b"[", b"'", b'"', b"#", b"|\n", b">-\n", b"  ", b"\xef\xbb\xbf",
            b"\x00", b"\xff\xfe", b"\x1b[31m", b"\r", b"\xe5\xb8", b"key: [*a, *a, *a]\n",
            b"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n", b"!!int x\n", b"!custom 1\n",
            b"%TAG ! tag:x,2000:\n", b"[" * 3000, b"{a: " * 1000, b"- " * 2000)


@st.composite
def broken_bytes(draw: st.DrawFn, data: bytes) -> bytes:
    """``data`` broken at the byte level."""
    op = _pick(draw, ("truncate", "truncate", "insert", "snippet", "snippet",
                               "flip", "cut", "dup-line", "drop-line", "encode", "crlf"))
    at = draw(st.integers(0, len(data)))
    if op == "truncate":
        return data[:at]
    if op == "insert":
        return data[:at] + draw(st.binary(min_size=1, max_size=8)) + data[at:]
    if op == "snippet":
        if draw(st.booleans()):  # at the start of a line
            at = data.rfind(b"\n", 0, at) + 1
        return data[:at] + _pick(draw, SNIPPETS) + data[at:]
    if op == "flip":
        if not data:
            return b"\x80"
        at = min(at, len(data) - 1)
        return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1:]
    if op == "cut":
        return data[:at] + data[at + draw(st.integers(1, 40)):]
    lines = data.split(b"\n")
    line = draw(st.integers(0, max(0, len(lines) - 1)))
    if op == "dup-line":  # a duplicate key, most of the time
        return b"\n".join(lines[:line + 1] + lines[line:])
    if op == "drop-line":
        return b"\n".join(lines[:line] + lines[line + 1:])
    if op == "encode":
        text = data.decode("utf-8", "replace")
        return text.encode(_pick(draw, ("utf-16", "utf-16-le", "utf-32", "gb18030",
                                                 "latin-1")), "replace")
    return data.replace(b"\n", b"\r\n")


# --- whole workspaces -------------------------------------------------------------------

FILE_NAMES = ("plans/departments.yaml", "plans/plans/main.yaml", "plans/events.yml",
              "plans/a b/行动.yaml", "plans/deep/er/x.yaml", "plans/z.yaml")


@dataclass
class FuzzCase:
    """A valid workspace and a hostile one made from it (relative path -> bytes)."""

    valid: dict[str, bytes]
    hostile: dict[str, bytes]
    #: KIND/ID of documents, to render; some may not exist in ``hostile``.
    refs: list[str] = field(default_factory=list)
    #: What was done to the valid workspace, for the report of a failure.
    steps: list[str] = field(default_factory=list)


def _layout(draw: st.DrawFn, docs: list[Any]) -> dict[str, list[Any]]:
    files: dict[str, list[Any]] = {}
    one_file = draw(st.integers(0, 4)) == 0
    for doc in docs:
        if one_file:
            name = FILE_NAMES[0]
        elif isinstance(doc, dict) and doc.get("kind") in KINDS and \
                isinstance(doc.get("id"), str) and is_slug(doc["id"]) and draw(st.booleans()):
            name = f"plans/{doc['kind']}s/{doc['id']}.yaml"  # one file per document
        else:
            name = _pick(draw, FILE_NAMES)
        files.setdefault(name, []).append(doc)
    return files


def _serialise(draw: st.DrawFn, layout: dict[str, list[Any]]) -> dict[str, bytes]:
    return {name: draw(yaml_text(docs)).encode("utf-8") for name, docs in layout.items()}


def _refs(docs: list[Any]) -> list[str]:
    return [f"{d['kind']}/{d['id']}" for d in docs
            if isinstance(d, dict) and isinstance(d.get("kind"), str)
            and isinstance(d.get("id"), str)]


@st.composite
def workspaces(draw: st.DrawFn, max_mutations: int = 4) -> FuzzCase:
    """A ``FuzzCase``: a valid workspace and a mutated copy (sometimes unmutated)."""
    settings = draw(settings_data())
    docs = draw(documents())
    layout = _layout(draw, docs)
    valid = {"coordctl.yaml": draw(yaml_text([settings])).encode("utf-8"),
             **_serialise(draw, layout)}
    case = FuzzCase(valid=valid, hostile=dict(valid), refs=_refs(docs))

    data_mutations = draw(st.integers(0, max_mutations))
    if data_mutations:
        hostile_docs = copy.deepcopy(docs)
        hostile_settings = [copy.deepcopy(settings)]
        for _ in range(data_mutations):
            if draw(st.integers(0, 5)) == 0:
                mutate_documents(draw, hostile_settings)
                case.steps.append("settings data mutated")
            else:
                mutate_documents(draw, hostile_docs)
                case.steps.append("document data mutated")
        hostile_layout = _layout(draw, hostile_docs)
        case.hostile = {"coordctl.yaml": draw(yaml_text(hostile_settings[:1] or [None]))
                        .encode("utf-8"), **_serialise(draw, hostile_layout)}
        case.refs += [r for r in _refs(hostile_docs) if r not in case.refs]

    for _ in range(draw(st.integers(0, 2))):
        names = sorted(case.hostile)
        name = _pick(draw, names)
        if name == "coordctl.yaml" and draw(st.integers(0, 2)):
            continue  # break the settings less often: they hide the rest
        case.hostile[name] = draw(broken_bytes(case.hostile[name]))
        case.steps.append(f"bytes of {name} broken")
    return case
