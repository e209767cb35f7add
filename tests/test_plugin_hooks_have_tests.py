"""Every hook has a test (Datasette's rule), and the integration hooks, which no built-in
implements yet, are tested here at the manager level: the typed method returns the
first enabled plugin's answer, skips plugins the tenant turned off, passes each plugin
its own options, and says so when nobody answered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.manager import HOOK_NAMES, NotHandledError, PluginManager
from aimi.plugins.settings import PluginState
from aimi.plugins.types import AudioInput, BillingEvent, Meeting, MeetingRequest, Message, Transcript

TESTS = Path(__file__).parent


def test_every_hook_appears_in_a_test():
    text = "\n".join(path.read_text() for path in TESTS.glob("*.py"))
    missing = [name for name in HOOK_NAMES if not re.search(rf"\b{name}\b", text)]
    assert HOOK_NAMES and not missing, f"hooks without a test: {missing}"


class Provider:
    """Answers every integration hook with its name and the option it was given, or
    ``None`` when the tenant set ``answer`` off (so the next provider is asked)."""

    def __init__(self, name: str, log: list):
        self.name, self.log = name, log

    def _reply(self, context, value):
        self.log.append((self.name, context.tenant, dict(context.options)))
        return value if context.options.get("answer", True) else None

    @hookimpl
    def aimi_transcribe_audio(self, audio, context):
        return self._reply(context, Transcript(f"{self.name}: {audio.path}", (), 1.5, self.name))

    @hookimpl
    def aimi_send_message(self, message, context):
        return self._reply(context, f"{self.name}-{message.to}")

    @hookimpl
    def aimi_store_file(self, key, data, content_type, context):
        return self._reply(context, f"{self.name}/{key}/{len(data)}/{content_type}")

    @hookimpl
    def aimi_read_file(self, key, context):
        return self._reply(context, f"{self.name}:{key}".encode())

    @hookimpl
    def aimi_delete_file(self, key, context):
        return self._reply(context, self.name == "second")

    @hookimpl
    def aimi_create_meeting(self, request, context):
        meeting = Meeting(f"{self.name}-1", f"https://meet.example/{request.topic}", self.name)
        return self._reply(context, meeting)

    @hookimpl
    def aimi_cancel_meeting(self, meeting_id, context):
        return self._reply(context, meeting_id.startswith(self.name))

    @hookimpl
    def aimi_billing_event(self, event, context):
        self._reply(context, None)


CALLS = {
    "transcribe": (AudioInput("a.wav", "audio/wav"),
                   lambda name: Transcript(f"{name}: a.wav", (), 1.5, name)),
    "send_message": (Message("c@x.example", "Hi", "Body"), lambda name: f"{name}-c@x.example"),
    "read_file": ("k1", lambda name: f"{name}:k1".encode()),
    "delete_file": ("k1", lambda name: name == "second"),
    "create_meeting": (MeetingRequest("mock", "2026-01-05T10:00:00Z", 30, "h@x.example"),
                       lambda name: Meeting(f"{name}-1", "https://meet.example/mock", name)),
    "cancel_meeting": ("second-1", lambda name: name == "second"),
}


@pytest.fixture
def providers():
    """``first`` registered after ``second``, so pluggy asks ``first`` first."""
    log: list = []
    manager = PluginManager(builtins=(), entry_points=False)
    manager.register(Provider("second", log), "second")
    manager.register(Provider("first", log), "first")
    return manager, log


@pytest.mark.parametrize("method", sorted(CALLS))
def test_first_result_hooks_respect_enablement_and_order(providers, method):
    manager, log = providers
    argument, expected = CALLS[method]
    call = getattr(manager, method)
    both = {"first": PluginState(True, {"answer": True}), "second": PluginState(True)}
    assert call(argument, tenant="alpha", settings=both) == expected("first")
    assert log == [("first", "alpha", {"answer": True})]  # stopped at the first answer

    log.clear()
    first_passes = {**both, "first": PluginState(True, {"answer": False})}
    assert call(argument, tenant="alpha", settings=first_passes) == expected("second")
    assert [entry[0] for entry in log] == ["first", "second"]

    log.clear()
    first_off = {**both, "first": PluginState(False)}
    assert call(argument, tenant="beta", settings=first_off) == expected("second")
    assert [entry[0] for entry in log] == ["second"]  # a tenant's disabled plugin is never called

    with pytest.raises(NotHandledError, match=r"no enabled plugin handled aimi_\w+ for tenant beta"):
        call(argument, tenant="beta", settings={})  # third-party plugins start off


def test_store_file_passes_every_argument(providers):
    manager, _log = providers
    stored = manager.store_file("t/alpha/a.txt", b"hello", "text/plain", tenant="alpha",
                                settings={"second": PluginState(True)})
    assert stored == "second/t/alpha/a.txt/5/text/plain"


def test_billing_events_reach_every_enabled_plugin(providers):
    manager, log = providers
    event = BillingEvent("invoice.paid", "alpha", {"amount": 1200})
    on = {"first": PluginState(True, {"answer": True}), "second": PluginState(True, {"plan": "pro"})}
    assert manager.billing_event(event, tenant="alpha", settings=on) is None
    assert log == [("first", "alpha", {"answer": True}), ("second", "alpha", {"plan": "pro"})]
    log.clear()
    manager.billing_event(event, tenant="alpha", settings={"second": PluginState(True)})
    assert [entry[0] for entry in log] == ["second"]
