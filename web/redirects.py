"""The one rule for every ``next`` a form or link carries: a path on this site, or the
fallback. Browsers drop tabs and newlines inside URLs and read ``\\`` as ``/``, so
``/\\t/evil.example`` would become ``//evil.example``: any such character, or a second slash or
backslash after the first, sends the user to the fallback instead."""

from __future__ import annotations

import re

LOCAL_PATH = re.compile(r"^/(?![/\\])[^\\\s\x00-\x1f\x7f]*$")


def safe_next(target: str | None, fallback: str) -> str:
    """``target`` when it is a plain local path, else ``fallback``."""
    return target if target and LOCAL_PATH.match(target) else fallback
