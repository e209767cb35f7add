"""The aimi plugin contract: every hook a plugin may implement.

Hooks are grouped by purpose and all named ``aimi_*``. Core code never calls
``pm.hook.*`` directly: ``aimi.plugins.manager.PluginManager`` has one typed method per
hook, calls each enabled plugin with its own per-tenant options, and keeps one plugin's
failure from stopping the others. "First result" hooks stop at the first plugin that
returns something other than ``None``; the others collect every plugin's result.
"""

from __future__ import annotations

from typing import Any

import pluggy

from aimi.plugins.types import (
    AnswerInput,
    AudioInput,
    BillingEvent,
    DimensionScore,
    Meeting,
    MeetingRequest,
    Message,
    OptionSpec,
    PluginContext,
    ScoringContext,
    Transcript,
)

PROJECT = "aimi"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)

__all__ = [
    "PROJECT",
    "aimi_billing_event",
    "aimi_cancel_meeting",
    "aimi_create_meeting",
    "aimi_delete_file",
    "aimi_options",
    "aimi_read_file",
    "aimi_register_blueprints",
    "aimi_register_commands",
    "aimi_score_answer",
    "aimi_send_message",
    "aimi_send_messages",
    "aimi_store_file",
    "aimi_transcribe_audio",
    "hookimpl",
    "hookspec",
]

# -- Configuration ----------------------------------------------------------------------


@hookspec
def aimi_options() -> dict[str, OptionSpec] | None:
    """The per-tenant options this plugin accepts, by name. Collected from every plugin
    at start-up; values a tenant sets are validated against them before they are saved,
    so a bad option is refused in the admin page, never at job time."""


# -- Scoring ----------------------------------------------------------------------------


@hookspec
def aimi_score_answer(answer: AnswerInput, context: ScoringContext) -> list[DimensionScore] | None:
    """Score one answer on this evaluator's dimensions (each 0-100 with evidence and
    suggestions). Every enabled evaluator is called; a failing one is recorded against
    its dimensions and the rest of the report still arrives."""


# -- Speech -----------------------------------------------------------------------------


@hookspec(firstresult=True)
def aimi_transcribe_audio(audio: AudioInput, context: PluginContext) -> Transcript | None:
    """Turn normalised audio (16 kHz mono PCM WAV) into words with timings. First result:
    the tenant's chosen provider answers; others return None."""


# -- Messaging --------------------------------------------------------------------------


@hookspec(firstresult=True)
def aimi_send_message(message: Message, context: PluginContext) -> str | None:
    """Deliver an e-mail; return the provider's message id. First result."""


@hookspec(firstresult=True)
def aimi_send_messages(messages: list[Message], context: PluginContext) -> list[str] | None:
    """Deliver many e-mails in as few provider requests as it allows (a cohort's fan-out);
    return their message ids in order. All or none: raise ``DeliveryError`` when the
    provider refused the batch. None lets each go through ``aimi_send_message``."""


# -- Files ------------------------------------------------------------------------------


@hookspec(firstresult=True)
def aimi_store_file(key: str, data: bytes, content_type: str, context: PluginContext) -> str | None:
    """Store bytes under a tenant-scoped key; return the stored key. First result."""


@hookspec(firstresult=True)
def aimi_read_file(key: str, context: PluginContext) -> bytes | None:
    """Read bytes stored under a key. First result."""


@hookspec(firstresult=True)
def aimi_delete_file(key: str, context: PluginContext) -> bool | None:
    """Delete a stored file; True when it existed. First result."""


# -- Meetings ---------------------------------------------------------------------------


@hookspec(firstresult=True)
def aimi_create_meeting(request: MeetingRequest, context: PluginContext) -> Meeting | None:
    """Create a live session (e.g. Zoom) and return its join link. First result."""


@hookspec(firstresult=True)
def aimi_cancel_meeting(meeting_id: str, context: PluginContext) -> bool | None:
    """Cancel a live session created by this plugin. First result."""


# -- Billing ----------------------------------------------------------------------------


@hookspec
def aimi_billing_event(event: BillingEvent, context: PluginContext) -> None:
    """React to a billing event (subscription created, invoice paid, ...). Every plugin
    is told."""


# -- Application ------------------------------------------------------------------------


@hookspec
def aimi_register_blueprints(app: Any, portal: str) -> None:
    """Add blueprints to the ``portal`` ("tenant", "console" or "platform") Flask app.
    Plugin blueprints must be named ``plugin_<plugin name>``."""


@hookspec
def aimi_register_commands(cli: Any) -> None:
    """Add click commands or groups to the ``aimi`` command."""
