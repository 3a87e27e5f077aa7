"""schedule-conflict: a department expected at two events that overlap."""

from __future__ import annotations

import textwrap

from conftest import BASE

RULE = "schedule-conflict"

# analysis: first Tuesday monthly 09:30-11:30 from 2027-01-05, police convenes, health.
MEETING = textwrap.dedent(BASE["plans/meeting.yaml"])
# tabletop-2027 of major-incident (duty holders police, health), no participants listed.
DRILL = textwrap.dedent(BASE["plans/drill.yaml"])


def place(finding):
    return finding.path, finding.line, finding.column, finding.severity, finding.rule


def drill(start: str, extra: str = "") -> dict[str, str]:
    text = DRILL.replace("2027-03-10T09:00", start)
    if extra:
        text = text.replace("type: tabletop", "type: tabletop\n" + extra)
    return {"plans/drill.yaml": text}


def test_drill_with_default_participants_overlapping_a_meeting(findings):
    found = findings(drill("2027-01-05T10:00"), rule=RULE)
    # drill.yaml sorts before meeting.yaml: the meeting is written later.
    assert [place(f) for f in found] == [("plans/meeting.yaml", 8, 10, "warning", RULE)]
    assert "meeting 'analysis' overlaps drill 'tabletop-2027'" in found[0].message
    assert "2027-01-05 10:00" in found[0].message
    assert "health, police" in found[0].message


def test_drill_moved_to_another_day_passes(findings):
    assert findings(drill("2027-01-06T10:00"), rule=RULE) == []


def test_back_to_back_events_pass(findings):
    # The meeting ends at 11:30.
    assert findings(drill("2027-01-05T11:30"), rule=RULE) == []


def test_drill_ending_as_the_meeting_starts_passes(findings):
    assert findings(drill("2027-01-05T06:30"), rule=RULE) == []


def test_explicit_participants_name_who_clashes(findings):
    found = findings(drill("2027-01-05T10:00", "participants: [health, city-gov]"),
                     rule=RULE)
    assert [place(f) for f in found] == [("plans/meeting.yaml", 8, 10, "warning", RULE)]
    assert found[0].message.endswith("for health")


def test_explicit_participants_not_at_the_meeting_pass(findings):
    assert findings(drill("2027-01-05T10:00", "participants: [city-gov]"),
                    rule=RULE) == []


def test_empty_participants_pass(findings):
    assert findings(drill("2027-01-05T10:00", "participants: []"), rule=RULE) == []


def test_cancelled_drill_is_ignored(findings):
    files = drill("2027-01-05T10:00")
    files["plans/drill.yaml"] = files["plans/drill.yaml"].replace("status: planned",
                                                                  "status: cancelled")
    assert findings(files, rule=RULE) == []


def test_skipped_occurrence_does_not_clash(findings):
    files = drill("2027-02-02T10:00")
    assert [f.rule for f in findings(files, rule=RULE)] == [RULE]
    files["plans/meeting.yaml"] = MEETING.replace("except: [2027-10-05]",
                                                  "except: [2027-02-02, 2027-10-05]")
    assert findings(files, rule=RULE) == []


def test_later_occurrence_of_a_repeating_meeting_clashes(findings):
    found = findings(drill("2027-06-01T09:00"), rule=RULE)
    assert [place(f) for f in found] == [("plans/meeting.yaml", 8, 10, "warning", RULE)]
    assert "2027-06-01 09:30" in found[0].message


def test_two_meetings_clash_once_at_the_later_one(findings):
    weekly = """\
        kind: meeting
        id: weekly
        title: 周例会
        convenor: city-gov
        members: [police]
        schedule: {start: 2027-01-05T11:00, duration: 1h, repeat: FREQ=WEEKLY;BYDAY=TU}
        """
    found = findings({"plans/weekly.yaml": weekly}, rule=RULE)
    # Every first Tuesday clashes; the pair is reported once.
    assert [place(f) for f in found] == [("plans/weekly.yaml", 6, 19, "warning", RULE)]
    assert "meeting 'weekly' overlaps meeting 'analysis'" in found[0].message
    assert "2027-01-05 11:00" in found[0].message
    assert found[0].message.endswith("for police")


def test_convenor_is_expected_at_the_meeting(findings):
    other = """\
        kind: meeting
        id: health-board
        title: 卫生例会
        convenor: health
        schedule: {start: 2027-01-05T09:00, duration: 1h}
        """
    found = findings({"plans/other.yaml": other}, rule=RULE)
    assert [place(f) for f in found] == [("plans/other.yaml", 5, 19, "warning", RULE)]
    assert found[0].message.endswith("for health")


def test_meetings_of_different_departments_pass(findings):
    other = """\
        kind: meeting
        id: gov-board
        title: 政府常务会
        convenor: city-gov
        schedule: {start: 2027-01-05T09:00, duration: 3h}
        """
    assert findings({"plans/other.yaml": other}, rule=RULE) == []


def test_past_overlaps_are_not_reported(findings):
    past = """\
        kind: drill
        id: old-drill
        title: 旧演练
        plan: major-incident
        type: drill
        schedule: {start: 2026-06-01T09:00, duration: 3h}
        status: done
        ---
        kind: drill
        id: old-drill-2
        title: 旧演练二
        plan: major-incident
        type: drill
        schedule: {start: 2026-06-01T10:00, duration: 3h}
        status: done
        """
    assert findings({"plans/old.yaml": past}, rule=RULE) == []
    future = past.replace("2026-06-01", "2027-06-02").replace("status: done",
                                                              "status: planned")
    found = findings({"plans/old.yaml": future}, rule=RULE)
    assert [place(f) for f in found] == [("plans/old.yaml", 14, 19, "warning", RULE)]
    assert "drill 'old-drill-2' overlaps drill 'old-drill'" in found[0].message
