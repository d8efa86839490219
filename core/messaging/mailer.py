"""Outgoing mail: well-formed MIME messages sent over SMTP, or written to the outbox folder as .eml.

Without IESCP_SMTP_HOST nothing leaves the machine: every message lands in settings.outbox_dir, one
.eml file each (open it with any mail client). With a host, messages go through smtplib (STARTTLS
and login when configured; implicit TLS on port 465).
"""

from __future__ import annotations

import logging
import os
import secrets
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from core.platform.config import Settings, get_settings
from core.platform.timeutil import utcnow

log = logging.getLogger("iescp.mail")

SMTP_TIMEOUT_SECONDS = 20  # default of IESCP_SMTP_TIMEOUT_SECONDS: the longest one socket wait may take


class MailError(Exception):
    """The message could not be handed to the mail server (the text is safe to store and show admins)."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str  # "application/pdf"

    @property
    def maintype(self) -> str:
        return self.mime_type.split("/", 1)[0]

    @property
    def subtype(self) -> str:
        return self.mime_type.split("/", 1)[1]


def build_message(
    *,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    attachments: list[Attachment] | tuple[Attachment, ...] = (),
    settings: Settings | None = None,
) -> EmailMessage:
    """A message with a plain-text body, an optional HTML alternative and attachments.

    Shape: multipart/mixed[ multipart/alternative[text/plain, text/html], attachment... ] (the
    outer level only when there are attachments).
    """
    settings = settings or get_settings()
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=_domain_of(settings.mail_from))
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        message.add_attachment(
            attachment.content, maintype=attachment.maintype, subtype=attachment.subtype, filename=attachment.filename
        )
    return message


def _domain_of(address: str) -> str:
    tail = address.rsplit("@", 1)[-1].strip(" >")
    return tail or "iescp.local"


class Mailer:
    """Sends messages, reusing one SMTP connection for a batch (use as a context manager).

    Once the server is unreachable or times out, the rest of the batch fails at once with the same
    error (recorded, retried by a later run) instead of waiting a full timeout per recipient.
    """

    def __init__(self, settings: Settings | None = None):
        self.settings = settings or get_settings()
        self._smtp: smtplib.SMTP | None = None
        self._server_down: str | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def uses_outbox(self) -> bool:
        return not self.settings.smtp_host

    def send(self, message: EmailMessage) -> str:
        """Deliver message; returns where it went (outbox path or 'smtp:host'). Raises MailError."""
        host = self.settings.smtp_host
        if not host:  # no SMTP server configured (uses_outbox): write to the outbox
            try:
                return str(write_to_outbox(message, self.settings.outbox_dir))
            except OSError as error:
                raise MailError(f"could not write to the outbox {self.settings.outbox_dir}: {error}") from error
        if self._server_down is not None:
            raise MailError(f"{self._server_down} (not tried again in this run)")
        try:
            smtp = self._connection(host)
            smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            described = _describe(error, self.settings)
            if isinstance(error, (OSError, smtplib.SMTPServerDisconnected)):  # the server, not this message
                self._server_down = described
            raise MailError(described) from error
        return f"smtp:{self.settings.smtp_host}"

    def _connection(self, host: str) -> smtplib.SMTP:
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (OSError, smtplib.SMTPException):
                pass
            self.close()
        s = self.settings
        smtp: smtplib.SMTP
        if s.smtp_port == 465:
            smtp = smtplib.SMTP_SSL(
                host, s.smtp_port, timeout=s.smtp_timeout_seconds, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            if s.smtp_starttls:
                smtp.ehlo()
                smtp.starttls(context=ssl.create_default_context())
                smtp.ehlo()
        if s.smtp_user:
            smtp.login(s.smtp_user, s.smtp_password or "")
        self._smtp = smtp
        return smtp

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def send(message: EmailMessage, settings: Settings | None = None) -> str:
    """Send one message on its own connection (see Mailer for batches)."""
    with Mailer(settings) as mailer:
        return mailer.send(message)


def write_to_outbox(message: EmailMessage, outbox_dir: Path) -> Path:
    """Write message as an .eml file (atomically: a reader never sees half a file)."""
    outbox_dir.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow():%Y%m%d-%H%M%S}-{secrets.token_hex(6)}.eml"
    partial = outbox_dir / f".{name}.part"
    partial.write_bytes(message.as_bytes())
    final = outbox_dir / name
    os.replace(partial, final)
    return final


def _describe(error: Exception, settings: Settings) -> str:
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return f"SMTP login refused by {where} (check IESCP_SMTP_USER / IESCP_SMTP_PASSWORD)"
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return f"recipient refused by {where}"
    if isinstance(error, ConnectionRefusedError):
        return f"could not connect to the mail server {where}: connection refused"
    # smtplib reports a read timeout as SMTPServerDisconnected("Connection unexpectedly closed: timed out").
    if isinstance(error, TimeoutError) or (
        isinstance(error, smtplib.SMTPServerDisconnected) and "timed out" in str(error)
    ):
        return f"mail server {where} did not answer within {settings.smtp_timeout_seconds:g} s"
    if isinstance(error, ssl.SSLError):
        return f"mail server {where}: {type(error).__name__}: {error}"
    return f"mail server {where}: {type(error).__name__}: {error}"[:500]
