"""Delivery measured on audio: pace, pauses, fillers, pitch and loudness, each time-stamped."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from speech_helpers import concat, duration, say_words, silence

from aimi.evaluators import audio
from aimi.evaluators.speech_analysis import SpeechNorms, analyse, norms_from_options
from aimi.plugins.types import TranscriptWord

ANSWER = "I led the migration of our billing service to a new database and we finished two weeks early."
RATE = audio.RATE
WINDOW_SLACK = 2.5  # a sliding window straddling a change of pace may start this early


def spoken(tmp_path, text: str, wpm: int = 160) -> tuple[audio.Audio, tuple[TranscriptWord, ...]]:
    words = say_words(text, tmp_path / f"say{wpm}.wav", wpm=wpm)
    return audio.read(tmp_path / f"say{wpm}.wav"), words


def test_fast_speech_is_measured_faster_and_gets_a_pace_finding(tmp_path):
    slow_audio, slow_words = spoken(tmp_path, ANSWER, wpm=110)
    fast_audio, fast_words = spoken(tmp_path, ANSWER, wpm=240)
    slow, fast = analyse(slow_audio, slow_words), analyse(fast_audio, fast_words)
    assert slow.word_count == fast.word_count == 18
    assert fast.wpm > 1.6 * slow.wpm
    assert SpeechNorms().pace_min_wpm <= slow.wpm <= SpeechNorms().pace_max_wpm
    assert not [f for f in slow.findings if f.kind in ("too_fast", "too_slow")]
    (finding,) = [f for f in fast.findings if f.kind == "too_fast"]
    assert finding.word_indexes == tuple(range(18))
    assert f"{fast.wpm:.0f} words a minute" in finding.message and "110-170" in finding.message
    # A tenant that accepts fast speakers sees no finding.
    relaxed = analyse(fast_audio, fast_words, SpeechNorms(pace_max_wpm=400))
    assert not [f for f in relaxed.findings if f.kind == "too_fast"]


def test_a_slow_stretch_in_a_long_answer_is_located(tmp_path):
    first, first_words = spoken(tmp_path, ANSWER + " " + ANSWER, wpm=175)
    second_path = tmp_path / "slow.wav"
    second_words = say_words(ANSWER + " " + ANSWER, second_path, wpm=80)
    joined = concat([tmp_path / "say175.wav", second_path], tmp_path / "joined.wav")
    offset = duration(tmp_path / "say175.wav")
    words = first_words + tuple(TranscriptWord(w.word, w.start + offset, w.end + offset)
                                for w in second_words)
    result = analyse(audio.read(joined), words)
    slow = [f for f in result.findings if f.kind == "too_slow"]
    assert slow and all(f.start >= offset - WINDOW_SLACK for f in slow)
    assert min(i for f in slow for i in f.word_indexes) >= len(first_words) - 4


def test_a_spliced_silence_is_a_long_pause_at_the_right_time(tmp_path):
    before = say_words("I designed the cache layer.", tmp_path / "a.wav", wpm=150)
    after = say_words("Then I measured the latency again.", tmp_path / "b.wav", wpm=150)
    gap_start = duration(tmp_path / "a.wav")
    joined = concat([tmp_path / "a.wav", silence(3.0, tmp_path / "gap.wav"), tmp_path / "b.wav"],
                    tmp_path / "joined.wav")
    shift = gap_start + 3.0
    words = before + tuple(TranscriptWord(w.word, w.start + shift, w.end + shift) for w in after)
    result = analyse(audio.read(joined), words)
    long = [f for f in result.findings if f.kind == "long_pause"]
    assert len(long) == 1
    # The pause runs from the end of "layer" to the start of "then" (espeak adds a little
    # silence around each clip, so it is a bit longer than the 3 s spliced in).
    assert long[0].start == pytest.approx(before[-1].end, abs=0.3)
    assert long[0].end == pytest.approx(shift + after[0].start, abs=0.3)
    assert long[0].word_indexes == (len(before) - 1, len(before))
    assert "after 'layer'" in long[0].message
    assert result.longest_pause == pytest.approx(long[0].end - long[0].start)
    # Pace leaves the long pause out: the two halves' speaking time only.
    assert result.speaking_seconds == pytest.approx(words[-1].end - words[0].start - result.longest_pause)


def test_leading_and_trailing_silence_are_not_pauses(tmp_path):
    words = say_words("We shipped it on time.", tmp_path / "s.wav", wpm=150)
    joined = concat([silence(2.0, tmp_path / "l.wav"), tmp_path / "s.wav", silence(2.0, tmp_path / "t.wav")],
                    tmp_path / "joined.wav")
    shifted = tuple(TranscriptWord(w.word, w.start + 2.0, w.end + 2.0) for w in words)
    result = analyse(audio.read(joined), shifted)
    assert result.pause_count == 0 and result.longest_pause == 0.0


def test_fillers_per_minute_and_their_word_indexes(tmp_path):
    text = "Um, so I think the, uh, main issue was you know the database locks. Erm, we fixed them."
    clip, words = spoken(tmp_path, text, wpm=150)
    result = analyse(clip, words)
    found = {(word, index) for word, _, _, index in result.fillers}
    spoken_words = [w.word for w in words]
    assert found == {("um", 0), ("uh", spoken_words.index("uh")), ("you know", spoken_words.index("you")),
                     ("erm", spoken_words.index("erm"))}
    assert result.fillers_per_minute == pytest.approx(4 / (result.speaking_seconds / 60))
    multi = next(f for f in result.findings if f.kind == "filler" and "you know" in f.message)
    assert multi.word_indexes == (spoken_words.index("you"), spoken_words.index("know"))
    assert multi.start == words[spoken_words.index("you")].start


def test_a_pure_tone_is_monotone_and_a_glide_is_varied():
    t = np.arange(4 * RATE) / RATE
    steady = audio.Audio((0.4 * np.sin(2 * np.pi * 180 * t)).astype(np.float32))
    # 120 Hz rising to 300 Hz: 16 semitones over four seconds.
    phase = 2 * np.pi * np.cumsum(120 * (300 / 120) ** (t / t[-1])) / RATE
    glide = audio.Audio((0.4 * np.sin(phase)).astype(np.float32))
    flat_result, glide_result = analyse(steady, ()), analyse(glide, ())
    assert flat_result.pitch_label == "monotone" and flat_result.pitch_semitones_sd < 0.2
    assert glide_result.pitch_label == "varied" and glide_result.pitch_semitones_sd > 4
    assert [f.kind for f in flat_result.findings if f.kind == "monotone"] == ["monotone"]
    assert not [f for f in glide_result.findings if f.kind == "monotone"]


def test_constant_level_is_flat_and_alternating_level_is_varied():
    t = np.arange(4 * RATE) / RATE
    tone = np.sin(2 * np.pi * 200 * t)
    constant = analyse(audio.Audio((0.3 * tone).astype(np.float32)), ())
    level = np.where((t // 0.5) % 2 == 0, 0.5, 0.08)  # 16 dB steps every half second
    alternating = analyse(audio.Audio((level * tone).astype(np.float32)), ())
    assert constant.loudness_label == "flat" and constant.loudness_db_sd < 0.5
    assert alternating.loudness_label == "varied" and alternating.loudness_db_sd > 5
    assert alternating.pause_count == 0  # quieter speech is not silence


def test_silent_audio_or_no_voice_gives_unknown_not_a_crash():
    noise = audio.Audio((0.05 * np.random.default_rng(3).standard_normal(3 * RATE)).astype(np.float32))
    result = analyse(noise, ())
    assert result.pitch_label == "unknown" and result.pitch_semitones_sd is None
    assert result.wpm == 0.0 and result.word_count == 0


def test_as_dict_is_json_and_self_describing(tmp_path):
    clip, words = spoken(tmp_path, "Um, I fixed the flaky test suite.", wpm=240)
    data = json.loads(json.dumps(analyse(clip, words).as_dict()))
    assert data["norms"] == {"pace_min_wpm": 110.0, "pace_max_wpm": 170.0, "pause_seconds": 0.6,
                             "long_pause_seconds": 2.5, "max_fillers_per_minute": 4.0,
                             "monotone_semitones": 1.0}
    assert data["fillers"][0]["word"] == "um" and data["fillers"][0]["index"] == 0
    assert {"kind", "start", "end", "message", "word_indexes"} <= set(data["findings"][0])
    assert data["word_count"] == len(words) and isinstance(data["wpm"], float)


def test_norms_from_options_picks_known_keys():
    norms = norms_from_options({"pace_max_wpm": 190, "monotone_semitones": "1.5", "enabled": True,
                                "pause_seconds": None})
    assert norms == SpeechNorms(pace_max_wpm=190.0, monotone_semitones=1.5)


def test_analysis_is_fast(tmp_path):
    clip, words = spoken(tmp_path, " ".join([ANSWER] * 6), wpm=150)
    analyse(clip, words)
    started = time.process_time()
    analyse(clip, words)
    assert (time.process_time() - started) / clip.duration < 0.05


# -- The delivery evaluator on spoken answers ---------------------------------------------


def delivery_score(text: str, speech: dict | None, options: dict | None = None):
    from aimi.evaluators import delivery
    from aimi.evaluators.nlp import load_pipeline
    from aimi.plugins.types import AnswerInput, ScoringContext

    nlp = load_pipeline()
    answer = AnswerInput("t", "Tell me about a project.", text, type="behavioural", speech=speech)
    [result] = delivery.aimi_score_answer(answer=answer, context=ScoringContext(None, options or {}, nlp,
                                                                               nlp(text)))
    return result


def test_delivery_scores_a_fast_spoken_answer_on_pace_with_time_stamped_evidence(tmp_path):
    good_audio, good_words = spoken(tmp_path, ANSWER, wpm=110)
    fast_audio, fast_words = spoken(tmp_path, ANSWER, wpm=240)
    good = delivery_score(ANSWER, analyse(good_audio, good_words).as_dict())
    fast_speech = analyse(fast_audio, fast_words).as_dict()
    fast = delivery_score(ANSWER, fast_speech)
    assert fast.score < good.score
    assert any(s.startswith(f"You spoke at {fast_speech['wpm']:.0f} words a minute, above the 110–170 range")
               for s in fast.suggestions)
    assert fast.evidence["speech"]["findings"][0]["start"] >= 0
    assert fast.evidence["pace"] == {"wpm": fast_speech["wpm"], "min_wpm": 110.0, "max_wpm": 170.0}
    # The tenant's norms decide: with a 400 wpm ceiling the same recording loses nothing on pace.
    relaxed = delivery_score(ANSWER, fast_speech, {"pace_max_wpm": 400.0})
    assert relaxed.score > fast.score
    assert not any("words a minute" in s for s in relaxed.suggestions)


def test_delivery_counts_spoken_fillers_and_long_pauses_not_the_corrected_text(tmp_path):
    before = say_words("Um, I designed the, uh, cache layer. Um, you know.", tmp_path / "a.wav", wpm=150)
    after = say_words("Then I measured the latency again.", tmp_path / "b.wav", wpm=150)
    joined = concat([tmp_path / "a.wav", silence(3.0, tmp_path / "gap.wav"), tmp_path / "b.wav"],
                    tmp_path / "joined.wav")
    shift = duration(tmp_path / "a.wav") + 3.0
    words = before + tuple(TranscriptWord(w.word, w.start + shift, w.end + shift) for w in after)
    speech = analyse(audio.read(joined), words).as_dict()
    corrected = "I designed the cache layer. Then I measured the latency again."  # no fillers left
    result = delivery_score(corrected, speech)
    assert result.evidence["fillers_per_minute"] == speech["fillers_per_minute"] > 4
    assert len(result.evidence["long_pauses"]) == 1
    assert any("'um'" in s and "times a minute" in s for s in result.suggestions)
    assert any("paused 1 time for" in s for s in result.suggestions)
    typed = delivery_score(corrected, None)
    assert typed.score == 100 and "speech" not in typed.evidence
    assert result.score <= 100 - 6 - 6  # a long pause and fillers above the norm


def test_delivery_options_are_the_speech_norms_and_the_manager_accepts_them():
    from aimi.evaluators import delivery
    from aimi.plugins.manager import PluginManager
    from aimi.plugins.types import OptionsError, validate_options

    specs = PluginManager(entry_points=False).option_specs("delivery")
    assert set(specs) == set(SpeechNorms.__dataclass_fields__)
    assert specs == delivery.aimi_options()
    assert all(s.type is float and s.help and s.min is not None and s.max is not None for s in specs.values())
    assert norms_from_options(validate_options(specs, {"pace_max_wpm": "190"})).pace_max_wpm == 190.0
    with pytest.raises(OptionsError, match="pace_max_wpm"):
        validate_options(specs, {"pace_max_wpm": 5000})
