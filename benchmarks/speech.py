"""How well and how fast the speech providers transcribe, on real people and on synthetic answers.

Two sets:
- ``speech-dev``: ../shared/data/speech-dev/ (24 recordings of real people, 231 s, verbatim
  transcripts with their fillers; see its README.md). Decoded with PyAV like an upload.
- ``synthetic``: benchmarks/speech_answers.json (a candidate's own words to starter-bank
  questions, 12 with "um"/"uh") spoken by espeak-ng in several voices and rates, each also
  spoken *fluent* (fillers taken out), so invented fillers show up as false ones.

Systems: ``sphinx-plain`` (``pocketsphinx.Decoder()`` with its defaults, the baseline),
``pocketsphinx`` (our provider with the question as hints), ``whisper-plain`` (faster-whisper
tiny.en, beam 5, nothing else), ``whisper`` (our provider: voice activity detection, the filler
prompt and the question's keywords as hotwords) and ``whisper`` without one part each
(``whisper-novad``, ``whisper-noprompt``). Printed per clip and pooled:
- WER against the reference after ``normalise`` (lower case; tags such as ``<cutoff>`` and
  ``[laughter]`` dropped; punctuation but apostrophes removed; hyphens split; "yknow" is
  "you know"; every spelling of a filler is one word: umm/uhh/erm/hm/mm are um/uh/er/hmm),
- filler recall and precision (a recognised filler counts when the word alignment puts it on a
  spoken filler; all filler spellings are the same word there),
- real-time factor: CPU seconds (this process, all threads) per audio second, with Whisper on one
  thread (``AIMI_WHISPER_THREADS=1``) and the model already loaded,
- for ``whisper`` on speech-dev, the delivery analysis: pace against the transcript's word count
  over the same speaking time, and the pitch spread next to the monotone norm.

Two more sets time the speech queue on long answers: ``latency`` (Stop to transcript for a
2-minute answer) and ``windows`` (CPU of each window job for 30, 60 and 120 s answers).

Run: ``python benchmarks/speech.py [--set speech-dev|synthetic|latency|windows|all] [--systems a,b]``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("AIMI_WHISPER_THREADS", "1")

import jiwer  # noqa: E402
import numpy as np  # noqa: E402

from aimi.evaluators import audio as audio_codec  # noqa: E402
from aimi.evaluators import speech_analysis, speech_windows, whisper  # noqa: E402
from aimi.plugins.manager import get_manager  # noqa: E402
from aimi.plugins.settings import PluginState  # noqa: E402
from aimi.plugins.types import AudioInput, Transcript  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = Path(__file__).with_name("speech_answers.json")
SPEECH_DEV = ROOT.parent / "shared" / "data" / "speech-dev"
SYSTEMS = ("sphinx-plain", "pocketsphinx", "whisper-plain", "whisper-novad", "whisper-noprompt", "whisper")
FILLERS = {"um": "um", "umm": "um", "uh": "uh", "uhh": "uh", "er": "er", "erm": "er", "ah": "ah",
           "hmm": "hmm", "hm": "hmm", "mm": "hmm", "mmm": "hmm"}
FILLER = "<filler>"


@dataclass(frozen=True)
class Clip:
    name: str
    path: Path
    reference: str
    hints: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


@dataclass
class Tally:
    refs: list[str] = field(default_factory=list)
    hyps: list[str] = field(default_factory=list)
    cpu: float = 0.0
    audio: float = 0.0


def normalise(text: str) -> str:
    text = re.sub(r"<[^>]*>|\[[^\]]*\]", " ", text.lower())
    text = re.sub(r"\byknow\b", "you know", text.replace("-", " "))
    words = re.sub(r"[^a-z0-9' ]", " ", text).split()
    return " ".join(FILLERS.get(word, word) for word in words)


def filler_counts(refs: list[str], hyps: list[str]) -> tuple[int, int, int]:
    """(fillers spoken, recognised, recognised at a spoken filler's place)."""
    def marked(text: str) -> list[str]:
        return [FILLER if word in FILLERS else word for word in text.split()]

    spoken = recognised = hit = 0
    for ref, hyp in zip(refs, hyps, strict=True):
        ref_words, hyp_words = marked(ref), marked(hyp)
        spoken += ref_words.count(FILLER)
        recognised += hyp_words.count(FILLER)
        if ref_words and hyp_words:
            for chunk in jiwer.process_words(" ".join(ref_words), " ".join(hyp_words)).alignments[0]:
                if chunk.type == "equal":
                    hit += ref_words[chunk.ref_start_idx:chunk.ref_end_idx].count(FILLER)
    return spoken, recognised, hit


def filler_scores(refs: list[str], hyps: list[str]) -> str:
    spoken, recognised, hit = filler_counts(refs, hyps)
    recall = f"{hit / spoken:.2f}" if spoken else "-"
    precision = f"{hit / recognised:.2f}" if recognised else "-"
    return f"{recall:>4}/{precision:<4}({recognised - hit} false)"


def f1(refs: list[str], hyps: list[str]) -> str:
    spoken, recognised, hit = filler_counts(refs, hyps)
    if not spoken or not recognised or not hit:
        return "-"
    recall, precision = hit / spoken, hit / recognised
    return f"{2 * recall * precision / (recall + precision):.2f}"


def speech_dev_clips() -> list[Clip]:
    with (SPEECH_DEV / "clips.tsv").open() as table:
        rows = list(csv.DictReader(table, delimiter="\t"))
    return [Clip(row["file"].rsplit(".", 1)[0], SPEECH_DEV / row["file"], row["transcript"]) for row in rows]


def synthetic_clips(folder: Path) -> list[Clip]:
    clips = []
    for n, answer in enumerate(json.loads(ANSWERS.read_text())["answers"]):
        question = json.loads((ROOT / "tenants" / "starter_bank" / f"{answer['bank']}.json").read_text()
                              )["questions"][answer["question"]]
        hints = (question["text"], *question["reference_answers"], *question["keywords"])
        fluent = re.sub(r"\s*\b(?:um|uh)\b,?", "", answer["text"])
        for kind, text in (("fillers", answer["text"]), ("fluent", fluent)):
            path = synthesise(text, answer["voice"], answer["wpm"], folder / f"{n}-{kind}.wav")
            name = f"{answer['bank'][:8]}#{answer['question']} {answer['voice']}@{answer['wpm']} {kind}"
            clips.append(Clip(name, path, text, hints, tuple(question["keywords"])))
    return clips


def synthesise(text: str, voice: str, wpm: int, path: Path) -> Path:
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text], check=True,
                   capture_output=True)
    subprocess.run(["sox", "-V1", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(path)], check=True)
    return path


def systems(names: list[str]) -> dict[str, Callable[[Clip, str], str]]:
    manager = get_manager()

    def provider(name: str, options: dict) -> Callable[[Clip, str], str]:
        settings = {name: PluginState(enabled=True, options=options)}

        def run(clip: Clip, wav: str) -> str:
            request = AudioInput(wav, hints=clip.hints, keywords=clip.keywords)
            return manager.transcribe(request, tenant=None, settings=settings, provider=name).text
        return run

    def sphinx_plain(_clip: Clip, wav: str) -> str:
        import pocketsphinx

        decoder = _plain_decoder.setdefault("decoder", pocketsphinx.Decoder(loglevel="ERROR"))
        decoder.start_utt()
        decoder.process_raw(audio_codec.read(Path(wav)).wav_bytes()[44:], full_utt=True)
        decoder.end_utt()
        return decoder.hyp().hypstr if decoder.hyp() else ""

    def whispered(keywords: bool = True, **options) -> Callable[[Clip, str], str]:
        def run(clip: Clip, wav: str) -> str:
            return whisper.transcribe(whisper.model_for_process(), wav, "en",
                                      clip.keywords if keywords else (), **options).text
        return run

    table = {"sphinx-plain": sphinx_plain,
             "pocketsphinx": provider("pocketsphinx", {"bias": True}),
             "whisper-plain": whispered(False, fillers=False, vad=False),
             "whisper-novad": whispered(vad=False),
             "whisper-noprompt": whispered(fillers=False),
             "whisper": provider("whisper", {})}
    return {name: table[name] for name in names}


_plain_decoder: dict = {}


def run_set(title: str, clips: list[Clip], runners: dict[str, Callable[[Clip, str], str]]) -> None:
    print(f"\n== {title}: {len(clips)} clips, {sum(audio_codec.read(c.path).duration for c in clips):.0f} s")
    print(f"{'clip':<44} {'secs':>5}" + "".join(f"  {name:>13} WER  RTF fill R/P      " for name in runners))
    tallies = {name: Tally() for name in runners}
    with tempfile.TemporaryDirectory() as folder:
        for clip in clips:
            audio = audio_codec.read(clip.path)
            wav = Path(folder) / "clip.wav"
            audio_codec.write_wav(audio, wav)
            ref = normalise(clip.reference)
            line = f"{clip.name[:44]:<44} {audio.duration:5.1f}"
            for name, run in runners.items():
                start = time.process_time()
                hyp = normalise(run(clip, str(wav)))
                spent = time.process_time() - start
                tally = tallies[name]
                tally.refs.append(ref)
                tally.hyps.append(hyp)
                tally.cpu += spent
                tally.audio += audio.duration
                line += (f"  {jiwer.wer(ref, hyp) if ref else 0.0:17.2f} {spent / audio.duration:4.2f} "
                         f"{filler_scores([ref], [hyp]):<17}")
            print(line)
    print("pooled:")
    for name, tally in tallies.items():
        print(f"  {name:<14} WER {jiwer.wer(tally.refs, tally.hyps):.3f}  RTF {tally.cpu / tally.audio:.3f}  "
              f"fillers R/P {filler_scores(tally.refs, tally.hyps)}  F1 {f1(tally.refs, tally.hyps)}")


def delivery(clips: list[Clip]) -> None:
    """Pace and pitch of the whisper provider's words on real speech."""
    model = whisper.model_for_process()
    norms = speech_analysis.SpeechNorms()
    print(f"\n== delivery on speech-dev (whisper words; monotone below {norms.monotone_semitones} semitones)")
    print(f"{'clip':<44} {'wpm':>5} {'ref wpm':>7} {'error':>6} {'pitch sd':>8}  label")
    errors, spreads = [], []
    for clip in clips:
        audio = audio_codec.read(clip.path)
        transcript = whisper.transcribe(model, audio.samples)
        result = speech_analysis.analyse(audio, transcript.words, norms)
        ref_words = len(normalise(clip.reference).split())
        ref_wpm = ref_words / (result.speaking_seconds / 60) if result.speaking_seconds else 0.0
        error = (result.wpm - ref_wpm) / ref_wpm if ref_wpm else 0.0
        errors.append(abs(error))
        if result.pitch_semitones_sd is not None:
            spreads.append(result.pitch_semitones_sd)
        spread = "-" if result.pitch_semitones_sd is None else f"{result.pitch_semitones_sd:.2f}"
        print(f"{clip.name[:44]:<44} {result.wpm:5.0f} {ref_wpm:7.0f} {100 * error:5.0f}% {spread:>8}  "
              f"{result.pitch_label}")
    print(f"pace error: median {100 * np.median(errors):.0f}%, within 10% on {sum(e <= 0.1 for e in errors)}"
          f"/{len(errors)} clips; pitch sd: min {min(spreads):.2f}, 10th percentile "
          f"{np.percentile(spreads, 10):.2f}, median {np.median(spreads):.2f} semitones; "
          f"{sum(s < norms.monotone_semitones for s in spreads)} clips called monotone")


def long_answer(folder: Path, seconds: float) -> tuple[bytes, str, float]:
    """A spoken answer of about ``seconds`` (synthetic answers joined with half-second pauses)
    as Chrome uploads it (live WebM/Opus), its normalised reference text and its length."""
    answers = json.loads(ANSWERS.read_text())["answers"]
    parts, texts, length, n = [], [], 0.0, 0
    while length < seconds:
        answer = answers[n % len(answers)]
        texts.append(answer["text"])
        part = synthesise(answer["text"], answer["voice"], answer["wpm"], folder / f"long-{n}.wav")
        parts.append(audio_codec.read(part).samples)
        parts.append(np.zeros(audio_codec.RATE // 2, dtype=np.float32))
        length += len(parts[-2]) / audio_codec.RATE + 0.5
        n += 1
    joined = audio_codec.Audio(np.concatenate(parts))
    wav = folder / "long.wav"
    audio_codec.write_wav(joined, wav)
    webm = folder / "long.webm"
    subprocess.run(["sox", "-V1", str(wav), str(folder / "long48.wav"), "rate", "48000"], check=True)
    import av

    with av.open(str(folder / "long48.wav")) as src, av.open(str(webm), "w", format="webm") as out:
        stream = out.add_stream("libopus", rate=48_000, layout="mono")
        for frame in src.decode(audio=0):
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return webm.read_bytes(), normalise(" ".join(texts)), joined.duration


def recorded(data: bytes, duration: float, heard: Callable[[audio_codec.Audio], Transcript],
             ) -> tuple[dict | None, list[audio_codec.Audio], list[tuple[float, float, bool]]]:
    """What the speech queue does while the candidate speaks: a window job every
    ``WINDOW_CHUNKS`` seconds of upload, each decoding only the audio past the last cut and
    keeping its window's audio. Returns the state, the kept audio and (CPU seconds, upload
    seconds, whether a window was transcribed) for each job."""
    from aimi.tenants.recordings import WINDOW_CHUNKS

    state, kept, jobs = None, [], []
    step = len(data) * WINDOW_CHUNKS / duration
    for n in range(1, int(duration // WINDOW_CHUNKS) + 1):
        cpu = time.process_time()
        audio = audio_codec.decode(data[:round(n * step)], max_seconds=600, start=speech_windows.cut(state))
        grown = speech_windows.extend(state, audio, heard, "whisper")
        if grown is not None:
            state = grown
            kept.append(audio.between(*speech_windows.windows(state)[-1]))
        jobs.append((time.process_time() - cpu, n * WINDOW_CHUNKS, grown is not None))
    return state, kept, jobs


def after_stop(data: bytes, state: dict | None, kept: list[audio_codec.Audio],
               heard: Callable[[audio_codec.Audio], Transcript]) -> dict:
    """The final job: the rest decoded, joined to the kept windows, transcribed, analysed."""
    rest = audio_codec.decode(data, max_seconds=600, start=speech_windows.cut(state))
    audio = audio_codec.Audio(np.concatenate([*(piece.samples for piece in kept), rest.samples]))
    audio.wav_bytes()
    final = speech_windows.extend(state, audio, heard, "whisper", final=True)
    speech_analysis.analyse(audio, speech_windows.as_transcript(final, audio.duration).words)
    return final


def latency(folder: Path) -> None:
    """Stop to transcript for a 2-minute answer, wall time with Whisper on one thread and on
    every core: (a) decode, transcribe and analyse the whole take after Stop; (b) as the speech
    queue does it (``recorded``, then ``after_stop``). CPU seconds are printed too: on a shared
    machine they are what a worker with a free core would wait."""
    data, reference, duration = long_answer(folder, 120)
    print(f"\n== Stop to transcript, {duration:.0f} s answer ({len(data) // 1024} KiB WebM/Opus), windows "
          f"of at least {speech_windows.MIN_WINDOW_SECONDS:.0f} s; load average {os.getloadavg()[0]:.2f}")
    for threads in (1, 0):
        os.environ[whisper.THREADS_ENV] = str(threads)
        model = whisper.load(whisper.model_directory())

        def heard(piece: audio_codec.Audio, model=model) -> Transcript:
            return whisper.transcribe(model, piece.samples)

        start = time.perf_counter()
        audio = audio_codec.decode(data, max_seconds=600)
        whole = whisper.transcribe(model, audio.samples)
        speech_analysis.analyse(audio, whole.words)
        after = time.perf_counter() - start
        state, kept, jobs = recorded(data, duration, heard)
        start, cpu = time.perf_counter(), time.process_time()
        final = after_stop(data, state, kept, heard)
        windowed, windowed_cpu = time.perf_counter() - start, time.process_time() - cpu
        wers = (jiwer.wer(reference, normalise(whole.text)), jiwer.wer(reference, normalise(final["text"])))
        print(f"  {'one thread' if threads else 'all cores':<11} whole take after Stop {after:5.1f} s; "
              f"windows while recording ({sum(c for c, _, _ in jobs):.1f} CPU s in {len(jobs)} jobs), "
              f"then the tail: {windowed:4.1f} s after Stop ({windowed_cpu:.1f} CPU s, "
              f"{duration - speech_windows.cut(state):.1f} s of audio after the last cut); "
              f"WER whole {wers[0]:.3f}, windowed {wers[1]:.3f}; load average {os.getloadavg()[0]:.2f}")


def window_costs(folder: Path) -> None:
    """CPU of each window job for 30, 60 and 120 s answers (Whisper on one thread): a job
    late in a long answer should cost what an early one does (the audio before the last cut is
    not decoded again); jobs that find no pause yet cost only their decoding."""
    model = whisper.model_for_process()

    def heard(piece: audio_codec.Audio) -> Transcript:
        return whisper.transcribe(model, piece.samples)

    print(f"\n== CPU per window job (one thread); load average {os.getloadavg()[0]:.2f}")
    for seconds in (30, 60, 120):
        (folder / str(seconds)).mkdir()
        data, _reference, duration = long_answer(folder / str(seconds), seconds)
        _state, _kept, jobs = recorded(data, duration, heard)
        windows = [(cpu, at) for cpu, at, grew in jobs if grew]
        idle = [cpu for cpu, _, grew in jobs if not grew]
        half = len(windows) // 2
        early, late = windows[:half] or windows, windows[half:]
        print(f"  {duration:5.0f} s answer: {len(windows)} windows, CPU per window mean "
              f"{np.mean([c for c, _ in windows]):.2f} s (first half {np.mean([c for c, _ in early]):.2f}, "
              f"second half {np.mean([c for c, _ in late]):.2f}, max {max(c for c, _ in windows):.2f}); "
              f"{len(idle)} jobs without a window: mean {np.mean(idle) if idle else 0:.3f} s "
              f"(first half {np.mean(idle[:len(idle) // 2] or [0]):.3f}, second half "
              f"{np.mean(idle[len(idle) // 2:] or [0]):.3f}); load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=("speech-dev", "synthetic", "latency", "windows", "all"),
                        default="all")
    parser.add_argument("--systems", default=",".join(SYSTEMS),
                        help=f"comma-separated, from {', '.join(SYSTEMS)}")
    args = parser.parse_args()
    names = [name.strip() for name in args.systems.split(",") if name.strip()]
    unknown = sorted(set(names) - set(SYSTEMS))
    if unknown:
        parser.error(f"unknown systems {unknown}; choose from {', '.join(SYSTEMS)}")
    runners = systems(names)
    load = time.perf_counter()
    whisper.model_for_process()
    print(f"whisper model loaded (sha256 checked) in {time.perf_counter() - load:.2f} s; "
          f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    if args.set in ("speech-dev", "all"):
        clips = speech_dev_clips()
        run_set("speech-dev (real people)", clips, runners)
        delivery(clips)
    if args.set in ("synthetic", "all"):
        with tempfile.TemporaryDirectory() as folder:
            run_set("synthetic (espeak-ng answers, with and without fillers)", synthetic_clips(Path(folder)),
                    runners)
    if args.set in ("latency", "all"):
        with tempfile.TemporaryDirectory() as folder:
            latency(Path(folder))
    if args.set in ("windows", "all"):
        with tempfile.TemporaryDirectory() as folder:
            window_costs(Path(folder))


if __name__ == "__main__":
    main()
