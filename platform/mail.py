"""Outgoing e-mail: SMTP when ``AIMI_SMTP_URL`` is set, otherwise the local outbox.

The outbox writes each message as an ``.eml`` file under
``<instance>/outbox/<tenant>/`` and logs a line, so the demo and the tests can read
confirmation and invitation links without any mail server. The SendGrid plugin
(integrations issue) replaces this through the messaging hook.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import uuid
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlparse

from aimi.platform.config import Settings
from aimi.platform.timeutil import utcnow
from aimi.tenants.context import maybe_current_tenant

log = logging.getLogger("aimi.mail")


def build_message(sender: str, to: str, subject: str, body: str, html: str | None) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@aimi>"
    msg.set_content(body or "")
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def outbox_dir(settings: Settings) -> Path:
    tenant = maybe_current_tenant()
    return settings.instance_path / "outbox" / (tenant.slug if tenant else "_platform")


def send(settings: Settings, to: str, subject: str, body: str, html: str | None = None) -> None:
    msg = build_message(settings.mail_sender, to, subject, body, html)
    if settings.smtp_url:
        url = urlparse(settings.smtp_url)
        smtp_cls = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
        with smtp_cls(url.hostname or "localhost", url.port or 25, timeout=20) as smtp:
            if url.username:
                smtp.login(url.username, url.password or "")
            smtp.send_message(msg)
        return
    folder = outbox_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow().strftime('%Y%m%dT%H%M%S%f')}-{recipient_tag(to)}.eml"
    (folder / name).write_bytes(bytes(msg))
    log.info("mail to %s (%s) written to %s", to, subject, folder / name)


def recipient_tag(to: str) -> str:
    """What an outbox file is named after: a digest of the address, never the address
    itself (a valid address may hold ``/``, which made a path that does not exist)."""
    return hashlib.sha256(parseaddr(to)[1].lower().encode()).hexdigest()[:16]


def outbox_files(folder: Path, address: str) -> list[Path]:
    """The outbox files sent to ``address`` in ``folder``, oldest first."""
    return sorted(folder.glob(f"*-{recipient_tag(address)}.eml"))
