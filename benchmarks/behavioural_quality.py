"""Does a strong HR or behavioural answer clearly beat weak ones, whoever's story it tells?

``benchmarks/behavioural_set.json`` holds starter-bank HR and behavioural questions with four
answers each: a strong STAR answer whose story differs from the reference answer's, a vague
generic answer, a story in "we" with no own action or result, and a fluent off-topic answer.
Each answer is scored the way interviews score it (the plugin manager's evaluators with the
default settings, the weights of the question's type), against the question's own entry in
the starter bank of the code being measured. Printed: the share of questions where the strong
answer beats each other answer by at least ``MARGIN`` points, on content and on overall.

"before" is a baseline commit's scorer and starter bank (default: the main this work started
from), extracted with ``git archive`` into a temporary folder and run in a subprocess; "after"
is this checkout.

Run: ``python benchmarks/behavioural_quality.py [--before REF] [--no-before] [--details]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SET = HERE / "behavioural_set.json"
BASELINE = "9f957fb"  # main when criteria scoring began: rubric points matched against a model story
MARGIN = 15.0
WEAK = ("vague", "we", "off")
LABELS = {"vague": "vague generic", "we": "'we' story, no own action/result", "off": "off-topic"}
SUBPACKAGES = ("platform", "tenants", "plugins", "evaluators", "integrations", "web", "migrations")
COMPANY = "{company}"


def _starter_entry(questions: list[dict[str, Any]], text: str) -> dict[str, Any]:
    """The starter question of this text; a baseline without company questions asked
    "our company" where the set names {company}."""
    for candidate in (text, text.replace(COMPANY, "our company")):
        found = next((q for q in questions if q["text"] == candidate), None)
        if found is not None:
            return found
    raise LookupError(f"no starter question {text!r}")


def score_set() -> list[dict[str, Any]]:
    """Content and overall of every answer of the set, with the code importable as ``aimi``."""
    from aimi.plugins.types import AnswerInput
    from aimi.tenants.starter_bank import load_starter_questions

    questions = load_starter_questions()
    has_company = "company" in {f.name for f in dataclasses.fields(AnswerInput)}
    score = _pipeline()
    rows = []
    for item in json.loads(SET.read_text(encoding="utf-8"))["items"]:
        entry = _starter_entry(questions, item["question"])
        company = item.get("company", "")
        scores = {}
        for kind in ("strong", *WEAK):
            fields = {"company": company} if has_company else {}
            answer = AnswerInput(
                id=kind, question=entry["text"].replace(COMPANY, company), answer=item[kind],
                reference_answers=tuple(entry["reference_answers"]), rubric=tuple(entry["rubric"]),
                keywords=tuple(entry["keywords"]), type=entry["type"], **fields)
            report = score(answer)
            scores[kind] = {"content": report.dimensions["content"].score, "overall": report.overall}
        rows.append({"question": item["question"], "scores": scores})
    return rows


def _pipeline():
    """The product's one scoring pipeline; a baseline from before it existed (9f957fb) gets the
    same steps spelt out: every built-in evaluator, then the report with default weights."""
    try:
        from aimi.plugins.scoring import score
    except ImportError:
        from aimi.evaluators.report import build_report, resolve_weights
        from aimi.plugins.manager import get_manager

        def score(answer):
            dimensions = get_manager().score_answer(answer, tenant=None, settings={})
            return build_report(answer, dimensions, resolve_weights(answer.type))
    return score


def score_baseline(ref: str) -> list[dict[str, Any]]:
    """``score_set`` run on the code of ``ref``: its tree is extracted and mapped as ``aimi``
    ahead of this checkout's editable install."""
    with tempfile.TemporaryDirectory(prefix="aimi-baseline-") as tmp:
        source, site = Path(tmp, "src"), Path(tmp, "site", "aimi")
        source.mkdir()
        site.mkdir(parents=True)
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive.stdout, check=True)
        for name in SUBPACKAGES:
            (site / name).symlink_to(source / name, target_is_directory=True)
        env = {**os.environ, "PYTHONPATH": str(site.parent)}
        out = subprocess.run([sys.executable, __file__, "--score-only"], env=env, check=True,
                             capture_output=True, text=True)
        return json.loads(out.stdout)


def shares(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Per weak kind and measure, the share of questions the strong answer wins by MARGIN."""
    result: dict[str, dict[str, float]] = {}
    for kind in WEAK:
        result[kind] = {}
        for measure in ("content", "overall"):
            wins = [r["scores"]["strong"][measure] - r["scores"][kind][measure] >= MARGIN for r in rows]
            result[kind][measure] = sum(wins) / len(wins)
    return result


def _print(name: str, rows: list[dict[str, Any]]) -> None:
    table = shares(rows)
    print(f"\n{name}: {len(rows)} questions, strong answer ahead by >= {MARGIN:.0f} points")
    print(f"  {'versus':36} {'content':>8} {'overall':>8}")
    for kind in WEAK:
        print(f"  {LABELS[kind]:36} {table[kind]['content']:8.0%} {table[kind]['overall']:8.0%}")
    every = {m: sum(all(r["scores"]["strong"][m] - r["scores"][k][m] >= MARGIN for k in WEAK)
                    for r in rows) / len(rows) for m in ("content", "overall")}
    print(f"  {'all three at once':36} {every['content']:8.0%} {every['overall']:8.0%}")


def _details(rows: list[dict[str, Any]]) -> None:
    for row in rows:
        cells = "  ".join(f"{k} {row['scores'][k]['content']:5.1f}/{row['scores'][k]['overall']:5.1f}"
                          for k in ("strong", *WEAK))
        print(f"    {row['question'][:60]:60} {cells}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", default=BASELINE, help="baseline git revision (default %(default)s)")
    parser.add_argument("--no-before", action="store_true", help="measure this checkout only")
    parser.add_argument("--details", action="store_true", help="print every answer's content/overall")
    parser.add_argument("--score-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.score_only:
        print(json.dumps(score_set()))
        return
    runs = [] if args.no_before else [(f"before ({args.before})", score_baseline(args.before))]
    runs.append(("after (this checkout)", score_set()))
    for name, rows in runs:
        _print(name, rows)
        if args.details:
            _details(rows)


if __name__ == "__main__":
    main()
