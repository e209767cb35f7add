"""A recording transcribed window by window while it is uploaded, so its transcript is ready
when the candidate presses Stop.

Each window runs from the last cut to a pause at least ``MIN_WINDOW_SECONDS`` later and more
than ``TAIL_SECONDS`` before the end of what has arrived (a word may still be arriving there);
cutting at pauses keeps words whole. After Stop only the audio past the last cut is left to
transcribe. The state is plain JSON (the recording keeps it between jobs):
``{"cut": seconds, "text": ..., "words": [{"word", "start", "end"}], "provider": name}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aimi.evaluators.audio import RATE, Audio
from aimi.evaluators.speech_analysis import last_pause
from aimi.plugins.types import Transcript, TranscriptWord

# Whisper's encoder always works on 30 s, so a 5 s window costs about what a 25 s one does:
# windows of at least 20 s keep the CPU near one pass over the take, and still leave at most
# about 25 s (one encoder pass) to do after Stop. Captions therefore grow every 20-25 s.
MIN_WINDOW_SECONDS = 20.0
TAIL_SECONDS = 1.0
PAUSE_SECONDS = 0.3

State = dict[str, Any]


def extend(state: State | None, audio: Audio, transcribe: Callable[[Audio], Transcript], provider: str, *,
           final: bool = False) -> State | None:
    """The state with the next window transcribed (with ``final``, everything left); None when
    no window is ready yet (no pause far enough from both ends)."""
    if state is not None and state.get("provider") != provider:
        state = None  # the college changed provider mid-take: start afresh
    start = state["cut"] if state else 0.0
    if final:
        cut = audio.duration
    else:
        cut = last_pause(audio.samples, start + MIN_WINDOW_SECONDS, audio.duration - TAIL_SECONDS,
                         PAUSE_SECONDS)
        if cut is None:
            return None
    words = list(state["words"]) if state else []
    texts = [state["text"]] if state and state["text"] else []
    piece = audio.samples[round(start * RATE): round(cut * RATE)]
    if len(piece) >= RATE // 10:
        heard = transcribe(Audio(piece))
        words += [{"word": w.word, "start": round(w.start + start, 3), "end": round(w.end + start, 3)}
                  for w in heard.words]
        texts += [heard.text] if heard.text else []
    return {"cut": round(cut, 3), "text": " ".join(texts), "words": words, "provider": provider}


def as_transcript(state: State, duration: float) -> Transcript:
    words = tuple(TranscriptWord(w["word"], w["start"], w["end"]) for w in state["words"])
    return Transcript(state["text"], words, duration, state["provider"])
