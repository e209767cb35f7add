"""Read the SemEval-2013 Task 7 data (SciEntsBank and Beetle) straight from the zip.

The data stays in ``../shared/data/`` (it is not copied into the project); the quality
benchmark, the IDF-table generator and the tests read it through this module.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ZIP = REPO_ROOT.parent / "shared" / "data" / "semeval2013-task7" / "semeval-3way.zip"

TEST_SPLITS = (
    ("beetle", "test-unseen-answers"),
    ("beetle", "test-unseen-questions"),
    ("sciEntsBank", "test-unseen-answers"),
    ("sciEntsBank", "test-unseen-questions"),
    ("sciEntsBank", "test-unseen-domains"),
)
CORPORA = ("beetle", "sciEntsBank")


@dataclass(frozen=True)
class StudentAnswer:
    id: str
    text: str
    correct: bool
    label: str = ""  # the organisers' accuracy label: correct, incorrect (or contradictory, 3-way)


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    references: tuple[str, ...]
    answers: tuple[StudentAnswer, ...]


def _parse(data: bytes) -> Question:
    root = ET.fromstring(data)
    refs = tuple(
        (el.text or "").strip() for el in root.iter("referenceAnswer") if (el.text or "").strip()
    )
    answers = tuple(
        StudentAnswer(el.get("id", ""), (el.text or "").strip(), el.get("accuracy") == "correct",
                      el.get("accuracy", ""))
        for el in root.iter("studentAnswer")
    )
    return Question(root.get("id", ""), (root.findtext("questionText") or "").strip(), refs, answers)


def _load(prefix: str, path: Path) -> list[Question]:
    if not path.is_file():
        raise FileNotFoundError(f"SemEval-2013 data not found at {path}")
    with zipfile.ZipFile(path) as archive:
        names = sorted(n for n in archive.namelist() if n.startswith(prefix) and n.endswith(".xml"))
        return [_parse(archive.read(name)) for name in names]


def load_test_split(corpus: str, split: str, path: Path = DEFAULT_ZIP) -> list[Question]:
    """Questions of one 2-way test split, e.g. ("beetle", "test-unseen-answers")."""
    return _load(f"test/2way/{corpus}/{split}/", path)


def load_training(corpus: str, path: Path = DEFAULT_ZIP, ways: int = 2) -> list[Question]:
    """Questions of the training split of one corpus ("beetle" or "sciEntsBank"), with the
    2-way labels or the 3-way ones (correct / contradictory / incorrect)."""
    return _load(f"training/{ways}way/{corpus}/", path)
