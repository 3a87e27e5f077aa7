"""repeat-portability: repeat rules that Outlook and other mainstream clients cannot show."""

from __future__ import annotations

import textwrap

import pytest
from conftest import BASE

RULE = "repeat-portability"


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def meeting(start: str, repeat: str) -> dict[str, str]:
    return {"plans/review.yaml": f"""\
        kind: meeting
        id: review
        title: 双周会
        convenor: police
        schedule:
          start: {start}
          repeat: {repeat}
        """}


UNPORTABLE = [
    ("2027-01-12T09:30", "FREQ=MONTHLY;BYDAY=2TU,4TU", "BYDAY=2TU,4TU"),
    ("2027-01-05T09:30", "FREQ=MONTHLY;BYDAY=1TU,-1FR", "BYDAY=1TU,-1FR"),
    ("2027-01-26T09:30", "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1", "BYSETPOS"),
    ("2027-01-05T09:00", "FREQ=WEEKLY;BYDAY=TU;BYHOUR=9,14", "BYHOUR"),
    ("2027-01-05T09:00", "FREQ=DAILY;BYMINUTE=0,30", "BYMINUTE"),
    ("2027-01-05T09:00", "FREQ=HOURLY;INTERVAL=4;COUNT=3", "FREQ=HOURLY"),
    ("2027-01-05T09:00", "FREQ=MINUTELY;INTERVAL=30;COUNT=2", "FREQ=MINUTELY"),
    ("2027-01-05T09:00", "FREQ=YEARLY;BYWEEKNO=1;BYDAY=TU", "BYWEEKNO"),
    ("2027-01-05T09:00", "FREQ=YEARLY;BYYEARDAY=5", "BYYEARDAY"),
]


@pytest.mark.parametrize("start, repeat, words", UNPORTABLE)
def test_unportable_rule(findings, start, repeat, words):
    found = findings(meeting(start, repeat), rule=RULE)
    assert [place(f) for f in found] == [("plans/review.yaml", 7, 11, "warning", RULE)]
    assert "meeting 'review'" in found[0].message
    assert words in found[0].message
    assert "Outlook" in found[0].message


def test_the_same_rule_split_in_two_passes(findings):
    second = meeting("2027-01-12T09:30", "FREQ=MONTHLY;BYDAY=2TU")
    fourth = meeting("2027-01-26T09:30", "FREQ=MONTHLY;BYDAY=4TU")
    fourth["plans/review-4.yaml"] = fourth.pop("plans/review.yaml").replace(
        "id: review", "id: review-4")
    assert findings({**second, **fourth}, rule=RULE) == []


def test_several_problems_are_one_finding(findings):
    found = findings(meeting("2027-01-26T09:00", "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=-1;BYHOUR=9"),
                     rule=RULE)
    assert [place(f) for f in found] == [("plans/review.yaml", 7, 11, "warning", RULE)]
    assert "BYSETPOS" in found[0].message
    assert "BYHOUR" in found[0].message


PORTABLE = [
    ("2027-01-28T09:00", "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1TH"),
    ("2027-01-12T09:30", "FREQ=MONTHLY;BYDAY=2TU"),
    ("2027-01-05T09:30", "FREQ=MONTHLY;BYDAY=1TU"),
    ("2027-01-05T09:00", "FREQ=WEEKLY;BYDAY=TU,TH"),
    ("2027-01-05T09:00", "FREQ=WEEKLY;INTERVAL=2;UNTIL=20271231"),
    ("2027-01-05T09:00", "FREQ=DAILY;COUNT=5"),
    ("2027-03-10T09:00", "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=10"),
    ("2027-01-15T09:00", "FREQ=MONTHLY;BYMONTHDAY=15"),
]


@pytest.mark.parametrize("start, repeat", PORTABLE)
def test_portable_rule_passes(findings, start, repeat):
    found = findings(meeting(start, repeat))
    assert [f for f in found if f.rule in (RULE, "schema")] == []


def test_repeating_drill_is_checked_too(findings):
    drill = textwrap.dedent(BASE["plans/drill.yaml"]).replace(
        "schedule: {start: 2027-03-10T09:00, duration: 3h}",
        "schedule: {start: 2027-03-09T09:00, duration: 3h,\n"
        "           repeat: \"FREQ=MONTHLY;BYDAY=2TU,4TU\"}")
    found = findings({"plans/drill.yaml": drill}, rule=RULE)
    assert [place(f) for f in found] == [("plans/drill.yaml", 7, 20, "warning", RULE)]
    assert "drill 'tabletop-2027'" in found[0].message


def test_event_without_repeat_passes(findings):
    assert findings(rule=RULE) == []
