"""A college's uploaded logo: checked, resized and stored in the college's own file space.

Only PNG, JPEG and WebP are taken (never SVG: it can carry script), read by Pillow and
written back as a PNG no larger than the header needs, so what is served is an image
this code made, not the bytes that were uploaded. The key names the content's hash, so a
new logo is a new address and browsers never show a stale one.
"""

from __future__ import annotations

import hashlib
import io
import warnings

from PIL import Image, UnidentifiedImageError
from sqlalchemy.orm import Session

from aimi.tenants import recordings, stored_files
from aimi.tenants import settings as tenant_settings

MAX_LOGO_BYTES = 1_000_000
MAX_PIXELS = 25_000_000  # a larger image is refused before it is decoded (decompression bombs)
LOGO_BOX = (288, 72)  # twice the header's 144 x 36, for sharp logos on dense screens
FORMATS = {"PNG": "PNG", "JPEG": "JPEG", "WEBP": "WebP"}


class LogoError(ValueError):
    """An upload that is not a usable logo; the message says what to send instead."""


def prepared(data: bytes) -> bytes:
    """The logo as a PNG that fits ``LOGO_BOX``, or LogoError."""
    if not data:
        raise LogoError("Choose an image file to upload.")
    if len(data) > MAX_LOGO_BYTES:
        raise LogoError(f"The logo is {len(data) / 1_000_000:.1f} MB; send one of at most "
                        f"{MAX_LOGO_BYTES // 1_000_000} MB.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in FORMATS:
                raise LogoError(f"Send a PNG, JPEG or WebP image, not {image.format or 'this file'}.")
            if image.width * image.height > MAX_PIXELS:
                raise LogoError("The image has too many pixels; send a smaller one.")
            image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise LogoError("This file is not a PNG, JPEG or WebP image (SVG is not accepted).") from None
    logo = image.convert("RGBA")
    logo.thumbnail(LOGO_BOX, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    logo.save(out, "PNG", optimize=True)
    return out.getvalue()


def save(session: Session, data: bytes) -> dict:
    """Store the prepared logo and point the college's settings at it; the previous file is
    deleted when this commits. Returns the settings diff for the audit log."""
    png = prepared(data)
    key = f"branding/logo-{hashlib.sha256(png).hexdigest()[:16]}.png"
    previous = tenant_settings.load(session).logo_file
    recordings.store_file(session, key, png, "image/png")
    _saved, diff = tenant_settings.save(session, {"logo_file": key})
    if previous and previous != key:
        stored_files.delete_after_commit(session, [previous])
    return diff


def remove(session: Session) -> dict:
    """Back to the logo URL (or the name): the file goes when this commits."""
    previous = tenant_settings.load(session).logo_file
    _saved, diff = tenant_settings.save(session, {"logo_file": ""})
    if previous:
        stored_files.delete_after_commit(session, [previous])
    return diff


def read(session: Session, key: str) -> bytes | None:
    """The college's current logo file, when ``key`` is it and it exists."""
    if not key or key != tenant_settings.load(session).logo_file:
        return None
    try:
        return recordings.read_file(session, key)
    except FileNotFoundError:
        return None
