"""blackout-date: no meeting or drill on a calendar.blackout date or range."""

from __future__ import annotations

import textwrap

from conftest import BASE, SETTINGS

RULE = "blackout-date"

# Settings: blackout [2027-10-01/2027-10-07]. The meeting meets the first Tuesday of each
# month (2027-10-05 too) and skips it with except: [2027-10-05].
MEETING = textwrap.dedent(BASE["plans/meeting.yaml"])
DRILL = textwrap.dedent(BASE["plans/drill.yaml"])
ONE_DAY = SETTINGS.replace("blackout: [2027-10-01/2027-10-07]", "blackout: [2027-05-01]")


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def drill_on(start: str, status: str = "planned") -> dict[str, str]:
    return {"plans/drill.yaml": DRILL.replace("2027-03-10T09:00", start)
            .replace("status: planned", f"status: {status}")}


def test_repeating_meeting_meeting_a_blackout_range(findings):
    meeting = MEETING.replace("  except: [2027-10-05]\n", "")
    found = findings({"plans/meeting.yaml": meeting}, rule=RULE)
    assert [place(f) for f in found] == [("plans/meeting.yaml", 8, 10, "warning", RULE)]
    assert "meeting 'analysis'" in found[0].message
    assert "2027-10-05" in found[0].message
    assert "schedule.except" in found[0].message


def test_except_skipping_the_blackout_date_passes(findings):
    assert findings(rule=RULE) == []


def test_one_finding_lists_every_blackout_date_of_an_event(findings):
    weekly = """\
        kind: meeting
        id: weekly
        title: 周例会
        convenor: police
        schedule: {start: 2027-01-05T15:00, repeat: "FREQ=WEEKLY;BYDAY=TU,TH"}
        """
    found = findings({"plans/weekly.yaml": weekly}, rule=RULE)
    assert [place(f) for f in found] == [("plans/weekly.yaml", 5, 19, "warning", RULE)]
    assert "2027-10-05, 2027-10-07" in found[0].message
    fixed = weekly.replace("TH\"}", "TH\", except: [2027-10-05, 2027-10-07]}")
    assert findings({"plans/weekly.yaml": fixed}, rule=RULE) == []


def test_drill_on_the_first_day_of_a_range(findings):
    found = findings(drill_on("2027-10-01T09:00"), rule=RULE)
    assert [place(f) for f in found] == [("plans/drill.yaml", 6, 19, "warning", RULE)]
    assert "drill 'tabletop-2027'" in found[0].message
    assert "2027-10-01" in found[0].message
    assert "move it" in found[0].message


def test_drill_on_the_last_day_of_a_range(findings):
    found = findings(drill_on("2027-10-07T09:00"), rule=RULE)
    assert [place(f) for f in found] == [("plans/drill.yaml", 6, 19, "warning", RULE)]


def test_drill_the_day_after_a_range_passes(findings):
    assert findings(drill_on("2027-10-08T09:00"), rule=RULE) == []


def test_drill_the_day_before_a_range_passes(findings):
    assert findings(drill_on("2027-09-30T09:00"), rule=RULE) == []


def test_single_blackout_date(findings):
    found = findings(drill_on("2027-05-01T09:00"), rule=RULE, settings=ONE_DAY)
    assert [place(f) for f in found] == [("plans/drill.yaml", 6, 19, "warning", RULE)]
    assert "2027-05-01" in found[0].message


def test_day_after_a_single_blackout_date_passes(findings):
    assert findings(drill_on("2027-05-02T09:00"), rule=RULE, settings=ONE_DAY) == []


def test_cancelled_drill_on_a_blackout_date_passes(findings):
    assert findings(drill_on("2027-10-01T09:00", "cancelled"), rule=RULE) == []


def test_done_drill_on_a_blackout_date_is_reported(findings):
    found = findings(drill_on("2027-10-01T09:00", "done"), rule=RULE)
    assert [place(f) for f in found] == [("plans/drill.yaml", 6, 19, "warning", RULE)]


def test_no_blackout_setting_passes(findings):
    settings = SETTINGS.replace("  blackout: [2027-10-01/2027-10-07]\n", "")
    meeting = MEETING.replace("  except: [2027-10-05]\n", "")
    assert findings({"plans/meeting.yaml": meeting}, rule=RULE, settings=settings) == []


def test_several_ranges_and_dates(findings):
    settings = SETTINGS.replace("blackout: [2027-10-01/2027-10-07]",
                                "blackout: [2027-02-05/2027-02-13, 2027-03-10, "
                                "2027-10-01/2027-10-07]")
    found = findings(rule=RULE, settings=settings)
    # The drill is on 2027-03-10; the meeting's 2027-02-02 is outside the range.
    assert [place(f) for f in found] == [("plans/drill.yaml", 6, 19, "warning", RULE)]
