"""A local Google Speech-to-Text v1 endpoint and OAuth token endpoint, for tests.

The official client talks to these exactly as it would to Google: the speech server is a
gRPC server for ``google.cloud.speech.v1.Speech/Recognize`` (local credentials, so the
client's call credentials are sent) and the token server is the ``token_uri`` of a
service-account key made here, which checks the signed JWT assertion before it issues a
bearer token. The test scripts the answer (a function of the request) or a failure, and
reads back every request with its metadata.

Use ``local_google()``: it starts both and gives the plugin options that point at them.
"""

from __future__ import annotations

import json
import os
import threading
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from unittest import mock
from urllib.parse import parse_qs

import grpc
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from google.auth import exceptions as auth_exceptions
from google.auth import jwt
from google.cloud.speech_v1.types import (
    RecognizeRequest,
    RecognizeResponse,
    SpeechRecognitionAlternative,
    SpeechRecognitionResult,
    WordInfo,
)

SERVICE = "google.cloud.speech.v1.Speech"
CLIENT_EMAIL = "aimi-test@aimi-local.iam.gserviceaccount.com"
# google-auth addresses every assertion to Google's token endpoint, whatever token_uri says.
TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"

Answer = Callable[[RecognizeRequest], RecognizeResponse]


def words_response(words: Sequence[tuple[str, float, float]], confidence: float = 0.9,
                   word_confidence: float | None = None) -> RecognizeResponse:
    """A one-result response saying ``words`` as ``(word, start, end)`` seconds."""
    infos = [WordInfo(word=word, start_time=timedelta(seconds=start), end_time=timedelta(seconds=end),
                      confidence=word_confidence or 0.0)
             for word, start, end in words]
    best = SpeechRecognitionAlternative(transcript=" ".join(w for w, _, _ in words),
                                        confidence=confidence, words=infos)
    return RecognizeResponse(results=[SpeechRecognitionResult(alternatives=[best])])


def no_speech(request: RecognizeRequest) -> RecognizeResponse:
    """What Google answers for audio with no speech in it: no results."""
    return RecognizeResponse()


@dataclass(frozen=True)
class Received:
    """One Recognize call as the server saw it."""

    request: RecognizeRequest
    metadata: dict[str, str]


@dataclass
class SpeechServer:
    """The Speech service on 127.0.0.1; ``answer`` makes the reply, ``fail_with`` a failure."""

    answer: Answer = no_speech
    requests: list[Received] = field(default_factory=list)
    failure: tuple[grpc.StatusCode, str] | None = None
    endpoint: str = ""
    _server: Any = None

    def fail_with(self, code: grpc.StatusCode | None, details: str = "scripted failure") -> None:
        """Fail every call with ``code`` from now on (``None`` to answer again)."""
        self.failure = None if code is None else (code, details)

    def _recognize(self, request: RecognizeRequest, context: grpc.ServicerContext) -> RecognizeResponse:
        self.requests.append(Received(request, {k: str(v) for k, v in context.invocation_metadata()}))
        if self.failure is not None:
            context.abort(*self.failure)
        return self.answer(request)

    def start(self) -> SpeechServer:
        handler = grpc.method_handlers_generic_handler(SERVICE, {
            "Recognize": grpc.unary_unary_rpc_method_handler(
                self._recognize, request_deserializer=RecognizeRequest.deserialize,
                response_serializer=RecognizeResponse.serialize),
        })
        self._server = grpc.server(ThreadPoolExecutor(max_workers=4), handlers=(handler,))
        port = self._server.add_secure_port("127.0.0.1:0", grpc.local_server_credentials())
        self._server.start()
        self.endpoint = f"127.0.0.1:{port}"
        return self

    def stop(self) -> None:
        self._server.stop(grace=None)


def new_private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def service_account_key(private_key: rsa.RSAPrivateKey, token_uri: str) -> dict[str, str]:
    """A service-account key file's content, as Google's console downloads it."""
    pem = private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()).decode()
    return {"type": "service_account", "project_id": "aimi-local", "private_key_id": uuid.uuid4().hex,
            "private_key": pem, "client_email": CLIENT_EMAIL, "client_id": "1234567890",
            "token_uri": token_uri}


@dataclass
class TokenServer:
    """An OAuth token endpoint for one service account: it verifies the JWT assertion's
    signature against the account's public key and issues a fresh bearer token."""

    public_key_pem: bytes
    issued: list[str] = field(default_factory=list)
    claims: list[dict[str, Any]] = field(default_factory=list)
    token_uri: str = ""
    _server: Any = None

    def exchange(self, form: dict[str, list[str]]) -> tuple[int, dict[str, Any]]:
        assertion = (form.get("assertion") or [""])[0]
        try:
            claims = jwt.decode(assertion, certs=self.public_key_pem, audience=TOKEN_AUDIENCE)
        except (ValueError, auth_exceptions.GoogleAuthError) as exc:
            return 400, {"error": "invalid_grant", "error_description": f"Invalid JWT: {exc}"}
        token = f"ya29.local-{uuid.uuid4().hex}"
        self.claims.append(claims)
        self.issued.append(token)
        return 200, {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def start(self) -> TokenServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                status, payload = owner.exchange(parse_qs(body))
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                """Quiet: tests read ``issued`` and ``claims`` instead."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.token_uri = f"http://127.0.0.1:{self._server.server_port}/token"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@dataclass(frozen=True)
class LocalGoogle:
    """Both endpoints, the service-account key they accept, and the plugin's options."""

    speech: SpeechServer
    token: TokenServer
    key: dict[str, str]

    @property
    def options(self) -> dict[str, str]:
        """The ``google`` plugin options a tenant would save to use these endpoints."""
        return {"credentials_json": json.dumps(self.key)}


def platform_google(endpoint: str, token_uri: str = ""):
    """The platform's configuration pointing the plugin at local endpoints."""
    env = {"AIMI_GOOGLE_SPEECH_ENDPOINT": endpoint}
    return mock.patch.dict(os.environ, env | ({"AIMI_GOOGLE_TOKEN_URI": token_uri} if token_uri else {}))


@contextmanager
def local_google(answer: Answer | None = None) -> Iterator[LocalGoogle]:
    """Run a local Speech endpoint (answering with ``answer``) and its token endpoint."""
    private_key = new_private_key()
    public = private_key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo)
    token = TokenServer(public).start()
    speech = SpeechServer(answer or no_speech).start()
    try:
        with platform_google(speech.endpoint, token.token_uri):
            yield LocalGoogle(speech, token, service_account_key(private_key, token.token_uri))
    finally:
        speech.stop()
        token.stop()
