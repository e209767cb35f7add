"""The "delivery" dimension: how the answer came across.

Typed answers: true filler words (``textview.typed_filler_hits``: a typed "um", or "you
know" set off by commas, not "as you see in the table") and hedges per 100 words, and
whether the answer is written as prose: a list of terms keeps only part of its score
(``answer_form.fluency_factor``). Interviewers read "um" and "I think maybe" as
uncertainty; counting them per 100 words (not in total) keeps long and short answers
comparable. Every occurrence is returned with its span so the UI can highlight it. The
advice is for a reader: nothing about pace, pauses or being heard.

Spoken answers (``AnswerInput.speech`` holds ``SpeechAnalysis.as_dict()``): pace against
the tenant's norms, long pauses, fillers per minute as the recogniser heard them (the
corrected text has lost them), pitch and loudness variation, plus the hedges of the text.
The raw measures are re-judged against the tenant's current norms, so changing a norm
changes the score of stored analyses too.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from aimi.evaluators.answer_form import LIST_BELOW, fluency_factor, prose_share
from aimi.evaluators.speech_analysis import FLAT_LOUDNESS_DB, SpeechNorms, clock, norms_from_options
from aimi.evaluators.textview import (
    Hit,
    TextView,
    clamp,
    hedge_hits,
    per_100,
    quoted,
    typed_filler_hits,
    view,
)
from aimi.platform.wording import plural
from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import AnswerInput, DimensionScore, OptionSpec, ScoringContext

NAME = "delivery"
# Points lost per filler / hedge per 100 words: 2 fillers per 100 words costs 14 points.
FILLER_COST = 7.0
HEDGE_COST = 4.0
# Spoken answers: points lost per word a minute outside the pace range, per long pause,
# per filler a minute above the norm, and for a monotone pitch or a flat loudness.
PACE_COST, PACE_CAP = 0.6, 35.0
LONG_PAUSE_COST, LONG_PAUSE_CAP = 6.0, 20.0
SPOKEN_FILLER_COST, SPOKEN_FILLER_CAP = 6.0, 30.0
MONOTONE_COST = 10.0
FLAT_COST = 5.0

_NORM_OPTIONS = {
    "pace_min_wpm": ("Slowest good pace of a spoken answer, in words a minute.", 40, 300),
    "pace_max_wpm": ("Fastest good pace of a spoken answer, in words a minute.", 60, 400),
    "pause_seconds": ("A silence at least this long (seconds) counts as a pause.", 0.2, 5),
    "long_pause_seconds": ("A pause at least this long (seconds) is reported and costs points.", 0.5, 30),
    "max_fillers_per_minute": ("Fillers ('um', 'uh', 'you know') a minute tolerated in speech.", 0, 60),
    "monotone_semitones": ("Pitch variation (semitones) below which a voice sounds monotone.", 0, 12),
}


@hookimpl
def aimi_options() -> dict[str, OptionSpec]:
    """The speech norms a tenant may adjust (used for spoken answers only)."""
    defaults = SpeechNorms()
    return {name: OptionSpec(float, getattr(defaults, name), help_text, min=low, max=high)
            for name, (help_text, low, high) in _NORM_OPTIONS.items()}


@hookimpl
def aimi_score_answer(answer: AnswerInput, context: ScoringContext) -> list[DimensionScore]:
    text = view(context.doc)
    hedges = hedge_hits(text.text)
    hedge_rate = per_100(len(hedges), text.word_count)
    advice = []
    fluency = 1.0
    if answer.speech is None:
        fillers = typed_filler_hits(text.text)
        filler_rate = per_100(len(fillers), text.word_count)
        lost = FILLER_COST * filler_rate
        if fillers:
            advice.append(
                f"You wrote filler words {plural(len(fillers), 'time')} ({_most_used(fillers)}), "
                f"{filler_rate:g} per 100 words. Leave them out: in writing they add words, not meaning.")
        share = prose_share(context.doc)
        fluency = fluency_factor(share)
        if share < LIST_BELOW:
            advice.append("Your answer is a list of terms, not prose: write it in full sentences that link "
                          "each point to the next, as you would explain it to an interviewer.")
        evidence: dict[str, Any] = {"words": text.word_count, "fillers": _group(fillers, filler_rate),
                                    "prose_share": round(share, 3)}
    else:
        lost, spoken_advice, evidence = _spoken(answer.speech, norms_from_options(context.options), text)
        advice.extend(spoken_advice)
    if hedges:
        advice.append(
            f"Hedges like {_most_used(hedges)} appeared {plural(len(hedges), 'time')}. When you know the "
            "answer, say it directly: 'I recommend ...' rather than 'I think maybe ...'.")
    evidence["hedges"] = _group(hedges, hedge_rate)
    score = clamp(100.0 - lost - HEDGE_COST * hedge_rate) * fluency
    return [DimensionScore(NAME, round(score, 1), evidence, tuple(advice), plugin=NAME)]


def _spoken(speech: dict[str, Any], norms: SpeechNorms,
            text: TextView) -> tuple[float, list[str], dict[str, Any]]:
    """Points lost, advice and evidence for a spoken answer, judged against ``norms``."""
    advice = []
    wpm = float(speech.get("wpm") or 0.0)
    if not speech.get("word_count"):
        pace_lost = 0.0
        advice.append("We could not make out any words in the recording, so pace and fillers were not "
                      "measured: speak close to the microphone in a quiet room.")
    else:
        outside = max(0.0, norms.pace_min_wpm - wpm, wpm - norms.pace_max_wpm)
        pace_lost = min(PACE_CAP, PACE_COST * outside)
        range_text = f"the {norms.pace_min_wpm:g}–{norms.pace_max_wpm:g} range"
        if wpm > norms.pace_max_wpm:
            advice.append(f"You spoke at {wpm:.0f} words a minute, above {range_text}: slow down, and "
                          "pause briefly after each key point so the interviewer can follow.")
        elif wpm < norms.pace_min_wpm:
            advice.append(f"You spoke at {wpm:.0f} words a minute, below {range_text}: practise the answer "
                          "aloud until the main points come without searching for words.")
    long_pauses = [p for p in speech.get("pauses", ()) if p["end"] - p["start"] >= norms.long_pause_seconds]
    if long_pauses:
        moments = ", ".join(f"{p['end'] - p['start']:.1f} s at {clock(p['start'])}" for p in long_pauses[:3])
        advice.append(f"You paused {plural(len(long_pauses), 'time')} for {norms.long_pause_seconds:g} s "
                      f"or longer ({moments}). If you need time to think, say so briefly "
                      "('Let me think about that for a moment') rather than going silent.")
    fpm = float(speech.get("fillers_per_minute") or 0.0)
    excess = max(0.0, fpm - norms.max_fillers_per_minute)
    if excess:
        heard = quoted(f["word"] for f in speech.get("fillers", ()))
        advice.append(f"You said fillers ({heard}) {fpm:.1f} times a minute, more than "
                      f"{norms.max_fillers_per_minute:g}: replace them with a short silent pause.")
    pitch_sd = speech.get("pitch_semitones_sd")
    monotone = pitch_sd is not None and pitch_sd < norms.monotone_semitones
    if monotone:
        advice.append(f"Your pitch varied by only {pitch_sd:.1f} semitones, which sounds monotone: raise "
                      "and lower your voice to stress the key facts and results.")
    loudness_sd = speech.get("loudness_db_sd")
    flat = loudness_sd is not None and loudness_sd < FLAT_LOUDNESS_DB
    if flat:
        advice.append("Your loudness hardly changed: say the important words (numbers, results, your own "
                      "actions) a little louder.")
    lost = (pace_lost + min(LONG_PAUSE_CAP, LONG_PAUSE_COST * len(long_pauses))
            + min(SPOKEN_FILLER_CAP, SPOKEN_FILLER_COST * excess)
            + MONOTONE_COST * monotone + FLAT_COST * flat)
    evidence = {
        "words": text.word_count,
        "mode": "speech",
        "pace": {"wpm": wpm, "min_wpm": norms.pace_min_wpm, "max_wpm": norms.pace_max_wpm},
        "long_pauses": long_pauses,
        "fillers_per_minute": fpm,
        "pitch": {"semitones_sd": pitch_sd, "monotone": monotone},
        "loudness": {"db_sd": loudness_sd, "flat": flat},
        "speech": speech,
    }
    return lost, advice, evidence


def _most_used(found: list[Hit]) -> str:
    counts = Counter(h.text.lower() for h in found)
    return quoted(word for word, _ in counts.most_common(3))


def _group(found: list[Hit], rate: float) -> dict[str, Any]:
    counts = Counter(h.text.lower() for h in found)
    return {
        "count": len(found),
        "per_100_words": rate,
        "by_word": dict(counts.most_common()),
        "items": [h.as_dict() for h in found],
    }
