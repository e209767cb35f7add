"""Decoding browser recordings to 16 kHz mono: every format browsers send, and each refusal."""

from __future__ import annotations

import wave

import numpy as np
import pytest
from speech_helpers import concat, duration, encode, recorder_chunks, say, silence, write_pcm

from aimi.evaluators import audio

SENTENCE = "Tell me about a time you solved a hard problem at work."


@pytest.fixture(scope="module")
def speech(tmp_path_factory):
    return say(SENTENCE, tmp_path_factory.mktemp("audio") / "speech.wav")


@pytest.mark.parametrize(("container", "codec"), [("webm", "libopus"), ("ogg", "libopus"), ("mp4", "aac")])
def test_browser_formats_decode_to_16k_mono_of_the_same_length(speech, container, codec):
    decoded = audio.decode(encode(speech, container, codec))
    assert decoded.samples.dtype == np.float32 and decoded.samples.ndim == 1
    assert decoded.duration == pytest.approx(duration(speech), abs=0.1)
    assert 0.1 < np.max(np.abs(decoded.samples)) <= 1.0


def test_chrome_recorder_chunks_without_duration_decode(speech):
    chunks = recorder_chunks(speech)
    assert len(chunks) >= 3  # one blob a second, as MediaRecorder.start(1000) delivers
    decoded = audio.decode(b"".join(chunks))
    assert decoded.duration == pytest.approx(duration(speech), abs=0.1)


@pytest.mark.parametrize(("container", "codec"), [("webm", "libopus"), ("ogg", "libopus"), ("mp4", "aac")])
def test_decoding_from_the_middle_gives_the_same_audio_from_there(speech, tmp_path, container, codec):
    """A window job decodes only the audio past its cut: the samples match the whole take's
    from that time (to a millisecond), and the quiet end of a take is a piece, not a refusal."""
    take = concat([speech, silence(1.0, tmp_path / "gap.wav"), speech, silence(2.0, tmp_path / "end.wav")],
                  tmp_path / "take.wav")
    data = encode(take, container, codec, live=container == "webm")
    whole = audio.decode(data)
    piece = audio.decode(data, start=2.5)
    assert piece.start == 2.5 and piece.end == pytest.approx(whole.duration, abs=0.002)
    same = whole.between(2.5, whole.duration).samples[1000:-1000]
    lags = range(-16, 17)  # up to 1 ms: WebM times are whole milliseconds
    assert min(np.abs(same - piece.samples[1000 + lag:1000 + lag + len(same)]).mean() for lag in lags) \
        < 0.1 * np.abs(same).mean()
    assert np.abs(audio.from_wav(piece.wav_bytes()).samples - piece.samples).max() < 1e-4
    quiet = audio.decode(data, start=whole.duration - 1.5)  # the silence after the last word
    assert quiet.start == pytest.approx(whole.duration - 1.5) and np.abs(quiet.samples).max() < 0.01
    with pytest.raises(audio.AudioError, match="could not hear"):
        audio.decode(encode(silence(3.0, tmp_path / "s.wav"), container, codec))


def test_wav_44k_stereo_becomes_16k_mono_and_round_trips(tmp_path):
    t = np.arange(int(44_100 * 1.5)) / 44_100
    left, right = 0.5 * np.sin(2 * np.pi * 440 * t), 0.5 * np.sin(2 * np.pi * 440 * t)
    interleaved = np.stack([left, right], axis=1).reshape(-1)
    source = write_pcm(interleaved, tmp_path / "stereo.wav", 44_100, channels=2)
    decoded = audio.read(source)
    assert decoded.duration == pytest.approx(1.5, abs=0.02)
    assert np.max(np.abs(decoded.samples)) == pytest.approx(0.5, abs=0.05)
    audio.write_wav(decoded, tmp_path / "out.wav")
    with wave.open(str(tmp_path / "out.wav")) as out:
        assert (out.getframerate(), out.getnchannels(), out.getsampwidth()) == (16_000, 1, 2)
        assert out.getnframes() == len(decoded.samples)


def _error(data: bytes, **limits) -> audio.AudioError:
    with pytest.raises(audio.AudioError) as caught:
        audio.decode(data, **limits)
    return caught.value


def test_not_audio_is_a_type_error_saying_what_to_upload():
    error = _error(b"<html>this is a web page, not a recording</html>" * 20)
    assert error.code == "type" and "WAV, WebM" in str(error)


def test_a_video_without_sound_is_refused(tmp_path):
    import av

    path = tmp_path / "video.webm"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libvpx", rate=10)
        stream.width, stream.height, stream.pix_fmt = 32, 32, "yuv420p"
        for i in range(5):
            frame = av.VideoFrame.from_ndarray(np.full((32, 32, 3), i * 40, dtype=np.uint8), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    error = _error(path.read_bytes())
    assert error.code == "type" and "no audio track" in str(error)


def test_empty_upload_and_zero_samples_are_empty(tmp_path):
    assert _error(b"").code == "empty"
    no_samples = write_pcm(np.zeros(0, dtype=np.float32), tmp_path / "none.wav")
    error = _error(no_samples.read_bytes())
    assert error.code == "empty" and "microphone" in str(error)


def test_muted_microphone_is_silent(tmp_path):
    quiet = write_pcm(0.002 * np.random.default_rng(1).standard_normal(22_050), tmp_path / "hiss.wav")
    for data in (encode(silence(2.0, tmp_path / "zero.wav")), quiet.read_bytes()):
        error = _error(data)
        assert error.code == "silent" and "not muted" in str(error)


def test_too_long_stops_and_says_the_limit(speech, tmp_path):
    long_file = concat([speech] * 4, tmp_path / "long.wav")  # about 14 s
    error = _error(encode(long_file), max_seconds=5)
    assert error.code == "too_long" and "5 seconds" in str(error)
    assert audio.decode(encode(long_file), max_seconds=20).duration > 10


def test_too_large_is_refused_before_decoding(speech, tmp_path):
    data = encode(speech)
    error = _error(b"garbage" + data, max_bytes=len(data))  # too large wins over "type"
    assert error.code == "too_large" and "KB" in str(error)
    path = tmp_path / "big.webm"
    path.write_bytes(data)
    with pytest.raises(audio.AudioError, match="limit"):
        audio.read(path, max_bytes=1000)
