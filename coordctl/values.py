"""The scalar forms of the document format (DESIGN §2): text, durations, dates, date-times.

Each parser takes what YAML gave (dates and date-times arrive as text) and returns a
value or raises ``ValueError`` with a message that says what form is expected.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta

LOCALES = ("zh-CN", "en")

#: Localised text: a string, or a map of locale to string.
Text = str | dict[str, str]

SLUG = r"^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$"
_SLUG_RE = re.compile(SLUG)


def localize(text: Text | None, locale: str) -> str:
    """The text in ``locale``, else in the other locale, else ''."""
    if text is None:
        return ""
    if isinstance(text, str):
        return text
    if locale in text:
        return text[locale]
    for other in LOCALES:
        if other in text:
            return text[other]
    return next(iter(text.values()), "")


def is_slug(value: str) -> bool:
    return bool(_SLUG_RE.match(value))


_SHORT = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?$")
_ISO = re.compile(
    r"^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?"
    r"(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$")
DURATION_PATTERN = r"^(?=.)(?:(?:\d+w)?(?:\d+d)?(?:\d+h)?(?:\d+m)?|P(?=.)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)$"  # noqa: E501


@dataclass(frozen=True)
class Duration:
    """A length of time; years and months are calendar units (``P3Y`` from a date)."""

    years: int = 0
    months: int = 0
    days: int = 0
    seconds: int = 0
    text: str = ""

    @property
    def is_fixed(self) -> bool:
        """True when the duration does not depend on the calendar (no years or months)."""
        return not (self.years or self.months)

    def as_timedelta(self) -> dt.timedelta:
        """The duration as a ``timedelta``; years and months count as 365 and 30 days."""
        return dt.timedelta(days=self.years * 365 + self.months * 30 + self.days,
                            seconds=self.seconds)

    def as_relativedelta(self) -> relativedelta:
        return relativedelta(years=self.years, months=self.months, days=self.days,
                             seconds=self.seconds)

    def after(self, moment: dt.date) -> dt.date:
        """``moment`` plus this duration, in calendar arithmetic (a date stays a date:
        hours and minutes count only as far as they reach another day)."""
        return _same_kind(moment + self.as_relativedelta(), moment)

    def before(self, moment: dt.date) -> dt.date:
        """``moment`` minus this duration, in calendar arithmetic (a date stays a date)."""
        return _same_kind(moment - self.as_relativedelta(), moment)

    @property
    def minutes(self) -> int:
        return int(self.as_timedelta().total_seconds() // 60)

    def __str__(self) -> str:
        return self.text or self.iso()

    def iso(self) -> str:
        """ISO 8601 form, e.g. ``PT1H30M`` or ``P3Y``."""
        out = "P"
        if self.years:
            out += f"{self.years}Y"
        if self.months:
            out += f"{self.months}M"
        if self.days:
            out += f"{self.days}D"
        hours, rest = divmod(self.seconds, 3600)
        minutes, seconds = divmod(rest, 60)
        if hours or minutes or seconds:
            out += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") \
                + (f"{seconds}S" if seconds else "")
        return out if out != "P" else "PT0S"


def _same_kind(result: dt.date, moment: dt.date) -> dt.date:
    """``result`` as a date when ``moment`` is one (dateutil makes a date plus hours a
    date-time, which cannot be compared with dates)."""
    if isinstance(result, dt.datetime) and not isinstance(moment, dt.datetime):
        return result.date()
    return result


#: No duration is longer than 100 years (and a day for the leap years): with dates in
#: MIN_YEAR..MAX_YEAR, date arithmetic then never leaves what Python's dates can hold.
MAX_DURATION_DAYS = 100 * 365 + 25


def _bounded(duration: Duration) -> Duration:
    days = duration.years * 365 + duration.months * 30 + duration.days
    if days + duration.seconds // 86400 > MAX_DURATION_DAYS:
        raise ValueError(f"the duration '{duration.text}' is longer than 100 years: "
                         "write a shorter one")
    return duration


def parse_duration(value: object) -> Duration:
    """``5m``, ``2h``, ``1h30m``, ``3d``, ``2w`` or ISO 8601 (``PT5M``, ``P3Y``)."""
    if isinstance(value, Duration):
        return value
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError("a duration is text such as 5m, 2h, 1h30m, 3d, 2w or PT5M, P3Y")
    text = str(value).strip()
    if isinstance(value, int) or text.isdigit():
        raise ValueError(f"the duration {text} has no unit: write {text}m, {text}h or {text}d")
    short = _SHORT.match(text)
    if short and text:
        w, d, h, m = (int(g or 0) for g in short.groups())
        return _bounded(Duration(days=w * 7 + d, seconds=h * 3600 + m * 60, text=text))
    iso = _ISO.match(text.upper())
    if iso:
        y, mo, w, d, h, mi, s = (int(g or 0) for g in iso.groups())
        return _bounded(Duration(years=y, months=mo, days=w * 7 + d,
                                 seconds=h * 3600 + mi * 60 + s, text=text))
    raise ValueError(
        f"'{text}' is not a duration: write 5m, 2h, 1h30m, 3d, 2w, or ISO 8601 like PT5M or P3Y")


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_DATETIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2}))?$")
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
DATETIME_PATTERN = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(?::\d{2})?$"
#: Dates and date-times outside these years are mistakes (0207 for 2027), and outputs
#: that add reminders or durations to them would leave what Python's dates can hold.
MIN_YEAR, MAX_YEAR = 1900, 2999


def _year_in_range(value: object, year: int) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise ValueError(f"'{value}' is out of range: write a year from {MIN_YEAR} to "
                         f"{MAX_YEAR}")


def parse_date(value: object) -> dt.date:
    """A calendar date written ``2027-01-05``."""
    if isinstance(value, dt.datetime):
        raise ValueError("expected a date like 2027-01-05, not a date and time")
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ValueError("expected a date like 2027-01-05")
    match = _DATE.match(value.strip())
    if not match:
        raise ValueError(f"'{value}' is not a date: write it as YYYY-MM-DD, e.g. 2027-01-05")
    _year_in_range(value, int(match.group(1)))
    try:
        return dt.date(*(int(g) for g in match.groups()))
    except ValueError as exc:
        raise ValueError(f"'{value}' is not a calendar date ({exc})") from None


def parse_local_datetime(value: object) -> dt.datetime:
    """A local date-time written ``2027-01-05T09:30`` (the workspace time zone applies)."""
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            raise ValueError("local date-times carry no time zone: the workspace's applies")
        return value
    if not isinstance(value, str):
        raise ValueError("expected a local date-time like 2027-01-05T09:30")
    text = value.strip()
    match = _DATETIME.match(text)
    if not match:
        if re.match(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2})?(\.\d+)?"
                    r"\s*(Z|[+-]\d{2}(:?\d{2})?)$", text):
            raise ValueError(f"'{text}' has a time zone; local date-times carry none "
                             "(the workspace time zone applies): write e.g. 2027-01-05T09:30")
        raise ValueError(f"'{text}' is not a local date-time: write it as 2027-01-05T09:30")
    _year_in_range(text, int(match.group(1)))
    try:
        return dt.datetime(*(int(g or 0) for g in match.groups()))
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a valid date-time ({exc})") from None


@dataclass(frozen=True)
class DateRange:
    """An inclusive range of dates (a single date is a range of one day)."""

    first: dt.date
    last: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.first <= day <= self.last

    def __str__(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}/{self.last}"


def parse_date_range(value: object) -> DateRange:
    """``2027-10-01`` or ``2027-02-05/2027-02-13`` (inclusive)."""
    if isinstance(value, DateRange):
        return value
    if isinstance(value, str) and "/" in value:
        first_text, _, last_text = value.partition("/")
        first, last = parse_date(first_text.strip()), parse_date(last_text.strip())
        if last < first:
            raise ValueError(f"the range '{value}' ends before it starts")
        return DateRange(first, last)
    day = parse_date(value)
    return DateRange(day, day)
