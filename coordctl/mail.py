"""Sending invitations over SMTP: one message per attendee department."""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid

from coordctl.calendars import Invitation
from coordctl.errors import CoordctlError

PASSWORD_VARIABLE = "COORDCTL_SMTP_PASSWORD"


class MailError(CoordctlError):
    """The invitation could not be sent."""


def messages(invitation: Invitation, sender: str, body: str) -> list[EmailMessage]:
    """One message per recipient, shaped as the big calendar services send invitations:
    ``body`` as text with the invitation as its ``text/calendar; method=REQUEST;
    charset=utf-8`` alternative (Outlook shows a meeting request only for that), and the
    same bytes attached as ``invite.ics`` for clients that only read attachments."""
    out = []
    for number, (_, address) in enumerate(invitation.recipients):
        message = EmailMessage()
        message["Subject"] = invitation.subject
        message["From"] = sender
        message["To"] = address
        message["Date"] = formatdate()
        message["Message-ID"] = make_msgid(f"invite{number}", domain=sender.rpartition("@")[2]
                                           or None)
        message.set_content(body)
        # bytes, base64: the CRLF line ends of the calendar arrive as they are
        message.add_alternative(invitation.ics, maintype="text", subtype="calendar",
                                params={"method": "REQUEST", "charset": "utf-8"})
        message.add_attachment(invitation.ics, maintype="application", subtype="ics",
                               filename="invite.ics")
        out.append(message)
    return out


def send(settings: object, invitation: Invitation, body: str) -> int:
    """Send ``invitation`` with the settings' ``smtp:`` block; the number of messages."""
    smtp = getattr(settings, "smtp", None)
    if smtp is None:
        raise MailError("sending needs an smtp: block in coordctl.yaml (host, port, user)")
    if not invitation.recipients:
        raise MailError("no attendee department has an e-mail address")
    sender = smtp.user or invitation.organizer
    if not sender:
        raise MailError("no sender address: set smtp.user or the convenor's email")
    password = os.environ.get(PASSWORD_VARIABLE)
    if smtp.user and password is None:
        raise MailError(f"set the {PASSWORD_VARIABLE} variable to the password of {smtp.user}")
    sender_header = formataddr(("coordctl", sender)) if "@" in sender else sender
    try:
        if smtp.ssl:
            client: smtplib.SMTP = smtplib.SMTP_SSL(smtp.host, smtp.port, timeout=30,
                                                    context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(smtp.host, smtp.port, timeout=30)
        with client:
            if smtp.starttls and not smtp.ssl:
                client.starttls(context=ssl.create_default_context())
            if smtp.user:
                client.login(smtp.user, password or "")
            for message in messages(invitation, sender_header, body):
                client.send_message(message, from_addr=sender)
    except (OSError, smtplib.SMTPException) as exc:
        raise MailError(f"could not send through {smtp.host}:{smtp.port}: {exc}") from None
    return len(invitation.recipients)
