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
    # strptime alone accepts '2027' or '202711'; RFC 5545 wants exactly these two forms
    # (dateutil would read a shorter one relative to today: not reproducible).
    if value.endswith("Z") and len(value) == 16:
        moment = dt.datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc)
        return moment.astimezone(tz).strftime("%Y%m%dT%H%M%S")
    if len(value) == 8 and value.isdigit():
        dt.datetime.strptime(value, "%Y%m%d")
        return value + "T235959"
    if len(value) == 15 and value[8] == "T":  # a floating local date-time, also allowed
        dt.datetime.strptime(value, "%Y%m%dT%H%M%S")
        return value
    raise ValueError(value)


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


#: Expanding looks at no more than this many candidate moments (before the window too).
MAX_CANDIDATES = 20_000
#: ``first_occurrence`` looks this many years past the start.
FIRST_WITHIN_YEARS = 10


class _PastLastYear(Exception):
    """Raised inside a bounded rule's iteration when it moves past its last year."""


if hasattr(_rrule, "_iterinfo") and hasattr(_rrule.rrule, "_iter"):
    class _BoundedIterInfo(_rrule._iterinfo):
        # dateutil calls rebuild() whenever its iteration enters a new month or year,
        # even when no day matches, so this is where a search can stop. (No __slots__:
        # its __init__ walks self.__slots__, which must stay dateutil's.)

        def rebuild(self, year: int, month: int) -> None:
            if year > getattr(self.rrule, "_coordctl_last_year", dt.MAXYEAR):
                raise _PastLastYear
            super().rebuild(year, month)

    # dateutil's own iteration with its own globals, except for the bounded _iterinfo.
    _bounded_iter = type(_rrule.rrule._iter)(
        _rrule.rrule._iter.__code__, {**vars(_rrule), "_iterinfo": _BoundedIterInfo},
        "_iter", _rrule.rrule._iter.__defaults__, _rrule.rrule._iter.__closure__)
else:  # pragma: no cover - a dateutil without these internals: unbounded search
    _bounded_iter = None


def _bounded(rule: _rrule.rrule, last_year: int) -> _rrule.rrule:
    """``rule``, whose iteration stops after ``last_year``.

    A rule that never matches (``FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30``) would otherwise
    make dateutil search every day up to the year 9999, which takes many seconds.
    """
    if _bounded_iter is not None:
        rule._coordctl_last_year = last_year
        rule._iter = _bounded_iter.__get__(rule)
    return rule


def first_occurrence(rule: _rrule.rrule) -> dt.datetime | None:
    """The first occurrence of ``rule`` (at or after its start); None when there is
    none within ``FIRST_WITHIN_YEARS`` years of the start."""
    rule = _bounded(rule.replace(), rule._dtstart.year + FIRST_WITHIN_YEARS)  # a copy
    try:
        return next(iter(rule), None)
    except (_PastLastYear, ValueError):
        return None


#: Frequencies whose periods have a fixed length, so expansion can skip whole periods.
_PERIODS = {"WEEKLY": dt.timedelta(weeks=1), "DAILY": dt.timedelta(days=1),
            "HOURLY": dt.timedelta(hours=1), "MINUTELY": dt.timedelta(minutes=1),
            "SECONDLY": dt.timedelta(seconds=1)}


def _most_per_period(parts: dict[str, str]) -> int:
    """At least as many occurrences as one period of a fixed-period rule can hold."""
    most = 7 if parts["FREQ"] == "WEEKLY" else 1
    for name in ("BYHOUR", "BYMINUTE", "BYSECOND"):
        if name in parts:
            most *= len(parts[name].split(","))
    return most


def _skip_ahead(rule: _rrule.rrule, text: str, start: dt.datetime,
                window_start: dt.datetime, window_end: dt.datetime) -> _rrule.rrule | None:
    """``rule`` restarted at its last period start before ``window_start``, with the same
    occurrences from there on; None when it has none left.

    Iterating from the start instead would cost one step per occurrence before the window:
    days for ``FREQ=SECONDLY`` started months ago.
    """
    parts = rule_parts(text)
    period = _PERIODS.get(parts["FREQ"])
    if period is None or window_start <= start:
        return rule
    step = period * int(parts.get("INTERVAL", "1"))
    periods = (window_start - start) // step
    if periods < 1:
        return rule
    changes: dict = {"dtstart": start + periods * step}
    if "COUNT" in parts:
        count = int(parts["COUNT"])
        if not any(name.startswith("BY") for name in parts):
            changes["count"] = count - periods  # one occurrence per period
            if changes["count"] <= 0:
                return None
        elif count >= ((window_end - start) // step + 2) * _most_per_period(parts):
            changes["count"] = None  # it cannot run out before the window ends
        else:
            return rule  # how many occurrences were skipped is unknown: iterate (bounded)
    # The new start lies on the rule's grid (a whole number of periods on), so the BY*
    # defaults taken from it are the same; the only occurrences lost are those earlier
    # in its own period than itself, and those are before the window.
    return rule.replace(**changes)


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
    try:
        rule = _skip_ahead(rule, repeat, start, window_start, window_end)
    except (ValueError, OverflowError):
        return
    if rule is None:
        return
    rule = _bounded(rule, window_end.year)
    produced = 0
    try:
        for examined, moment in enumerate(rule):
            if moment >= window_end or produced >= limit or examined >= MAX_CANDIDATES:
                break
            if moment < window_start or moment.date() in skipped:
                continue
            produced += 1
            yield Occurrence(moment.replace(tzinfo=tz), (moment + duration).replace(tzinfo=tz))
    except (_PastLastYear, ValueError, OverflowError):
        # past the window's year, or dateutil finding the rule empty as it goes
        return


#: Occurrences are at least a second apart: a window shorter than this lists whole.
_LISTABLE = dt.timedelta(seconds=MAX_OCCURRENCES - 1)


def last_before(start: dt.datetime, repeat: str, tz: ZoneInfo, moment: dt.datetime
                ) -> dt.datetime | None:
    """The last occurrence of ``repeat`` from ``start`` that starts before ``moment``
    (naive local times), or None; bounded like ``expand``.

    dateutil's ``rule.before()`` walks every occurrence from the start: millions for
    ``FREQ=SECONDLY;BYMONTH=1``, minutes of work. This looks back over windows that grow
    from a day; a window with more occurrences than one expansion lists is halved,
    keeping the later half while it has one, until it lists whole.
    """
    def starts(low: dt.datetime, high: dt.datetime, limit: int) -> list[dt.datetime]:
        return [o.start.replace(tzinfo=None) for o in
                expand(start, dt.timedelta(0), repeat, (), tz, low, high, limit)]

    high, span = moment, dt.timedelta(days=1)
    while high > start:
        low = max(start, high - span)
        found = starts(low, high, MAX_OCCURRENCES)
        if len(found) >= MAX_OCCURRENCES:
            while high - low > _LISTABLE:
                middle = low + (high - low) / 2
                if starts(middle, high, 1):
                    low = middle
                else:
                    high = middle
            found = starts(low, high, MAX_OCCURRENCES)
        if found:
            return found[-1]
        high, span = low, span * 8
    return None


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
