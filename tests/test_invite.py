"""Invitations: ``coordctl invite`` (RFC 5546 METHOD:REQUEST) and ``--send`` over SMTP.

Mail goes to a real SMTP server (aiosmtpd) on 127.0.0.1 started by the tests; the
messages it receives are parsed back, and the calendar inside them too.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import socket
import textwrap
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from click.testing import CliRunner, Result
from conftest import BASE, SETTINGS, TODAY, write_workspace
from gitrepo import one_line_error
from golden import assert_golden

from coordctl.cli import cli
from coordctl.mail import PASSWORD_VARIABLE

PINNED = dt.datetime(2026, 11, 20, 8, 0, 0, tzinfo=dt.timezone.utc)
SHANGHAI = ZoneInfo("Asia/Shanghai")
SENTINEL = "SENTINEL"
SERIES_UID = "meeting-analysis@coord.test.example"
DRILL_UID = "drill-tabletop-2027@coord.test.example"

DEPARTMENTS = f"""\
    kind: department
    id: police
    name: {{zh-CN: 市公安局, en: Public Security Bureau}}
    email: duty@police.example
    contacts:
      - {{role: {SENTINEL}-值班室, name: {SENTINEL}-王某, phone: "0771-{SENTINEL}", always: true}}
    ---
    kind: department
    id: health
    name: {{zh-CN: 市卫健委, en: Health Commission}}
    email: office@health.example
    contacts:
      - {{role: 值班室, name: {SENTINEL}-李某, phone: "0771-5550002", always: true}}
    ---
    kind: department
    id: fire
    name: 市消防救援支队
    email: duty@fire.example
    contacts: [{{role: 值班室, phone: "119-{SENTINEL}", always: true}}]
    ---
    kind: department
    id: city-gov
    name: 市政府
    exempt: 统筹协调
    """

MEETING = textwrap.dedent(BASE["plans/meeting.yaml"]).replace(
    "members: [health]", "members: [health, fire]") + textwrap.dedent("""\
      - {title: '消防安全, 隐患; 整改', presenter: fire, minutes: 15}
    location: 市委政法委三楼会议室
    """)

FILES = {"plans/departments.yaml": DEPARTMENTS, "plans/meeting.yaml": MEETING}


def workspace(tmp_path: Path, files: dict[str, str | None] | None = None,
              settings: str = SETTINGS, name: str = "ws") -> Path:
    """BASE with e-mail addresses (and contacts that must never show), mtimes pinned."""
    root = write_workspace(tmp_path / name, {**BASE, **FILES, **(files or {})}, settings)
    for path in root.rglob("*"):
        os.utime(path, (PINNED.timestamp(), PINNED.timestamp()))
    return root


def run(root: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["-C", str(root), "--today", TODAY.isoformat(), *args])


def invite(root: Path, *args: str) -> bytes:
    result = run(root, "invite", *args)
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout_bytes


def only_event(data: bytes) -> icalendar.Event:
    cal = icalendar.Calendar.from_ical(data)
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def unfolded(data: bytes) -> list[str]:
    return data.replace(b"\r\n ", b"").decode("utf-8").split("\r\n")[:-1]


def attendees(event: icalendar.Event) -> dict[str, dict[str, str]]:
    found = event.get("ATTENDEE", [])
    found = found if isinstance(found, list) else [found]
    return {str(a): dict(a.params) for a in found}


def assert_wire_format(data: bytes) -> None:
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")


# --- the invitation -----------------------------------------------------------------

def test_invitation_to_a_meeting_series(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    data = invite(root, "meeting/analysis")
    assert_wire_format(data)
    cal = icalendar.Calendar.from_ical(data)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(cal["VERSION"]) == "2.0"
    assert [c.name for c in cal.subcomponents] == ["VTIMEZONE", "VEVENT"]
    event = only_event(data)
    assert str(event["UID"]) == SERIES_UID
    assert str(event["ORGANIZER"]) == "mailto:duty@police.example"
    assert event["ORGANIZER"].params["CN"] == "市公安局"
    found = attendees(event)
    assert set(found) == {"mailto:office@health.example", "mailto:duty@fire.example"}
    for params in found.values():
        assert params["ROLE"] == "REQ-PARTICIPANT"
        assert params["RSVP"] == "TRUE"
        assert params["PARTSTAT"] == "NEEDS-ACTION"
    assert found["mailto:duty@fire.example"]["CN"] == "市消防救援支队"
    assert event["DTSTART"].dt == dt.datetime(2027, 1, 5, 9, 30, tzinfo=SHANGHAI)
    assert event["DTEND"].dt == dt.datetime(2027, 1, 5, 11, 30, tzinfo=SHANGHAI)
    assert "RECURRENCE-ID" not in event
    lines = unfolded(data)
    assert "RRULE:FREQ=MONTHLY;BYDAY=1TU" in lines
    assert "EXDATE;TZID=Asia/Shanghai:20271005T093000" in lines
    assert str(event["LOCATION"]) == "市委政法委三楼会议室"
    assert "消防安全, 隐患; 整改" in str(event["DESCRIPTION"])
    assert event["SEQUENCE"] == 0
    assert event["DTSTAMP"].dt == PINNED
    # The same event as in the feed: UID, SEQUENCE, times.
    feed = run(root, "calendar").stdout_bytes
    in_feed = {str(e["UID"]): e for e in icalendar.Calendar.from_ical(feed).walk("VEVENT")}
    assert in_feed[SERIES_UID]["SEQUENCE"] == event["SEQUENCE"]
    assert in_feed[SERIES_UID]["DTSTART"].dt == event["DTSTART"].dt
    assert invite(root, "meeting/analysis") == data  # byte-identical


def test_invitation_to_a_drill_goes_to_its_participants(tmp_path: Path) -> None:
    # No participants listed: every department holding a duty in the plan.
    event = only_event(invite(workspace(tmp_path), "drill/tabletop-2027"))
    assert str(event["UID"]) == DRILL_UID
    assert str(event["ORGANIZER"]) == "mailto:duty@police.example"  # the plan owner
    assert set(attendees(event)) == {"mailto:duty@police.example",
                                     "mailto:office@health.example"}
    assert "RRULE" not in event and "RECURRENCE-ID" not in event
    listed = workspace(tmp_path, {"plans/drill.yaml": textwrap.dedent(
        BASE["plans/drill.yaml"]) + "participants: [fire, health]\n"}, name="listed")
    event = only_event(invite(listed, "drill/tabletop-2027"))
    assert set(attendees(event)) == {"mailto:duty@fire.example", "mailto:office@health.example"}


def test_invitation_to_one_occurrence(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    data = invite(root, "meeting/analysis", "--date", "2027-03-02")
    assert_wire_format(data)
    event = only_event(data)
    lines = unfolded(data)
    assert "RECURRENCE-ID;TZID=Asia/Shanghai:20270302T093000" in lines
    assert "DTSTART;TZID=Asia/Shanghai:20270302T093000" in lines
    assert "DTEND;TZID=Asia/Shanghai:20270302T113000" in lines
    assert "RRULE" not in event and "EXDATE" not in event
    assert str(event["UID"]) == SERIES_UID
    assert str(icalendar.Calendar.from_ical(data)["METHOD"]) == "REQUEST"
    assert len(attendees(event)) == 2
    # The override replaces exactly the series' occurrence of that day.
    series = icalendar.Calendar.from_ical(invite(root, "meeting/analysis"))
    starts = [e["DTSTART"].dt for e in recurring_ical_events.of(series).between(
        dt.date(2027, 3, 1), dt.date(2027, 3, 31))]
    assert starts == [event["RECURRENCE-ID"].dt]


def test_invitation_to_an_occurrence_after_a_daylight_saving_switch(tmp_path: Path) -> None:
    root = workspace(tmp_path, settings=SETTINGS.replace("Asia/Shanghai", "Europe/Berlin"))
    data = invite(root, "meeting/analysis", "--date", "2027-04-06")
    event = only_event(data)
    assert "RECURRENCE-ID;TZID=Europe/Berlin:20270406T093000" in unfolded(data)
    assert event["DTSTART"].dt.astimezone(dt.timezone.utc) == \
        dt.datetime(2027, 4, 6, 7, 30, tzinfo=dt.timezone.utc)
    zones = list(icalendar.Calendar.from_ical(data).walk("VTIMEZONE"))
    assert [str(z["TZID"]) for z in zones] == ["Europe/Berlin"]


def test_invitation_to_an_occurrence_of_a_rule_with_several_a_day(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"plans/twice.yaml": """\
        kind: meeting
        id: twice
        title: 碰头会
        convenor: police
        members: [health]
        schedule: {start: 2027-03-01T09:00, duration: 30m, repeat: "FREQ=WEEKLY;BYHOUR=9,15"}
        """})
    data = invite(root, "meeting/twice", "--date", "2027-03-08")
    assert "RECURRENCE-ID;TZID=Asia/Shanghai:20270308T090000" in unfolded(data)


def test_a_date_with_no_occurrence_exits_2(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    message = one_line_error(run(root, "invite", "meeting/analysis", "--date", "2027-03-03"))
    assert "2027-03-03" in message and "2027-04-06" in message  # the next one
    # a skipped date (except:) is no occurrence either
    one_line_error(run(root, "invite", "meeting/analysis", "--date", "2027-10-05"))
    one_line_error(run(root, "invite", "drill/tabletop-2027", "--date", "2027-03-11"))
    result = run(root, "invite", "meeting/analysis", "--date", "March 2")
    assert result.exit_code == 2 and "Traceback" not in result.output


def test_date_of_a_one_off_event_is_the_event_itself(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    assert invite(root, "drill/tabletop-2027", "--date", "2027-03-10") == \
        invite(root, "drill/tabletop-2027")


@pytest.mark.parametrize(("ref", "words"), [
    ("meeting/analyses", "analysis"),
    ("drill/nope", "nope"),
    ("plan/major-incident", "plan"),
    ("department/police", "department"),
    ("analysis", "KIND/ID"),
    ("meetings/analysis", "meetings"),
])
def test_bad_references_exit_2(tmp_path: Path, ref: str, words: str) -> None:
    assert words in one_line_error(run(workspace(tmp_path), "invite", ref))


def test_department_without_email_is_left_out_with_a_warning(tmp_path: Path) -> None:
    root = workspace(tmp_path, {"plans/meeting.yaml": MEETING.replace(
        "members: [health, fire]", "members: [health, city-gov]")})
    result = run(root, "invite", "meeting/analysis")
    assert result.exit_code == 0
    assert "city-gov" in result.stderr and "email" in result.stderr
    assert set(attendees(only_event(result.stdout_bytes))) == {"mailto:office@health.example"}


def test_missing_calendar_domain_exits_2(tmp_path: Path) -> None:
    root = workspace(tmp_path, settings=SETTINGS.replace("  domain: coord.test.example\n", ""))
    assert "calendar.domain" in one_line_error(run(root, "invite", "meeting/analysis"))


def test_invitation_to_a_file(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    out = tmp_path / "invite.ics"
    result = run(root, "invite", "meeting/analysis", "-o", str(out))
    assert result.exit_code == 0 and result.stdout == ""
    assert out.read_bytes() == invite(root, "meeting/analysis")


def test_invitations_never_carry_contacts(tmp_path: Path) -> None:
    root = workspace(tmp_path)
    assert SENTINEL in (root / "plans/departments.yaml").read_text(encoding="utf-8")
    for args in (("meeting/analysis",), ("meeting/analysis", "--date", "2027-03-02"),
                 ("drill/tabletop-2027",)):
        for audience in ("public", "internal"):
            result = CliRunner().invoke(cli, ["-C", str(root), "--audience", audience,
                                              "invite", *args])
            assert result.exit_code == 0
            assert SENTINEL.encode() not in result.stdout_bytes


@pytest.mark.parametrize(("name", "args"), [
    ("invite-meeting-analysis.ics", ("meeting/analysis",)),
    ("invite-meeting-analysis-2027-03-02.ics", ("meeting/analysis", "--date", "2027-03-02")),
    ("invite-drill-tabletop-2027.ics", ("drill/tabletop-2027",)),
])
def test_golden_invitations(tmp_path: Path, name: str, args: tuple[str, ...]) -> None:
    assert_golden(f"calendar/{name}", invite(workspace(tmp_path), *args))


# --- sending -------------------------------------------------------------------------

class Mailbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list = []

    async def handle_DATA(self, server, session, envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.original_content or e.content,
                                         policy=email.policy.default)
                for e in self.envelopes]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_settings(port: int, user: str | None = None, starttls: bool = False) -> str:
    login = f"  user: {user}\n" if user else ""
    return SETTINGS + (f"smtp:\n  host: 127.0.0.1\n  port: {port}\n"
                       f"  starttls: {'true' if starttls else 'false'}\n{login}")


PASSWORD = "correct horse"


def _authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
    ok = isinstance(auth_data, LoginPassword) and auth_data.password == PASSWORD.encode()
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Mailbox]]:
    """A real SMTP server on 127.0.0.1 (no TLS, no login)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


@pytest.fixture
def smtp_server_with_login() -> Iterator[tuple[int, Mailbox]]:
    """A real SMTP server on 127.0.0.1 that wants AUTH (allowed without TLS here)."""
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=free_port(),
                            authenticator=_authenticate, auth_required=True,
                            auth_require_tls=False)
    controller.start()
    try:
        yield controller.port, mailbox
    finally:
        controller.stop()


def _calendar_part(message: email.message.EmailMessage) -> email.message.EmailMessage:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return parts[0]


def test_send_mails_one_message_per_attendee(tmp_path: Path, smtp_server) -> None:
    port, mailbox = smtp_server
    root = workspace(tmp_path, settings=smtp_settings(port))
    expected_ics = invite(root, "meeting/analysis")
    result = run(root, "invite", "meeting/analysis", "--send")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert "sent 2 invitations" in result.stderr
    assert sorted(e.rcpt_tos for e in mailbox.envelopes) == [["duty@fire.example"],
                                                               ["office@health.example"]]
    # Without smtp.user the convenor's department sends.
    assert {e.mail_from for e in mailbox.envelopes} == {"duty@police.example"}
    for envelope, message in zip(mailbox.envelopes, mailbox.messages(), strict=True):
        assert message["To"] == envelope.rcpt_tos[0]
        assert message["Subject"] == "联席会议"
        assert "duty@police.example" in message["From"]
        # The agenda as the body.
        body = message.get_body(preferencelist=("plain",)).get_content()
        for text in ("联席会议", "2027-01-05 09:30", "市委政法委三楼会议室", "1. 形势通报",
                     "2. 消防安全, 隐患; 整改", "市卫健委", "市消防救援支队"):
            assert text in body
        assert message["Date"] and message["Message-ID"]
        part = _calendar_part(message)
        assert part.get_param("method") == "REQUEST"
        assert part.get_param("charset") == "utf-8"
        raw = part.get_payload(decode=True)
        assert raw == expected_ics  # the very bytes, CRLF line ends included
        # Shaped as calendar services send invitations: the calendar is the text's
        # alternative (Outlook wants that), and the same file is attached too.
        assert message.get_content_type() == "multipart/mixed"
        alternative, attachment = message.iter_parts()
        assert [p.get_content_type() for p in alternative.iter_parts()] == \
            ["text/plain", "text/calendar"]
        assert attachment.get_filename() == "invite.ics"
        assert attachment.get_payload(decode=True) == expected_ics
        cal = icalendar.Calendar.from_ical(raw)
        assert str(cal["METHOD"]) == "REQUEST"
        assert f"mailto:{envelope.rcpt_tos[0]}" in attendees(only_event(raw))
        assert SENTINEL.encode() not in (envelope.original_content or envelope.content)


def test_send_one_occurrence(tmp_path: Path, smtp_server) -> None:
    port, mailbox = smtp_server
    root = workspace(tmp_path, settings=smtp_settings(port))
    result = run(root, "invite", "meeting/analysis", "--date", "2027-03-02", "--send",
                 "-o", str(tmp_path / "sent.ics"))
    assert result.exit_code == 0, result.stderr
    assert len(mailbox.envelopes) == 2
    for message in mailbox.messages():
        assert "2027-03-02" in message["Subject"]
        raw = _calendar_part(message).get_payload(decode=True)
        assert raw == (tmp_path / "sent.ics").read_bytes()
        assert "RECURRENCE-ID;TZID=Asia/Shanghai:20270302T093000" in unfolded(raw)
        assert "2027-03-02 09:30" in message.get_body(preferencelist=("plain",)).get_content()


def test_send_a_drill_invitation(tmp_path: Path, smtp_server) -> None:
    port, mailbox = smtp_server
    root = workspace(tmp_path, {"plans/drill.yaml": textwrap.dedent(BASE["plans/drill.yaml"])
                                + "objectives: [检验通信联络]\n"}, settings=smtp_settings(port))
    assert run(root, "invite", "drill/tabletop-2027", "--send").exit_code == 0
    assert sorted(e.rcpt_tos[0] for e in mailbox.envelopes) == ["duty@police.example",
                                                                 "office@health.example"]
    body = mailbox.messages()[0].get_body(preferencelist=("plain",)).get_content()
    assert "检验通信联络" in body and "重大案件处置预案" in body


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_send_logs_in_with_the_password_from_the_environment(
        tmp_path: Path, smtp_server_with_login, monkeypatch: pytest.MonkeyPatch) -> None:
    port, mailbox = smtp_server_with_login
    root = workspace(tmp_path, settings=smtp_settings(port, user="coordination@test.example"))
    monkeypatch.delenv(PASSWORD_VARIABLE, raising=False)
    message = one_line_error(run(root, "invite", "meeting/analysis", "--send"))
    assert PASSWORD_VARIABLE in message
    monkeypatch.setenv(PASSWORD_VARIABLE, "wrong")
    assert "127.0.0.1" in one_line_error(run(root, "invite", "meeting/analysis", "--send"))
    assert mailbox.envelopes == []
    monkeypatch.setenv(PASSWORD_VARIABLE, PASSWORD)
    result = run(root, "invite", "meeting/analysis", "--send")
    assert result.exit_code == 0, result.stderr
    assert len(mailbox.envelopes) == 2
    assert {e.mail_from for e in mailbox.envelopes} == {"coordination@test.example"}


def test_smtp_server_down_exits_2_with_one_line(tmp_path: Path) -> None:
    port = free_port()  # nothing listens there
    root = workspace(tmp_path, settings=smtp_settings(port))
    message = one_line_error(run(root, "invite", "meeting/analysis", "--send"))
    assert f"127.0.0.1:{port}" in message


def test_starttls_against_a_server_without_it_exits_2(tmp_path: Path, smtp_server) -> None:
    port, mailbox = smtp_server
    root = workspace(tmp_path, settings=smtp_settings(port, starttls=True))
    assert f"127.0.0.1:{port}" in one_line_error(run(root, "invite", "meeting/analysis",
                                                     "--send"))
    assert mailbox.envelopes == []


def test_send_without_smtp_settings_exits_2(tmp_path: Path) -> None:
    assert "smtp" in one_line_error(run(workspace(tmp_path), "invite", "meeting/analysis",
                                        "--send"))


def test_send_with_no_attendee_address_exits_2(tmp_path: Path, smtp_server) -> None:
    port, mailbox = smtp_server
    root = workspace(tmp_path, {"plans/meeting.yaml": MEETING.replace(
        "members: [health, fire]", "members: [city-gov]")}, settings=smtp_settings(port))
    result = run(root, "invite", "meeting/analysis", "--send")
    assert result.exit_code == 2
    assert "e-mail" in result.stderr.splitlines()[-1]
    assert mailbox.envelopes == []
