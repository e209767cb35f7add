"""The data that crosses the plugin boundary: what hooks receive and return.

Plain frozen dataclasses, so third-party plugins depend on nothing but this module. The
option specs carry their own validation (``validate_options``): the one way options are
checked, whether an admin saves them, a command passes them or an evaluator reads them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

INTERVIEW_TYPES = ("hr", "technical", "behavioural", "mixed")


@dataclass(frozen=True)
class AnswerInput:
    """One answer to score, with what the question's author expects."""

    id: str
    question: str
    answer: str
    reference_answers: tuple[str, ...] = ()
    rubric: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    type: str = "technical"
    # Expected answer length in words (min, max); None lets the evaluator decide.
    expected_words: tuple[int, int] | None = None
    # A spoken answer's delivery analysis (``SpeechAnalysis.as_dict()`` of
    # aimi.evaluators.speech_analysis), measured on the audio; None for typed answers.
    speech: dict[str, Any] | None = None
    # The company a company question names (the interview's target company); "" when none.
    company: str = ""


@dataclass(frozen=True)
class DimensionScore:
    """One dimension of a report: a 0-100 score, the evidence behind it, and advice.

    ``evidence`` holds the words, spans (character offsets into the answer), counts and
    timings that caused the score; ``suggestions`` are plain sentences to the candidate.
    A dimension whose plugin failed has ``score=None`` and ``error`` set.
    """

    name: str
    score: float | None
    evidence: dict[str, Any] = field(default_factory=dict)
    suggestions: tuple[str, ...] = ()
    plugin: str = ""
    error: str = ""

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "score": None if self.score is None else round(self.score, 1),
            "evidence": self.evidence,
            "suggestions": list(self.suggestions),
        }
        if self.error:
            data["error"] = self.error
        return data


@dataclass(frozen=True)
class ScoringContext:
    """What an evaluator gets besides the answer: the tenant, its own options and the
    parsed texts (parsed once per answer and shared by every evaluator)."""

    tenant: str | None
    options: dict[str, Any]
    nlp: Any  # spacy.language.Language
    doc: Any  # spacy.tokens.Doc of the answer
    reference_docs: tuple[Any, ...] = ()
    # Words of the tenant's question banks (lower case), known to be spelt as the college wants.
    vocabulary: frozenset[str] = frozenset()


OPTION_TYPES = (str, int, float, bool, list, dict)
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off", ""})


class OptionsError(ValueError):
    """Refused options; ``errors`` maps each option (or what else was refused) to what is
    wrong with it and how to put it right, so a form can show every message by its field."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class OptionSpec:
    """One option a plugin accepts per tenant; ``coerce`` checks a value against it."""

    type: type
    default: Any
    help: str = ""
    choices: tuple[Any, ...] = ()
    min: float | None = None
    max: float | None = None
    secret: bool = False

    def coerce(self, value: Any) -> Any:
        """``value`` (as typed in a form, given on the command line or stored) converted
        to the option's type, or ``ValueError`` with a message for the person who typed it."""
        if self.type is bool:
            if isinstance(value, bool):
                return value
            word = str(value).strip().lower()
            if word in TRUE_WORDS | FALSE_WORDS:
                return word in TRUE_WORDS
            raise ValueError("use true or false")
        if self.type in (int, float):
            result: Any = self._number(value)
        elif self.type is str:
            if not isinstance(value, str):
                raise ValueError("use text")
            result = value.strip()
        else:
            if isinstance(value, str):
                try:
                    value = json.loads(value)
                except ValueError:
                    raise ValueError(f"use JSON, e.g. {'[]' if self.type is list else '{}'}") from None
            if not isinstance(value, self.type):
                raise ValueError(f"use a JSON {'list' if self.type is list else 'object'}")
            result = value
        if self.choices and result not in self.choices:
            raise ValueError(f"choose one of: {', '.join(map(str, self.choices))}")
        return result

    def _number(self, value: Any) -> int | float:
        kind = "a whole number" if self.type is int else "a number"
        if isinstance(value, bool):
            raise ValueError(f"use {kind}")
        try:
            number = float(value.strip() if isinstance(value, str) else value)
        except (TypeError, ValueError):
            raise ValueError(f"use {kind}") from None
        if not math.isfinite(number) or (self.type is int and not number.is_integer()):
            raise ValueError(f"use {kind}")
        if self.min is not None and number < self.min:
            raise ValueError(f"use a value of at least {self.min:g}")
        if self.max is not None and number > self.max:
            raise ValueError(f"use a value of at most {self.max:g}")
        return int(number) if self.type is int else number


def validate_options(specs: Mapping[str, OptionSpec], values: Mapping[str, Any]) -> dict[str, Any]:
    """Every option of a plugin, coerced, defaults filled in; ``OptionsError`` lists every
    unknown name and every bad value at once."""
    errors = {}
    for name in sorted(set(values) - set(specs)):
        accepted = ", ".join(sorted(specs)) or "none"
        errors[name] = f"unknown option (this plugin accepts: {accepted})"
    result = {}
    for name, spec in specs.items():
        try:
            result[name] = spec.coerce(values.get(name, spec.default))
        except ValueError as exc:
            errors[name] = str(exc)
    if errors:
        raise OptionsError(errors)
    return result


@dataclass(frozen=True)
class PluginContext:
    """Tenant and options for the non-scoring hooks; ``platform`` is the platform's
    configuration in force (``aimi.platform.config.Settings``: files root, mail sender,
    SMTP URL), None outside an application."""

    tenant: str | None
    options: dict[str, Any]
    platform: Any = None


@dataclass(frozen=True)
class AudioInput:
    """Normalised audio to transcribe: ``path`` is a 16 kHz mono 16-bit PCM WAV file."""

    path: str
    content_type: str = "audio/wav"
    language: str = "en-US"
    # Texts to bias recognition toward: the question, its reference answers and keywords.
    hints: tuple[str, ...] = ()
    # The question's keywords alone: what a provider may favour by name (Whisper's hotwords).
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class TranscriptWord:
    word: str
    start: float
    end: float
    confidence: float | None = None


@dataclass(frozen=True)
class Transcript:
    text: str
    words: tuple[TranscriptWord, ...]
    duration: float
    provider: str

    def as_dict(self) -> dict[str, Any]:
        """``{text, words: [{word, start, end}], duration, provider}``, times in seconds
        to the millisecond: what ``aimi transcribe --json`` prints and a recording stores."""
        return {
            "text": self.text,
            "words": [{"word": w.word, "start": round(w.start, 3), "end": round(w.end, 3)}
                      for w in self.words],
            "duration": round(self.duration, 3),
            "provider": self.provider,
        }


@dataclass(frozen=True)
class Message:
    to: str
    subject: str
    body: str
    html: str | None = None
    sender: str | None = None
    headers: tuple[tuple[str, str], ...] = ()  # extra headers, e.g. List-Unsubscribe


class TransientJobError(Exception):
    """Raise from a job handler or a plugin when trying again later may work (a provider
    timed out); the job runner retries it."""


class DeliveryError(Exception):
    """A provider could not deliver a message. ``retry`` says whether trying again later
    may work (a timeout, 429, 5xx); otherwise the message is refused for good (a bad
    address, a 4xx) and the provider's message is shown to the college's admins.
    ``bounced``: the provider refused the address itself for good (an SMTP 5xx to RCPT),
    so it joins the college's suppression list like a bounce its webhook reports."""

    def __init__(self, message: str, *, retry: bool, bounced: bool = False) -> None:
        super().__init__(message)
        self.retry, self.bounced = retry, bounced


@dataclass(frozen=True)
class MeetingRequest:
    topic: str
    start: str  # ISO 8601 in UTC
    duration_minutes: int
    host_email: str


@dataclass(frozen=True)
class Meeting:
    id: str
    join_url: str
    provider: str


@dataclass(frozen=True)
class BillingEvent:
    type: str
    tenant: str | None
    payload: dict[str, Any] = field(default_factory=dict)
