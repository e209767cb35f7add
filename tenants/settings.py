"""Typed, validated tenant settings stored as key/value rows in the tenant schema."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from aimi.evaluators.report import WeightsError, validate_weights
from aimi.platform.timeutil import is_valid_timezone
from aimi.tenants.models import Setting

POLICIES = ("closed", "invite_code", "email_domain", "open")
INACTIVE_YEARS = (0, 1, 2, 3)
MAX_TYPING_ALLOWANCE = 300  # percent  # 0: keep accounts however long they are unused
DEFAULT_RECORDING_POLICY = (
    "When you answer by voice, your college records the audio of your answer, turns it into text "
    "and measures how you speak (pace, pauses, filler words, pitch and volume). Your mentors may "
    "listen to it. You can delete a recording at any time from My recordings; audio is deleted "
    "automatically after the retention period, while the transcript and scores stay.")
SPEECH_LANGUAGE_RE = re.compile(r"^[a-z]{2,3}-[A-Z]{2}$")
HEX_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
# https:// or a path on this site; "//host" and "/\\host" are other sites to a browser.
LOGO_URL_RE = re.compile(r"^(https://|/(?![/\\]))[^\s\"'<>\\]+$")
LOGO_FILE_RE = re.compile(r"^branding/logo-[0-9a-f]{16}\.png$")
LOCALE_RE = re.compile(r"^[a-z]{2}(-[A-Z]{2})?$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")


class SettingsError(ValueError):
    """Invalid settings; ``errors`` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class TenantSettings:
    display_name: str = "aimi"
    logo_url: str = ""
    # The uploaded logo's storage key (aimi.tenants.branding); it wins over logo_url.
    logo_file: str = ""
    primary_color: str = "#4f46e5"
    accent_color: str = "#0ea5e9"
    timezone: str = "UTC"
    locale: str = "en"
    registration_policy: str = "closed"
    invite_code: str = ""
    allowed_email_domains: list[str] = field(default_factory=list)
    welcome_text: str = ""
    # {interview type: {dimension: weight}} laid over aimi.evaluators.report.DEFAULT_WEIGHTS.
    scoring_weights: dict[str, dict[str, float]] = field(default_factory=dict)
    # Voice answers: who transcribes, in which language, how long a take may be, what the
    # candidate agrees to before the first recording, and how long audio is kept.
    speech_provider: str = "whisper"
    speech_language: str = "en-US"
    max_recording_seconds: int = 300
    recording_policy: str = DEFAULT_RECORDING_POLICY
    audio_retention_days: int = 90
    # Erase candidate accounts unused for more than this many years (0: never); see
    # aimi.tenants.retention and `aimi retention purge`.
    inactive_account_years: int = 0
    # Show new AI scores calibrated to the college's mentors once a calibration is fitted.
    calibration_enabled: bool = True
    # Extra time on every question, in percent of its limit, for typing the answer (a question's
    # limit is set for saying it; typing on a phone takes far longer). See docs/decisions.md.
    typing_allowance_percent: int = 100

    def email_allowed(self, email: str) -> bool:
        domain = email.rsplit("@", 1)[-1].lower()
        return domain in self.allowed_email_domains

    def registration_note(self) -> str:
        return {
            "closed": "Registration is closed. Ask your placement cell for an invitation.",
            "invite_code": "You need the invite code your placement cell gave you.",
            "email_domain": "Use your "
            + " or ".join(f"@{d}" for d in self.allowed_email_domains)
            + " e-mail address.",
            "open": "",
        }[self.registration_policy]


FIELD_NAMES = {f.name for f in fields(TenantSettings)}


def _normalise_domains(value) -> list[str]:
    if isinstance(value, str):
        value = re.split(r"[\s,]+", value)
    return sorted({str(d).strip().lower().lstrip("@") for d in value if str(d).strip()})


def validate(values: dict) -> TenantSettings:
    """Return settings built from ``values`` or raise ``SettingsError`` listing every
    problem, so a form can show them all at once."""
    unknown = set(values) - FIELD_NAMES
    errors: dict[str, str] = {k: "unknown setting" for k in sorted(unknown)}
    data = {k: v for k, v in values.items() if k in FIELD_NAMES}
    if "allowed_email_domains" in data:
        data["allowed_email_domains"] = _normalise_domains(data["allowed_email_domains"])
    for key in ("display_name", "logo_url", "invite_code", "welcome_text", "timezone",
                "locale", "primary_color", "accent_color", "registration_policy", "speech_provider",
                "speech_language", "recording_policy"):
        if key in data:
            data[key] = str(data[key]).strip()
    candidate = TenantSettings(**data)
    if not 1 <= len(candidate.display_name) <= 120:
        errors["display_name"] = "give a name of 1 to 120 characters"
    if candidate.logo_url and not LOGO_URL_RE.match(candidate.logo_url):
        errors["logo_url"] = "use an https:// address or a path starting with /"
    if candidate.logo_file and not LOGO_FILE_RE.match(str(candidate.logo_file)):
        errors["logo_file"] = "not an uploaded logo"
    for key in ("primary_color", "accent_color"):
        if not HEX_RE.match(getattr(candidate, key)):
            errors[key] = "use a hex colour like #4f46e5"
    if not is_valid_timezone(candidate.timezone):
        errors["timezone"] = "use an IANA time zone such as Asia/Kolkata or Europe/London"
    if not LOCALE_RE.match(candidate.locale):
        errors["locale"] = "use a locale such as en, en-IN or en-US"
    if candidate.registration_policy not in POLICIES:
        errors["registration_policy"] = f"choose one of: {', '.join(POLICIES)}"
    if candidate.registration_policy == "invite_code" and len(candidate.invite_code) < 6:
        errors["invite_code"] = "set an invite code of at least 6 characters"
    if candidate.registration_policy == "email_domain" and not candidate.allowed_email_domains:
        errors["allowed_email_domains"] = "list at least one domain, e.g. college.edu"
    bad = [d for d in candidate.allowed_email_domains if not DOMAIN_RE.match(d)]
    if bad:
        errors["allowed_email_domains"] = f"not a domain: {', '.join(bad)}"
    try:
        validate_weights(candidate.scoring_weights)
    except WeightsError as exc:
        errors["scoring_weights"] = str(exc)
    errors.update(_speech_errors(candidate))
    years = candidate.inactive_account_years
    if isinstance(years, bool) or years not in INACTIVE_YEARS:
        errors["inactive_account_years"] = "choose off, 1, 2 or 3 years"
    allowance = candidate.typing_allowance_percent
    if isinstance(allowance, bool) or not isinstance(allowance, int) \
            or not 0 <= allowance <= MAX_TYPING_ALLOWANCE:
        errors["typing_allowance_percent"] = f"use a whole number from 0 to {MAX_TYPING_ALLOWANCE}"
    if not isinstance(candidate.calibration_enabled, bool):
        errors["calibration_enabled"] = "say on or off"
    if len(candidate.welcome_text) > 2000:
        errors["welcome_text"] = "keep the welcome text under 2000 characters"
    if errors:
        raise SettingsError(errors)
    return candidate


def _speech_errors(candidate: TenantSettings) -> dict[str, str]:
    from aimi.plugins.manager import get_manager  # the manager's modules import this one

    errors = {}
    providers = get_manager().providers("aimi_transcribe_audio")
    if candidate.speech_provider not in providers:
        errors["speech_provider"] = f"choose one of: {', '.join(providers)}"
    if not SPEECH_LANGUAGE_RE.match(str(candidate.speech_language)):
        errors["speech_language"] = "use a language code such as en-US, en-IN or en-GB"
    for key, low, high in (("max_recording_seconds", 30, 600), ("audio_retention_days", 1, 3650)):
        value = getattr(candidate, key)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[key] = f"use a whole number from {low} to {high}"
    if not 20 <= len(candidate.recording_policy.strip()) <= 4000:
        errors["recording_policy"] = "write the policy candidates accept, 20 to 4000 characters"
    return errors


def load(session: Session) -> TenantSettings:
    stored = {row.key: row.value for row in session.scalars(select(Setting))}
    known = {k: v for k, v in stored.items() if k in FIELD_NAMES}
    return TenantSettings(**known)


def save(session: Session, changes: dict) -> tuple[TenantSettings, dict]:
    """Validate the merged settings and stage the changed rows; returns the new settings
    and a ``{key: [old, new]}`` diff for the audit log. The caller commits."""
    current = load(session)
    merged = validate({**asdict(current), **changes})
    diff = {}
    for key, new in asdict(merged).items():
        old = getattr(current, key)
        if old != new:
            diff[key] = [old, new]
            row = session.get(Setting, key)
            if row is None:
                session.add(Setting(key=key, value=new))
            else:
                row.value = new
    return merged, diff
