"""A recording transcribed window by window while it is uploaded, so its transcript is ready
when the candidate presses Stop.

Each window runs from the last cut to a pause at least ``MIN_WINDOW_SECONDS`` later and more
than ``TAIL_SECONDS`` before the end of what has arrived (a word may still be arriving there);
cutting at pauses keeps words whole. A window job decodes only the audio past the last cut, and
the caller keeps each window's audio, so after Stop only the audio past the last cut is left to
decode and transcribe. The state is plain JSON (the recording keeps it between jobs):
``{"cut": seconds, "text": ..., "words": [{"word", "start", "end"}], "provider": name,
"windows": [[start, end], ...]}``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aimi.evaluators.audio import RATE, Audio
from aimi.evaluators.speech_analysis import last_pause
from aimi.plugins.types import Transcript, TranscriptWord

# Whisper's encoder always works on 30 s, so a 5 s window costs about what a 25 s one does:
# windows of at least 20 s keep the CPU near one pass over the take and leave at most about
# 25 s to do after Stop. 8 s windows every second chunk (tail 3-12 s) broke the Chromium voice
# test (captions never shown, a window request did not return): see docs/decisions.md.
MIN_WINDOW_SECONDS = 20.0
TAIL_SECONDS = 1.0
PAUSE_SECONDS = 0.3

State = dict[str, Any]


def resumed(state: State | None, provider: str) -> State | None:
    """The state to go on from: None (start afresh) when the college changed provider mid-take."""
    return state if state is not None and state.get("provider") == provider else None


def cut(state: State | None) -> float:
    """Where the audio not yet transcribed begins (seconds): all a next window needs decoded."""
    return state["cut"] if state else 0.0


def windows(state: State | None) -> list[tuple[float, float]]:
    """The windows transcribed so far, as (start, end) seconds, in order."""
    return [(start, end) for start, end in (state or {}).get("windows", [])]


def extend(state: State | None, audio: Audio, transcribe: Callable[[Audio], Transcript], provider: str, *,
           final: bool = False) -> State | None:
    """The state with the next window transcribed (with ``final``, everything left); None when
    no window is ready yet (no pause far enough from both ends). ``audio`` may be the take
    from ``cut(state)`` on (``Audio.start``): nothing before the cut is looked at again, so a
    window costs the same early and late in a long answer."""
    state = resumed(state, provider)
    start = cut(state)
    if audio.start > start + 0.01:
        raise ValueError(f"the audio begins at {audio.start:.2f} s, after the cut at {start:.2f} s")
    rest = audio.samples[round((start - audio.start) * RATE):]
    if final:
        end = audio.end
    else:
        pause = last_pause(rest, MIN_WINDOW_SECONDS, len(rest) / RATE - TAIL_SECONDS, PAUSE_SECONDS)
        if pause is None:
            return None
        end = start + pause
    words = list(state["words"]) if state else []
    texts = [state["text"]] if state and state["text"] else []
    piece = rest[:round((end - start) * RATE)]
    if len(piece) >= RATE // 10:
        heard = transcribe(Audio(piece))
        words += [{"word": w.word, "start": round(w.start + start, 3), "end": round(w.end + start, 3)}
                  for w in heard.words]
        texts += [heard.text] if heard.text else []
    return {"cut": round(end, 3), "text": " ".join(texts), "words": words, "provider": provider,
            "windows": [*windows(state), (start, round(end, 3))]}


def as_transcript(state: State, duration: float) -> Transcript:
    words = tuple(TranscriptWord(w["word"], w["start"], w["end"]) for w in state["words"])
    return Transcript(state["text"], words, duration, state["provider"])
