"""schedule: repeat rules, occurrences in the workspace time zone, and their bounds."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from coordctl import schedule
from coordctl.schedule import (
    MAX_OCCURRENCES,
    build_rule,
    expand,
    first_occurrence,
    last_before,
    portability_problems,
    rule_parts,
    zone,
)

SHANGHAI = zone("Asia/Shanghai")
#: Seconds a bounded expansion may take (they take well under 0.2 s; walking every second
#: from the start, as an unbounded expansion would, takes minutes).
QUICK = 1.0
YEAR_2027 = (dt.datetime(2027, 1, 1), dt.datetime(2028, 1, 1))


def starts(start, repeat, skipped=(), window=YEAR_2027, tz=SHANGHAI, duration=None,
           limit=MAX_OCCURRENCES):
    """Local start times (naive) of the occurrences in ``window``."""
    found = expand(start, duration or dt.timedelta(hours=2), repeat, skipped, tz, *window,
                   limit=limit)
    return [o.start.replace(tzinfo=None) for o in found]


def days(moments):
    return [m.date().isoformat() for m in moments]


# --- occurrences -------------------------------------------------------------------------

def test_first_tuesday_monthly_with_an_except_date_in_2027():
    got = starts(dt.datetime(2027, 1, 5, 9, 30), "FREQ=MONTHLY;BYDAY=1TU",
                 skipped=[dt.date(2027, 2, 2)])
    # first Tuesdays of 2027, by hand from a calendar; 2 February is skipped
    assert days(got) == ["2027-01-05", "2027-03-02", "2027-04-06", "2027-05-04",
                         "2027-06-01", "2027-07-06", "2027-08-03", "2027-09-07",
                         "2027-10-05", "2027-11-02", "2027-12-07"]
    assert {m.time() for m in got} == {dt.time(9, 30)}


def test_occurrences_are_aware_in_the_zone_with_their_duration():
    [first, *_] = expand(dt.datetime(2027, 1, 5, 9, 30), dt.timedelta(hours=2),
                         "FREQ=MONTHLY;BYDAY=1TU", [], SHANGHAI, *YEAR_2027)
    assert first.start == dt.datetime(2027, 1, 5, 9, 30, tzinfo=SHANGHAI)
    assert first.end == dt.datetime(2027, 1, 5, 11, 30, tzinfo=SHANGHAI)
    assert first.start.utcoffset() == dt.timedelta(hours=8)
    assert first.start.astimezone(dt.timezone.utc).hour == 1


def test_last_thursday_every_three_months():
    got = starts(dt.datetime(2027, 1, 28, 14, 0), "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1TH")
    assert days(got) == ["2027-01-28", "2027-04-29", "2027-07-29", "2027-10-28"]


def test_count_limits_the_occurrences():
    got = starts(dt.datetime(2027, 1, 5, 9, 30), "FREQ=WEEKLY;COUNT=3")
    assert days(got) == ["2027-01-05", "2027-01-12", "2027-01-19"]


def test_count_counts_from_the_start_not_from_the_window():
    window = (dt.datetime(2027, 1, 10), dt.datetime(2028, 1, 1))
    got = starts(dt.datetime(2027, 1, 5, 9, 30), "FREQ=WEEKLY;COUNT=3", window=window)
    assert days(got) == ["2027-01-12", "2027-01-19"]
    far = (dt.datetime(2027, 6, 1), dt.datetime(2028, 1, 1))
    assert starts(dt.datetime(2027, 1, 5, 9, 30), "FREQ=DAILY;COUNT=30", window=far) == []


def test_until_as_a_date_includes_that_day():
    got = starts(dt.datetime(2027, 1, 5, 9, 30), "FREQ=WEEKLY;UNTIL=20270119")
    assert days(got) == ["2027-01-05", "2027-01-12", "2027-01-19"]


def test_until_in_utc_is_compared_in_the_workspace_zone():
    # 09:30 in Shanghai is 01:30 UTC
    start = dt.datetime(2027, 1, 5, 9, 30)
    assert days(starts(start, "FREQ=WEEKLY;UNTIL=20270119T013000Z")) == [
        "2027-01-05", "2027-01-12", "2027-01-19"]
    assert days(starts(start, "FREQ=WEEKLY;UNTIL=20270119T012959Z")) == [
        "2027-01-05", "2027-01-12"]


@pytest.mark.parametrize("until", ["2027", "202701", "2027-01-19", "20270119T0130",
                                   "20270132", "tomorrow"])
def test_until_in_another_form_is_refused(until):
    with pytest.raises(ValueError, match="UNTIL"):
        build_rule(f"FREQ=WEEKLY;UNTIL={until}", dt.datetime(2027, 1, 5, 9, 30), SHANGHAI)


def test_an_event_that_does_not_repeat():
    start = dt.datetime(2027, 5, 20, 9, 0)
    assert starts(start, None) == [start]
    assert starts(start, None, window=(dt.datetime(2027, 6, 1), dt.datetime(2028, 1, 1))) == []
    assert starts(start, None, skipped=[dt.date(2027, 5, 20)]) == []


def test_the_window_is_half_open():
    start = dt.datetime(2027, 1, 5, 9, 30)
    window = (dt.datetime(2027, 1, 12, 9, 30), dt.datetime(2027, 1, 19, 9, 30))
    assert days(starts(start, "FREQ=WEEKLY", window=window)) == ["2027-01-12"]


def test_limit_caps_the_occurrences():
    got = starts(dt.datetime(2027, 1, 5, 9, 30), "FREQ=DAILY", limit=7)
    assert len(got) == 7


def test_local_wall_clock_time_is_kept_across_daylight_saving():
    new_york = zone("America/New_York")
    window = (dt.datetime(2027, 3, 1), dt.datetime(2027, 3, 31))
    got = list(expand(dt.datetime(2027, 3, 2, 9, 30), dt.timedelta(hours=1),
                      "FREQ=WEEKLY", [], new_york, *window))
    assert [o.start.hour for o in got] == [9, 9, 9, 9, 9]
    offsets = [o.start.utcoffset() for o in got]
    assert offsets[0] == dt.timedelta(hours=-5)  # EST before 14 March 2027
    assert offsets[-1] == dt.timedelta(hours=-4)  # EDT after


def test_a_bad_rule_expands_to_nothing_instead_of_raising():
    assert starts(dt.datetime(2027, 1, 5, 9, 30), "FREQ=NEVER") == []


# --- bounded in time and count ----------------------------------------------------------------

def timed(start, repeat, window, limit=MAX_OCCURRENCES):
    began = time.perf_counter()
    got = starts(start, repeat, window=window, limit=limit)
    return got, time.perf_counter() - began


FAR_WINDOW = (dt.datetime(2027, 6, 1), dt.datetime(2029, 6, 1))


@pytest.mark.parametrize("repeat, count", [
    ("FREQ=SECONDLY", MAX_OCCURRENCES),
    ("FREQ=SECONDLY;COUNT=1000000000", MAX_OCCURRENCES),
    ("FREQ=MINUTELY;INTERVAL=1", MAX_OCCURRENCES),
    ("FREQ=DAILY;COUNT=1000000000", 731),  # every day of the two years
    ("FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23",
     MAX_OCCURRENCES),
    ("FREQ=SECONDLY;BYHOUR=9;COUNT=1000000000", MAX_OCCURRENCES),
])
def test_runaway_rules_are_bounded_in_time_and_count(repeat, count):
    # the window starts months after the start: a naive expansion would walk every
    # second in between (tens of millions of steps)
    got, took = timed(dt.datetime(2027, 1, 5, 9, 30), repeat, FAR_WINDOW)
    assert len(got) == count
    assert got[0] >= FAR_WINDOW[0]
    assert took < QUICK


def test_secondly_occurrences_are_the_right_seconds_after_skipping_ahead():
    window = (dt.datetime(2027, 6, 1, 12, 0, 0), dt.datetime(2027, 6, 1, 12, 0, 5))
    got, took = timed(dt.datetime(2027, 1, 5, 9, 30, 0), "FREQ=SECONDLY;INTERVAL=2", window)
    assert got == [dt.datetime(2027, 6, 1, 12, 0, s) for s in (0, 2, 4)]
    assert took < QUICK


def test_huge_count_far_in_the_future_is_still_bounded():
    window = (dt.datetime(2090, 1, 1), dt.datetime(2090, 1, 2))
    got, took = timed(dt.datetime(2027, 1, 5, 0, 0), "FREQ=MINUTELY;COUNT=1000000000", window)
    assert len(got) == 24 * 60
    assert took < QUICK


@pytest.mark.parametrize("repeat", [
    "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30",
    "FREQ=DAILY;BYMONTH=4;BYMONTHDAY=31",
    "FREQ=YEARLY;INTERVAL=4;BYMONTH=2;BYMONTHDAY=29",  # 2027 + 4n is never a leap year
])
def test_rules_that_never_occur_are_bounded_in_time(repeat):
    window = (dt.datetime(2000, 1, 1), dt.datetime(2100, 1, 1))
    got, took = timed(dt.datetime(2027, 1, 5, 9, 30), repeat, window)
    assert got == []
    assert took < QUICK
    began = time.perf_counter()
    assert first_occurrence(build_rule(repeat, dt.datetime(2027, 1, 5, 9, 30), SHANGHAI)) \
        is None
    assert time.perf_counter() - began < QUICK


def test_never_occurring_rule_search_stops_at_the_last_year():
    # The bound hooks into dateutil's iteration (rrule._iter and _iterinfo). If a new
    # python-dateutil changes them, the search silently becomes unbounded (years of
    # days, seconds per rule): this fails first, naming the cause.
    from coordctl import schedule

    assert schedule._bounded_iter is not None, \
        "python-dateutil no longer has rrule._iter/_iterinfo: bound the search another way"
    rule = schedule._bounded(build_rule("FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",
                                        dt.datetime(2027, 1, 5), SHANGHAI), 2030)
    with pytest.raises(schedule._PastLastYear):
        next(iter(rule))


SKIP_RULES = [
    "FREQ=WEEKLY;BYDAY=MO,FR", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH", "FREQ=DAILY;INTERVAL=3",
    "FREQ=DAILY;BYHOUR=8,14", "FREQ=HOURLY;INTERVAL=5", "FREQ=WEEKLY;COUNT=40",
    "FREQ=DAILY;COUNT=100", "FREQ=HOURLY;COUNT=1000;INTERVAL=7",
    "FREQ=WEEKLY;INTERVAL=3;COUNT=30;BYDAY=WE,SU", "FREQ=MINUTELY;INTERVAL=997;COUNT=500",
    "FREQ=WEEKLY;UNTIL=20271231", "FREQ=MONTHLY;BYDAY=1TU",
    "FREQ=WEEKLY;INTERVAL=2;WKST=SU;BYDAY=SA,SU,MO", "FREQ=HOURLY;BYMINUTE=0,30;INTERVAL=2",
    "FREQ=DAILY;BYMONTH=3;BYDAY=MO", "FREQ=WEEKLY;BYDAY=MO,FR;COUNT=100000",
    "FREQ=HOURLY;BYMINUTE=0,30;COUNT=3000", "FREQ=WEEKLY;BYDAY=MO,FR;COUNT=150",
]
SKIP_STARTS = [dt.datetime(2027, 1, 5, 9, 30), dt.datetime(2027, 1, 3, 23, 59, 59)]
SKIP_WINDOWS = [(dt.datetime(2027, 3, 1), dt.datetime(2027, 4, 1)),
                (dt.datetime(2027, 7, 4, 13, 0), dt.datetime(2027, 9, 1)),
                (dt.datetime(2028, 12, 30), dt.datetime(2029, 1, 9)),
                (dt.datetime(2026, 1, 1), dt.datetime(2027, 1, 20))]


@pytest.mark.parametrize("repeat", SKIP_RULES)
def test_expansion_agrees_with_a_plain_walk_of_the_rule(repeat):
    """Skipping ahead to the window must not change which occurrences are in it."""
    for start in SKIP_STARTS:
        rule = build_rule(repeat, start, SHANGHAI)
        for window in SKIP_WINDOWS:
            walked = [m for m in rule.between(*window, inc=True) if m < window[1]]
            assert starts(start, repeat, window=window) == walked, (start, window)


@pytest.mark.parametrize("repeat", [*SKIP_RULES, "FREQ=YEARLY;BYMONTH=3",
                                    "FREQ=MINUTELY;BYMONTH=1;BYMONTHDAY=31"])
def test_last_before_agrees_with_a_plain_walk_of_the_rule(repeat):
    for start in SKIP_STARTS:
        rule = build_rule(repeat, start, SHANGHAI)
        for moment in (dt.datetime(2027, 1, 1), dt.datetime(2027, 8, 15, 12, 0),
                       dt.datetime(2029, 6, 1), start):
            assert last_before(start, repeat, SHANGHAI, moment) == rule.before(moment), \
                (start, moment)


@pytest.mark.parametrize("repeat, last", [
    ("FREQ=SECONDLY;BYMONTH=1", dt.datetime(2026, 1, 31, 23, 59, 59)),
    ("FREQ=SECONDLY", dt.datetime(2026, 11, 27, 23, 59, 59)),
    ("FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30", None),
    ("FREQ=MINUTELY;INTERVAL=7;BYHOUR=3", dt.datetime(2026, 11, 27, 3, 55)),  # as before()
])
def test_last_before_is_bounded_for_dense_rules(repeat, last):
    # Found by fuzzing: rule.before() walked millions of seconds from a 2025 start.
    began = time.perf_counter()
    assert last_before(dt.datetime(2025, 1, 1), repeat, SHANGHAI,
                       dt.datetime(2026, 11, 28)) == last
    assert time.perf_counter() - began < 3 * QUICK


# --- the start of a schedule ------------------------------------------------------------

def test_first_occurrence_when_the_start_is_one():
    start = dt.datetime(2027, 1, 5, 9, 30)  # a Tuesday, the first of January
    assert first_occurrence(build_rule("FREQ=MONTHLY;BYDAY=1TU", start, SHANGHAI)) == start


def test_first_occurrence_when_the_start_is_not_one():
    start = dt.datetime(2027, 1, 6, 9, 30)  # a Wednesday
    first = first_occurrence(build_rule("FREQ=MONTHLY;BYDAY=1TU", start, SHANGHAI))
    assert first == dt.datetime(2027, 2, 2, 9, 30)
    assert first != start


def test_schema_finding_when_the_start_is_not_an_occurrence(findings):
    found = findings({"plans/meeting.yaml": """\
        kind: meeting
        id: analysis
        title: 联席会议
        convenor: police
        members: [health]
        schedule:
          start: 2027-01-06T09:30
          duration: 2h
          repeat: FREQ=MONTHLY;BYDAY=1TU
        """}, rule="schema")
    assert [(f.path, f.line, f.column) for f in found] == [("plans/meeting.yaml", 7, 10)]
    assert "2027-01-06T09:30 is not an occurrence" in found[0].message
    assert "the first is 2027-02-02T09:30" in found[0].message


def test_schema_finding_for_a_rule_that_never_occurs_is_quick(findings):
    began = time.perf_counter()
    found = findings({"plans/meeting.yaml": """\
        kind: meeting
        id: analysis
        title: 联席会议
        convenor: police
        members: [health]
        schedule:
          start: 2027-01-05T09:30
          repeat: FREQ=MINUTELY;BYMONTH=2;BYMONTHDAY=30
          except: [2027-03-01]
        """})
    assert time.perf_counter() - began < 3
    schema = [f for f in found if f.rule == "schema"]
    assert [(f.line, f.column) for f in schema] == [(7, 10), (9, 12)]
    assert "not within ten years" in schema[0].message
    assert "2027-03-01 is not a date the rule" in schema[1].message


def test_except_dates_the_rule_meets_pass_and_others_are_findings(findings):
    found = findings({"plans/meeting.yaml": """\
        kind: meeting
        id: analysis
        title: 联席会议
        convenor: police
        members: [health]
        schedule:
          start: 2027-01-05T09:30
          repeat: FREQ=MONTHLY;BYDAY=1TU
          except: [2027-02-02, 2027-02-03, 2026-12-01]
        """}, rule="schema")
    assert [(f.line, f.column) for f in found] == [(9, 24), (9, 36)]
    assert "2027-02-03 is not a date the rule" in found[0].message
    assert "2026-12-01" in found[1].message


def test_except_dates_of_a_secondly_rule_long_after_the_start_are_quick(findings):
    began = time.perf_counter()
    found = findings({"plans/meeting.yaml": """\
        kind: meeting
        id: analysis
        title: 联席会议
        convenor: police
        members: [health]
        schedule:
          start: 2027-01-05T09:30
          repeat: FREQ=SECONDLY
          except: [2027-12-01]
        """}, rule="schema", today=dt.date(2027, 6, 1))
    assert found == []
    assert time.perf_counter() - began < 3


# --- rule text ------------------------------------------------------------------------------

def test_rule_parts_are_upper_cased_and_split():
    assert rule_parts("freq=monthly;byday=1tu") == {"FREQ": "MONTHLY", "BYDAY": "1TU"}


@pytest.mark.parametrize("text, words", [
    ("", "RRULE text such as"),
    ("RRULE:FREQ=DAILY", "without a 'RRULE:'"),
    ("BYDAY=MO", "has no FREQ"),
    ("FREQ=FORTNIGHTLY", "FREQ=FORTNIGHTLY is not one of"),
    ("FREQ=DAILY;FOO=1", "unknown repeat rule part 'FOO'"),
    ("FREQ=DAILY;FREQ=WEEKLY", "gives FREQ twice"),
    ("FREQ=DAILY;COUNT=2;UNTIL=20270101", "COUNT or UNTIL, not both"),
    ("FREQ", "is not NAME=VALUE"),
    ("FREQ=MONTHLY;BYDAY=1XX", "is not valid RFC 5545"),
    ("FREQ=DAILY;INTERVAL=x", "is not valid RFC 5545"),
])
def test_bad_rules_say_what_is_wrong(text, words):
    with pytest.raises(ValueError, match=words.replace("(", r"\(")):
        build_rule(text, dt.datetime(2027, 1, 5), SHANGHAI)


def test_unknown_time_zone():
    with pytest.raises(ValueError, match="not an IANA time zone"):
        zone("Asia/Beijing")
    with pytest.raises(ValueError, match="not an IANA time zone"):
        zone("../etc/passwd")


# --- portability ------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "FREQ=MONTHLY;BYDAY=1TU", "FREQ=WEEKLY;BYDAY=MO,WE,FR", "FREQ=MONTHLY;BYDAY=-1TH",
    "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=1", "FREQ=DAILY;INTERVAL=2;COUNT=10",
])
def test_portable_rules(text):
    assert portability_problems(text) == []


@pytest.mark.parametrize("text, problem", [
    ("FREQ=MONTHLY;BYDAY=2TU,4TU", "BYDAY=2TU,4TU (several ordinal weekdays)"),
    ("FREQ=MONTHLY;BYDAY=1TU,WE", "BYDAY=1TU,WE (several ordinal weekdays)"),
    ("FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU,WE,TH,FR", "BYSETPOS"),
    ("FREQ=YEARLY;BYYEARDAY=100", "BYYEARDAY"),
    ("FREQ=YEARLY;BYWEEKNO=20", "BYWEEKNO"),
    ("FREQ=DAILY;BYHOUR=9,15", "BYHOUR"),
    ("FREQ=DAILY;BYMINUTE=0,30", "BYMINUTE"),
    ("FREQ=HOURLY", "FREQ=HOURLY (a frequency below daily)"),
    ("FREQ=MINUTELY", "FREQ=MINUTELY (a frequency below daily)"),
    ("FREQ=SECONDLY", "FREQ=SECONDLY (a frequency below daily)"),
])
def test_unportable_rules_name_the_problem(text, problem):
    assert problem in portability_problems(text)


def test_a_malformed_rule_has_no_portability_problems_only_a_schema_one():
    assert portability_problems("not a rule") == []


def test_limits_are_what_the_docstring_promises():
    assert schedule.MAX_OCCURRENCES >= 1000
    assert schedule.MAX_CANDIDATES >= schedule.MAX_OCCURRENCES
