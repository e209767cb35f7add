"""The plugin manager: finds plugins, checks them at start-up, calls them per tenant.

Third-party plugins arrive through the ``aimi`` entry-point group; the built-ins
(``BUILTIN_PLUGINS``) are then registered through the same ``register`` call, named by
their module's last part. Core code calls the typed methods here, never ``pm.hook.*``:
each calls only the plugins the tenant has enabled, passing each its own options, so
one process serves every tenant. A plugin that is broken (unknown hook, bad option
specs, a clashing name) stops start-up with a message naming it.
"""

from __future__ import annotations

import functools
import importlib
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import pluggy

from aimi.evaluators import BUILTIN_EVALUATORS, BUILTIN_SPEECH
from aimi.integrations import BUILTIN_INTEGRATIONS
from aimi.platform.db import tenant_session
from aimi.plugins import hookspecs
from aimi.plugins import settings as plugin_settings
from aimi.plugins.settings import PluginState
from aimi.plugins.types import (
    OPTION_TYPES,
    AnswerInput,
    AudioInput,
    BillingEvent,
    DimensionScore,
    Meeting,
    MeetingRequest,
    Message,
    OptionsError,
    OptionSpec,
    PluginContext,
    ScoringContext,
    Transcript,
    validate_options,
)

if TYPE_CHECKING:
    from aimi.platform.config import Settings

BUILTIN_PLUGINS: tuple[str, ...] = (*BUILTIN_EVALUATORS, *BUILTIN_SPEECH, *BUILTIN_INTEGRATIONS)
HOOK_NAMES = tuple(name for name in hookspecs.__all__ if name.startswith("aimi_"))
States = Mapping[str, PluginState]
log = logging.getLogger(__name__)


class PluginError(RuntimeError):
    """A plugin cannot be used as installed; raised at start-up, naming the plugin."""


class NotHandledError(LookupError):
    """No plugin the tenant has enabled answered a "first result" hook."""


class PluginDisabledError(LookupError):
    """A request reached the pages of a plugin its tenant has not enabled (the web layer
    answers 404)."""


@dataclass(frozen=True)
class PluginInfo:
    name: str
    builtin: bool
    source: str  # "built-in" or "<distribution> <version>"
    hooks: tuple[str, ...]


class PluginManager:
    """pluggy's manager for project "aimi", with one typed method per hook."""

    # Where the platform configuration in force comes from, for the plugins' context. The
    # web layer points it at the settings of the Flask app in context (``make_flask``).
    platform_settings: Callable[[], Settings | None] = staticmethod(lambda: None)

    def __init__(self, *, builtins: tuple[str, ...] = BUILTIN_PLUGINS, entry_points: bool = True):
        self._pm = pluggy.PluginManager(hookspecs.PROJECT)
        self._pm.add_hookspecs(hookspecs)
        self._builtin: set[str] = set()
        self._specs: dict[str, dict[str, OptionSpec]] = {}
        if entry_points:
            try:
                self._pm.load_setuptools_entrypoints(hookspecs.PROJECT)
            except Exception as exc:
                raise PluginError(f"a plugin of entry-point group 'aimi' failed to load: "
                                  f"{type(exc).__name__}: {exc}") from exc
            for name, plugin in self._pm.list_name_plugin():
                self._check(name, plugin)
        for dotted in builtins:
            self.register(importlib.import_module(dotted), dotted.rsplit(".", 1)[-1])
            self._builtin.add(dotted.rsplit(".", 1)[-1])

    # -- Registration and start-up checks ----------------------------------------------

    def register(self, plugin: object, name: str) -> None:
        """Register one plugin and check it; ``PluginError`` says what is wrong."""
        try:
            self._pm.register(plugin, name=name)
        except ValueError as exc:  # name or object already registered
            raise PluginError(f"plugin {name!r} cannot be registered: {exc}") from exc
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"plugin {name!r} is broken: {exc}") from exc
        self._check(name, plugin)

    def _check(self, name: str, plugin: object) -> None:
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            culprit = self._pm.get_name(exc.plugin) or name
            raise PluginError(f"plugin {culprit!r} is broken: {exc}. Known hooks: "
                              f"{', '.join(HOOK_NAMES)}") from exc
        for caller in self._pm.get_hookcallers(plugin) or ():
            if any(impl.wrapper or impl.hookwrapper for impl in caller.get_hookimpls()
                   if impl.plugin_name == name):
                raise PluginError(f"plugin {name!r}: hook wrappers are not supported ({caller.name})")
        self._specs[name] = self._collect_specs(name)

    def _collect_specs(self, name: str) -> dict[str, OptionSpec]:
        specs: Any = {}
        for impl in self._pm.hook.aimi_options.get_hookimpls():
            if impl.plugin_name == name:
                specs = impl.function() or {}
        bad = [key for key, spec in specs.items() if not isinstance(spec, OptionSpec)
               or spec.type not in OPTION_TYPES] if isinstance(specs, dict) else [repr(specs)[:80]]
        if bad:
            raise PluginError(f"plugin {name!r}: aimi_options must return {{name: OptionSpec}} with "
                              f"types among str, int, float, bool, list, dict (bad: {bad})")
        try:
            validate_options(specs, {})
        except OptionsError as exc:
            raise PluginError(f"plugin {name!r}: an option's default is invalid: {exc}") from exc
        return specs

    # -- What is installed ---------------------------------------------------------------

    @property
    def names(self) -> tuple[str, ...]:
        """Plugin names: built-ins first, in their listed order, then the others by name."""
        builtins = [name for name in self._specs if name in self._builtin]
        return (*builtins, *sorted(set(self._specs) - self._builtin))

    def is_builtin(self, name: str) -> bool:
        return name in self._builtin

    def info(self) -> list[PluginInfo]:
        dists = {id(plugin): f"{dist.project_name} {dist.version}"
                 for plugin, dist in self._pm.list_plugin_distinfo()}
        result = []
        for name in self.names:
            plugin = self._pm.get_plugin(name)
            hooks = tuple(sorted(caller.name for caller in self._pm.get_hookcallers(plugin) or ()))
            source = "built-in" if self.is_builtin(name) else dists.get(id(plugin), "registered in code")
            result.append(PluginInfo(name, self.is_builtin(name), source, hooks))
        return result

    def providers(self, hook: str) -> tuple[str, ...]:
        """Names of the plugins implementing ``hook`` (e.g. the speech providers)."""
        found = {impl.plugin_name for impl in getattr(self._pm.hook, hook).get_hookimpls()}
        return tuple(name for name in self.names if name in found)

    def option_specs(self, name: str) -> dict[str, OptionSpec]:
        return dict(self._specs[name])

    def options_specs(self) -> dict[str, dict[str, OptionSpec]]:
        """Every plugin's options, ``{plugin: {option: OptionSpec}}``."""
        return {name: self.option_specs(name) for name in self.names}

    def default_state(self, name: str) -> PluginState:
        """A plugin as a tenant has it before choosing: built-ins on, others off."""
        defaults = {key: spec.default for key, spec in self._specs[name].items()}
        return PluginState(enabled=self.is_builtin(name), options=defaults)

    def state(self, name: str, states: States) -> PluginState:
        return states.get(name) or self.default_state(name)

    # -- Calling hooks for one tenant -----------------------------------------------------

    def _enabled(self, hook: str, states: States) -> Iterator[tuple[str, Any, PluginState]]:
        """The hook's implementations the tenant enabled, in pluggy's calling order."""
        for impl in reversed(getattr(self._pm.hook, hook).get_hookimpls()):
            state = self.state(impl.plugin_name, states)
            if state.enabled:
                yield impl.plugin_name, impl, state

    @staticmethod
    def _call(impl: Any, **kwargs: Any) -> Any:
        return impl.function(*(kwargs[arg] for arg in impl.argnames))

    def _first(self, hook: str, tenant: str | None, states: States, only: str | None = None,
               **kwargs: Any) -> Any:
        """The first enabled plugin's answer (only plugin ``only``'s, when given)."""
        if only is not None and only not in self._specs:
            raise NotHandledError(f"there is no plugin named {only!r}; installed: {', '.join(self.names)}")
        for name, impl, state in self._enabled(hook, states):
            if only is not None and name != only:
                continue
            result = self._call(impl, context=self._context(tenant, state), **kwargs)
            if result is not None:
                return result
        who = f"plugin {only!r} (is it enabled?) did not handle" if only else "no enabled plugin handled"
        raise NotHandledError(f"{who} {hook} for tenant {tenant or '(platform)'}")

    def score_answer(self, answer: AnswerInput, *, tenant: str | None, settings: States,
                     vocabulary: frozenset[str] = frozenset()) -> list[DimensionScore]:
        """Every enabled evaluator's dimensions, in registration order. The answer and
        references are parsed once and shared; an evaluator that raises (or returns
        something else than a list of DimensionScore) gives one dimension named after it,
        with no score and the error. ``vocabulary`` is the words of the tenant's banks."""
        from aimi.evaluators.nlp import load_pipeline  # spaCy: only where answers are scored

        nlp = load_pipeline()
        doc, *references = nlp.pipe([answer.answer, *answer.reference_answers])
        scores: list[DimensionScore] = []
        for name, impl, state in reversed(list(self._enabled("aimi_score_answer", settings))):
            context = ScoringContext(tenant, dict(state.options), nlp, doc, tuple(references), vocabulary)
            try:
                result = self._call(impl, answer=answer, context=context)
                _check_scores(result)
            except Exception as exc:
                log.warning("plugin %s failed to score answer %s", name, answer.id, exc_info=True)
                scores.append(DimensionScore(name=name, score=None, plugin=name,
                                             error=f"{type(exc).__name__}: {exc}"))
                continue
            scores.extend(replace(score, plugin=score.plugin or name) for score in result)
        return scores

    def transcribe(self, audio: AudioInput, *, tenant: str | None, settings: States,
                   provider: str | None = None) -> Transcript:
        """The transcript from ``provider`` (a plugin name, the tenant's choice), or from
        the first enabled plugin that answers when no provider is named."""
        return self._first("aimi_transcribe_audio", tenant, settings, only=provider, audio=audio)

    def send_message(self, message: Message, *, tenant: str | None, settings: States) -> str:
        return self._first("aimi_send_message", tenant, settings, message=message)

    def send_messages(self, messages: list[Message], *, tenant: str | None,
                      settings: States) -> list[str] | None:
        """The batch, sent by the first plugin that sends batches; None when none does
        (the caller then sends each through ``send_message``)."""
        try:
            return self._first("aimi_send_messages", tenant, settings, messages=messages)
        except NotHandledError:
            return None

    def store_file(self, key: str, data: bytes, content_type: str, *, tenant: str | None,
                   settings: States) -> str:
        return self._first("aimi_store_file", tenant, settings, key=key, data=data,
                           content_type=content_type)

    def read_file(self, key: str, *, tenant: str | None, settings: States) -> bytes:
        return self._first("aimi_read_file", tenant, settings, key=key)

    def delete_file(self, key: str, *, tenant: str | None, settings: States) -> bool:
        return self._first("aimi_delete_file", tenant, settings, key=key)

    def create_meeting(self, request: MeetingRequest, *, tenant: str | None, settings: States) -> Meeting:
        return self._first("aimi_create_meeting", tenant, settings, request=request)

    def cancel_meeting(self, meeting_id: str, *, tenant: str | None, settings: States) -> bool:
        return self._first("aimi_cancel_meeting", tenant, settings, meeting_id=meeting_id)

    def billing_event(self, event: BillingEvent, *, tenant: str | None, settings: States) -> None:
        """Tell every enabled plugin; an exception propagates so the job is retried."""
        for _name, impl, state in self._enabled("aimi_billing_event", settings):
            self._call(impl, event=event, context=self._context(tenant, state))

    # -- Contributing to the apps and the CLI (process-wide) -----------------------------

    def _context(self, tenant: str | None, state: PluginState) -> PluginContext:
        return PluginContext(tenant, dict(state.options), self.platform_settings())

    def register_blueprints(self, app: Any, portal: str) -> None:
        """Let every plugin add its ``plugin_<name>`` blueprint to ``app``. In the tenant
        portal, a plugin's pages answer 404 for tenants that have not enabled it."""
        for impl in reversed(self._pm.hook.aimi_register_blueprints.get_hookimpls()):
            name = impl.plugin_name
            before = set(app.blueprints)
            self._call(impl, app=app, portal=portal)
            added = set(app.blueprints) - before
            if added - {f"plugin_{name}"}:
                raise PluginError(f"plugin {name!r} registered blueprint(s) {sorted(added)}; a plugin's "
                                  f"blueprint must be named 'plugin_{name}'")
            if portal == "tenant" and added:
                app.before_request_funcs.setdefault(f"plugin_{name}", []).append(
                    functools.partial(self._require_enabled, name))

    def _require_enabled(self, name: str) -> None:
        if not plugin_settings.load(tenant_session(), self)[name].enabled:
            raise PluginDisabledError(f"plugin {name!r} is not enabled for this tenant")

    def register_commands(self, cli: Any) -> None:
        """Let every plugin add click commands; replacing an existing one fails."""
        for impl in reversed(self._pm.hook.aimi_register_commands.get_hookimpls()):
            before = dict(cli.commands)
            self._call(impl, cli=cli)
            replaced = sorted(key for key, command in before.items() if cli.commands.get(key) is not command)
            if replaced:
                raise PluginError(f"plugin {impl.plugin_name!r} replaced the command(s) {replaced}")


def _check_scores(result: Any) -> None:
    if not isinstance(result, list | tuple) or not all(isinstance(s, DimensionScore) for s in result):
        raise TypeError(f"aimi_score_answer must return a list of DimensionScore, not {result!r:.80}")
    for score in result:
        if score.score is not None and not 0 <= score.score <= 100:
            raise ValueError(f"dimension {score.name!r} scored {score.score}, outside 0-100")


@functools.cache
def get_manager() -> PluginManager:
    """The process's manager (installed plugins do not change while it runs)."""
    return PluginManager()
