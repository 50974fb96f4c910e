"""Tesseract OCR of page image files, word by word, with a pool of single-threaded workers.

Why these choices (measured on a 2-core machine):

* ``OMP_THREAD_LIMIT=1``: tesseract's own OpenMP threading was 4-6x slower than one thread
  per process; parallelism comes from running one tesseract per page instead. pytesseract
  hands its module-level ``environ`` to the subprocess; this module points that name at a
  view of ``os.environ`` plus ``OMP_THREAD_LIMIT=1``, so this process's own env is untouched.
* a file path, not a PIL image: pytesseract re-encodes a PIL image to PNG (~2 s a page).
* words from ``image_to_data`` (TSV) with confidences; a line is (block, paragraph, line)
  because tesseract restarts line numbers in every paragraph. Every level-5 row with text is
  kept: conf is -1 only on rows without text (pages, blocks, lines), so nothing is filtered
  by confidence here; words a page misses were never recognised (binarisation, see
  ``OcrOptions.thresholding``).
* one tesseract run per page, read once; a second run (OSD) only for pages that read poorly.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

import pytesseract

from .errors import DocumentError, PageTimeout
from .options import THRESHOLDING, OcrOptions


class _TesseractEnv(Mapping[str, str]):
    """The current ``os.environ`` with ``OMP_THREAD_LIMIT=1`` (read at each subprocess start).

    Lookups go straight to ``os.environ``: no copy of the environment per variable.
    """

    def __getitem__(self, key: str) -> str:
        return "1" if key == "OMP_THREAD_LIMIT" else os.environ[key]

    def __iter__(self) -> Iterator[str]:
        yield from (key for key in list(os.environ) if key != "OMP_THREAD_LIMIT")
        yield "OMP_THREAD_LIMIT"

    def __len__(self) -> int:
        return len(os.environ) + ("OMP_THREAD_LIMIT" not in os.environ)


pytesseract.pytesseract.environ = _TesseractEnv()


@lru_cache(maxsize=1)
def tesseract_version() -> str:
    """The installed tesseract's version, part of the cache key; a clear error if it is missing."""
    if shutil.which(pytesseract.pytesseract.tesseract_cmd) is None:
        raise DocumentError(
            "tesseract is not installed; install it (Debian: apt-get install tesseract-ocr "
            "tesseract-ocr-eng) to read scanned pages and images"
        )
    return str(pytesseract.get_tesseract_version())


def reader_key(options: OcrOptions) -> str:
    """Everything that changes what tesseract reads on a page."""
    rotate = f" rotate<{options.rotate_below_confidence:g}" if options.auto_rotate else ""
    return (
        f"tesseract {tesseract_version()} lang={options.lang} psm={options.psm} "
        f"thr={options.thresholding}{rotate}"
    )


def tesseract_config(options: OcrOptions) -> str:
    """The command-line flags used for ``options`` (the benchmark gives the CLI the same ones)."""
    return f"--psm {options.psm} -c thresholding_method={THRESHOLDING[options.thresholding]}"


def ocr_words(image_path: str, options: OcrOptions, *, label: str = "") -> list[dict[str, Any]]:
    """Words of one page image file: ``{"text", "x", "y", "w", "h", "conf", "line"}`` in pixels."""
    with _tesseract_errors(options, label or image_path):
        data = pytesseract.image_to_data(
            image_path, lang=options.lang, config=tesseract_config(options),
            output_type=pytesseract.Output.DICT, timeout=options.page_timeout or 0,
        )
    return words_from_data(data)


def detect_rotation(image_path: str, options: OcrOptions, *, label: str = "") -> int | None:
    """Clockwise degrees (0, 90, 180, 270) that turn the page upright, per tesseract's OSD.

    None when OSD cannot tell: ``osd.traineddata`` is not installed, or the page has too
    little text. A timeout still raises :class:`DocumentError`.
    """
    try:
        with _tesseract_errors(options, label or image_path):
            osd = pytesseract.image_to_osd(image_path, output_type=pytesseract.Output.DICT,
                                           timeout=options.page_timeout or 0)
    except PageTimeout:
        raise
    except DocumentError:
        return None  # no osd.traineddata, or "Too few characters": read the page as it is
    rotate = osd.get("rotate")
    return int(rotate) % 360 if isinstance(rotate, int) else None


@contextmanager
def _tesseract_errors(options: OcrOptions, label: str) -> Iterator[None]:
    """Turn tesseract's failures into DocumentErrors naming the page."""
    try:
        yield
    except pytesseract.TesseractError as exc:
        raise DocumentError(f"{label}: tesseract failed ({exc.message.strip()})") from None
    except RuntimeError as exc:
        if "timeout" not in str(exc):
            raise
        # pytesseract has already killed the tesseract process
        raise PageTimeout(
            f"{label}: tesseract took longer than {options.page_timeout:g} s on this page and "
            "was stopped; the page may be damaged or huge. Lower dpi, or raise "
            "OcrOptions(page_timeout=...) if the page is fine"
        ) from None
    except pytesseract.TesseractNotFoundError:
        tesseract_version.cache_clear()
        tesseract_version()  # raises the install hint
        raise


def words_from_data(data: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Convert pytesseract's column dict to word dicts with a per-page line index."""
    words: list[dict[str, Any]] = []
    lines: dict[tuple[int, int, int], int] = {}
    for i, text in enumerate(data["text"]):
        text = (text or "").strip()
        if not text or int(data["level"][i]) != 5:
            continue
        key = (int(data["block_num"][i]), int(data["par_num"][i]), int(data["line_num"][i]))
        conf = float(data["conf"][i])
        words.append({
            "text": text,
            "x": int(data["left"][i]), "y": int(data["top"][i]),
            "w": int(data["width"][i]), "h": int(data["height"][i]),
            "conf": conf if conf >= 0 else None,
            "line": lines.setdefault(key, len(lines)),
        })
    return words


def ocr_pages(
    image_paths: Sequence[str], options: OcrOptions, *, labels: Sequence[str] | None = None
) -> list[list[dict[str, Any]]]:
    """OCR several page images at once, one single-threaded tesseract process per worker.

    Threads suffice: each one waits on its tesseract subprocess, which does the work.
    """
    if not image_paths:
        return []
    names = list(labels) if labels is not None else list(image_paths)
    workers = max(1, min(len(image_paths), options.workers or os.cpu_count() or 1))
    if workers == 1:
        return [ocr_words(p, options, label=n) for p, n in zip(image_paths, names, strict=True)]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tesseract") as pool:
        return list(pool.map(lambda pn: ocr_words(pn[0], options, label=pn[1]),
                             zip(image_paths, names, strict=True)))
