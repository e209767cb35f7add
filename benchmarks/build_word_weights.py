"""Generate ``evaluators/data/lemma_zipf.tsv``: how common each English lemma is.

The content evaluator weighs words by rarity (an IDF stand-in): "capacitor" says more
than "thing". Frequencies come from the ``wordfreq`` package (a development-only
dependency: ``pip install wordfreq``); word forms are folded onto their spaCy lookup
lemma (frequencies added) and written as ``lemma<TAB>zipf`` (zipf = log10 of uses per
billion words, one decimal), most common first. No SemEval data is used.

Run: ``python benchmarks/build_word_weights.py [--top 60000]``.
"""

from __future__ import annotations

import argparse
import math
from collections import defaultdict
from pathlib import Path

import spacy
from wordfreq import top_n_list, word_frequency

OUT = Path(__file__).resolve().parents[1] / "evaluators" / "data" / "lemma_zipf.tsv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=60000, help="word forms to read from wordfreq")
    parser.add_argument("--min-zipf", type=float, default=1.5, help="drop lemmas rarer than this")
    args = parser.parse_args()
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    totals: dict[str, float] = defaultdict(float)
    words = [w for w in top_n_list("en", args.top) if w.isalpha() and w.isascii()]
    for doc in nlp.pipe(words, batch_size=2000):
        if len(doc) != 1:
            continue
        totals[doc[0].lemma_.lower()] += word_frequency(doc[0].text, "en")
    rows = sorted(
        ((lemma, math.log10(freq * 1e9)) for lemma, freq in totals.items() if freq > 0),
        key=lambda row: (-row[1], row[0]),
    )
    with OUT.open("w", encoding="utf-8") as out:
        for lemma, zipf in rows:
            if zipf >= args.min_zipf:
                out.write(f"{lemma}\t{zipf:.1f}\n")
    print(f"wrote {OUT} ({OUT.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
