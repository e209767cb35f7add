"""Any browser recording -> 16 kHz mono float samples, checked before anything costly runs.

Browsers send WebM/Opus (Chrome, often with no duration in the header because the blobs
were streamed), Ogg/Opus (Firefox) or MP4/AAC (Safari); uploads may be WAV at any rate.
PyAV (FFmpeg) reads them all. Limits are enforced early: size before decoding, length
while decoding, so a huge or endless upload costs little. Error messages go to the
candidate, so each says what is wrong and what to do.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass
from pathlib import Path

import av
import numpy as np

RATE = 16_000
MAX_SECONDS = 600.0
MAX_BYTES = 50 * 1024 * 1024
# A recording whose loudest 100 ms is quieter than this is a muted or missing microphone
# (its hiss peaks higher, so the level of a block, not of a sample, is compared).
SILENT_DBFS = -45.0
# Audio decoded before the first wanted sample when decoding from the middle of a stream: an
# Opus decoder (and the resampler) started cold settle within a few packets.
PREROLL_SECONDS = 0.5


class AudioError(ValueError):
    """A recording we cannot use; ``code`` is "type", "empty", "silent", "too_long" or "too_large"."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono float32 samples in [-1, 1] at ``RATE``; ``start`` is where they begin in the
    recording (seconds), non-zero for a piece decoded from the middle."""

    samples: np.ndarray
    start: float = 0.0

    @property
    def duration(self) -> float:
        return len(self.samples) / RATE

    @property
    def end(self) -> float:
        return self.start + self.duration

    def between(self, start: float, end: float) -> Audio:
        """The part from ``start`` to ``end`` (seconds of the recording)."""
        first = max(0, round((start - self.start) * RATE))
        last = max(first, round((end - self.start) * RATE))
        return Audio(self.samples[first:last], self.start + first / RATE)

    def wav_bytes(self) -> bytes:
        """The samples as a 16-bit PCM WAV file (what speech providers take)."""
        pcm = (np.clip(self.samples, -1.0, 1.0) * 32767).astype("<i2")
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(RATE)
            out.writeframes(pcm.tobytes())
        return buffer.getvalue()


def decode(data: bytes, *, max_seconds: float = MAX_SECONDS, max_bytes: int = MAX_BYTES,
           start: float = 0.0) -> Audio:
    """Decode a recording in any format FFmpeg reads to 16 kHz mono, or raise AudioError.
    With ``start`` (seconds) only the audio from there on is decoded: the packets before it
    are read but not decoded, so a window of a long take costs what the window does, not what
    the take so far does (a stream whose packets carry no usable times is decoded whole and
    cut). Such a piece may be empty or quiet (the end of a take): only a whole recording is
    refused as empty or silent."""
    _check_size(len(data), max_bytes)
    if not data:
        raise AudioError("empty", _EMPTY)
    samples, first = _samples(data, max_seconds, start)
    if start > 0:
        return Audio(samples, first)
    if not len(samples):
        raise AudioError("empty", _EMPTY)
    if _loudest_block_dbfs(samples) < SILENT_DBFS:
        raise AudioError("silent", "We could not hear anything: check the microphone is not muted and try "
                         "again.")
    return Audio(samples, first)


def from_wav(data: bytes, start: float = 0.0) -> Audio:
    """Samples written by ``Audio.wav_bytes`` (16-bit PCM at ``RATE``), read back without FFmpeg."""
    with wave.open(io.BytesIO(data)) as wav:
        if (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) != (RATE, 1, 2):
            raise _not_audio("it is not 16 kHz mono 16-bit PCM")
        pcm = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    return Audio(pcm.astype(np.float32) / 32767, start)


def read(path: str | Path, *, max_seconds: float = MAX_SECONDS, max_bytes: int = MAX_BYTES) -> Audio:
    """Decode a file; its size is checked before it is read."""
    path = Path(path)
    _check_size(path.stat().st_size, max_bytes)
    return decode(path.read_bytes(), max_seconds=max_seconds, max_bytes=max_bytes)


def write_wav(audio: Audio, path: str | Path) -> None:
    Path(path).write_bytes(audio.wav_bytes())


_EMPTY = ("The recording is empty: no sound was captured. Allow this site to use the microphone and "
          "record again.")


def _check_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise AudioError("too_large", f"The file is {_size(size)}, above the {_size(max_bytes)} limit: "
                         "record a shorter answer, or upload a compressed recording (WebM, Ogg or M4A).")


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{size / 1024:.0f} KB"


def _samples(data: bytes, max_seconds: float, start: float) -> tuple[np.ndarray, float]:
    """The samples of the first audio stream from ``start`` on, resampled, and the time they
    begin at (``start``, or 0 when it lies before the audio); stops once past ``max_seconds``. A
    stream that breaks after some audio (a truncated upload) keeps what was decoded."""
    limit = int(max_seconds * RATE)
    try:
        container = av.open(io.BytesIO(data), mode="r")
    except (av.FFmpegError, ValueError) as exc:
        raise _not_audio("it is not audio, or it is damaged") from exc
    with container:
        if not container.streams.audio:
            raise _not_audio("it has no audio track")
        stream = container.streams.audio[0]
        # FFmpeg's stereo-to-mono mix adds channels at -3 dB each, which can exceed full scale;
        # the channels are averaged here instead, keeping samples in [-1, 1].
        resampler = av.AudioResampler(format="flt", rate=RATE)
        parts: list[np.ndarray] = []
        packets, decoded_from = _packets_from(container, stream, start)
        total = round(decoded_from * RATE)
        try:
            for packet in packets:
                for frame in packet.decode():
                    assert isinstance(frame, av.AudioFrame)  # demuxed from the audio stream
                    if decoded_from and not parts and frame.pts is not None and frame.time_base:
                        decoded_from = float(frame.pts * frame.time_base)  # after any skipped start
                        total = round(decoded_from * RATE)
                    frame.pts = None  # concatenated recorder chunks restart or skip timestamps
                    for out in resampler.resample(frame):
                        parts.append(_mono(out))
                        total += out.samples
                    if total > limit:
                        raise AudioError("too_long", _too_long(max_seconds))
            parts.extend(_mono(out) for out in resampler.resample(None))
        except av.FFmpegError as exc:
            if not parts:
                raise _not_audio("its audio is damaged") from exc
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    begins = min(max(start, 0.0), decoded_from + len(samples) / RATE)
    samples = samples[round((begins - decoded_from) * RATE):]
    if round(begins * RATE) + len(samples) > limit:
        raise AudioError("too_long", _too_long(max_seconds))
    return np.clip(samples, -1.0, 1.0).astype(np.float32, copy=False), begins  # float WAVs may overshoot


def _packets_from(container: av.container.InputContainer, stream: av.AudioStream,
                  start: float) -> tuple[list[av.Packet], float]:
    """The stream's packets to decode for audio from ``start`` on, and the time the first of
    them begins: from ``PREROLL_SECONDS`` before ``start`` (a decoder started mid-stream needs a
    few packets to settle), or all of them when the times are missing or go backwards."""
    try:
        packets = list(container.demux(stream))
    except av.FFmpegError as exc:
        raise _not_audio("its audio is damaged") from exc
    timed = [p for p in packets if p.size]
    times = [p.pts for p in timed if p.pts is not None]
    base = stream.time_base
    if start <= PREROLL_SECONDS or len(times) < len(timed) or base is None or any(
            b < a for a, b in zip(times, times[1:], strict=False)):
        return packets, 0.0
    first = next((i for i, pts in reversed(list(enumerate(times)))
                  if pts * base <= start - PREROLL_SECONDS), 0)
    if first == 0:
        return packets, 0.0
    return [*timed[first:], *(p for p in packets if not p.size)], float(times[first] * base)


def _mono(frame: av.AudioFrame) -> np.ndarray:
    channels = len(frame.layout.channels)
    return frame.to_ndarray().reshape(-1, channels).mean(axis=1, dtype=np.float32)


def _loudest_block_dbfs(samples: np.ndarray) -> float:
    block = RATE // 10
    count = max(1, len(samples) // block)
    blocks = np.resize(samples, count * block).reshape(count, block).astype(np.float64)
    return float(10 * np.log10(np.max(np.mean(blocks * blocks, axis=1)) + 1e-12))


def _not_audio(reason: object) -> AudioError:
    return AudioError("type", f"This file is not a recording we can read ({reason}). Record your answer "
                      "again in the browser, or upload a WAV, WebM, Ogg, MP3 or M4A file.")


def _too_long(max_seconds: float) -> str:
    limit = f"{max_seconds / 60:.3g} minutes" if max_seconds >= 120 else f"{max_seconds:.3g} seconds"
    return f"The recording is longer than the {limit} limit: give a shorter answer and record again."
