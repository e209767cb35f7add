"""The spaCy pipeline the evaluators share, loaded once per process.

A trained English pipeline is used when one is installed (``AIMI_SPACY_MODEL``, default
``en_core_web_sm``); otherwise a blank English pipeline with lookup lemmas from
``spacy-lookups-data`` and a rule-based sentencizer. Nothing is downloaded at run time.
"""

from __future__ import annotations

import functools
import os

import spacy
from spacy.language import Language

DEFAULT_MODEL = "en_core_web_sm"


@functools.lru_cache(maxsize=4)
def load_pipeline(name: str | None = None) -> Language:
    model = name or os.environ.get("AIMI_SPACY_MODEL", DEFAULT_MODEL)
    try:
        return spacy.load(model, exclude=["ner"])
    except OSError:
        nlp = spacy.blank("en")
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.add_pipe("sentencizer")
        nlp.initialize()
        return nlp


def is_trained(nlp: Language) -> bool:
    """Whether the pipeline has a tagger/parser (POS tags and dependencies available)."""
    return any(name in nlp.pipe_names for name in ("tagger", "parser", "morphologizer"))
