"""Score one answer the way its tenant wants: its enabled evaluators with their options,
and its weights per interview type. Every scoring job goes through here."""

from __future__ import annotations

from sqlalchemy.orm import Session

from aimi.evaluators.report import Report, build_report, resolve_weights
from aimi.plugins import settings as plugin_settings
from aimi.plugins.manager import get_manager
from aimi.plugins.types import AnswerInput
from aimi.tenants import settings as tenant_settings
from aimi.tenants.context import current_tenant


def score_for_tenant(session: Session, answer: AnswerInput) -> Report:
    """The report for ``answer`` under the tenant in context."""
    states = plugin_settings.load(session)
    dimensions = get_manager().score_answer(answer, tenant=current_tenant().slug, settings=states)
    overrides = tenant_settings.load(session).scoring_weights
    kind = answer.type if answer.type in ("hr", "technical", "behavioural", "mixed") else "mixed"
    return build_report(answer, dimensions, resolve_weights(kind, overrides))
