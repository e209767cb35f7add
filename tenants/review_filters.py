"""Filters of the review queue: cohort, job role, interview type, submission dates (in the
college's time zone), the AI's overall score range and voice or text answers. They come
from the page's query string and go back into it, so a filtered queue can be bookmarked
and its pages keep the filters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from aimi.platform.timeutil import from_local
from aimi.tenants import cohorts
from aimi.tenants.interview_models import INTERVIEW_TYPES, ROLES, Interview, InterviewAnswer
from aimi.tenants.models import User, cohort_candidates
from aimi.tenants.recording_models import Recording

MODES = {"voice": "Voice", "text": "Text"}
NAMES = ("cohort", "role", "type", "since", "until", "ai_min", "ai_max", "mode")


@dataclass(frozen=True)
class Filters:
    cohort: int | None = None
    role: str | None = None
    type: str | None = None
    since: date | None = None
    until: date | None = None
    ai_min: int | None = None
    ai_max: int | None = None
    mode: str | None = None

    @property
    def active(self) -> bool:
        return any(value is not None for value in asdict(self).values())

    def as_args(self) -> dict[str, str]:
        """The query string that gives these filters back (unset ones left out)."""
        return {k: (v.isoformat() if isinstance(v, date) else str(v)) for k, v in asdict(self).items()
                if v is not None}

    def apply(self, stmt: Select, timezone: str) -> Select:
        """Narrow a queue query (rows joined on ``InterviewAnswer`` and ``Interview``)."""
        if self.cohort is not None:
            stmt = stmt.where(Interview.candidate_id.in_(
                select(cohort_candidates.c.user_id).where(cohort_candidates.c.cohort_id == self.cohort)))
        if self.role is not None:
            stmt = stmt.where(Interview.role == self.role)
        if self.type is not None:
            stmt = stmt.where(Interview.type == self.type)
        submitted = func.coalesce(InterviewAnswer.submitted_at, Interview.submitted_at)
        if self.since is not None:
            stmt = stmt.where(submitted >= from_local(datetime.combine(self.since, time()), timezone))
        if self.until is not None:
            end = datetime.combine(self.until + timedelta(days=1), time())
            stmt = stmt.where(submitted < from_local(end, timezone))
        if self.ai_min is not None:
            stmt = stmt.where(InterviewAnswer.overall >= self.ai_min)
        if self.ai_max is not None:
            stmt = stmt.where(InterviewAnswer.overall <= self.ai_max)
        if self.mode is not None:
            spoken = select(Recording.id).where(Recording.answer_id == InterviewAnswer.id,
                                                Recording.status != "discarded").exists()
            stmt = stmt.where(spoken if self.mode == "voice" else ~spoken)
        return stmt


def parse(session: Session, viewer: User, args: Mapping[str, str]) -> tuple[Filters, dict[str, str]]:
    """The filters a query string asks for, and what is wrong with each bad one (a bad
    filter is left out, so the queue still shows, and says why)."""
    errors: dict[str, str] = {}
    raw = {name: (args.get(name) or "").strip() for name in NAMES}
    cohort = None
    if raw["cohort"]:
        if raw["cohort"].isdigit() and cohorts.visible_one(session, viewer, int(raw["cohort"])) is not None:
            cohort = int(raw["cohort"])
        else:
            errors["cohort"] = "Choose one of the cohorts in the list."
    role = _choice(raw, "role", ROLES, "job role", errors)
    kind = _choice(raw, "type", INTERVIEW_TYPES, "interview type", errors)
    mode = _choice(raw, "mode", MODES, "answer kind", errors)
    since, until = _date(raw, "since", errors), _date(raw, "until", errors)
    if since and until and since > until:
        errors["until"] = "The end date is before the start date; swap them."
        until = None
    ai_min, ai_max = _score(raw, "ai_min", errors), _score(raw, "ai_max", errors)
    if ai_min is not None and ai_max is not None and ai_min > ai_max:
        errors["ai_max"] = "The highest score is below the lowest; swap them."
        ai_max = None
    return Filters(cohort, role, kind, since, until, ai_min, ai_max, mode), errors


def _choice(raw: Mapping[str, str], name: str, allowed, what: str, errors: dict[str, str]) -> str | None:
    if not raw[name]:
        return None
    if raw[name] in allowed:
        return raw[name]
    errors[name] = f"Choose the {what} from the list."
    return None


def _date(raw: Mapping[str, str], name: str, errors: dict[str, str]) -> date | None:
    if not raw[name]:
        return None
    try:
        return date.fromisoformat(raw[name])
    except ValueError:
        errors[name] = "Give a date as YYYY-MM-DD, for example 2026-11-30."
        return None


def _score(raw: Mapping[str, str], name: str, errors: dict[str, str]) -> int | None:
    if not raw[name]:
        return None
    if raw[name].isdigit() and 0 <= int(raw[name]) <= 100:
        return int(raw[name])
    errors[name] = "Give a whole number from 0 to 100."
    return None
