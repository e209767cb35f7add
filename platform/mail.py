"""Building e-mails and the two built-in ways out: the local outbox and SMTP.

Nothing here is called by a web request: messages are notifications delivered by a job
through the ``aimi_send_message`` hook, whose built-in plugins (``integrations.outbox``,
``integrations.smtp``) use these functions. The outbox writes each message as an ``.eml``
file under ``<instance>/outbox/<tenant>/``, named after the time and a digest of the
address (never user input), so the demo and the tests read links without a mail server.
"""

from __future__ import annotations

import hashlib
import logging
import smtplib
import uuid
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlparse

from aimi.platform.config import Settings
from aimi.platform.timeutil import utcnow
from aimi.plugins.types import DeliveryError, Message

log = logging.getLogger("aimi.mail")


# Long headers are kept on one line (RFC 5322 allows 998 characters): folding a URL-only
# header such as List-Unsubscribe would turn it into RFC 2047 words no client follows.
POLICY = policy.default.clone(max_line_length=998)


def build_message(message: Message, default_sender: str) -> EmailMessage:
    msg = EmailMessage(policy=POLICY)
    msg["From"] = message.sender or default_sender
    msg["To"] = message.to
    msg["Subject"] = message.subject
    msg["Message-ID"] = f"<{uuid.uuid4().hex}@aimi>"
    for name, value in message.headers:
        msg[name] = value
    msg.set_content(message.body or "")
    if message.html:
        msg.add_alternative(message.html, subtype="html")
    return msg


def outbox_dir(settings: Settings, tenant: str | None) -> Path:
    return settings.instance_path / "outbox" / (tenant or "_platform")


def write_outbox(settings: Settings, tenant: str | None, message: Message) -> str:
    """Write the message to the tenant's outbox; returns its Message-ID."""
    msg = build_message(message, settings.mail_sender)
    folder = outbox_dir(settings, tenant)
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{utcnow().strftime('%Y%m%dT%H%M%S%f')}-{recipient_tag(message.to)}.eml"
    (folder / name).write_bytes(bytes(msg))
    log.info("mail (%s) written to %s", message.subject, folder / name)
    return msg["Message-ID"]


def send_smtp(smtp_url: str, default_sender: str, message: Message) -> str:
    """Send over SMTP; a refused address or message (5xx) is final, anything else
    (a 4xx, a dropped connection, a timeout) may work later."""
    msg = build_message(message, default_sender)
    url = urlparse(smtp_url)
    smtp_cls = smtplib.SMTP_SSL if url.scheme == "smtps" else smtplib.SMTP
    try:
        with smtp_cls(url.hostname or "localhost", url.port or 25, timeout=20) as smtp:
            if url.username:
                smtp.login(unquote(url.username), unquote(url.password or ""))
            smtp.send_message(msg)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = [code for code, _text in exc.recipients.values()]
        raise DeliveryError(f"SMTP refused the recipient: {_reply(exc.recipients)}",
                            retry=all(400 <= code < 500 for code in codes),
                            bounced=all(500 <= code < 600 for code in codes)) from exc
    except smtplib.SMTPResponseException as exc:
        raise DeliveryError(f"SMTP {exc.smtp_code}: {_text(exc.smtp_error)}",
                            retry=400 <= exc.smtp_code < 500) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"SMTP server unreachable: {exc}", retry=True) from exc
    return msg["Message-ID"]


def _text(raw: bytes | str) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _reply(recipients: dict) -> str:
    return "; ".join(f"{code} {_text(text)}" for code, text in recipients.values())


def recipient_tag(to: str) -> str:
    """What an outbox file is named after: a digest of the address, never the address
    itself (a valid address may hold ``/``, which made a path that does not exist)."""
    return hashlib.sha256(parseaddr(to)[1].lower().encode()).hexdigest()[:16]


def outbox_files(folder: Path, address: str) -> list[Path]:
    """The outbox files sent to ``address`` in ``folder``, oldest first."""
    return sorted(folder.glob(f"*-{recipient_tag(address)}.eml"))
