"""How fast the whole scorer is, beside the bare spaCy pipeline on the same texts.

Answers of about 50 and 300 words are built deterministically from SemEval-2013 training
answers (the same question's student answers joined with spoken connectors), scored one by
one through the one scoring pipeline (``aimi.plugins.scoring.score``, every built-in
evaluator) on one core, and timed. Prints answers per second,
p50/p95 latency per length, the bare ``nlp.pipe`` time on the same texts and the ratio.
Target for the default (non-embedding) scorer: p95 under 150 ms at 300 words, total at most
2x the bare pipeline.

Run: ``python benchmarks/scoring_speed.py [--answers N] [--method lexical|auto|semantic]``.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

from aimi.evaluators.nlp import load_pipeline
from aimi.plugins.scoring import default_states, score
from aimi.plugins.types import INTERVIEW_TYPES, AnswerInput

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as a script: benchmarks/ is not a package
from semeval import DEFAULT_ZIP, load_training  # noqa: E402

CONNECTORS = ("", "So", "Also,", "Um, and", "Because of that,", "For example,", "I think", "Then")
LENGTHS = (50, 300)


def synthesise(count: int, words: int, seed: int, path: Path) -> list[AnswerInput]:
    """``count`` answers of about ``words`` words, the same every run for the same seed."""
    rng = random.Random(seed)
    questions = [q for q in load_training("sciEntsBank", path) if len(q.answers) >= 5]
    answers = []
    for n in range(count):
        question = rng.choice(questions)
        parts: list[str] = []
        while sum(len(p.split()) for p in parts) < words:
            text = rng.choice(question.answers).text.rstrip(".")
            connector = rng.choice(CONNECTORS)
            parts.append(f"{connector} {text[0].lower()}{text[1:]}." if connector else f"{text}.")
        body = " ".join(parts).split()[:words]
        answers.append(AnswerInput(f"{words}-{n}", question.text, " ".join(body),
                                   reference_answers=question.references,
                                   type=INTERVIEW_TYPES[n % len(INTERVIEW_TYPES)]))
    return answers


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--answers", type=int, default=200, help="answers per length")
    parser.add_argument("--method", default="lexical", choices=("lexical", "auto", "semantic"),
                        help="content similarity method (lexical is the default scorer)")
    parser.add_argument("--data", type=Path, default=DEFAULT_ZIP)
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    nlp = load_pipeline()
    states = default_states({"content": {"similarity_method": args.method}})
    print(f"pipeline: {nlp.meta.get('name', '?')} {nlp.pipe_names}; content similarity: {args.method}; "
          f"{args.answers} answers per length, one core")
    total_score = total_bare = 0.0
    scored = 0
    for words in LENGTHS:
        answers = synthesise(args.answers, words, seed=words, path=args.data)
        for answer in answers[:5]:  # warm up: word lists, lexicons and caches load once per process
            score(answer, states=states)
        texts = [a.answer for a in answers]
        start = time.perf_counter()
        for _ in nlp.pipe(texts):
            pass
        bare = time.perf_counter() - start
        latencies = []
        for answer in answers:
            start = time.perf_counter()
            score(answer, states=states)
            latencies.append(time.perf_counter() - start)
        spent = sum(latencies)
        total_score, total_bare, scored = total_score + spent, total_bare + bare, scored + len(answers)
        print(f"{words:>4} words: p50 {1000 * statistics.median(latencies):6.1f} ms, "
              f"p95 {1000 * percentile(latencies, 0.95):6.1f} ms, {len(answers) / spent:7.1f} answers/s; "
              f"bare nlp.pipe {1000 * bare / len(answers):5.2f} ms/answer; ratio {spent / bare:5.1f}x")
    print(f"all: {scored / total_score:.1f} answers/s scored; bare pipeline {scored / total_bare:.1f} "
          f"texts/s; scorer/bare ratio {total_score / total_bare:.1f}x")


if __name__ == "__main__":
    main()
