"""How well and how fast the pocketsphinx provider transcribes, beside plain pocketsphinx.

Spoken answers (benchmarks/speech_answers.json: a candidate's own words to starter-bank
questions, some with "um"/"uh") are synthesised by espeak-ng in several voices and rates,
resampled by sox to 16 kHz mono, and transcribed by (a) ``pocketsphinx.Decoder()`` with its
default settings, the whole file at once (the baseline), and (b) our provider with the
question, its reference answers and keywords as hints. Prints the word error rate against the
spoken text (jiwer, case and punctuation removed) and the real-time factor (CPU seconds per
audio second) per recording and in total, the real-time factor of the delivery analysis, and
how well each finds the spoken fillers: recall (spoken fillers recognised as a filler at their
place in the word alignment) and precision (recognised fillers that were spoken).
Target: (b) beats (a) on all.

Run: ``python benchmarks/speech.py [--no-bias]``.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import tempfile
import time
import wave
from pathlib import Path

import jiwer
import pocketsphinx

from aimi.plugins.manager import get_manager
from aimi.plugins.settings import PluginState
from aimi.plugins.types import AudioInput

ROOT = Path(__file__).resolve().parent.parent
ANSWERS = Path(__file__).with_name("speech_answers.json")


FILLERS = frozenset({"um", "umm", "uh", "uhh", "er", "erm", "ah", "hmm", "hm", "mm"})
FILLER = "<filler>"


def normalise(text: str) -> str:
    return " ".join(re.sub(r"[^a-z' ]", " ", text.lower()).split())


def filler_counts(refs: list[str], hyps: list[str]) -> tuple[int, int, int]:
    """(fillers spoken, recognised, recognised at a spoken filler's place), every spelling of a
    filler counting as the same word in the alignment."""
    def marked(text: str) -> str:
        return " ".join(FILLER if word in FILLERS else word for word in text.split())

    spoken = recognised = hit = 0
    for ref, hyp in zip(refs, hyps, strict=True):
        ref_words, hyp_words = marked(ref).split(), marked(hyp).split()
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
    return f"{recall:>4}/{precision:<4}"


def synthesise(text: str, voice: str, wpm: int, path: Path) -> Path:
    """espeak-ng speech as a 16 kHz mono 16-bit WAV (what the upload normaliser produces)."""
    raw = path.with_suffix(".raw.wav")
    subprocess.run(["espeak-ng", "-v", voice, "-s", str(wpm), "-w", str(raw), text], check=True,
                   capture_output=True)
    subprocess.run(["sox", "-V1", str(raw), "-r", "16000", "-c", "1", "-b", "16", str(path)], check=True)
    return path


def hints(bank: str, index: int) -> tuple[str, ...]:
    bank_file = ROOT / "tenants" / "starter_bank" / f"{bank}.json"
    question = json.loads(bank_file.read_text())["questions"][index]
    return (question["text"], *question["reference_answers"], *question["keywords"])


def baseline(decoder: pocketsphinx.Decoder, path: Path) -> str:
    with wave.open(str(path), "rb") as src:
        data = src.readframes(src.getnframes())
    decoder.start_utt()
    decoder.process_raw(data, full_utt=True)
    decoder.end_utt()
    hypothesis = decoder.hyp()
    return hypothesis.hypstr if hypothesis else ""


def timed(call, *args, **kwargs):
    start = time.process_time()
    result = call(*args, **kwargs)
    return result, time.process_time() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-bias", action="store_true", help="run the provider without hints")
    args = parser.parse_args()
    answers = json.loads(ANSWERS.read_text())["answers"]
    manager = get_manager()
    try:
        from aimi.evaluators import audio as audio_codec
        from aimi.evaluators import speech_analysis
    except ImportError:
        speech_analysis = None
    plain = pocketsphinx.Decoder(loglevel="ERROR")
    settings = {"pocketsphinx": PluginState(enabled=True, options={"bias": not args.no_bias})}
    refs, base_hyps, our_hyps = [], [], []
    totals = {"audio": 0.0, "base": 0.0, "ours": 0.0, "analysis": 0.0}
    print(f"{'recording':<36} {'secs':>5}  {'base WER':>8} {'RTF':>5} {'fill R/P':>9}  {'ours WER':>8} "
          f"{'RTF':>5} {'fill R/P':>9}  analysis RTF")
    with tempfile.TemporaryDirectory() as folder:
        manager.transcribe(AudioInput(str(synthesise("warm up", "en-us", 160, Path(folder) / "w.wav"))),
                           tenant=None, settings=settings, provider="pocketsphinx")
        for n, answer in enumerate(answers):
            path = synthesise(answer["text"], answer["voice"], answer["wpm"], Path(folder) / f"{n}.wav")
            with wave.open(str(path), "rb") as src:
                seconds = src.getnframes() / src.getframerate()
            base_text, base_cpu = timed(baseline, plain, path)
            audio = AudioInput(str(path), hints=hints(answer["bank"], answer["question"]))
            transcript, our_cpu = timed(manager.transcribe, audio, tenant=None, settings=settings,
                                        provider="pocketsphinx")
            analysis = "n/a"
            if speech_analysis is not None:
                _, spent = timed(speech_analysis.analyse, audio_codec.read(path), transcript.words)
                totals["analysis"] += spent
                analysis = f"{spent / seconds:.3f}"
            ref = normalise(answer["text"])
            refs.append(ref)
            base_hyps.append(normalise(base_text))
            our_hyps.append(normalise(transcript.text))
            for key, value in (("audio", seconds), ("base", base_cpu), ("ours", our_cpu)):
                totals[key] += value
            name = f"{answer['bank']}#{answer['question']} {answer['voice']}@{answer['wpm']}"
            print(f"{name:<36} {seconds:5.1f}  {jiwer.wer(ref, base_hyps[-1]):8.2f} "
                  f"{base_cpu / seconds:5.2f} {filler_scores([ref], base_hyps[-1:]):>9}  "
                  f"{jiwer.wer(ref, our_hyps[-1]):8.2f} {our_cpu / seconds:5.2f} "
                  f"{filler_scores([ref], our_hyps[-1:]):>9}  {analysis}")
    audio_total = totals["audio"]
    analysis_total = (f"{totals['analysis'] / audio_total:.3f}" if speech_analysis is not None
                      else "n/a (aimi.evaluators.speech_analysis missing)")
    print(f"{'all':<36} {audio_total:5.1f}  {jiwer.wer(refs, base_hyps):8.3f} "
          f"{totals['base'] / audio_total:5.2f} {filler_scores(refs, base_hyps):>9}  "
          f"{jiwer.wer(refs, our_hyps):8.3f} {totals['ours'] / audio_total:5.2f} "
          f"{filler_scores(refs, our_hyps):>9}  {analysis_total}")


if __name__ == "__main__":
    main()
