"""PageCache: rendered page images and their words, keyed by content, written atomically.

A page is OCRed once: re-running pre-annotation, opening the labeling view or exporting COCO
reads the cached PNG and words JSON. The key is (file sha256, page, dpi, render variant:
rasterizer and colour or grayscale) for the image and additionally the reader (engine and its version, language, psm, thresholding — or the text
layer and the PDF library's version) for the words, so changing any of those re-reads the page
while an unchanged setup never does.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image


@dataclass(frozen=True)
class PageKey:
    """Identity of one page read one way."""

    sha256: str  # of the whole source file
    page: int
    dpi: int | None  # None: an image file's own pixels
    reader: str  # e.g. "tesseract 5.3.0 lang=eng psm=3 thr=otsu" or "textlayer pdfium 6721"
    # how a PDF page was rendered (see :func:`render_variant`): "" is the colour page of the
    # default rasterizer that the labeling view shows; OCR's grayscale render is another file
    render: str = ""

    def stem(self) -> str:
        variant = f"-{self.render}" if self.render else ""
        return f"page-{self.page:04d}@{self.dpi or 'native'}{variant}"

    def reader_tag(self) -> str:
        return hashlib.sha256(self.reader.encode("utf-8")).hexdigest()[:12]


def render_variant(rasterizer: str = "pypdfium2", grayscale: bool = False) -> str:
    """The :attr:`PageKey.render` of a PDF page rendered by ``rasterizer`` in colour or gray."""
    parts = [] if rasterizer == "pypdfium2" else [rasterizer]
    if grayscale:
        parts.append("gray")
    return "-".join(parts)


class PageCache:
    """A folder of page PNGs and words JSON files. Safe for several threads and processes."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser()
        self._digests: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"PageCache({str(self.root)!r})"

    def __reduce__(self) -> tuple[type[PageCache], tuple[str]]:
        # picklable for process and Dask backends (the lock and digest memo stay behind)
        return (PageCache, (str(self.root),))

    def file_digest(self, path: str | os.PathLike[str]) -> str:
        """sha256 of a file, remembered per (path, size, mtime) for this process."""
        stat = os.stat(path)
        memo = (os.fspath(path), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            if memo in self._digests:
                return self._digests[memo]
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
        value = digest.hexdigest()
        with self._lock:
            self._digests[memo] = value
        return value

    def _folder(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def image_path(self, key: PageKey) -> Path:
        """Where the page PNG of ``key`` lives (it may not exist yet).

        ``key.reader`` is empty for the page as rendered; a variant of it (the page turned
        upright, reader ``"rotated 90"``) gets its own file next to it.
        """
        variant = f".{key.reader_tag()}" if key.reader else ""
        return self._folder(key.sha256) / f"{key.stem()}{variant}.png"

    def words_path(self, key: PageKey) -> Path:
        return self._folder(key.sha256) / f"{key.stem()}.{key.reader_tag()}.json"

    def get_image(self, key: PageKey) -> Path | None:
        path = self.image_path(key)
        return path if path.exists() else None

    def put_image(self, key: PageKey, image: Image.Image) -> Path:
        """Store a page image as PNG (fast compression: the cache is local) and return its path."""
        path = self.image_path(key)
        extra = {"dpi": (key.dpi, key.dpi)} if key.dpi else {}  # tells tesseract the resolution
        # compress_level=1: several times faster to write than the default, a bit larger.
        _atomic_write(path, lambda handle: image.save(handle, format="PNG", compress_level=1, **extra))
        return path

    def get_words(self, key: PageKey) -> dict[str, Any] | None:
        """The cached page reading (``{"source", "width", "height", "words": [...]}``) or None."""
        path = self.words_path(key)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return None  # a damaged entry is simply read again
        return data if data.get("reader") == key.reader else None

    def put_words(self, key: PageKey, data: dict[str, Any]) -> Path:
        payload = dict(data, reader=key.reader)
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        path = self.words_path(key)
        _atomic_write(path, lambda handle: handle.write(text.encode("utf-8")))
        return path


def _atomic_write(path: Path, write: Any) -> None:
    """Write via a temporary file in the same folder and rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
