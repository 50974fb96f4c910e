"""Check that a file holds what its extension says, from its first bytes (magic numbers).

A ``.json`` that is really a zip, a ``.pdf`` that is not a PDF, a ``.png`` that is text: each
gets a one-line message naming the file, instead of a confusing parser error later.
"""

from __future__ import annotations

from pathlib import Path

from .errors import FormatError

TEXT_EXTENSIONS = {".json", ".jsonl", ".ndjson", ".csv", ".tsv", ".txt", ".conll", ".conll2003"}
IMAGE_EXTENSIONS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".gif", ".webp"}
DOCUMENT_EXTENSIONS = {".pdf"} | IMAGE_EXTENSIONS

# (name, test on the first bytes)
_MAGIC: list[tuple[str, object]] = [
    ("PDF", lambda b: b"%PDF-" in b[:1024]),
    ("zip archive (or .docx/.xlsx)", lambda b: b.startswith((b"PK\x03\x04", b"PK\x05\x06"))),
    ("PNG image", lambda b: b.startswith(b"\x89PNG\r\n\x1a\n")),
    ("JPEG image", lambda b: b.startswith(b"\xff\xd8\xff")),
    ("TIFF image", lambda b: b.startswith((b"II*\x00", b"MM\x00*"))),
    ("GIF image", lambda b: b.startswith((b"GIF87a", b"GIF89a"))),
    ("BMP image", lambda b: b.startswith(b"BM")),
    ("WebP image", lambda b: b[:4] == b"RIFF" and b[8:12] == b"WEBP"),
    ("gzip archive", lambda b: b.startswith(b"\x1f\x8b")),
]

_EXPECTED_IMAGE = {
    ".png": "PNG image", ".jpg": "JPEG image", ".jpeg": "JPEG image", ".tif": "TIFF image",
    ".tiff": "TIFF image", ".bmp": "BMP image", ".gif": "GIF image", ".webp": "WebP image",
}


def detect(head: bytes) -> str | None:
    """The kind of binary file these first bytes start, or None (text or unknown)."""
    for name, test in _MAGIC:
        if test(head):  # type: ignore[operator]
            return name
    return None


def check_content(path: Path) -> None:
    """Raise :class:`FormatError` naming ``path`` when its bytes contradict its extension."""
    suffix = path.suffix.lower()
    try:
        with path.open("rb") as fh:
            head = fh.read(4096)
    except OSError as exc:
        raise FormatError(f"cannot read {path.name}: {exc.strerror or exc}") from exc
    if not head:
        raise FormatError(f"{path.name} is empty (0 bytes)")
    found = detect(head)
    if suffix in TEXT_EXTENSIONS:
        if found is not None:
            raise FormatError(
                f"{path.name} is a {found}, not a {suffix[1:].upper()} text file; "
                "check the file or give it its real extension"
            )
        if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise FormatError(f"{path.name} holds binary data, not {suffix[1:].upper()} text")
    elif suffix == ".pdf":
        if found != "PDF":
            what = found or "text or unknown data"
            raise FormatError(f"{path.name} is not a PDF (it starts like {what}; no %PDF- header)")
    elif suffix in _EXPECTED_IMAGE:
        expected = _EXPECTED_IMAGE[suffix]
        if found != expected:
            what = found or "text or unknown data"
            raise FormatError(f"{path.name} is not a {expected}: its content is {what}")
