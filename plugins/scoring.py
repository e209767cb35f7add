"""The one scoring pipeline: an answer, the plugins its tenant enabled with their options, and
the tenant's weights per interview type. Interviews, try-it evaluations, ``aimi
evaluate-batch`` and the benchmarks all call ``score``, so what is measured is what runs;
without a tenant the defaults apply (built-in evaluators on, default options and weights)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from aimi.evaluators.report import DEFAULT_WEIGHTS, Report, build_report, resolve_weights
from aimi.platform.tenancy import current_tenant
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import PluginManager, States, get_manager
from aimi.plugins.settings import PluginState
from aimi.plugins.types import AnswerInput, OptionsError, validate_options
from aimi.tenants import questions
from aimi.tenants import settings as tenant_settings


def score(answer: AnswerInput, *, tenant: str | None = None, states: States | None = None,
          weights: Mapping[str, Any] | None = None, vocabulary: frozenset[str] = frozenset(),
          manager: PluginManager | None = None) -> Report:
    """The report for ``answer``: every enabled evaluator's dimensions (``states``, by default
    the built-ins with their default options), weighted by the interview type with the
    ``weights`` overrides (``{type: {dimension: weight}}``) laid over the defaults.
    ``vocabulary`` is the words of the tenant's question banks (known to the spelling check)."""
    manager = manager or get_manager()
    dimensions = manager.score_answer(answer, tenant=tenant, settings=states or {}, vocabulary=vocabulary)
    kind = answer.type if answer.type in DEFAULT_WEIGHTS else "mixed"
    return build_report(answer, dimensions, resolve_weights(kind, weights))


def default_states(options: Mapping[str, Mapping[str, Any]],
                   manager: PluginManager | None = None) -> dict[str, PluginState]:
    """The default plugin states with some options changed (``{plugin: {option: value}}``),
    as a benchmark or a test needs them without a tenant; the options are checked as an
    admin's would be (``OptionsError`` says which are wrong)."""
    manager = manager or get_manager()
    unknown = sorted(set(options) - set(manager.names))
    if unknown:
        raise OptionsError({name: f"no plugin named {name!r} is installed" for name in unknown})
    states = {}
    for name in manager.names:
        default = manager.default_state(name)
        changed = validate_options(manager.option_specs(name), {**default.options, **options.get(name, {})})
        states[name] = PluginState(default.enabled, changed)
    return states


def score_for_tenant(session: Session, answer: AnswerInput) -> Report:
    """The report for ``answer`` under the tenant in context."""
    return score(answer, tenant=current_tenant().slug, states=plugin_settings.load(session),
                 weights=tenant_settings.load(session).scoring_weights,
                 vocabulary=questions.bank_vocabulary(session))
