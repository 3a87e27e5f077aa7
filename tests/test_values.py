"""values: the scalar forms of DESIGN §2 (durations, dates, local date-times, text)."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from coordctl.values import (
    DATE_PATTERN,
    DATETIME_PATTERN,
    DURATION_PATTERN,
    DateRange,
    Duration,
    is_slug,
    localize,
    parse_date,
    parse_date_range,
    parse_duration,
    parse_local_datetime,
)

# --- durations -----------------------------------------------------------------------------

GOOD_DURATIONS = [
    # text, (years, months, days, seconds), timedelta
    ("5m", (0, 0, 0, 300), dt.timedelta(minutes=5)),
    ("2h", (0, 0, 0, 7200), dt.timedelta(hours=2)),
    ("1h30m", (0, 0, 0, 5400), dt.timedelta(minutes=90)),
    ("3d", (0, 0, 3, 0), dt.timedelta(days=3)),
    ("2w", (0, 0, 14, 0), dt.timedelta(weeks=2)),
    ("1w2d3h4m", (0, 0, 9, 3 * 3600 + 240), dt.timedelta(days=9, hours=3, minutes=4)),
    ("PT5M", (0, 0, 0, 300), dt.timedelta(minutes=5)),
    ("PT1H30M", (0, 0, 0, 5400), dt.timedelta(minutes=90)),
    ("PT45S", (0, 0, 0, 45), dt.timedelta(seconds=45)),
    ("P1D", (0, 0, 1, 0), dt.timedelta(days=1)),
    ("P2W", (0, 0, 14, 0), dt.timedelta(weeks=2)),
    ("P1DT2H", (0, 0, 1, 7200), dt.timedelta(days=1, hours=2)),
    ("P3Y", (3, 0, 0, 0), dt.timedelta(days=3 * 365)),
    ("P6M", (0, 6, 0, 0), dt.timedelta(days=180)),
    ("P1Y6M", (1, 6, 0, 0), dt.timedelta(days=365 + 180)),
]


@pytest.mark.parametrize("text, parts, delta", GOOD_DURATIONS)
def test_durations_of_every_documented_form(text, parts, delta):
    duration = parse_duration(text)
    assert (duration.years, duration.months, duration.days, duration.seconds) == parts
    assert duration.as_timedelta() == delta
    assert str(duration) == text  # shown as written


@pytest.mark.parametrize("text", [t for t, _, _ in GOOD_DURATIONS])
def test_the_json_schema_pattern_accepts_every_good_duration(text):
    assert re.match(DURATION_PATTERN, text)


@pytest.mark.parametrize("text, expected", [
    ("5m", "PT5M"), ("1h30m", "PT1H30M"), ("2w", "P14D"), ("P3Y", "P3Y"), ("P6M", "P6M"),
    ("P1DT2H", "P1DT2H"), ("PT45S", "PT45S"),
])
def test_iso_form_of_a_duration(text, expected):
    assert parse_duration(text).iso() == expected
    assert parse_duration(expected).as_timedelta() == parse_duration(text).as_timedelta()


def test_years_and_months_are_calendar_units():
    three_years = parse_duration("P3Y")
    assert not three_years.is_fixed
    assert parse_duration("2h").is_fixed
    assert three_years.after(dt.date(2024, 2, 29)) == dt.date(2027, 2, 28)
    assert three_years.before(dt.date(2027, 3, 1)) == dt.date(2024, 3, 1)
    assert parse_duration("P6M").after(dt.date(2027, 8, 31)) == dt.date(2028, 2, 29)
    assert parse_duration("2w").after(dt.date(2027, 1, 5)) == dt.date(2027, 1, 19)


def test_a_date_plus_hours_or_minutes_stays_a_date():
    # Found by fuzzing: a policy of 5m made dateutil return a date-time, which the rules
    # compared with dates (TypeError).
    assert parse_duration("5m").after(dt.date(2027, 1, 5)) == dt.date(2027, 1, 5)
    assert parse_duration("25h").after(dt.date(2027, 1, 5)) == dt.date(2027, 1, 6)
    assert parse_duration("1h").before(dt.date(2027, 1, 5)) == dt.date(2027, 1, 4)
    moment = dt.datetime(2027, 1, 5, 9, 30)
    assert parse_duration("5m").after(moment) == dt.datetime(2027, 1, 5, 9, 35)


def test_minutes_of_a_duration():
    assert parse_duration("1h30m").minutes == 90
    assert parse_duration("PT5M").minutes == 5


def test_a_duration_passes_through_unchanged():
    duration = Duration(days=1, text="1d")
    assert parse_duration(duration) is duration


@pytest.mark.parametrize("value, words", [
    ("5", "no unit: write 5m, 5h or 5d"),
    (5, "no unit"),
    ("5x", "'5x' is not a duration"),
    ("P", "'P' is not a duration"),
    ("PT", "'PT' is not a duration"),
    ("P1DT", "not a duration"),
    ("", "'' is not a duration"),
    ("1h 30m", "not a duration"),
    ("-5m", "not a duration"),
    ("P1.5Y", "not a duration"),
    ("5M", "not a duration"),  # minutes are lowercase; ISO months need the P
    (True, "a duration is text"),
    (None, "a duration is text"),
    (["5m"], "a duration is text"),
])
def test_bad_durations_say_what_to_write(value, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        parse_duration(value)


@pytest.mark.parametrize("text", ["5", "5x", "P", "PT", "P1DT", "", "1h 30m", "-5m", "P1.5Y"])
def test_the_json_schema_pattern_refuses_what_the_parser_refuses(text):
    assert not re.match(DURATION_PATTERN, text)


# --- dates ---------------------------------------------------------------------------------

def test_a_date():
    assert parse_date("2027-01-05") == dt.date(2027, 1, 5)
    assert parse_date(dt.date(2027, 1, 5)) == dt.date(2027, 1, 5)
    assert re.match(DATE_PATTERN, "2027-01-05")


def test_leap_day():
    assert parse_date("2028-02-29") == dt.date(2028, 2, 29)
    with pytest.raises(ValueError, match="not a calendar date"):
        parse_date("2027-02-29")


@pytest.mark.parametrize("value, words", [
    ("2027-02-30", "'2027-02-30' is not a calendar date"),
    ("2027-13-01", "not a calendar date"),
    ("2027-1-5", "'2027-1-5' is not a date: write it as YYYY-MM-DD, e.g. 2027-01-05"),
    ("05.01.2027", "write it as YYYY-MM-DD"),
    ("2027-01-05T09:30", "write it as YYYY-MM-DD"),
    ("", "write it as YYYY-MM-DD"),
    (20270105, "expected a date like 2027-01-05"),
    (dt.datetime(2027, 1, 5, 9, 30), "not a date and time"),
])
def test_bad_dates_say_what_to_write(value, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        parse_date(value)


def test_the_date_pattern_refuses_short_forms():
    assert not re.match(DATE_PATTERN, "2027-1-5")


# --- local date-times ---------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("2027-01-05T09:30", dt.datetime(2027, 1, 5, 9, 30)),
    ("2027-01-05T09:30:15", dt.datetime(2027, 1, 5, 9, 30, 15)),
    ("2027-01-05 09:30", dt.datetime(2027, 1, 5, 9, 30)),
    ("2027-01-05 09:30:00", dt.datetime(2027, 1, 5, 9, 30)),
    ("2027-01-05t09:30", dt.datetime(2027, 1, 5, 9, 30)),
])
def test_local_date_times(text, expected):
    moment = parse_local_datetime(text)
    assert moment == expected
    assert moment.tzinfo is None
    assert re.match(DATETIME_PATTERN, text)


def test_a_naive_datetime_passes_and_an_aware_one_is_refused():
    naive = dt.datetime(2027, 1, 5, 9, 30)
    assert parse_local_datetime(naive) == naive
    with pytest.raises(ValueError, match="carry no time zone"):
        parse_local_datetime(naive.replace(tzinfo=dt.timezone.utc))


@pytest.mark.parametrize("text", [
    "2027-01-05T09:30+08:00", "2027-01-05T09:30:00+08:00", "2027-01-05T09:30Z",
    "2027-01-05T09:30:00Z", "2027-01-05T09:30-0500", "2027-01-05 09:30:00.5+01",
    "2027-01-05 09:30:00 +08:00",
])
def test_an_offset_is_refused_with_a_message(text):
    with pytest.raises(ValueError) as caught:
        parse_local_datetime(text)
    message = str(caught.value)
    assert "has a time zone" in message
    assert "workspace time zone" in message
    assert "2027-01-05T09:30" in message
    assert not re.match(DATETIME_PATTERN, text)


@pytest.mark.parametrize("value, words", [
    ("2027-01-05", "is not a local date-time: write it as 2027-01-05T09:30"),
    ("2027-01-05T9:30", "is not a local date-time"),
    ("2027-01-05T09:30:00.5", "is not a local date-time"),
    ("2027-01-05T25:00", "is not a valid date-time"),
    ("2027-02-30T09:30", "is not a valid date-time"),
    (20270105, "expected a local date-time"),
])
def test_bad_local_date_times(value, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        parse_local_datetime(value)
    if isinstance(value, str) and words != "is not a valid date-time":
        assert not re.match(DATETIME_PATTERN, value)


# --- text --------------------------------------------------------------------------------

def test_localize_a_plain_string_in_any_locale():
    assert localize("市公安局", "en") == "市公安局"
    assert localize("市公安局", "zh-CN") == "市公安局"


def test_localize_a_locale_map():
    name = {"zh-CN": "市公安局", "en": "Public Security Bureau"}
    assert localize(name, "zh-CN") == "市公安局"
    assert localize(name, "en") == "Public Security Bureau"


def test_localize_falls_back_to_the_other_locale():
    assert localize({"zh-CN": "市公安局"}, "en") == "市公安局"
    assert localize({"en": "Police"}, "zh-CN") == "Police"


def test_localize_nothing_is_empty():
    assert localize(None, "en") == ""
    assert localize({}, "en") == ""


def test_slugs():
    assert is_slug("water-rescue")
    assert is_slug("a")
    assert is_slug("a" * 64)
    for bad in ["Water", "-a", "a-", "a_b", "a" * 65, "", "水", "a b"]:
        assert not is_slug(bad), bad


# --- blackout ranges ------------------------------------------------------------------------

def test_a_single_blackout_date_is_a_one_day_range():
    day = parse_date_range("2027-10-01")
    assert day == DateRange(dt.date(2027, 10, 1), dt.date(2027, 10, 1))
    assert dt.date(2027, 10, 1) in day
    assert dt.date(2027, 10, 2) not in day
    assert str(day) == "2027-10-01"


def test_a_blackout_range_is_inclusive():
    span = parse_date_range("2027-02-05/2027-02-13")
    assert (span.first, span.last) == (dt.date(2027, 2, 5), dt.date(2027, 2, 13))
    assert dt.date(2027, 2, 5) in span
    assert dt.date(2027, 2, 13) in span
    assert dt.date(2027, 2, 4) not in span
    assert dt.date(2027, 2, 14) not in span
    assert "2027-02-05" not in span  # only dates are in a range
    assert str(span) == "2027-02-05/2027-02-13"


def test_blackout_range_with_spaces_around_the_slash():
    assert parse_date_range("2027-02-05 / 2027-02-13") == parse_date_range(
        "2027-02-05/2027-02-13")


@pytest.mark.parametrize("text, words", [
    ("2027-02-13/2027-02-05", "ends before it starts"),
    ("2027-02-05/2027-02-30", "not a calendar date"),
    ("2027-02-05/", "is not a date"),
    ("soon", "is not a date"),
])
def test_bad_blackout_ranges(text, words):
    with pytest.raises(ValueError, match=re.escape(words)):
        parse_date_range(text)
