"""Real speech for tests: espeak-ng sentences, silences, splices and browser-style encodings.

espeak-ng and sox are Debian packages (CI installs them); PyAV encodes the way browsers
record, so the decoder is tested on the formats it will really receive.
"""

from __future__ import annotations

import ctypes
import io
import subprocess
import wave
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from aimi.plugins.types import TranscriptWord

ESPEAK_RATE = 22_050


def say(text: str, path: Path, *, wpm: int = 160, voice: str = "en-us", pitch: int = 50) -> Path:
    """Synthesise ``text`` with espeak-ng at ``wpm`` words a minute (22.05 kHz mono WAV)."""
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-p", str(pitch), "-w", str(path), text],
                   check=True, capture_output=True)
    return path


class _Event(ctypes.Structure):
    """espeak_EVENT from speak_lib.h (only the fields read here matter)."""

    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint), ("text_position", ctypes.c_int),
                ("length", ctypes.c_int), ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", ctypes.c_char * 8)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))
_WORD_EVENT, _SYNCHRONOUS, _RATE_PARAM, _PITCH_PARAM, _POS_CHARACTER = 1, 2, 1, 3, 1


def say_words(text: str, path: Path, *, wpm: int = 160, voice: str = "en-us",
              pitch: int = 50) -> tuple[TranscriptWord, ...]:
    """Like ``say``, but through libespeak-ng, returning each word with its true timing: what a
    perfect recogniser would give. espeak reports where each word starts; the word ends at its
    last loud 10 ms frame before the next word starts."""
    lib = ctypes.CDLL("libespeak-ng.so.1")
    rate = lib.espeak_Initialize(_SYNCHRONOUS, 0, None, 0)
    chunks: list[np.ndarray] = []
    starts: list[tuple[int, int, int]] = []

    def collect(wav, count, events):
        if count > 0:
            chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != 0:
            if events[i].type == _WORD_EVENT:
                starts.append((events[i].text_position - 1, events[i].length, events[i].sample))
            i += 1
        return 0

    callback = _CALLBACK(collect)
    lib.espeak_SetSynthCallback(callback)
    lib.espeak_SetVoiceByName(voice.encode())
    lib.espeak_SetParameter(_RATE_PARAM, wpm, 0)
    lib.espeak_SetParameter(_PITCH_PARAM, pitch, 0)
    encoded = text.encode()
    lib.espeak_Synth(encoded, len(encoded) + 1, 0, _POS_CHARACTER, 0, 0, None, None)
    lib.espeak_Synchronize()
    samples = np.concatenate(chunks).astype(np.float32) / 32768.0
    write_pcm(samples, path, rate)
    hop = rate // 100
    loud = np.abs(samples[: len(samples) // hop * hop]).reshape(-1, hop).max(axis=1) > 0.02
    words = []
    bounds = [s for _, _, s in starts[1:]] + [len(samples)]
    for (offset, length, first), last in zip(starts, bounds, strict=True):
        frames = np.flatnonzero(loud[first // hop:last // hop]) + first // hop
        word = encoded[offset:offset + length].decode().strip(".,!?;:").lower()
        if len(frames):
            words.append(TranscriptWord(word, float(frames[0] * hop / rate),
                                        float((frames[-1] + 1) * hop / rate)))
    return tuple(words)


def write_pcm(samples: np.ndarray, path: Path, rate: int = ESPEAK_RATE, channels: int = 1) -> Path:
    """Write float samples in [-1, 1] (shape (n,) or (n, channels)) as a 16-bit WAV."""
    pcm = (np.clip(samples, -1.0, 1.0) * 32767).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm.tobytes())
    return path


def read_pcm(path: Path) -> tuple[np.ndarray, int]:
    """A 16-bit WAV's samples as float32 (first channel) and its rate."""
    with wave.open(str(path), "rb") as src:
        raw = np.frombuffer(src.readframes(src.getnframes()), dtype="<i2")
        samples = raw.reshape(-1, src.getnchannels())[:, 0]
        return samples.astype(np.float32) / 32768.0, src.getframerate()


def silence(seconds: float, path: Path, rate: int = ESPEAK_RATE) -> Path:
    """A digital-silence WAV of ``seconds``."""
    return write_pcm(np.zeros(round(seconds * rate), dtype=np.float32), path, rate)


def concat(parts: Sequence[Path], path: Path) -> Path:
    """Join WAVs that share one rate (e.g. speech, silence, speech) into ``path``."""
    pieces = [read_pcm(p) for p in parts]
    rates = {rate for _, rate in pieces}
    if len(rates) != 1:
        raise ValueError(f"concat needs WAVs at one rate, got {sorted(rates)}")
    return write_pcm(np.concatenate([s for s, _ in pieces]), path, rates.pop())


def duration(path: Path) -> float:
    samples, rate = read_pcm(path)
    return len(samples) / rate


_CODEC_RATE = {"libopus": 48_000, "opus": 48_000, "aac": 48_000, "libvorbis": 48_000, "vorbis": 48_000}


def encode(wav: Path, container: str = "webm", codec: str = "libopus", *, live: bool = False) -> bytes:
    """Encode a WAV the way a browser's MediaRecorder sends it: webm/opus 48 kHz (Chrome),
    ogg/opus (Firefox) or mp4/aac (Safari). ``live`` writes webm as Chrome streams it: an
    unknown-size segment, no duration and no cues, one cluster a second."""
    samples, rate = read_pcm(wav)
    out_rate = _CODEC_RATE.get(codec, rate)
    buffer = io.BytesIO()
    options = {"live": "1", "cluster_time_limit": "1000"} if live else {}
    with av.open(buffer, "w", format=container, options=options) as out:
        stream = out.add_stream(codec, rate=out_rate, layout="mono")
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=out_rate)
        pcm = (samples * 32767).astype(np.int16).reshape(1, -1)
        frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
        frame.sample_rate = rate
        frame.time_base = Fraction(1, rate)
        frame.pts = 0
        for chunk in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(chunk):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buffer.getvalue()


_CLUSTER_ID = bytes.fromhex("1F43B675")


def recorder_chunks(wav: Path) -> list[bytes]:
    """The blobs MediaRecorder.start(1000) hands to ``ondataavailable``: a header chunk with
    the first cluster, then one chunk per cluster. Joined, they are what the browser uploads."""
    data = encode(wav, "webm", "libopus", live=True)
    cuts = [i for i in range(len(data)) if data.startswith(_CLUSTER_ID, i)][1:]
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
