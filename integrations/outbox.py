"""The local outbox: every e-mail becomes an ``.eml`` file (the demo's and the tests' way
out, and the last resort when no other provider answers)."""

from __future__ import annotations

from aimi.platform import mail
from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import Message, PluginContext


@hookimpl
def aimi_send_message(message: Message, context: PluginContext) -> str:
    return mail.write_outbox(context.platform, context.tenant, message)
