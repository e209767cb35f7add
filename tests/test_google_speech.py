"""The google provider through the official client, against local gRPC and token endpoints:
what the library really sends, how the answer maps to a Transcript, long audio in pieces,
and each kind of failure as the job runner needs it."""

from __future__ import annotations

import json
import socket
import wave
from pathlib import Path

import grpc
import numpy as np
import pytest
from google.cloud.speech_v1.types import (
    RecognitionConfig,
    RecognizeResponse,
    SpeechRecognitionAlternative,
    SpeechRecognitionResult,
)
from google_speech_server import (
    local_google,
    new_private_key,
    platform_google,
    service_account_key,
    words_response,
)

from aimi.integrations import google
from aimi.plugins.jobs import TransientJobError
from aimi.plugins.manager import get_manager
from aimi.plugins.settings import PluginState
from aimi.plugins.types import AudioInput, OptionsError, TranscriptWord, validate_options

RATE = 16_000


def write_wav(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(samples.astype("<i2").tobytes())
    return path


def noise(seconds: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 3000, int(seconds * RATE)).clip(-32768, 32767)


def transcribe(audio: AudioInput, options: dict):
    """Through the manager, with the options validated as the Plugins page saves them."""
    manager = get_manager()
    saved = validate_options(manager.option_specs("google"), options)
    return manager.transcribe(audio, tenant="alpha", settings={"google": PluginState(True, saved)},
                              provider="google")


def test_the_request_the_library_sends(tmp_path):
    samples = noise(1.5)
    path = write_wav(tmp_path / "a.wav", samples)
    hints = ("What is REST? Explain its constraints.",
             "REST is an architectural style for APIs; it uses HTTP verbs, and statelessness.",
             "idempotent", "REST")
    with local_google() as google_:
        transcribe(AudioInput(str(path), language="en-IN", hints=hints), google_.options)
        [received] = google_.speech.requests
        issued, claims = google_.token.issued, google_.token.claims

    config = received.request.config
    assert config.encoding == RecognitionConfig.AudioEncoding.LINEAR16
    assert (config.sample_rate_hertz, config.audio_channel_count, config.language_code) == (16000, 1, "en-IN")
    assert config.enable_word_time_offsets and config.enable_word_confidence
    assert config.enable_automatic_punctuation and config.model == "default" and not config.use_enhanced
    assert received.request.audio.content == samples.astype("<i2").tobytes()
    [context] = config.speech_contexts
    assert list(context.phrases) == [
        "REST", "idempotent", "What is REST", "Explain its constraints",
        "REST is an architectural style for APIs", "it uses HTTP verbs", "and statelessness"]
    # The key really was exchanged for a token, and that token reached the Speech endpoint.
    assert len(issued) == 1 and received.metadata["authorization"] == f"Bearer {issued[0]}"
    assert claims[0]["iss"] == google_.key["client_email"]
    assert claims[0]["scope"] == "https://www.googleapis.com/auth/cloud-platform"


def test_options_reach_the_request(tmp_path):
    path = write_wav(tmp_path / "a.wav", noise(0.5))
    with local_google() as google_:
        transcribe(AudioInput(str(path)), {**google_.options, "model": "video", "use_enhanced": True,
                                           "punctuation": False})
        config = google_.speech.requests[0].request.config
    assert (config.model, config.use_enhanced, config.enable_automatic_punctuation) == ("video", True, False)
    assert not config.speech_contexts  # no hints, no empty context


def test_response_maps_to_words_times_text_and_confidence(tmp_path):
    path = write_wav(tmp_path / "a.wav", noise(4.0))
    first = words_response([("Hello,", 0.2, 0.55), ("I'm", 0.6, 0.8), ("Asha.", 0.8, 1.25)],
                           confidence=0.82)
    second = words_response([("I", 2.0, 2.1), ("know", 2.1, 2.4), ("C++.", 2.5, 3.05)],
                            confidence=0.5, word_confidence=0.97)
    empty = RecognizeResponse(results=[SpeechRecognitionResult(alternatives=[])])
    worse = SpeechRecognitionAlternative(transcript="I no see", confidence=0.1)
    answer = RecognizeResponse(results=[*first.results, *empty.results,
                                        SpeechRecognitionResult(alternatives=[*second.results[0].alternatives,
                                                                              worse])])
    with local_google(lambda request: answer) as google_:
        transcript = transcribe(AudioInput(str(path)), google_.options)

    assert transcript.provider == "google" and transcript.duration == pytest.approx(4.0)
    assert transcript.text == "Hello, I'm Asha. I know C++."
    assert [w.word for w in transcript.words] == ["Hello", "I'm", "Asha", "I", "know", "C++"]
    assert transcript.words[0] == TranscriptWord("Hello", 0.2, 0.55, 0.82)
    assert transcript.words[-1] == TranscriptWord("C++", 2.5, 3.05, 0.97)


def test_empty_audio_sends_nothing(tmp_path):
    path = write_wav(tmp_path / "a.wav", noise(0))
    with local_google() as google_:
        transcript = transcribe(AudioInput(str(path)), google_.options)
        assert google_.speech.requests == []
    assert (transcript.text, transcript.words, transcript.duration) == ("", (), 0.0)


def test_long_audio_goes_in_pieces_cut_at_quiet_moments(tmp_path):
    """118 s with two short silences: three requests, each under 55 s, cut inside the
    silences, together exactly the audio, and the words' times shifted by each cut."""
    samples = noise(118.0)
    quiet = [(50.0, 50.4), (101.0, 101.4)]
    for start, end in quiet:
        samples[int(start * RATE):int(end * RATE)] = 0
    path = write_wav(tmp_path / "long.wav", samples)

    def answer(request):
        length = len(request.audio.content) / 2 / RATE
        return words_response([("first", 0.25, 0.5), ("last", length - 0.5, length - 0.25)])

    with local_google(answer) as google_:
        transcript = transcribe(AudioInput(str(path)), google_.options)
        contents = [received.request.audio.content for received in google_.speech.requests]

    assert len(contents) == 3 and all(len(c) / 2 / RATE <= 55 for c in contents)
    assert b"".join(contents) == samples.astype("<i2").tobytes()
    cuts = np.cumsum([len(c) / 2 / RATE for c in contents])[:2]
    assert all(start < cut < end for cut, (start, end) in zip(cuts, quiet, strict=True))
    starts = [0.0, *cuts]
    firsts = [time for word in transcript.words[::2] for time in (word.start, word.end)]
    assert firsts == pytest.approx([time for s in starts for time in (s + 0.25, s + 0.5)], abs=1e-3)
    assert transcript.words[-1].end == pytest.approx(118.0 - 0.25, abs=1e-3)
    assert transcript.text == "first last first last first last"
    assert transcript.duration == pytest.approx(118.0)


@pytest.mark.parametrize("code", [grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                                  grpc.StatusCode.RESOURCE_EXHAUSTED])
def test_passing_failures_let_the_job_retry(tmp_path, code):
    path = write_wav(tmp_path / "a.wav", noise(0.5))
    with local_google() as google_:
        google_.speech.fail_with(code, "try later")
        with pytest.raises(TransientJobError, match=f"{code.name}: try later.*will try again"):
            transcribe(AudioInput(str(path)), google_.options)
        assert len(google_.speech.requests) == 1  # no retries inside the call: the job retries


def test_an_endpoint_that_is_down_is_a_passing_failure(tmp_path):
    path = write_wav(tmp_path / "a.wav", noise(0.5))
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with platform_google(f"127.0.0.1:{port}"), pytest.raises(TransientJobError, match="unavailable for now"):
        transcribe(AudioInput(str(path)), {})


@pytest.mark.parametrize("code, message", [
    (grpc.StatusCode.UNAUTHENTICATED, "refused the credentials.*service-account key on the Plugins page"),
    (grpc.StatusCode.PERMISSION_DENIED, "refused the credentials.*Speech-to-Text API enabled"),
    (grpc.StatusCode.INVALID_ARGUMENT, "refused the request: INVALID_ARGUMENT: bad sample rate"),
])
def test_refusals_are_clear_errors(tmp_path, code, message):
    path = write_wav(tmp_path / "a.wav", noise(0.5))
    with local_google() as google_:
        google_.speech.fail_with(code, "bad sample rate")
        with pytest.raises(ValueError, match=message) as raised:
            transcribe(AudioInput(str(path)), google_.options)
    assert not isinstance(raised.value, TransientJobError)


def test_unconfigured_provider_says_where_to_set_the_key(tmp_path):
    path = write_wav(tmp_path / "a.wav", noise(0.5))
    with pytest.raises(ValueError, match="not configured.*set the service-account key on the Plugins page"):
        transcribe(AudioInput(str(path)), {})


@pytest.mark.parametrize("key, message", [
    ("{not json", "not valid JSON.*Plugins page"),
    (json.dumps({"type": "authorized_user"}), "not a service-account key"),
    (json.dumps({"type": "service_account", "client_email": "x@y"}), "cannot be used.*download a new key"),
])
def test_bad_keys_are_refused_before_any_request(tmp_path, key, message):
    path = write_wav(tmp_path / "a.wav", noise(0.5))
    with local_google() as google_:
        with pytest.raises(ValueError, match=message):
            transcribe(AudioInput(str(path)), {**google_.options, "credentials_json": key})
        assert google_.speech.requests == [] and google_.token.issued == []


def test_a_key_the_token_endpoint_refuses(tmp_path):
    """Same account and token endpoint, but signed by a key the account does not have."""
    path = write_wav(tmp_path / "a.wav", noise(0.5))
    with local_google() as google_:
        forged = service_account_key(new_private_key(), google_.token.token_uri)
        with pytest.raises(ValueError, match="refused the service-account key.*invalid_grant"):
            transcribe(AudioInput(str(path)), {**google_.options, "credentials_json": json.dumps(forged)})
        assert google_.speech.requests == []


def test_bad_audio_and_language_are_refused(tmp_path):
    with local_google() as google_:
        with pytest.raises(ValueError, match="not a language code.*en-US or en-IN"):
            transcribe(AudioInput(str(write_wav(tmp_path / "a.wav", noise(0.5))), language="english"),
                       google_.options)
        with pytest.raises(ValueError, match="44100 Hz.*16 kHz mono 16-bit"):
            transcribe(AudioInput(str(write_wav(tmp_path / "b.wav", noise(0.5), rate=44_100))),
                       google_.options)
        (tmp_path / "c.wav").write_bytes(b"OggS not a wav")
        with pytest.raises(ValueError, match="not a PCM WAV file"):
            transcribe(AudioInput(str(tmp_path / "c.wav")), google_.options)
        assert google_.speech.requests == []


def test_options_are_validated_when_saved():
    specs = get_manager().option_specs("google")
    assert specs["credentials_json"].secret
    with pytest.raises(OptionsError) as raised:
        validate_options(specs, {"model": "huge", "timeout_seconds": 0})
    assert set(raised.value.errors) == {"model", "timeout_seconds"}


def test_google_endpoints_use_the_librarys_tls_client():
    """Not a loopback address: the client goes to that host on 443 over the library's TLS
    channel, with the tenant's key (checked at its token endpoint first)."""
    with local_google() as google_, platform_google("eu-speech.googleapis.com", google_.token.token_uri):
        client = google.speech_client(google_.options)
        assert google_.token.issued  # the key was exchanged before any audio is sent
    with client:
        assert client.api_endpoint == "eu-speech.googleapis.com"
        assert client.transport._credentials.service_account_email == google_.key["client_email"]
    with platform_google("eu-speech.googleapis.com"), pytest.raises(ValueError, match="not configured"):
        google.speech_client({})


def test_hint_phrases_respect_the_api_limits():
    """Keywords come first; a long clause is cut into runs of words, losing none of them."""
    clause = " ".join(f"word{i:03d}" for i in range(60))  # 479 characters, no punctuation
    runs = google.hint_phrases([clause])
    assert len(runs) == 5 and all(len(run) <= google.MAX_PHRASE_CHARS for run in runs)
    assert " ".join(runs) == clause
    phrases = google.hint_phrases([clause, *(f"term{i}" for i in range(2000))])
    assert len(phrases) == google.MAX_PHRASES and phrases[:2] == ["term0", "term1"]
    assert sum(map(len, phrases)) <= google.MAX_HINT_CHARS
