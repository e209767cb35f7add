"""SMTP delivery, when the platform sets ``AIMI_SMTP_URL``; otherwise it passes the
message on (returns None) to the outbox."""

from __future__ import annotations

from aimi.platform import mail
from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import Message, PluginContext


@hookimpl
def aimi_send_message(message: Message, context: PluginContext) -> str | None:
    settings = context.platform
    if not settings.smtp_url:
        return None
    return mail.send_smtp(settings.smtp_url, settings.mail_sender, message)
