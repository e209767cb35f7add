"""Google Cloud Speech-to-Text (v1) as a transcription provider, through the official client.

Each tenant brings its own service-account key. Sync ``Recognize`` takes about a minute
of audio at most, so longer answers go in pieces cut at the quietest moment before 55 s,
and the word times of each piece are shifted by where it starts. Failures that may pass
(unavailable, deadline, quota) raise ``TransientJobError`` so the job retries later;
refused keys and requests raise ``ValueError`` saying what to fix.
"""

from __future__ import annotations

import ipaddress
import json
import os
import re
import wave
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import grpc
import numpy as np
from google.api_core import exceptions as api_exceptions
from google.api_core.client_options import ClientOptions
from google.auth import exceptions as auth_exceptions
from google.auth.transport.grpc import AuthMetadataPlugin
from google.auth.transport.requests import Request
from google.cloud.speech_v1 import SpeechClient
from google.cloud.speech_v1.services.speech.transports import SpeechGrpcTransport
from google.cloud.speech_v1.types import RecognitionAudio, RecognitionConfig, RecognizeResponse, SpeechContext
from google.oauth2 import service_account

from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import (
    AudioInput,
    OptionSpec,
    PluginContext,
    Transcript,
    TranscriptWord,
    TransientJobError,
)

SAMPLE_RATE = 16_000
MAX_PIECE_SECONDS = 55.0  # sync Recognize refuses more than ~60 s
CUT_SEARCH_SECONDS = 10.0  # look for the quietest moment in the last 10 s before the limit
QUIET_WINDOW_SECONDS = 0.1
# Speech adaptation limits are 5000 phrases, 100 characters each, 100,000 in all; far
# fewer keep the bias on the words that matter.
MAX_PHRASES, MAX_PHRASE_CHARS, MAX_HINT_CHARS = 500, 100, 10_000
SCOPES = ("https://www.googleapis.com/auth/cloud-platform",)
MODELS = ("default", "latest_long", "latest_short", "command_and_search", "phone_call", "video")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?(-(?:[A-Z]{2}|[0-9]{3}))?$")
CLAUSE_RE = re.compile(r"[.;:!?](?:\s+|$)|,\s+|\n+")
SETUP_HINT = "set the service-account key on the Plugins page"
# Where the plugin may connect is the platform's choice (environment), never a tenant's:
# a tenant-chosen host would let a college make the server call anywhere.
ENDPOINT_ENV, TOKEN_URI_ENV = "AIMI_GOOGLE_SPEECH_ENDPOINT", "AIMI_GOOGLE_TOKEN_URI"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"

OPTIONS = {
    "credentials_json": OptionSpec(str, "", "The service-account key (JSON) of a Google Cloud project "
                                            "with the Speech-to-Text API enabled.", secret=True),
    "model": OptionSpec(str, "default", "Recognition model.", choices=MODELS),
    "use_enhanced": OptionSpec(bool, False, "Use the enhanced variant of the model (costs more)."),
    "punctuation": OptionSpec(bool, True, "Let Google punctuate the transcript."),
    "timeout_seconds": OptionSpec(float, 120.0, "Longest wait for one request.", min=5, max=600),
}


@hookimpl
def aimi_options() -> dict[str, OptionSpec]:
    return dict(OPTIONS)


@hookimpl
def aimi_transcribe_audio(audio: AudioInput, context: PluginContext) -> Transcript:
    options = {name: spec.default for name, spec in OPTIONS.items()} | context.options
    language = check_language(audio.language)
    pcm = read_pcm(audio.path)
    config = RecognitionConfig(
        encoding=RecognitionConfig.AudioEncoding.LINEAR16, sample_rate_hertz=SAMPLE_RATE,
        audio_channel_count=1, language_code=language, enable_word_time_offsets=True,
        enable_word_confidence=True, enable_automatic_punctuation=options["punctuation"],
        model=options["model"], use_enhanced=options["use_enhanced"],
        speech_contexts=[SpeechContext(phrases=phrases)] if (phrases := hint_phrases(audio.hints)) else [],
    )
    texts: list[str] = []
    words: list[TranscriptWord] = []
    with google_errors(), speech_client(options) as client:
        for piece in pieces(pcm):
            response = client.recognize(config=config, audio=RecognitionAudio(content=piece.pcm),
                                        retry=None, timeout=float(options["timeout_seconds"]))
            piece_texts, piece_words = read_response(response, piece.offset)
            texts += piece_texts
            words += piece_words
    return Transcript(text=" ".join(texts), words=tuple(words), duration=len(pcm) / 2 / SAMPLE_RATE,
                      provider="google")


# -- Input -------------------------------------------------------------------------------


def check_language(language: str) -> str:
    """A BCP-47 code as Google takes it (en-US, en-IN, cmn-Hans-CN), or a clear error."""
    if not isinstance(language, str) or not LANGUAGE_RE.match(language):
        raise ValueError(f"not a language code Google Speech accepts: {language!r} "
                         "(use a BCP-47 code such as en-US or en-IN)")
    return language


def read_pcm(path: str) -> bytes:
    """The 16-bit samples of a 16 kHz mono WAV file (what the upload was normalised to)."""
    try:
        with wave.open(path, "rb") as wav:
            shape = (wav.getframerate(), wav.getnchannels(), wav.getsampwidth())
            if shape != (SAMPLE_RATE, 1, 2):
                raise ValueError(f"{path} is {shape[0]} Hz, {shape[1]} channel(s), {8 * shape[2]}-bit; "
                                 "Google Speech is given 16 kHz mono 16-bit PCM (normalise the audio first)")
            return wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(f"{path} is not a PCM WAV file ({exc}); normalise the audio first") from exc


def hint_phrases(hints: Iterable[str]) -> list[str]:
    """Short phrases from the hints, within the API's limits: shortest hints first (the
    keywords), long texts cut into clauses of at most ``MAX_PHRASE_CHARS``, no repeats."""
    phrases: list[str] = []
    seen: set[str] = set()
    total = 0
    for hint in sorted(hints, key=len):
        for clause in CLAUSE_RE.split(hint):
            for phrase in _runs(clause.split(), MAX_PHRASE_CHARS):
                if phrase.lower() in seen:
                    continue
                if len(phrases) == MAX_PHRASES or total + len(phrase) > MAX_HINT_CHARS:
                    return phrases
                seen.add(phrase.lower())
                phrases.append(phrase)
                total += len(phrase)
    return phrases


def _runs(words: list[str], limit: int) -> Iterator[str]:
    """Consecutive words joined into runs of at most ``limit`` characters."""
    run = ""
    for word in words:
        if len(word) > limit:
            continue
        if run and len(run) + 1 + len(word) > limit:
            yield run
            run = ""
        run = f"{run} {word}" if run else word
    if run:
        yield run


@dataclass(frozen=True)
class Piece:
    pcm: bytes
    offset: float  # seconds from the start of the answer


def pieces(pcm: bytes) -> list[Piece]:
    """The audio in pieces of at most ``MAX_PIECE_SECONDS``, each cut at the quietest
    ``QUIET_WINDOW_SECONDS`` in the last ``CUT_SEARCH_SECONDS`` before the limit (none
    for empty audio: there is nothing to send)."""
    samples = np.frombuffer(pcm, dtype="<i2").astype(np.float64)
    limit, search = int(MAX_PIECE_SECONDS * SAMPLE_RATE), int(CUT_SEARCH_SECONDS * SAMPLE_RATE)
    window = int(QUIET_WINDOW_SECONDS * SAMPLE_RATE)
    starts = [0]
    while len(samples) - starts[-1] > limit:
        low = starts[-1] + limit - search
        energy = np.concatenate(([0.0], np.cumsum(samples[low:starts[-1] + limit] ** 2)))
        windowed = energy[window:] - energy[:-window]
        latest_quietest = len(windowed) - 1 - int(np.argmin(windowed[::-1]))
        starts.append(low + latest_quietest + window // 2)
    ends = [*starts[1:], len(samples)]
    return [Piece(pcm[2 * start:2 * end], start / SAMPLE_RATE)
            for start, end in zip(starts, ends, strict=True) if end > start]


# -- Output ------------------------------------------------------------------------------


def read_response(response: RecognizeResponse, offset: float) -> tuple[list[str], list[TranscriptWord]]:
    """The best alternative's text of each result, and its words shifted by ``offset``.
    Google's 0.0 confidence means "not given"; a word without one takes its result's."""
    texts, words = [], []
    for result in response.results:
        if not result.alternatives:
            continue
        best = result.alternatives[0]
        if best.transcript.strip():
            texts.append(best.transcript.strip())
        for info in best.words:
            confidence = round(info.confidence or best.confidence, 3) or None
            word = info.word.rstrip(".,?!;:")
            if word:
                words.append(TranscriptWord(word, round(offset + info.start_time.total_seconds(), 3),
                                            round(offset + info.end_time.total_seconds(), 3), confidence))
    return texts, words


# -- The client ----------------------------------------------------------------------------


def credentials(options: dict[str, Any]) -> service_account.Credentials | None:
    """The tenant's service-account credentials, or None when no key is set."""
    text = (options.get("credentials_json") or "").strip()
    if not text:
        return None
    try:
        info = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the Google service-account key is not valid JSON ({exc}); paste the whole "
                         "key file downloaded from the Google Cloud console on the Plugins page") from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise ValueError("the Google key is not a service-account key (its \"type\" must be "
                         "\"service_account\"); create one under IAM > Service accounts > Keys")
    try:
        creds = service_account.Credentials.from_service_account_info(info, scopes=SCOPES)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the Google service-account key cannot be used ({type(exc).__name__}: {exc}); "
                         "download a new key file and set it on the Plugins page") from None
    allowed = os.environ.get(TOKEN_URI_ENV) or GOOGLE_TOKEN_URI
    if info.get("token_uri", GOOGLE_TOKEN_URI) != allowed:
        raise ValueError(f"the Google key's token_uri {info.get('token_uri')!r} is not {allowed}; "
                         "paste the key file exactly as the Google Cloud console downloaded it")
    return creds


def is_loopback(endpoint: str) -> bool:
    host = endpoint.rsplit(":", 1)[0].strip("[]") if ":" in endpoint else endpoint
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def speech_client(options: dict[str, Any]) -> SpeechClient:
    """A client for the platform's endpoint: Google's own over TLS (the library's usual
    path), or a loopback endpoint over local credentials that still carry the key's token."""
    creds = credentials(options)
    endpoint = os.environ.get(ENDPOINT_ENV, "").strip()
    if creds is not None:
        creds.refresh(Request())  # a refused key fails here, before any audio is sent
    if endpoint and is_loopback(endpoint):
        return SpeechClient(transport=SpeechGrpcTransport(channel=local_channel(endpoint, creds)))
    if creds is None:
        raise ValueError(f"Google Speech is not configured for this college: {SETUP_HINT}")
    return SpeechClient(credentials=creds, client_options=ClientOptions(api_endpoint=endpoint or None))


def local_channel(endpoint: str, creds: service_account.Credentials | None) -> grpc.Channel:
    """A channel to a loopback endpoint whose calls still carry the key's bearer token
    (gRPC sends call credentials only over a secure channel, which local credentials are)."""
    channel_creds = grpc.local_channel_credentials()
    if creds is not None:
        channel_creds = grpc.composite_channel_credentials(
            channel_creds, grpc.metadata_call_credentials(AuthMetadataPlugin(creds, Request())))
    return grpc.secure_channel(endpoint, channel_creds)


TRANSIENT = (api_exceptions.ServiceUnavailable, api_exceptions.DeadlineExceeded,
             api_exceptions.ResourceExhausted, auth_exceptions.TransportError)
REFUSED = (api_exceptions.Unauthenticated, api_exceptions.PermissionDenied)


@contextmanager
def google_errors() -> Iterator[None]:
    """Google's failures as the job runner understands them, with what to do."""
    try:
        yield
    except TRANSIENT as exc:
        raise TransientJobError(f"Google Speech is unavailable for now ({_message(exc)}); "
                                "the job will try again") from exc
    except REFUSED as exc:
        raise ValueError(f"Google Speech refused the credentials ({_message(exc)}); check the "
                         f"service-account key on the Plugins page and that its project has the "
                         f"Speech-to-Text API enabled") from exc
    except api_exceptions.InvalidArgument as exc:
        raise ValueError(f"Google Speech refused the request: {_message(exc)}") from exc
    except auth_exceptions.RefreshError as exc:
        if exc.retryable:
            raise TransientJobError(f"Google's token service is unavailable for now ({exc}); "
                                    "the job will try again") from exc
        raise ValueError(f"Google refused the service-account key ({exc}); {SETUP_HINT} again "
                         "with a key that is still valid") from exc


def _message(exc: Exception) -> str:
    status = getattr(exc, "grpc_status_code", None)
    return f"{status.name}: {getattr(exc, 'message', exc)}" if status is not None else str(exc)
