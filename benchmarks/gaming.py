"""Can the score be gamed? Scores the hand-written gaming set (``gaming_set.json``: starter-bank
technical questions, five answers each) through the one scoring pipeline and prints, per kind
of answer, the mean overall and content scores, and the share of questions that hold: both
correct answers (plain words, the reference's words) score at least 60 and at least 20 points
above each of the keyword list, the fluent wrong answer and the off-topic one; and the mean
of every dimension per kind of answer (a keyword list should not top delivery or language).

Run: ``python benchmarks/gaming.py [--method lexical|semantic|auto] [--verbose]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
from collections.abc import Sequence
from pathlib import Path

from aimi.plugins.scoring import default_states, score
from aimi.plugins.types import AnswerInput
from aimi.tenants.starter_bank import load_starter_questions

SET = Path(__file__).resolve().parent / "gaming_set.json"
CORRECT = ("plain_words", "reference_words")
GAMING = ("keyword_list", "fluent_wrong", "off_topic")
PASS_AT, MARGIN = 60.0, 20.0


def holds(scores: dict[str, float]) -> bool:
    """Both correct answers >= PASS_AT and >= MARGIN above every gaming answer."""
    return all(scores[c] >= PASS_AT and all(scores[c] - scores[g] >= MARGIN for g in GAMING)
               for c in CORRECT)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", choices=("lexical", "semantic", "auto"), default=None,
                        help="content similarity method (default: the evaluator's default)")
    parser.add_argument("--verbose", action="store_true", help="print every question's scores")
    args = parser.parse_args(argv)
    options = {"content": {"similarity_method": args.method}} if args.method else {}
    states = default_states(options)
    bank = {q["text"]: q for q in load_starter_questions()}
    data = json.loads(SET.read_text("utf-8"))["questions"]
    overall: dict[str, list[float]] = {k: [] for k in (*CORRECT, *GAMING)}
    content: dict[str, list[float]] = {k: [] for k in (*CORRECT, *GAMING)}
    dimensions: dict[str, dict[str, list[float]]] = {k: {} for k in (*CORRECT, *GAMING)}
    held_overall = held_content = 0
    for item in data:
        question = bank[item["question"]]
        by_overall, by_content = {}, {}
        for kind, text in item["answers"].items():
            report = score(AnswerInput(
                id=kind, question=question["text"], answer=text,
                reference_answers=tuple(question["reference_answers"]), rubric=tuple(question["rubric"]),
                keywords=tuple(question["keywords"]), type=question["type"]), states=states)
            by_overall[kind], by_content[kind] = report.overall, report.dimensions["content"].score
            overall[kind].append(report.overall)
            content[kind].append(report.dimensions["content"].score)
            for name, dimension in report.dimensions.items():
                dimensions[kind].setdefault(name, []).append(dimension.score)
        held_overall += holds(by_overall)
        held_content += holds(by_content)
        if args.verbose:
            marks = " ".join(f"{k[:5]}={by_overall[k]:5.1f}/{by_content[k]:5.1f}" for k in by_overall)
            flag = "ok " if holds(by_overall) else "BAD"
            print(f"{flag} {item['question'][:50]:50} {marks}")
    print(f"{len(data)} questions; mean overall / content score by kind of answer:")
    for kind in overall:
        print(f"  {kind:16} {statistics.mean(overall[kind]):5.1f} / {statistics.mean(content[kind]):5.1f}")
    names = sorted({name for found in dimensions.values() for name in found})
    print("mean score per dimension by kind of answer:\n  " + " " * 16
          + " ".join(f"{name[:9]:>9}" for name in names))
    for kind, found in dimensions.items():
        print(f"  {kind:16}" + " ".join(f"{statistics.mean(found[name]):9.1f}" for name in names))
    print(f"questions that hold (correct >= {PASS_AT:.0f} and >= {MARGIN:.0f} above each gaming answer): "
          f"overall {held_overall}/{len(data)} = {100 * held_overall / len(data):.0f}%, "
          f"content {held_content}/{len(data)} = {100 * held_content / len(data):.0f}%")
    return 0


if __name__ == "__main__":
    sys.exit(main())
