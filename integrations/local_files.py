"""File storage on the local disk: the embedded default behind the file hooks.

Files live under ``<files root>/<tenant>/<key>``; the root is platform configuration
(``AIMI_FILES_ROOT``, default ``<instance>/files``), never a tenant option. The tenant comes
from the hook's context, never from the key, and keys are checked to be plain relative
paths, so one college can never name another's file. The S3 plugin replaces this through
the same hooks.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from aimi.plugins.hookspecs import hookimpl
from aimi.plugins.types import PluginContext

KEY_RE = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9._-]*(/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$")


def check_key(key: str) -> str:
    """``key`` when it is a relative path of plain names (no ``..``, no leading ``/``)."""
    if not isinstance(key, str) or len(key) > 300 or not KEY_RE.match(key) or ".." in key.split("/"):
        raise ValueError(f"not a valid file key: {key!r} (use letters, digits, '._-' and '/')")
    return key


def path_for(key: str, context: PluginContext) -> Path:
    root = context.platform.effective_files_root
    return root / (context.tenant or "_platform") / check_key(key)


@hookimpl
def aimi_store_file(key: str, data: bytes, content_type: str, context: PluginContext) -> str:
    """Write through a temporary file and rename, so a reader never sees half a file."""
    path = path_for(key, context)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
    return key


@hookimpl
def aimi_read_file(key: str, context: PluginContext) -> bytes:
    path = path_for(key, context)
    if not path.is_file():
        raise FileNotFoundError(f"no stored file {key!r}")
    return path.read_bytes()


@hookimpl
def aimi_delete_file(key: str, context: PluginContext) -> bool:
    path = path_for(key, context)
    if not path.is_file():
        return False
    path.unlink()
    return True
