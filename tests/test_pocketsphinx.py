"""The offline pocketsphinx provider (aimi_transcribe_audio), through the plugin manager, on
espeak-ng speech. Word error rate bounds were measured (see each test) with margin."""

from __future__ import annotations

import re
from pathlib import Path

import jiwer
import numpy as np
import pytest
from speech_helpers import concat, say, silence

from aimi.evaluators import audio as codec
from aimi.evaluators.pocketsphinx import MAX_PIECE_SECONDS, RATE, pieces
from aimi.plugins.manager import get_manager
from aimi.plugins.settings import PluginState
from aimi.plugins.types import AudioInput, Transcript

KNOWN = "I have three years of experience working with customers."
TOPICAL = "Overfitting is when the model learns the noise in the training data."
OVERFITTING_HINTS = ("What is overfitting, and how can you prevent it?", "overfitting", "training data",
                     "test data", "cross-validation", "regularisation", "noise")


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())


def to_16k(source: Path, target: Path) -> str:
    codec.write_wav(codec.read(source), target)
    return str(target)


def spoken(tmp_path: Path, text: str, **voice) -> str:
    return to_16k(say(text, tmp_path / "raw.wav", **voice), tmp_path / "speech.wav")


def transcribe(path: str, *, hints: tuple[str, ...] = (), language: str = "en-US",
               bias: bool = True) -> Transcript:
    settings = {"pocketsphinx": PluginState(enabled=True, options={"bias": bias})}
    return get_manager().transcribe(AudioInput(path, language=language, hints=hints), tenant=None,
                                    settings=settings, provider="pocketsphinx")


def test_aimi_transcribe_audio_gives_words_in_order_with_plausible_timings(tmp_path):
    path = spoken(tmp_path, KNOWN, wpm=140, voice="en-us+klatt4")
    transcript = transcribe(path)
    assert transcript.provider == "pocketsphinx"
    assert transcript.duration == pytest.approx(codec.read(path).duration, abs=0.01)
    assert transcript.text == " ".join(w.word for w in transcript.words)
    # measured: WER 0.0 for this voice and rate
    assert jiwer.wer(normalise(KNOWN), normalise(transcript.text)) <= 0.2
    words = transcript.words
    assert all(0 <= w.start < w.end <= transcript.duration for w in words)
    assert all(a.end <= b.start for a, b in zip(words, words[1:], strict=False))
    assert all(0.04 <= w.end - w.start <= 1.5 for w in words)
    assert all(w.confidence is not None and 0 <= w.confidence <= 1 for w in words)
    assert not any(re.search(r"[<\[(+]", w.word) for w in words)


def test_hints_from_the_question_improve_a_topical_answer(tmp_path):
    path = spoken(tmp_path, TOPICAL, wpm=140)
    plain = transcribe(path, hints=OVERFITTING_HINTS, bias=False)
    biased = transcribe(path, hints=OVERFITTING_HINTS)
    # measured: 0.67 without hints, 0.58 with them ("training data" is recovered)
    assert jiwer.wer(normalise(TOPICAL), normalise(biased.text)) < jiwer.wer(normalise(TOPICAL),
                                                                               normalise(plain.text))
    assert "training data" in biased.text


def test_other_languages_are_refused_with_the_way_out(tmp_path):
    path = spoken(tmp_path, "Hola, buenos días.", voice="es")
    with pytest.raises(ValueError, match=r"English only.*google"):
        transcribe(path, language="es-ES")


def test_audio_in_the_wrong_format_is_refused_with_the_fix(tmp_path):
    raw = say("hello there", tmp_path / "raw.wav")  # 22.05 kHz
    with pytest.raises(ValueError, match=r"22050 Hz.*16 kHz mono 16-bit"):
        transcribe(str(raw))


def test_pauses_show_as_gaps_between_word_timings(tmp_path):
    parts = [say("I worked on a reporting dashboard.", tmp_path / "a.wav", wpm=150, voice="en-us+klatt4"),
             silence(2.0, tmp_path / "pause.wav"),
             say("It saved the team two days a week.", tmp_path / "b.wav", wpm=150, voice="en-us+klatt4")]
    first_part = codec.read(parts[0]).duration
    path = to_16k(concat(parts, tmp_path / "joined.raw.wav"), tmp_path / "joined.wav")
    words = transcribe(path).words
    gaps = [(a.end, b.start) for a, b in zip(words, words[1:], strict=False)]
    longest = max(gaps, key=lambda gap: gap[1] - gap[0])
    assert longest[1] - longest[0] >= 1.5
    assert first_part - 0.5 <= longest[0] <= first_part + 0.3


def test_long_audio_is_cut_at_silences_into_bounded_pieces():
    rng = np.random.default_rng(1)
    loud = (rng.normal(0, 3000, 9 * RATE)).astype("<i2")
    quiet = np.zeros(RATE, dtype="<i2")
    samples = np.concatenate([np.concatenate([loud, quiet]) for _ in range(8)])  # 80 s, a pause every 10 s
    cut = list(pieces(samples))
    assert sum(len(p) for _, p in cut) == len(samples)
    assert all(len(p) <= MAX_PIECE_SECONDS * RATE for _, p in cut)
    for offset, _ in cut[1:]:
        assert offset % 10 >= 9 or offset % 10 == 0, f"cut at {offset}s is inside speech"


HESITANT = ("Um, a hash table stores keys and values in buckets. Uh, the hash function picks a bucket, "
            "um, so a lookup takes constant time. Uh, collisions are handled by chaining, um, or open "
            "addressing, uh, and the table grows when it fills up.")
FLUENT = "I worked on a team that built a new checkout page, and a small change made a big difference."
SPOKEN_FILLERS = frozenset({"um", "uh", "er", "ah", "hmm"})


def fillers_found(said: str, heard: str) -> tuple[int, int, int]:
    """(fillers said, fillers heard, heard at the place of a said one in the word alignment)."""
    def marked(text: str) -> list[str]:
        return ["<filler>" if word in SPOKEN_FILLERS else word for word in normalise(text).split()]

    said_words, heard_words = marked(said), marked(heard)
    hit = 0
    for chunk in jiwer.process_words(" ".join(said_words), " ".join(heard_words)).alignments[0]:
        if chunk.type == "equal":
            hit += said_words[chunk.ref_start_idx:chunk.ref_end_idx].count("<filler>")
    return said_words.count("<filler>"), heard_words.count("<filler>"), hit


def test_fillers_in_hesitant_speech_are_heard_where_they_were_said(tmp_path):
    said = heard = hit = 0
    for voice, wpm in (("en-us", 160), ("en-gb", 180)):
        path = spoken(tmp_path, HESITANT, wpm=wpm, voice=voice)
        counts = fillers_found(HESITANT, transcribe(path, hints=("How does a hash table work?",)).text)
        said, heard, hit = said + counts[0], heard + counts[1], hit + counts[2]
    # measured: 8 of the 12 said are heard at their place, 9 heard in all
    assert hit / said >= 0.5
    assert hit / heard >= 0.75


def test_fluent_speech_gets_no_invented_fillers(tmp_path):
    for voice, wpm in (("en-us", 160), ("en-us+klatt4", 200)):
        path = spoken(tmp_path, FLUENT, wpm=wpm, voice=voice)
        words = transcribe(path, hints=("Tell me about a project you are proud of.",)).text.split()
        # measured: none here; "a" said six times must not come out as "uh"
        assert not SPOKEN_FILLERS & set(words), words
