"""How an answer was spoken, measured on the audio and the recogniser's word timings.

Pace, pauses, fillers, pitch variation and loudness variation, each with time-stamped
findings (and word indexes) so a report can point at the moment it is about. Pure numpy
on 20 ms frames: a few milliseconds per second of audio.

Choices, so the numbers can be read:
- Speaking time runs from the first word's start to the last word's end, minus every long
  pause (>= ``long_pause_seconds``); pace is recognised words (fillers included) per minute
  of it. Long pauses are reported on their own, so they should not also drag pace down.
- A pause is a run of quiet frames (below a threshold set from the recording's own noise
  floor and speech level) between speech, that no recognised word covers. Leading and
  trailing silence never counts.
- Pitch is an autocorrelation track (75-400 Hz) on voiced frames, median-filtered, in
  semitones around its median; its spread is a robust SD (IQR / 1.349). The autocorrelation
  is divided by the analysis window's own (Boersma 1993), so long lags (low voices) are not
  penalised, with a small cost per octave down so a period's multiples do not win.
- Loudness is the level of 0.25 s blocks of speech (syllables average out), its spread the
  SD in dB.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from aimi.evaluators.audio import RATE, Audio
from aimi.evaluators.textview import filler_hits, hits, phrase_pattern
from aimi.plugins.types import TranscriptWord

FRAME = 320  # 20 ms at 16 kHz: the hop of every frame-level measure
FRAME_SECONDS = FRAME / RATE
PITCH_WINDOW = 640  # 40 ms: two periods of the lowest pitch (75 Hz)
PITCH_RANGE_HZ = (75.0, 400.0)
VOICING = 0.5  # normalised autocorrelation peak above which a frame is voiced
OCTAVE_COST = 0.01  # per octave below the highest pitch, as in Praat
MIN_VOICED_SECONDS = 1.0  # less voiced audio than this gives no pitch verdict
LOUDNESS_BLOCK = 12  # frames (0.24 s) averaged into one loudness value
FLAT_LOUDNESS_DB = 2.0  # block levels varying less than this sound flat
WINDOW_SECONDS, STEP_SECONDS = 10.0, 2.5  # sliding window for pace/pitch/loudness stretches
MIN_WINDOW_WORDS, MIN_WINDOW_SPEECH = 4, 1.5
# Recogniser spellings of hesitation sounds, on top of the written fillers of textview.
SOUND_FILLERS = phrase_pattern(["ah", "ahh", "mm", "mmm", "mhm", "hm", "uh-huh"])
_WORD_CHARS = re.compile(r"[^\w'-]+")


@dataclass(frozen=True)
class SpeechNorms:
    """What good interview delivery sounds like; each tenant may adjust them."""

    pace_min_wpm: float = 110.0
    pace_max_wpm: float = 170.0
    pause_seconds: float = 0.6  # a silence at least this long counts as a pause
    long_pause_seconds: float = 2.5
    max_fillers_per_minute: float = 4.0
    # Pitch spread below this sounds monotone. Human read speech in speech-dev spreads 1.3-7
    # semitones (benchmarks/speech.py); 2.0 called a quarter of those real people monotone.
    monotone_semitones: float = 1.0


NORM_FIELDS = tuple(f.name for f in dataclasses.fields(SpeechNorms))


def norms_from_options(options: Mapping[str, Any]) -> SpeechNorms:
    """The norms named in a plugin's options (other keys are ignored; missing ones default)."""
    chosen = {name: float(options[name]) for name in NORM_FIELDS if options.get(name) is not None}
    return SpeechNorms(**chosen)


@dataclass(frozen=True)
class Finding:
    """One moment worth pointing at: ``kind`` is too_fast, too_slow, long_pause, filler,
    monotone or flat; times in seconds; ``word_indexes`` index the analysed word list."""

    kind: str
    start: float
    end: float
    message: str
    word_indexes: tuple[int, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "start": round(self.start, 2), "end": round(self.end, 2),
                "message": self.message, "word_indexes": list(self.word_indexes)}


@dataclass(frozen=True)
class SpeechAnalysis:
    """The measures of one spoken answer: times and durations in seconds, pace in words a
    minute, pitch spread in semitones, loudness spread in dB, shares in 0-1."""

    duration: float
    speaking_seconds: float
    word_count: int
    wpm: float
    pause_count: int
    longest_pause: float
    silence_share: float
    fillers_per_minute: float
    pitch_semitones_sd: float | None
    pitch_label: str  # "monotone" | "varied" | "unknown"
    loudness_db_sd: float | None
    loudness_label: str  # "flat" | "varied" | "unknown"
    pauses: tuple[tuple[float, float], ...]
    fillers: tuple[tuple[str, float, float, int], ...]
    findings: tuple[Finding, ...]
    norms: SpeechNorms = SpeechNorms()

    def as_dict(self) -> dict[str, Any]:
        """JSON-safe and rounded; stored with the answer and given to the delivery evaluator."""
        return {
            "duration": round(self.duration, 2),
            "speaking_seconds": round(self.speaking_seconds, 2),
            "word_count": self.word_count,
            "wpm": round(self.wpm, 1),
            "pause_count": self.pause_count,
            "longest_pause": round(self.longest_pause, 2),
            "silence_share": round(self.silence_share, 3),
            "fillers_per_minute": round(self.fillers_per_minute, 2),
            "pitch_semitones_sd": _round(self.pitch_semitones_sd, 2),
            "pitch_label": self.pitch_label,
            "loudness_db_sd": _round(self.loudness_db_sd, 2),
            "loudness_label": self.loudness_label,
            "pauses": [{"start": round(a, 2), "end": round(b, 2)} for a, b in self.pauses],
            "fillers": [{"word": w, "start": round(a, 2), "end": round(b, 2), "index": i}
                        for w, a, b, i in self.fillers],
            "findings": [f.as_dict() for f in self.findings],
            "norms": dataclasses.asdict(self.norms),
        }


def analyse(audio: Audio, words: Sequence[TranscriptWord],
            norms: SpeechNorms = SpeechNorms()) -> SpeechAnalysis:
    """Measure delivery on ``audio`` with the recogniser's ``words`` (in time order)."""
    words = tuple(words)
    levels = _frame_db(audio.samples)
    active = _active_frames(levels)
    span = _speech_span(active, words)
    pauses = _pauses(active, words, span, norms.pause_seconds)
    long_pauses = [p for p in pauses if p[1] - p[0] >= norms.long_pause_seconds]
    speaking = max(0.0, span[1] - span[0] - sum(b - a for a, b in long_pauses))
    fillers = _fillers(words)
    minutes = speaking / 60
    pitch = _pitch_track(audio.samples, active)
    pitch_sd = _pitch_spread(pitch)
    loudness_sd = _loudness_spread(levels, active)
    silence = sum(b - a for a, b in pauses)
    findings = [
        *_pace_findings(words, long_pauses, norms),
        *_pause_findings(long_pauses, words),
        *(Finding("filler", a, b, f"Filler '{w}' at {clock(a)}.", tuple(range(i, i + len(w.split()))))
          for w, a, b, i in fillers),
        *_variation_findings(pitch, levels, active, span, norms),
    ]
    return SpeechAnalysis(
        duration=audio.duration,
        speaking_seconds=speaking,
        word_count=len(words),
        wpm=len(words) / minutes if minutes else 0.0,
        pause_count=len(pauses),
        longest_pause=max((b - a for a, b in pauses), default=0.0),
        silence_share=silence / (span[1] - span[0]) if span[1] > span[0] else 0.0,
        fillers_per_minute=len(fillers) / minutes if minutes else 0.0,
        pitch_semitones_sd=pitch_sd,
        pitch_label=_label(pitch_sd, norms.monotone_semitones, "monotone"),
        loudness_db_sd=loudness_sd,
        loudness_label=_label(loudness_sd, FLAT_LOUDNESS_DB, "flat"),
        pauses=tuple(pauses),
        fillers=tuple(fillers),
        findings=tuple(sorted(findings, key=lambda f: (f.start, f.kind))),
        norms=norms,
    )


# -- Frames and speech activity -----------------------------------------------------------


def last_pause(samples: np.ndarray, earliest: float, latest: float, minimum: float) -> float | None:
    """The middle (seconds) of the last quiet run of at least ``minimum`` seconds lying
    between ``earliest`` and ``latest``: where a recording can be cut without cutting a word.
    None when there is none."""
    active = _active_frames(_frame_db(samples))
    for start, end in reversed(_runs(~active)):
        a, b = start * FRAME_SECONDS, end * FRAME_SECONDS
        if b - a >= minimum and earliest <= (a + b) / 2 <= latest:
            return (a + b) / 2
    return None


def _frame_db(samples: np.ndarray) -> np.ndarray:
    """Level of each 20 ms frame in dBFS (digital silence is -100)."""
    count = len(samples) // FRAME
    frames = samples[:count * FRAME].reshape(count, FRAME).astype(np.float64)
    return 10 * np.log10(np.mean(frames * frames, axis=1) + 1e-10)


def _active_frames(levels: np.ndarray) -> np.ndarray:
    """Frames with sound: above a threshold a third of the way from the noise floor (10th
    percentile) to the speech level (90th), and never more than 25 dB below speech, so a
    recording with no quiet part (or a noisy room) is all sound. Blips shorter than 60 ms
    (clicks, breaths) are dropped."""
    if not len(levels):
        return np.zeros(0, dtype=bool)
    noise, speech = np.percentile(levels, [10, 90])
    threshold = min(noise + max(6.0, 0.35 * (speech - noise)), speech - 25.0)
    active = levels > threshold
    for start, end in _runs(active):
        if end - start < 3:
            active[start:end] = False
    return active


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) frame ranges where ``mask`` is True."""
    edges = np.diff(np.concatenate(([0], mask.astype(np.int8), [0])))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist(), strict=True))


def _speech_span(active: np.ndarray, words: tuple[TranscriptWord, ...]) -> tuple[float, float]:
    """From the first word's start to the last word's end (from the audio when no words)."""
    if words:
        return words[0].start, words[-1].end
    runs = _runs(active)
    if not runs:
        return 0.0, 0.0
    return runs[0][0] * FRAME_SECONDS, runs[-1][1] * FRAME_SECONDS


def _pauses(active: np.ndarray, words: tuple[TranscriptWord, ...], span: tuple[float, float],
            minimum: float) -> list[tuple[float, float]]:
    """Quiet runs of at least ``minimum`` seconds inside ``span``, between speech, that no
    recognised word covers the middle of."""
    found = []
    for start, end in _runs(~active):
        if start == 0 or end == len(active):
            continue  # leading or trailing silence
        a, b = max(start * FRAME_SECONDS, span[0]), min(end * FRAME_SECONDS, span[1])
        middle = (a + b) / 2
        if b - a >= minimum and not any(w.start < middle < w.end for w in words):
            found.append((a, b))
    return found


# -- Words ------------------------------------------------------------------------------


def _fillers(words: tuple[TranscriptWord, ...]) -> list[tuple[str, float, float, int]]:
    """Fillers among the words (textview's written fillers plus hesitation sounds), as
    (filler, start, end, index of its first word)."""
    offsets, parts, position = [], [], 0
    for word in words:
        token = _WORD_CHARS.sub("", word.word.lower()) or "_"
        offsets.append(position)
        parts.append(token)
        position += len(token) + 1
    text = " ".join(parts)
    found = []
    for hit in sorted(filler_hits(text) + hits(SOUND_FILLERS, text), key=lambda h: h.start):
        first = offsets.index(hit.start) if hit.start in offsets else None
        if first is None:
            continue
        last = first + len(hit.text.split()) - 1
        found.append((hit.text, words[first].start, words[last].end, first))
    return found


def _pace_findings(words: tuple[TranscriptWord, ...], long_pauses: list[tuple[float, float]],
                   norms: SpeechNorms) -> list[Finding]:
    """Stretches spoken faster or slower than the norms, from a sliding window over the words."""
    if not words:
        return []

    def pace(a: float, b: float) -> tuple[float, tuple[int, ...]] | None:
        inside = tuple(i for i, w in enumerate(words) if a <= (w.start + w.end) / 2 < b)
        if len(inside) < MIN_WINDOW_WORDS:
            return None
        first, last = words[inside[0]].start, words[inside[-1]].end
        seconds = last - first - sum(max(0.0, min(q, last) - max(p, first)) for p, q in long_pauses)
        return (60 * len(inside) / seconds, inside) if seconds >= MIN_WINDOW_SPEECH else None

    findings = []
    for kind, side, outside in (("too_fast", "above", lambda v: v > norms.pace_max_wpm),
                                ("too_slow", "below", lambda v: v < norms.pace_min_wpm)):
        def flagged(a: float, b: float, outside: Callable[[float], bool] = outside) -> bool:
            measured = pace(a, b)
            return measured is not None and outside(measured[0])

        for a, b in _stretches(words[0].start, words[-1].end + 1e-6, flagged):
            wpm, inside = pace(a, b) or (0.0, ())
            message = (f"From {clock(a)} to {clock(b)} you spoke at {wpm:.0f} words a minute, {side} the "
                       f"{norms.pace_min_wpm:.0f}-{norms.pace_max_wpm:.0f} range.")
            findings.append(Finding(kind, words[inside[0]].start, words[inside[-1]].end, message, inside))
    return findings


def _pause_findings(long_pauses: list[tuple[float, float]],
                    words: tuple[TranscriptWord, ...]) -> list[Finding]:
    findings = []
    for a, b in long_pauses:
        before = [i for i, w in enumerate(words) if w.end <= a + FRAME_SECONDS]
        after = [i for i, w in enumerate(words) if w.start >= b - FRAME_SECONDS]
        around = tuple(before[-1:] + after[:1])
        where = f" after '{words[before[-1]].word}'" if before else ""
        message = f"A {b - a:.1f} s silence at {clock(a)}{where}."
        findings.append(Finding("long_pause", a, b, message, around))
    return findings


# -- Pitch and loudness -------------------------------------------------------------------


def _pitch_track(samples: np.ndarray, active: np.ndarray) -> np.ndarray:
    """F0 in Hz per frame (NaN where unvoiced or silent), by normalised autocorrelation of
    40 ms windows centred on each active frame."""
    track = np.full(len(active), np.nan)
    centres = np.flatnonzero(active) * FRAME + FRAME // 2
    starts = centres - PITCH_WINDOW // 2
    keep = (starts >= 0) & (starts + PITCH_WINDOW <= len(samples))
    index = np.flatnonzero(active)[keep]
    if not len(index):
        return track
    windows = samples[starts[keep][:, None] + np.arange(PITCH_WINDOW)].astype(np.float64)
    windows -= windows.mean(axis=1, keepdims=True)
    window = np.hanning(PITCH_WINDOW)
    windows *= window
    acf = _autocorrelation(windows)
    low, high = int(RATE / PITCH_RANGE_HZ[1]), int(RATE / PITCH_RANGE_HZ[0]) + 1
    window_acf = _autocorrelation(window[None, :])[0]
    strength = acf[:, low:high] / np.maximum(acf[:, :1], 1e-12) / (window_acf[low:high] / window_acf[0])
    octaves_down = np.log2(np.arange(low, high) / low)
    best = np.argmax(strength - OCTAVE_COST * octaves_down, axis=1)
    voiced = strength[np.arange(len(best)), best] > VOICING
    lag = (best + low).astype(np.float64)
    # Parabolic interpolation between neighbouring lags for sub-sample precision.
    inner = (best > 0) & (best < high - low - 1)
    rows = np.flatnonzero(inner)
    y0, y1, y2 = (strength[rows, best[rows] + d] for d in (-1, 0, 1))
    curvature = y0 - 2 * y1 + y2
    safe = np.abs(curvature) > 1e-12
    lag[rows[safe]] += 0.5 * (y0 - y2)[safe] / curvature[safe]
    track[index[voiced]] = RATE / lag[voiced]
    return track


def _autocorrelation(rows: np.ndarray) -> np.ndarray:
    """Each row's autocorrelation at lags 0 .. len - 1 (zero-padded FFT: no wrap-around)."""
    spectrum = np.fft.rfft(rows, n=2 * rows.shape[1])
    return np.fft.irfft(spectrum * np.conj(spectrum))[:, :rows.shape[1]]


def _semitones(track: np.ndarray) -> np.ndarray:
    """Voiced frames of a pitch track in semitones around their median, median-filtered over
    five frames to remove octave jumps and jitter."""
    voiced = track[~np.isnan(track)]
    if len(voiced) < 5:
        return np.zeros(0)
    tones = 12 * np.log2(voiced / np.median(voiced))
    padded = np.pad(tones, 2, mode="edge")
    return np.median(np.lib.stride_tricks.sliding_window_view(padded, 5), axis=1)


def _pitch_spread(track: np.ndarray) -> float | None:
    if np.count_nonzero(~np.isnan(track)) * FRAME_SECONDS < MIN_VOICED_SECONDS:
        return None
    q1, q3 = np.percentile(_semitones(track), [25, 75])
    return float((q3 - q1) / 1.349)


def _loudness_spread(levels: np.ndarray, active: np.ndarray) -> float | None:
    """SD in dB of the level of ~0.25 s blocks of speech frames."""
    speech = levels[active]
    blocks = len(speech) // LOUDNESS_BLOCK
    if blocks < 4:
        return None
    power = np.mean(10 ** (speech[:blocks * LOUDNESS_BLOCK].reshape(blocks, LOUDNESS_BLOCK) / 10), axis=1)
    return float(np.std(10 * np.log10(power)))


def _variation_findings(pitch: np.ndarray, levels: np.ndarray, active: np.ndarray, span: tuple[float, float],
                        norms: SpeechNorms) -> list[Finding]:
    """Stretches where pitch or loudness hardly changes (needs a window of speech to judge)."""
    def frames(a: float, b: float) -> slice:
        return slice(int(a / FRAME_SECONDS), int(b / FRAME_SECONDS) + 1)

    checks = (
        ("monotone", lambda a, b: _pitch_spread(pitch[frames(a, b)]), norms.monotone_semitones,
         "semitones", "your pitch hardly changed: vary your intonation to stress the key points."),
        ("flat", lambda a, b: _loudness_spread(levels[frames(a, b)], active[frames(a, b)]), FLAT_LOUDNESS_DB,
         "dB", "your loudness hardly changed: put more energy into the words that matter."),
    )
    findings = []
    for kind, measure, limit, unit, advice in checks:
        def low(a: float, b: float, m=measure, lim=limit) -> bool:
            value = m(a, b)
            return value is not None and value < lim

        for a, b in _stretches(span[0], span[1], low):
            value = measure(a, b)
            findings.append(Finding(kind, a, b, f"From {clock(a)} to {clock(b)} ({value:.1f} {unit} of "
                                    f"variation) {advice}"))
    return findings


# -- Shared helpers -------------------------------------------------------------------------


def _stretches(start: float, end: float,
               flagged: Callable[[float, float], bool]) -> list[tuple[float, float]]:
    """Merged time ranges of the sliding windows (WINDOW_SECONDS long, STEP_SECONDS apart)
    for which ``flagged`` holds; an answer shorter than a window is one window."""
    if end - start <= WINDOW_SECONDS:
        windows = [(start, end)]
    else:
        firsts = np.arange(start, end - WINDOW_SECONDS + STEP_SECONDS, STEP_SECONDS)
        windows = [(float(a), min(float(a) + WINDOW_SECONDS, end)) for a in firsts]
    merged: list[tuple[float, float]] = []
    for a, b in windows:
        if not flagged(a, b):
            continue
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    return merged


def _label(value: float | None, limit: float, low_label: str) -> str:
    if value is None:
        return "unknown"
    return low_label if value < limit else "varied"


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def clock(seconds: float) -> str:
    """m:ss, for messages that point at a moment."""
    minutes, rest = divmod(int(round(seconds)), 60)
    return f"{minutes}:{rest:02d}"
