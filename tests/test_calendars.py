"""Calendar feeds: ``coordctl calendar`` and coordctl.calendars (RFC 5545, 7986).

Feeds are parsed back with icalendar and expanded with recurring-ical-events, and the
occurrences are compared with dates written out by hand and with coordctl's own
expansion (``Workspace.occurrences``). Without git, DTSTAMP comes from the files' mtimes,
which the tests pin with ``os.utime``; SEQUENCE is tested in real git repositories.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from click.testing import CliRunner, Result
from conftest import BASE, REPO, SETTINGS, TODAY, write_workspace
from gitrepo import FIRST_DATE, GitRepo, invoke, one_line_error, repo_factory
from golden import assert_golden

from coordctl.calendars import PRODID, Feeds, feed, vtimezone, write_feeds
from coordctl.cli import cli
from coordctl.workspace import load

#: Files written without git get this mtime: DTSTAMP and LAST-MODIFIED in the goldens.
PINNED = dt.datetime(2026, 11, 20, 8, 0, 0, tzinfo=dt.timezone.utc)
PINNED_STAMP = "20261120T080000Z"
UTC = dt.timezone.utc
BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
SENTINEL = "SENTINEL"

SETTINGS_BERLIN = SETTINGS.replace("Asia/Shanghai", "Europe/Berlin")
SETTINGS_FULL = SETTINGS.replace(
    "  reminders: [P1D]\n",
    "  site_url: https://coord.test.example/\n  reminders: [P1D, PT1H]\n")
SETTINGS_NO_DOMAIN = SETTINGS.replace("  domain: coord.test.example\n", "")


# --- helpers --------------------------------------------------------------------------

def pin_mtimes(root: Path, when: dt.datetime = PINNED) -> Path:
    """Give every file of the workspace the same mtime (DTSTAMP without git)."""
    stamp = when.timestamp()
    for path in root.rglob("*"):
        if path.is_file():
            os.utime(path, (stamp, stamp))
    return root


def workspace(tmp_path: Path, files: dict[str, str | None] | None = None,
              settings: str = SETTINGS, base: bool = True, name: str = "ws") -> Path:
    """BASE (or nothing) plus ``files``, written under ``tmp_path/name``, mtimes pinned."""
    merged: dict[str, str | None] = dict(BASE) if base else {}
    merged.update(files or {})
    return pin_mtimes(write_workspace(tmp_path / name, merged, settings))


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), "--today", TODAY.isoformat(), *args])


def calendar_bytes(root: Path, *args: str) -> bytes:
    result = run(root, "calendar", *args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout_bytes


def parse(data: bytes) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(data)


def vevents(data: bytes) -> dict[str, icalendar.Event]:
    """UID -> VEVENT of a feed."""
    return {str(e["UID"]): e for e in parse(data).walk("VEVENT")}


def uids(data: bytes) -> set[str]:
    return set(vevents(data))


def unfolded(data: bytes) -> list[str]:
    """The content lines, unfolded (RFC 5545 §3.1)."""
    return data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def prop(data: bytes, uid: str, name: str) -> str:
    """The unfolded content line ``NAME...`` of the VEVENT ``uid`` (first match)."""
    lines = unfolded(data)
    start = lines.index(f"UID:{uid}")
    begin = max(i for i in range(start) if lines[i] == "BEGIN:VEVENT")
    end = lines.index("END:VEVENT", start)
    found = [line for line in lines[begin:end] if re.match(rf"{name}[;:]", line)]
    assert found, f"no {name} in {uid}"
    return found[0]


def expanded(data: bytes, uid: str, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Start times of the occurrences of ``uid`` that recurring-ical-events finds."""
    cal = parse(data)
    found = [e["DTSTART"].dt for e in recurring_ical_events.of(cal).between(start, end)
             if str(e["UID"]) == uid]
    return sorted(found)


def walls(moments: list[dt.datetime]) -> list[tuple[str, dt.timedelta | None]]:
    """Wall-clock time and UTC offset of each moment: both must match."""
    return [(m.strftime("%Y-%m-%d %H:%M"), m.utcoffset()) for m in moments]


def meeting(ident: str, start: str, repeat: str | None = None, except_: str = "[]",
            members: str = "[health]", convenor: str = "police", extra: str = "") -> str:
    rule = f', repeat: "{repeat}"' if repeat else ""
    return textwrap.dedent(f"""\
        kind: meeting
        id: {ident}
        title: 会议 {ident}
        type: coordination
        convenor: {convenor}
        members: {members}
        schedule: {{start: {start}, duration: 1h{rule}, except: {except_}}}
        """) + textwrap.dedent(extra)


# --- golden feeds of the BASE workspace -------------------------------------------------

@pytest.mark.parametrize(("name", "args"), [
    ("base-all.ics", ()),
    ("base-police.ics", ("--department", "police")),
    ("base-health-drills.ics", ("--department", "health", "--kind", "drill")),
    ("base-city-gov.ics", ("--department", "city-gov")),
    ("base-all-en.ics", ("--locale", "en")),
])
def test_golden_feeds_of_the_base_workspace(tmp_path: Path, name: str, args: tuple[str, ...]
                                            ) -> None:
    root = workspace(tmp_path)
    if args[:1] == ("--locale",):
        data = CliRunner().invoke(cli, ["-C", str(root), *args, "calendar"]).stdout_bytes
    else:
        data = calendar_bytes(root, *args)
    assert_golden(f"calendar/{name}", data)


def test_dtstamp_without_git_is_the_files_mtime(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    later = dt.datetime(2026, 11, 25, 1, 2, 3, tzinfo=dt.timezone.utc)
    os.utime(root / "plans/drill.yaml", (later.timestamp(), later.timestamp()))
    data = calendar_bytes(root)
    drill, series = "drill-tabletop-2027@coord.test.example", "meeting-analysis@coord.test.example"
    assert prop(data, drill, "DTSTAMP") == "DTSTAMP:20261125T010203Z"
    assert prop(data, drill, "LAST-MODIFIED") == "LAST-MODIFIED:20261125T010203Z"
    assert prop(data, series, "DTSTAMP") == f"DTSTAMP:{PINNED_STAMP}"
    assert prop(data, drill, "SEQUENCE") == "SEQUENCE:0"


# --- determinism and the octets on the wire ---------------------------------------------

def test_same_workspace_gives_byte_identical_feeds(tmp_path: Path) -> None:
    root = workspace(tmp_path, settings=SETTINGS_FULL)
    first = calendar_bytes(root)
    assert calendar_bytes(root) == first
    out = tmp_path / "feed.ics"
    assert run(root, "calendar", "-o", str(out)).exit_code == 0
    assert out.read_bytes() == first
    # A second copy of the same files (same mtimes) in another folder: the same bytes.
    other = workspace(tmp_path, settings=SETTINGS_FULL, name="copy")
    assert calendar_bytes(other) == first


def test_feeds_do_not_depend_on_hash_seed_or_process(tmp_path: Path) -> None:
    root = workspace(tmp_path, settings=SETTINGS_FULL)
    outputs = []
    for seed in ("1", "2"):
        done = subprocess.run([sys.executable, "-m", "coordctl", "-C", str(root), "calendar"],
                              capture_output=True, env={**os.environ, "PYTHONHASHSEED": seed},
                              check=True)
        outputs.append(done.stdout)
    assert outputs[0] == outputs[1] == calendar_bytes(root)


LONG_TITLE = "x" + "社会治安重点地区排查整治" * 12 + "é🙂" * 9


@pytest.mark.parametrize("pad", range(4))
def test_lines_end_in_crlf_fold_at_75_octets_and_never_split_a_character(
        tmp_path: Path, pad: int) -> None:
    title = "a" * pad + LONG_TITLE
    root = workspace(tmp_path, {"plans/drill.yaml": f"""\
        kind: drill
        id: tabletop-2027
        title: '{title}'
        plan: major-incident
        type: tabletop
        objectives: ['{"演练目标" * 30}']
        schedule: {{start: 2027-03-10T09:00, duration: 3h}}
        location: '{"会议室" * 20}'
        """}, settings=SETTINGS_FULL)
    data = calendar_bytes(root)
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    assert b"\r" not in data.replace(b"\r\n", b"")
    lines = data.split(b"\r\n")[:-1]
    for line in lines:
        assert len(line) <= 75, line
        line.decode("utf-8")  # a folded line never ends or starts inside a character
    assert any(line.startswith(b" ") for line in lines)  # something was folded
    event = vevents(data)["drill-tabletop-2027@coord.test.example"]
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == "会议室" * 20
    assert "演练目标" * 30 in str(event["DESCRIPTION"])


def test_text_escaping_round_trips(tmp_path: Path) -> None:
    title = r"Commas, semicolons; back\slash"
    root = workspace(tmp_path, {"plans/drill.yaml": r"""
        kind: drill
        id: tabletop-2027
        title: 'Commas, semicolons; back\slash'
        plan: major-incident
        type: tabletop
        objectives: ["one, two; three", "line one\nline two", 'C:\temp\n']
        schedule: {start: 2027-03-10T09:00, duration: 3h}
        location: "Hall 3, room 2; door \\ east\nsecond line"
        """}, settings=SETTINGS_FULL)
    data = calendar_bytes(root)
    uid = "drill-tabletop-2027@coord.test.example"
    event = vevents(data)[uid]
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == "Hall 3, room 2; door \\ east\nsecond line"
    description = str(event["DESCRIPTION"])
    for objective in ("one, two; three", "line one\nline two", "C:\\temp\\n"):
        assert objective in description
    assert prop(data, uid, "SUMMARY") == r"SUMMARY:Commas\, semicolons\; back\\slash"
    assert prop(data, uid, "LOCATION") == r"LOCATION:Hall 3\, room 2\; door \\ east\nsecond line"
    assert r"one\, two\; three" in prop(data, uid, "DESCRIPTION")
    assert r"C:\\temp\\n" in prop(data, uid, "DESCRIPTION")


# --- calendar and event properties -----------------------------------------------------

def test_calendar_properties(tmp_path: Path) -> None:
    data = calendar_bytes(workspace(tmp_path, settings=SETTINGS_FULL))
    lines = unfolded(data)
    header = lines[:lines.index("BEGIN:VTIMEZONE")]
    assert header[0] == "BEGIN:VCALENDAR"
    for line in ("VERSION:2.0", f"PRODID:{PRODID}", "METHOD:PUBLISH", "CALSCALE:GREGORIAN",
                 "NAME:测试市", "X-WR-CALNAME:测试市", "X-WR-TIMEZONE:Asia/Shanghai",
                 "REFRESH-INTERVAL;VALUE=DURATION:PT6H", "X-PUBLISHED-TTL:PT6H"):
        assert line in header
    assert PRODID == "-//coordctl//coordctl calendar feed//EN"
    assert not [line for line in header if line.startswith("UID")]  # no random calendar UID
    cal = parse(data)
    assert cal["REFRESH-INTERVAL"].dt == dt.timedelta(hours=6)
    assert icalendar.vDuration.from_ical(str(cal["X-PUBLISHED-TTL"])) == dt.timedelta(hours=6)


def test_department_feed_is_named_after_the_department(tmp_path: Path) -> None:
    data = calendar_bytes(workspace(tmp_path), "--department", "police")
    assert str(parse(data)["NAME"]) == "测试市 — 市公安局"
    assert str(parse(data)["X-WR-CALNAME"]) == "测试市 — 市公安局"


def test_a_workspace_name_with_line_breaks_is_escaped(tmp_path: Path) -> None:
    # Found by fuzzing: a line break in the name made icalendar refuse the feed's header.
    settings = SETTINGS.replace("name: {zh-CN: 测试市, en: Test City}",
                                'name: "测试市\\nBEGIN:VEVENT; a, b"')
    data = calendar_bytes(workspace(tmp_path, settings=settings))
    assert "NAME:测试市\\nBEGIN:VEVENT\\; a\\, b" in unfolded(data)
    assert "X-WR-CALNAME:测试市\\nBEGIN:VEVENT\\; a\\, b" in unfolded(data)
    assert unfolded(data).count("BEGIN:VEVENT") == 2  # the drill and the meeting only


def test_every_tzid_has_a_vtimezone_and_exdate_uses_the_start_zone(tmp_path: Path) -> None:
    data = calendar_bytes(workspace(tmp_path, settings=SETTINGS_BERLIN))
    lines = unfolded(data)
    used = {m for line in lines for m in re.findall(r";TZID=([^;:]+)", line)}
    defined = {line.removeprefix("TZID:") for line in lines if line.startswith("TZID:")}
    assert used == defined == {"Europe/Berlin"}
    uid = "meeting-analysis@coord.test.example"
    assert prop(data, uid, "DTSTART") == "DTSTART;TZID=Europe/Berlin:20270105T093000"
    assert prop(data, uid, "DTEND") == "DTEND;TZID=Europe/Berlin:20270105T113000"
    assert prop(data, uid, "EXDATE") == "EXDATE;TZID=Europe/Berlin:20271005T093000"
    # The zone has both halves of daylight saving time, as yearly rules (no RDATE lists).
    zone = next(iter(parse(data).walk("VTIMEZONE")))
    assert {c.name for c in zone.subcomponents} == {"STANDARD", "DAYLIGHT"}
    assert vtimezone("Europe/Berlin") in data
    assert b"RDATE" not in data


def test_event_properties(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"plans/drill.yaml": """\
        kind: drill
        id: tabletop-2027
        title: {zh-CN: 桌面推演, en: Tabletop exercise}
        plan: major-incident
        type: tabletop
        objectives: [检验通信联络, 熟悉处置流程]
        schedule: {start: 2027-03-10T09:00, duration: 3h}
        location: 市政府会议室
        """, "plans/meeting.yaml": textwrap.dedent(BASE["plans/meeting.yaml"]).replace(
        "convenor: police", "convenor: health").replace("members: [health]",
                                                        "members: [police]")
        + "location: 市委三楼\n",
        "plans/departments.yaml": textwrap.dedent(BASE["plans/departments.yaml"]).replace(
            "id: health\n", "id: health\nemail: office@health.example\n")},
        settings=SETTINGS_FULL)
    data = calendar_bytes(root)
    events = vevents(data)
    drill = events["drill-tabletop-2027@coord.test.example"]
    series = events["meeting-analysis@coord.test.example"]
    assert set(events) == {"drill-tabletop-2027@coord.test.example",
                           "meeting-analysis@coord.test.example"}

    assert drill["DTSTART"].dt == dt.datetime(2027, 3, 10, 9, 0, tzinfo=SHANGHAI)
    assert drill["DTEND"].dt == dt.datetime(2027, 3, 10, 12, 0, tzinfo=SHANGHAI)
    assert str(drill["SUMMARY"]) == "桌面推演"
    assert str(drill["LOCATION"]) == "市政府会议室"
    assert drill["CATEGORIES"].cats == ["tabletop"]
    assert str(drill["STATUS"]) == "CONFIRMED"
    assert drill["SEQUENCE"] == 0
    assert "RRULE" not in drill and "EXDATE" not in drill
    assert drill["DTSTAMP"].dt == PINNED == drill["LAST-MODIFIED"].dt
    # ORGANIZER: the plan owner's department e-mail (police owns major-incident).
    assert str(drill["ORGANIZER"]) == "mailto:duty@police.example"
    assert drill["ORGANIZER"].params["CN"] == "市公安局"
    description = str(drill["DESCRIPTION"])
    for text in ("重大案件处置预案", "检验通信联络", "熟悉处置流程", "市公安局", "市卫健委",
                 "https://coord.test.example/drills/tabletop-2027.html"):
        assert text in description
    assert "<" not in description and "**" not in description  # plain text
    assert str(drill["URL"]) == "https://coord.test.example/drills/tabletop-2027.html"
    alarms = [c for c in drill.subcomponents if c.name == "VALARM"]
    assert [a["TRIGGER"].dt for a in alarms] == [-dt.timedelta(days=1), -dt.timedelta(hours=1)]
    assert all(str(a["ACTION"]) == "DISPLAY" and str(a["DESCRIPTION"]) for a in alarms)

    assert str(series["ORGANIZER"]) == "mailto:office@health.example"  # the convenor
    assert series["CATEGORIES"].cats == ["joint"]
    assert str(series["LOCATION"]) == "市委三楼"
    assert prop(data, "meeting-analysis@coord.test.example", "RRULE") == \
        "RRULE:FREQ=MONTHLY;BYDAY=1TU"
    description = str(series["DESCRIPTION"])
    for text in ("市卫健委", "市公安局", "1. 形势通报", "20",
                 "https://coord.test.example/meetings/analysis.html"):
        assert text in description


def test_english_feed(tmp_path: Path) -> None:
    root = workspace(tmp_path, settings=SETTINGS_FULL)
    data = CliRunner().invoke(cli, ["-C", str(root), "--locale", "en", "calendar"]).stdout_bytes
    drill = vevents(data)["drill-tabletop-2027@coord.test.example"]
    assert "Major incident plan" in str(drill["DESCRIPTION"])
    assert "Public Security Bureau" in str(drill["DESCRIPTION"])
    assert str(parse(data)["NAME"]) == "Test City"


def test_cancelled_drill_stays_in_the_feed_as_cancelled(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"plans/drill.yaml": textwrap.dedent(
        BASE["plans/drill.yaml"]).replace("status: planned", "status: cancelled")})
    for args in ((), ("--department", "health"), ("--kind", "drill")):
        event = vevents(calendar_bytes(root, *args))["drill-tabletop-2027@coord.test.example"]
        assert str(event["STATUS"]) == "CANCELLED"
    series = vevents(calendar_bytes(root))["meeting-analysis@coord.test.example"]
    assert str(series["STATUS"]) == "CONFIRMED"


def test_feeds_never_carry_contacts(tmp_path: Path) -> None:
    departments = textwrap.dedent(BASE["plans/departments.yaml"]).replace(
        "{role: 值班室, name: 王某, phone: \"0771-5550001\", always: true}",
        f"{{role: {SENTINEL}-role, name: {SENTINEL}-王某, phone: \"0771-{SENTINEL}\", "
        "always: true}")
    root = workspace(tmp_path, {"plans/departments.yaml": departments},
                     settings=SETTINGS_FULL)
    assert SENTINEL in (root / "plans/departments.yaml").read_text(encoding="utf-8")
    for audience in ("public", "internal"):
        for args in ((), ("--department", "police"), ("--department", "health")):
            result = CliRunner().invoke(cli, ["-C", str(root), "--audience", audience,
                                              "calendar", *args])
            assert result.exit_code == 0
            assert SENTINEL.encode() not in result.stdout_bytes
            assert "王某".encode() not in result.stdout_bytes


# --- which events go into which feed --------------------------------------------------

CITY = {
    "plans/departments.yaml": textwrap.dedent(BASE["plans/departments.yaml"]) + textwrap.dedent("""\
        ---
        kind: department
        id: fire
        name: 市消防救援支队
        email: duty@fire.example
        contacts: [{role: 值班室, phone: "119", always: true}]
        ---
        kind: department
        id: archive
        name: 市档案馆
        exempt: 不参与应急处置
        """),
    "plans/fire.yaml": """\
        kind: plan
        id: fire-plan
        title: 火灾扑救预案
        owner: fire
        phases: [{id: attack, name: 灭火}]
        duties:
          - {id: attack, task: 灭火, phase: attack, accountable: fire, consulted: [police]}
        """,
    "plans/fire-drills.yaml": """\
        kind: drill
        id: fire-drill
        title: 消防联合演练
        plan: fire-plan
        type: functional
        participants: [fire, health]
        schedule: {start: 2027-04-12T09:00, duration: 2h}
        ---
        kind: drill
        id: fire-2028
        title: 消防实战演练
        plan: fire-plan
        type: full-scale
        schedule: {start: 2028-04-12T09:00, duration: 2h}
        status: cancelled
        """,
    "plans/fire-meeting.yaml": """\
        kind: meeting
        id: fire-liaison
        title: 消防联络会
        convenor: fire
        schedule: {start: 2027-02-01T15:00, duration: 1h, repeat: FREQ=MONTHLY;BYMONTHDAY=1}
        """,
}

DEPARTMENT_EVENTS = {
    # convenes analysis; holds duties in major-incident (tabletop has no participants);
    # only consulted in fire-plan, so not in fire-2028.
    "police": {"meeting-analysis", "drill-tabletop-2027"},
    "health": {"meeting-analysis", "drill-tabletop-2027", "drill-fire-drill"},
    "fire": {"meeting-fire-liaison", "drill-fire-drill", "drill-fire-2028"},
    "city-gov": set(),  # only informed: attends nothing
    "archive": set(),
}


def _ids(data: bytes) -> set[str]:
    return {uid.removesuffix("@coord.test.example") for uid in uids(data)}


@pytest.mark.parametrize("department", sorted(DEPARTMENT_EVENTS))
def test_department_feed_holds_exactly_its_events(tmp_path: Path, department: str) -> None:
    root = workspace(tmp_path, CITY)
    assert _ids(calendar_bytes(root, "--department", department)) == \
        DEPARTMENT_EVENTS[department]
    assert _ids(calendar_bytes(root, "--department", department, "--kind", "drill")) == \
        {e for e in DEPARTMENT_EVENTS[department] if e.startswith("drill-")}
    assert _ids(calendar_bytes(root, "--department", department, "--kind", "meeting")) == \
        {e for e in DEPARTMENT_EVENTS[department] if e.startswith("meeting-")}


def test_whole_feed_and_kind_filter(tmp_path: Path) -> None:
    root = workspace(tmp_path, CITY)
    everything = set().union(*DEPARTMENT_EVENTS.values())
    assert _ids(calendar_bytes(root)) == everything
    assert _ids(calendar_bytes(root, "--kind", "drill")) == \
        {"drill-tabletop-2027", "drill-fire-drill", "drill-fire-2028"}
    assert _ids(calendar_bytes(root, "--kind", "meeting")) == \
        {"meeting-analysis", "meeting-fire-liaison"}
    fire_2028 = vevents(calendar_bytes(root))["drill-fire-2028@coord.test.example"]
    assert str(fire_2028["ORGANIZER"]) == "mailto:duty@fire.example"  # the plan owner
    assert "市消防救援支队" in str(fire_2028["DESCRIPTION"])
    assert "市公安局" not in str(fire_2028["DESCRIPTION"])
    result = run(root, "calendar", "--kind", "action")
    assert result.exit_code == 2


@pytest.mark.parametrize("department", ["city-gov", "archive"])
def test_feed_of_a_department_that_attends_nothing_is_a_valid_empty_calendar(
        tmp_path: Path, department: str) -> None:
    data = calendar_bytes(workspace(tmp_path, CITY), "--department", department)
    cal = parse(data)
    assert cal.name == "VCALENDAR"
    # No event, but the workspace's VTIMEZONE: RFC 5545 wants one component at least.
    assert [c.name for c in cal.subcomponents] == ["VTIMEZONE"]
    assert not cal.walk("VEVENT")
    lines = unfolded(data)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    assert "METHOD:PUBLISH" in lines and "VERSION:2.0" in lines and f"PRODID:{PRODID}" in lines
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT6H" in lines
    assert data.endswith(b"END:VCALENDAR\r\n")
    assert expanded(data, "x", dt.datetime(2026, 1, 1), dt.datetime(2030, 1, 1)) == []


def test_written_feeds_match_the_command(tmp_path: Path) -> None:
    root = workspace(tmp_path, CITY)
    written = write_feeds(load(root, today=TODAY), "zh-CN", tmp_path / "out")
    assert [p.name for p in written] == ["all.ics", "archive.ics", "city-gov.ics",
                                         "fire.ics", "health.ics", "police.ics"]
    assert (tmp_path / "out/all.ics").read_bytes() == calendar_bytes(root)
    for department in DEPARTMENT_EVENTS:
        assert (tmp_path / f"out/{department}.ics").read_bytes() == \
            calendar_bytes(root, "--department", department)


def test_one_feeds_object_serves_every_department(tmp_path: Path) -> None:
    ws = load(workspace(tmp_path, CITY), today=TODAY)
    feeds = Feeds(ws, "zh-CN")
    for department in DEPARTMENT_EVENTS:
        assert feeds.feed(department) == feed(ws, "zh-CN", department=department)


# --- errors ---------------------------------------------------------------------------

def test_unknown_department_exits_2(tmp_path: Path) -> None:
    message = one_line_error(run(workspace(tmp_path), "calendar", "--department", "polic"))
    assert "polic" in message and "police" in message


def test_missing_calendar_domain_exits_2_with_a_clear_message(tmp_path: Path) -> None:
    root = workspace(tmp_path, settings=SETTINGS_NO_DOMAIN)
    message = one_line_error(run(root, "calendar"))
    assert "calendar.domain" in message and "coordctl.yaml" in message
    assert not (tmp_path / "out.ics").exists()
    one_line_error(run(root, "calendar", "-o", str(tmp_path / "out.ics")))
    assert not (tmp_path / "out.ics").exists()


def test_feed_of_a_workspace_without_events(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"plans/drill.yaml": None, "plans/meeting.yaml": None})
    data = calendar_bytes(root)
    assert [c.name for c in parse(data).subcomponents] == ["VTIMEZONE"]
    assert b"VEVENT" not in data


# --- repeats: expansion against dates written by hand ----------------------------------

REPEATS = {
    # first Tuesday, February skipped; Berlin switches to summer time on 2027-03-28
    "monthly": meeting("monthly", "2027-01-05T09:30", "FREQ=MONTHLY;BYDAY=1TU",
                       "[2027-02-02]"),
    # the last Thursday of every third month
    "quarterly": meeting("quarterly", "2027-01-28T14:30", "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1TH"),
    # four Mondays across the spring switch
    "count": meeting("count", "2027-03-15T10:00", "FREQ=WEEKLY;COUNT=4"),
    # daily up to a date (inclusive, local), across the autumn switch on 2027-10-31
    "until-date": meeting("until-date", "2027-10-29T09:00", "FREQ=DAILY;UNTIL=20271031"),
    # weekly up to a UTC instant that is exactly the third occurrence (inclusive)
    "until-utc": meeting("until-utc", "2027-03-22T09:00", "FREQ=WEEKLY;UNTIL=20270405T070000Z"),
    # weekly up to a local (floating) date-time
    "until-local": meeting("until-local", "2027-03-22T09:00",
                           "FREQ=WEEKLY;UNTIL=20270405T090000"),
    # two a day; skipping a date skips both
    "twice": meeting("twice", "2027-03-01T09:00", "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9,15;COUNT=6",
                     "[2027-03-08]"),
}


def _berlin(*moments: tuple[int, int, int, int, int]) -> list[dt.datetime]:
    return [dt.datetime(*m, tzinfo=BERLIN) for m in moments]


EXPECTED = {
    "monthly": (dt.datetime(2027, 1, 1), dt.datetime(2027, 7, 1), _berlin(
        (2027, 1, 5, 9, 30), (2027, 3, 2, 9, 30), (2027, 4, 6, 9, 30), (2027, 5, 4, 9, 30),
        (2027, 6, 1, 9, 30))),
    "quarterly": (dt.datetime(2027, 1, 1), dt.datetime(2028, 2, 1), _berlin(
        (2027, 1, 28, 14, 30), (2027, 4, 29, 14, 30), (2027, 7, 29, 14, 30),
        (2027, 10, 28, 14, 30), (2028, 1, 27, 14, 30))),
    "count": (dt.datetime(2027, 1, 1), dt.datetime(2029, 1, 1), _berlin(
        (2027, 3, 15, 10, 0), (2027, 3, 22, 10, 0), (2027, 3, 29, 10, 0), (2027, 4, 5, 10, 0))),
    "until-date": (dt.datetime(2027, 1, 1), dt.datetime(2029, 1, 1), _berlin(
        (2027, 10, 29, 9, 0), (2027, 10, 30, 9, 0), (2027, 10, 31, 9, 0))),
    "until-utc": (dt.datetime(2027, 1, 1), dt.datetime(2029, 1, 1), _berlin(
        (2027, 3, 22, 9, 0), (2027, 3, 29, 9, 0), (2027, 4, 5, 9, 0))),
    "until-local": (dt.datetime(2027, 1, 1), dt.datetime(2029, 1, 1), _berlin(
        (2027, 3, 22, 9, 0), (2027, 3, 29, 9, 0), (2027, 4, 5, 9, 0))),
    "twice": (dt.datetime(2027, 1, 1), dt.datetime(2029, 1, 1), _berlin(
        (2027, 3, 1, 9, 0), (2027, 3, 1, 15, 0), (2027, 3, 15, 9, 0), (2027, 3, 15, 15, 0))),
}


@pytest.fixture
def repeats(tmp_path: Path) -> tuple[Path, bytes]:
    root = workspace(tmp_path, {f"plans/{k}.yaml": v for k, v in REPEATS.items()},
                     settings=SETTINGS_BERLIN)
    return root, calendar_bytes(root, "--kind", "meeting")


@pytest.mark.parametrize("ident", sorted(EXPECTED))
def test_repeats_expand_to_the_expected_dates(repeats: tuple[Path, bytes], ident: str) -> None:
    root, data = repeats
    start, end, expected = EXPECTED[ident]
    uid = f"meeting-{ident}@coord.test.example"
    theirs = expanded(data, uid, start.replace(tzinfo=BERLIN), end.replace(tzinfo=BERLIN))
    assert walls(theirs) == walls(expected)
    assert [m.astimezone(dt.timezone.utc) for m in theirs] == \
        [m.astimezone(dt.timezone.utc) for m in expected]
    ws = load(root, today=TODAY)
    mine = [o.start for o in ws.occurrences(ws.meetings[ident].schedule, start, end)]
    assert walls(mine) == walls(expected)


def test_daylight_saving_moves_the_utc_time_not_the_wall_clock(repeats: tuple[Path, bytes]
                                                               ) -> None:
    _, data = repeats
    theirs = expanded(data, "meeting-count@coord.test.example",
                      dt.datetime(2027, 1, 1, tzinfo=BERLIN),
                      dt.datetime(2028, 1, 1, tzinfo=BERLIN))
    assert [m.astimezone(dt.timezone.utc).hour for m in theirs] == [9, 9, 8, 8]


@pytest.mark.parametrize(("ident", "rule"), [
    ("monthly", "RRULE:FREQ=MONTHLY;BYDAY=1TU"),
    ("quarterly", "RRULE:FREQ=MONTHLY;INTERVAL=3;BYDAY=-1TH"),
    ("count", "RRULE:FREQ=WEEKLY;COUNT=4"),
    # a date: to the end of that day in Berlin (CET again after the switch), in UTC
    ("until-date", "RRULE:FREQ=DAILY;UNTIL=20271031T225959Z"),
    ("until-utc", "RRULE:FREQ=WEEKLY;UNTIL=20270405T070000Z"),
    ("until-local", "RRULE:FREQ=WEEKLY;UNTIL=20270405T070000Z"),
])
def test_rrule_is_written_with_until_in_utc(repeats: tuple[Path, bytes], ident: str,
                                            rule: str) -> None:
    _, data = repeats
    assert prop(data, f"meeting-{ident}@coord.test.example", "RRULE") == rule


def test_exdate_lists_every_occurrence_of_a_skipped_date(repeats: tuple[Path, bytes]) -> None:
    _, data = repeats
    assert prop(data, "meeting-monthly@coord.test.example", "EXDATE") == \
        "EXDATE;TZID=Europe/Berlin:20270202T093000"
    assert prop(data, "meeting-twice@coord.test.example", "EXDATE") == \
        "EXDATE;TZID=Europe/Berlin:20270308T090000,20270308T150000"


def test_clients_that_ignore_iana_names_read_the_vtimezone_right(repeats: tuple[Path, bytes]
                                                                  ) -> None:
    """With the TZID renamed to one no zone database knows, icalendar builds the zone from
    the VTIMEZONE alone, as Outlook does: the same instants."""
    _, data = repeats
    renamed = data
    for prefix in (b"TZID=", b"TZID:", b"X-LIC-LOCATION:"):
        renamed = renamed.replace(prefix + b"Europe/Berlin", prefix + b"Custom Berlin")
    assert renamed.count(b"Europe/Berlin") == 1  # X-WR-TIMEZONE
    for ident, (start, end, expected) in EXPECTED.items():
        uid = f"meeting-{ident}@coord.test.example"
        theirs = expanded(renamed, uid, start.replace(tzinfo=dt.timezone.utc),
                          end.replace(tzinfo=dt.timezone.utc))
        assert [m.astimezone(dt.timezone.utc) for m in theirs] == \
            [m.astimezone(dt.timezone.utc) for m in expected], ident


def _observances(zone: icalendar.Timezone
                 ) -> list[tuple[dt.datetime, dt.timedelta, dt.timedelta]]:
    """(UTC instant, offset before, offset after) of every onset of ``zone``, read as
    RFC 5545 says: the DTSTART (and RRULE) local times are in the TZOFFSETFROM offset."""
    from dateutil import rrule

    onsets = []
    for part in zone.subcomponents:
        start = part["DTSTART"].dt
        before, after = part["TZOFFSETFROM"].td, part["TZOFFSETTO"].td
        assert "RDATE" not in part  # Outlook misreads RDATE lists
        times = [start]
        if "RRULE" in part:
            times = rrule.rrulestr(part["RRULE"].to_ical().decode(), dtstart=start).between(
                start, dt.datetime(2041, 1, 1), inc=True)
        onsets += [((t - before).replace(tzinfo=dt.timezone.utc), before, after)
                   for t in times]
    return sorted(onsets)


@pytest.mark.parametrize("name", [
    "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Shanghai", "UTC",
    "Europe/Dublin", "America/Sao_Paulo", "Africa/Casablanca", "Australia/Lord_Howe",
    "Pacific/Apia", "Asia/Tehran", "Europe/Moscow"])
def test_vtimezone_gives_the_zone_offsets_from_2000_to_2040(name: str) -> None:
    text = b"BEGIN:VCALENDAR\r\n" + vtimezone(name) + b"END:VCALENDAR\r\n"
    zone = next(iter(parse(text).walk("VTIMEZONE")))
    assert str(zone["TZID"]) == name
    onsets = _observances(zone)
    reference = ZoneInfo(name)
    first = dt.datetime(2000, 1, 2, tzinfo=dt.timezone.utc)
    probes = [first + dt.timedelta(days=d) for d in range(0, 40 * 366, 5)]
    probes += [when + dt.timedelta(seconds=s) for when, *_ in onsets
               for s in (-3600, -1, 0, 3600)]
    for probe in sorted(p for p in probes if first <= p < dt.datetime(2040, 1, 1, tzinfo=UTC)):
        offset = next((after for when, _, after in reversed(onsets) if when <= probe),
                      onsets[0][1])  # before the first onset: the offset it changes from
        assert offset == probe.astimezone(reference).utcoffset(), probe


def test_vtimezone_of_a_zone_with_daylight_saving_is_two_yearly_rules() -> None:
    assert vtimezone("Europe/Berlin").decode().split("\r\n") == [
        "BEGIN:VTIMEZONE", "TZID:Europe/Berlin", "X-LIC-LOCATION:Europe/Berlin",
        "BEGIN:DAYLIGHT", "DTSTART:20000326T020000", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3",
        "TZNAME:CEST", "TZOFFSETFROM:+0100", "TZOFFSETTO:+0200", "END:DAYLIGHT",
        "BEGIN:STANDARD", "DTSTART:20001029T030000", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10",
        "TZNAME:CET", "TZOFFSETFROM:+0200", "TZOFFSETTO:+0100", "END:STANDARD",
        "END:VTIMEZONE", ""]
    new_york = vtimezone("America/New_York").decode()
    assert "RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3" in new_york  # since 2007
    assert "RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11" in new_york
    assert "DTSTART:20070311T020000" in new_york
    assert "DTSTART:20061029T020000" in new_york  # the old rule, one onset at a time


ZONES = ["Asia/Shanghai", "Europe/Berlin", "America/New_York", "Australia/Sydney"]
RULES = {
    "first-tuesday": ("2027-01-05T09:30", "FREQ=MONTHLY;BYDAY=1TU", "[2027-02-02, 2027-11-02]"),
    "last-thursday": ("2027-01-28T14:30", "FREQ=MONTHLY;INTERVAL=3;BYDAY=-1TH", "[]"),
    "weekly-count": ("2027-03-01T09:00", "FREQ=WEEKLY;COUNT=40", "[2027-04-05]"),
    "until-date": ("2027-03-01T09:00", "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20271231", "[]"),
    "until-utc": ("2027-03-01T09:00", "FREQ=DAILY;INTERVAL=10;UNTIL=20280101T000000Z", "[]"),
    "twice-a-day": ("2027-03-01T09:00", "FREQ=WEEKLY;BYDAY=MO,TH;BYHOUR=9,15",
                    "[2027-03-04, 2027-10-04]"),
    "night": ("2027-03-27T02:30", "FREQ=DAILY;COUNT=10", "[]"),
    "autumn-night": ("2027-10-30T02:30", "FREQ=DAILY;COUNT=10", "[]"),
    "month-end": ("2027-01-31T09:00", "FREQ=MONTHLY", "[]"),
    "yearly": ("2027-05-20T09:00", "FREQ=YEARLY;BYMONTH=5;BYDAY=3TH", "[2028-05-18]"),
    "once": ("2027-06-01T09:00", None, "[]"),
}


def test_a_one_off_event_on_a_skipped_date_has_no_occurrence(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"plans/drill.yaml": """\
        kind: drill
        id: tabletop-2027
        title: 桌面推演
        plan: major-incident
        type: tabletop
        schedule: {start: 2027-03-10T09:00, duration: 3h, except: [2027-03-10]}
        """})
    data = calendar_bytes(root, "--kind", "drill")
    assert prop(data, DRILL_UID, "EXDATE") == "EXDATE;TZID=Asia/Shanghai:20270310T090000"
    assert expanded(data, DRILL_UID, dt.datetime(2027, 1, 1, tzinfo=SHANGHAI),
                    dt.datetime(2028, 1, 1, tzinfo=SHANGHAI)) == []
    ws = load(root, today=TODAY)
    assert ws.occurrences(ws.drills["tabletop-2027"].schedule, dt.datetime(2027, 1, 1),
                          dt.datetime(2028, 1, 1)) == []


@pytest.mark.parametrize("zone", ZONES)
def test_recurring_ical_events_agrees_with_coordctl(tmp_path: Path, zone: str) -> None:
    files = {f"plans/{k}.yaml": meeting(k, s, r, e) for k, (s, r, e) in RULES.items()}
    root = workspace(tmp_path, files, settings=SETTINGS.replace("Asia/Shanghai", zone))
    ws = load(root, today=TODAY)
    assert not [f for f in ws.findings if f.rule in ("schema", "yaml-syntax")]
    data = calendar_bytes(root, "--kind", "meeting")
    tz = ZoneInfo(zone)
    start, end = dt.datetime(2026, 6, 1), dt.datetime(2030, 1, 1)
    for ident in RULES:
        mine = [o.start for o in ws.occurrences(ws.meetings[ident].schedule, start, end)]
        theirs = expanded(data, f"meeting-{ident}@coord.test.example",
                          start.replace(tzinfo=tz), end.replace(tzinfo=tz))
        assert mine, ident
        assert [m.astimezone(dt.timezone.utc) for m in theirs] == \
            [m.astimezone(dt.timezone.utc) for m in mine], ident
        assert walls(theirs) == walls(mine), ident


def test_sample_workspace_feed_agrees_with_coordctl(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["-C", str(REPO), "calendar"])
    assert result.exit_code == 0, result.stderr
    data = result.stdout_bytes
    ws = load(REPO, today=TODAY)
    events = vevents(data)
    expected = {f"{kind}-{ident}@{ws.settings.calendar.domain}"
                for kind, models in (("meeting", ws.meetings), ("drill", ws.drills))
                for ident in models}
    assert set(events) == expected
    start, end = dt.datetime(2026, 1, 1), dt.datetime(2031, 1, 1)
    for models, kind in ((ws.meetings, "meeting"), (ws.drills, "drill")):
        for ident, model in models.items():
            mine = [o.start for o in ws.occurrences(model.schedule, start, end)]
            theirs = expanded(data, f"{kind}-{ident}@{ws.settings.calendar.domain}",
                              start.replace(tzinfo=ws.tz), end.replace(tzinfo=ws.tz))
            assert walls(theirs) == walls(mine), ident
    for line in data.split(b"\r\n")[:-1]:
        assert len(line) <= 75
        line.decode("utf-8")


# --- SEQUENCE and DTSTAMP from git ---------------------------------------------------

DRILL = textwrap.dedent(BASE["plans/drill.yaml"])
MEETING = textwrap.dedent(BASE["plans/meeting.yaml"])
DRILL_UID = "drill-tabletop-2027@coord.test.example"
MEETING_UID = "meeting-analysis@coord.test.example"


@pytest.fixture
def make_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    return repo_factory(tmp_path, monkeypatch)


def _stamp(when: dt.datetime) -> str:
    return when.astimezone(dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def _git_feed(repo: GitRepo, *args: str) -> bytes:
    result = invoke("-C", str(repo.workspace), *args, "calendar")
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes


def test_sequence_rises_when_a_drill_moves_and_stays_when_only_its_title_changes(
        make_repo) -> None:
    repo = make_repo()
    steps = [  # (what changes, expected drill SEQUENCE afterwards)
        ("Add the base workspace", None, 0),
        ("Retitle the drill", DRILL.replace("title: 桌面推演", "title: 桌面推演（修订）"), 0),
        ("Move the drill", DRILL.replace("2027-03-10T09:00", "2027-03-17T09:00"), 1),
        ("Lengthen the drill", DRILL.replace("duration: 3h", "duration: 4h"), 2),
        ("Give it a place", DRILL + "location: 市政府会议室\n", 3),
        ("Add objectives", DRILL + "objectives: [检验通信]\n", 4),  # location removed: 4
        ("Only objectives", DRILL + "objectives: [检验通信, 熟悉流程]\n", 4),
        ("Cancel it", DRILL.replace("planned", "cancelled") + "objectives: [检验通信, 熟悉流程]\n",
         5),
    ]
    shas, sequences = [], []
    for message, text, _ in steps:
        if text is None:
            repo.write(BASE, settings=SETTINGS)
            shas.append(repo.commit(message))
        else:
            shas.append(repo.commit(message, {"plans/drill.yaml": text}))
        data = _git_feed(repo)
        sequences.append(vevents(data)[DRILL_UID]["SEQUENCE"])
        # DTSTAMP and LAST-MODIFIED: the commit that last changed the drill, in UTC.
        when = FIRST_DATE + dt.timedelta(days=len(shas) - 1)
        assert prop(data, DRILL_UID, "DTSTAMP") == f"DTSTAMP:{_stamp(when)}"
        assert prop(data, DRILL_UID, "LAST-MODIFIED") == f"LAST-MODIFIED:{_stamp(when)}"
        # The meeting did not change after the first commit.
        assert prop(data, MEETING_UID, "DTSTAMP") == f"DTSTAMP:{_stamp(FIRST_DATE)}"
        assert vevents(data)[MEETING_UID]["SEQUENCE"] == 0
    assert sequences == [expected for *_, expected in steps]
    assert str(vevents(_git_feed(repo))[DRILL_UID]["STATUS"]) == "CANCELLED"
    assert _stamp(FIRST_DATE) == "20260105T020000Z"
    # Any earlier revision gives the feed as it was then.
    for sha, (*_, expected) in zip(shas, steps, strict=True):
        assert vevents(_git_feed(repo, "--rev", sha))[DRILL_UID]["SEQUENCE"] == expected


def test_sequence_of_a_meeting_counts_time_rule_and_place(make_repo) -> None:
    repo = make_repo()
    repo.commit_base()
    changes = [
        (MEETING.replace("[2027-10-05]", "[2027-10-05, 2027-11-02]"), 1),  # an exception
        (MEETING.replace("BYDAY=1TU", "BYDAY=2TU").replace(
            "2027-01-05T09:30", "2027-01-12T09:30"), 2),  # the rule (and the start)
        (MEETING.replace("BYDAY=1TU", "BYDAY=2TU").replace(
            "2027-01-05T09:30", "2027-01-12T09:30").replace("members: [health]",
                                                            "members: [health, police]"), 2),
        (MEETING.replace("BYDAY=1TU", "BYDAY=2TU").replace(
            "2027-01-05T09:30", "2027-01-12T09:30").replace("members: [health]",
                                                            "members: [health, police]")
         + "location: 三楼\n", 3),
    ]
    for text, expected in changes:
        repo.commit("Change the meeting", {"plans/meeting.yaml": text})
        assert vevents(_git_feed(repo))[MEETING_UID]["SEQUENCE"] == expected
    assert vevents(_git_feed(repo))[DRILL_UID]["SEQUENCE"] == 0


def test_feed_from_git_ignores_mtimes_and_is_byte_identical(make_repo) -> None:
    repo = make_repo()
    repo.commit_base()
    repo.commit("Move the drill", {"plans/drill.yaml": DRILL.replace("09:00", "10:00")})
    first = _git_feed(repo)
    pin_mtimes(repo.workspace, dt.datetime(2030, 1, 1, tzinfo=dt.timezone.utc))
    assert _git_feed(repo) == first
    assert _git_feed(repo, "--rev", "HEAD") == first
    assert vevents(first)[DRILL_UID]["SEQUENCE"] == 1
    assert b"2030" not in first


def test_a_moved_file_is_not_a_change(make_repo) -> None:
    repo = make_repo()
    repo.commit_base()
    repo.move("plans/drill.yaml", "plans/drills/tabletop.yaml")
    repo.commit("Move the file")
    data = _git_feed(repo)
    assert vevents(data)[DRILL_UID]["SEQUENCE"] == 0
    assert prop(data, DRILL_UID, "DTSTAMP") == f"DTSTAMP:{_stamp(FIRST_DATE)}"
