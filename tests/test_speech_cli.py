"""`aimi transcribe` and `aimi analyse-speech` on real recordings, and their refusals."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from speech_helpers import concat, duration, encode, say, silence

from aimi.web.cli import main


def aimi(*args: str):
    return CliRunner().invoke(main, list(args))


@pytest.fixture(scope="module")
def recording(tmp_path_factory):
    """A Chrome-style WebM/Opus answer with a 3 s silence in the middle."""
    folder = tmp_path_factory.mktemp("cli")
    first = say("I designed the cache layer.", folder / "a.wav", wpm=150)
    second = say("Then I measured the latency again.", folder / "b.wav", wpm=150)
    joined = concat([first, silence(3.0, folder / "gap.wav"), second], folder / "answer.wav")
    path = folder / "answer.webm"
    path.write_bytes(encode(joined))
    return path, duration(first), duration(joined)


def test_missing_file_is_a_usage_error(tmp_path):
    result = aimi("transcribe", str(tmp_path / "nothing.webm"))
    assert result.exit_code == 2 and "does not exist" in result.output


@pytest.mark.parametrize("code", ["english", "e", "en-USA", "en US"])
def test_bad_language_code_says_what_a_good_one_looks_like(recording, code):
    result = aimi("transcribe", str(recording[0]), "--language", code)
    assert result.exit_code == 2
    assert "is not a language code; use one like en, en-US or en-IN" in result.output


def test_unknown_provider_lists_the_installed_ones(recording):
    result = aimi("transcribe", str(recording[0]), "--provider", "nosuch")
    assert result.exit_code == 2
    assert "no speech provider named 'nosuch'; installed:" in result.output
    assert {"pocketsphinx", "whisper"} <= set(result.output.split("installed:")[1].strip(" .\n").split(", "))


def test_a_recording_we_cannot_use_prints_its_message_and_exits_1(tmp_path):
    muted = tmp_path / "muted.webm"
    muted.write_bytes(encode(silence(2.0, tmp_path / "zero.wav")))
    # Decoding comes before the provider is called, so any installed provider will do.
    result = aimi("transcribe", str(muted), "--provider", "google")
    assert result.exit_code == 1
    assert "We could not hear anything: check the microphone is not muted" in result.output
    text = tmp_path / "notes.txt"
    text.write_text("not a recording")
    result = aimi("analyse-speech", str(text), "--provider", "google")
    assert result.exit_code == 1 and "not a recording we can read" in result.output


def test_transcribe_json_has_timed_words_within_the_recording(recording):
    path, _, length = recording
    result = aimi("transcribe", str(path), "--language", "en-us", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["provider"] == "whisper"
    assert data["duration"] == pytest.approx(length, abs=0.1)
    assert len(data["words"]) >= 4 and data["text"]
    starts = [w["start"] for w in data["words"]]
    assert starts == sorted(starts)
    assert all(0 <= w["start"] < w["end"] <= length + 0.05 for w in data["words"])
    plain = aimi("transcribe", str(path))
    assert plain.exit_code == 0 and plain.output.strip() == data["text"]


def test_analyse_speech_finds_the_long_pause(recording):
    path, gap_start, _ = recording
    result = aimi("analyse-speech", str(path), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["word_count"] > 0 and data["wpm"] > 0
    (pause,) = [f for f in data["findings"] if f["kind"] == "long_pause"]
    assert pause["start"] == pytest.approx(gap_start, abs=0.5)
    assert pause["end"] - pause["start"] == pytest.approx(3.0, abs=0.6)
    table = aimi("analyse-speech", str(path))
    assert table.exit_code == 0
    assert "pace" in table.output and "words/min (norm 110-170)" in table.output
    assert "long_pause" in table.output and "findings:" in table.output
