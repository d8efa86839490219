"""Files attached to drafts and forms: type decided by content (not name), size capped, stored by content hash."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput

MAX_BYTES = 10 * 1024 * 1024
# Magic numbers of the accepted types; the file's name and the browser's claimed type are never trusted.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
    (b"%PDF-", "application/pdf", ".pdf"),
)


@dataclass(frozen=True)
class StoredFile:
    name: str
    mime: str
    size: int
    path: str


def sniff(data: bytes) -> tuple[str, str] | None:
    """(mime, extension) of an accepted type, or None."""
    for magic, mime, extension in SIGNATURES:
        if data.startswith(magic):
            return mime, extension
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def store(data: bytes, *, original_name: str, folder: Path, max_bytes: int = MAX_BYTES) -> StoredFile:
    """Check and keep an uploaded file; InvalidInput with the reason when it is not acceptable."""
    if not data:
        raise InvalidInput("The file is empty.")
    if len(data) > max_bytes:
        raise InvalidInput(
            f"The file is {len(data) / 1024 / 1024:.1f} MB; the limit is {max_bytes // 1024 // 1024} MB."
        )
    kind = sniff(data)
    if kind is None:
        raise InvalidInput("Only images (PNG, JPEG, GIF, WebP) and PDF files can be attached.")
    mime, extension = kind
    digest = hashlib.sha256(data).hexdigest()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest}{extension}"
    if not target.exists():  # same content, same file: re-uploads cost nothing
        partial = target.with_suffix(".part")
        partial.write_bytes(data)
        partial.replace(target)
    name = Path(original_name or "file").name[:200] or "file"
    return StoredFile(name=name, mime=mime, size=len(data), path=target.name)
