"""Repeat rules and the occurrences of a schedule, in the workspace time zone.

Occurrences are computed in local wall-clock time (as RFC 5545 does for a DTSTART with a
TZID) by python-dateutil's ``rrule``, then given the zone. Expansion is always bounded by
a window and a count, so ``FREQ=SECONDLY`` or ``COUNT=1000000000`` cost no more than a
sensible rule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil import rrule as _rrule

#: No schedule yields more occurrences than this from one expansion.
MAX_OCCURRENCES = 5000

_KNOWN_PARTS = {"FREQ", "UNTIL", "COUNT", "INTERVAL", "BYSECOND", "BYMINUTE", "BYHOUR",
                "BYDAY", "BYMONTHDAY", "BYYEARDAY", "BYWEEKNO", "BYMONTH", "BYSETPOS", "WKST"}
_FREQS = ("YEARLY", "MONTHLY", "WEEKLY", "DAILY", "HOURLY", "MINUTELY", "SECONDLY")


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ``ValueError`` if there is none by that name."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"'{name}' is not an IANA time zone name (e.g. Asia/Shanghai)") from None


def rule_parts(text: str) -> dict[str, str]:
    """Split ``FREQ=MONTHLY;BYDAY=1TU`` into its parts; ``ValueError`` on a malformed rule."""
    if not isinstance(text, str) or not text.strip():
        raise ValueError("a repeat rule is RFC 5545 RRULE text such as FREQ=MONTHLY;BYDAY=1TU")
    text = text.strip()
    if text.upper().startswith(("RRULE:", "DTSTART")):
        raise ValueError("write the repeat rule without a 'RRULE:' or 'DTSTART' line, "
                         "e.g. FREQ=MONTHLY;BYDAY=1TU")
    parts: dict[str, str] = {}
    for item in text.split(";"):
        name, sep, value = item.partition("=")
        name = name.strip().upper()
        if not sep or not value.strip():
            raise ValueError(f"'{item}' in the repeat rule is not NAME=VALUE")
        if name not in _KNOWN_PARTS:
            raise ValueError(f"unknown repeat rule part '{name}'")
        if name in parts:
            raise ValueError(f"the repeat rule gives {name} twice")
        parts[name] = value.strip().upper()
    if "FREQ" not in parts:
        raise ValueError("the repeat rule has no FREQ (e.g. FREQ=WEEKLY)")
    if parts["FREQ"] not in _FREQS:
        raise ValueError(f"FREQ={parts['FREQ']} is not one of {', '.join(_FREQS)}")
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValueError("a repeat rule may have COUNT or UNTIL, not both")
    return parts


def _until_local(value: str, tz: ZoneInfo) -> str:
    """UNTIL as a local wall-clock date-time (dateutil needs it naive like DTSTART)."""
    if value.endswith("Z"):
        moment = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
        return moment.astimezone(tz).strftime("%Y%m%dT%H%M%S")
    if len(value) == 8:
        return value + "T235959"
    return value


def build_rule(text: str, start: dt.datetime, tz: ZoneInfo) -> _rrule.rrule:
    """The dateutil rule for ``text`` from the naive local ``start``; ``ValueError`` if bad."""
    parts = rule_parts(text)
    if "UNTIL" in parts:
        try:
            parts["UNTIL"] = _until_local(parts["UNTIL"], tz)
        except ValueError:
            raise ValueError(f"UNTIL={parts['UNTIL']} is not a date (20271231) or a UTC "
                             "date-time (20271231T160000Z)") from None
    normalized = ";".join(f"{k}={v}" for k, v in parts.items())
    try:
        rule = _rrule.rrulestr(normalized, dtstart=start)
    except (ValueError, TypeError, KeyError, IndexError) as exc:
        raise ValueError(f"the repeat rule '{text}' is not valid RFC 5545: {exc}") from None
    if not isinstance(rule, _rrule.rrule):  # pragma: no cover - a plain rule gives an rrule
        raise ValueError(f"the repeat rule '{text}' is not a single RRULE")
    return rule


def first_occurrence(rule: _rrule.rrule) -> dt.datetime | None:
    """The first occurrence of ``rule`` (at or after its start)."""
    return next(iter(rule), None)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a schedule: aware start and end."""

    start: dt.datetime
    end: dt.datetime


def expand(start: dt.datetime, duration: dt.timedelta, repeat: str | None,
           skipped: Iterable[dt.date], tz: ZoneInfo, window_start: dt.datetime,
           window_end: dt.datetime, limit: int = MAX_OCCURRENCES) -> Iterator[Occurrence]:
    """Occurrences that start in ``[window_start, window_end)`` (naive local bounds).

    ``start`` is naive local time; at most ``limit`` occurrences are produced.
    """
    skipped = set(skipped)
    if not repeat:
        if window_start <= start < window_end and start.date() not in skipped:
            yield Occurrence(start.replace(tzinfo=tz), (start + duration).replace(tzinfo=tz))
        return
    try:
        rule = build_rule(repeat, start, tz)
    except ValueError:
        return
    produced = 0
    for moment in rule.xafter(max(window_start, start), count=limit, inc=True):
        if moment >= window_end or produced >= limit:
            break
        if moment.date() in skipped:
            continue
        produced += 1
        yield Occurrence(moment.replace(tzinfo=tz), (moment + duration).replace(tzinfo=tz))


def portability_problems(text: str) -> list[str]:
    """What in a repeat rule mainstream clients (Outlook) cannot show; empty if portable."""
    try:
        parts = rule_parts(text)
    except ValueError:
        return []
    problems = []
    if parts["FREQ"] in ("HOURLY", "MINUTELY", "SECONDLY"):
        problems.append(f"FREQ={parts['FREQ']} (a frequency below daily)")
    for part in ("BYSETPOS", "BYYEARDAY", "BYWEEKNO", "BYHOUR", "BYMINUTE", "BYSECOND"):
        if part in parts:
            problems.append(part)
    if "BYDAY" in parts:
        days = parts["BYDAY"].split(",")
        ordinal = [d for d in days if d[:1] in "+-0123456789"]
        if len(ordinal) > 1 or (ordinal and len(days) > 1):
            problems.append(f"BYDAY={parts['BYDAY']} (several ordinal weekdays)")
    return problems
