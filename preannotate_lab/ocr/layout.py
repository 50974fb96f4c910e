"""Page words -> one Document: text in reading order, tokens with offsets, pages and boxes.

Within a page, words keep the reader's order (tesseract's block/paragraph/line order, the PDF's
content order); words of a line are joined by one space, lines by ``"\\n"``, and pages by
``PAGE_SEPARATOR`` (a blank line, so sentence splitters never join the last sentence of one
page with the first of the next). ``Token.line`` counts visual lines over the whole document.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from ..model import Box, Document, Page, Token

PAGE_SEPARATOR = "\n\n"
LINE_SEPARATOR = "\n"


@dataclass
class PageReading:
    """One page as read: its rendered size, where its image is, and its words in pixels."""

    index: int
    width: int
    height: int
    dpi: int | None
    source: Literal["textlayer", "ocr", "image"]
    words: list[dict[str, Any]] = field(default_factory=list)
    image_path: str | None = None

    def page(self) -> Page:
        return Page(index=self.index, width=self.width, height=self.height, dpi=self.dpi,
                    image_path=self.image_path, source=self.source)


def build_document(readings: list[PageReading]) -> Document:
    """Join page readings into a Document whose tokens carry page, box, line and confidence."""
    parts: list[str] = []
    tokens: list[Token] = []
    offset = 0
    line_base = 0
    for n, reading in enumerate(readings):
        if n:
            parts.append(PAGE_SEPARATOR)
            offset += len(PAGE_SEPARATOR)
        previous_line: int | None = None
        max_line = -1
        for word in reading.words:
            line = int(word["line"])
            if previous_line is not None:
                sep = " " if line == previous_line else LINE_SEPARATOR
                parts.append(sep)
                offset += len(sep)
            text = str(word["text"])
            box = Box(page=reading.index, x=float(word["x"]), y=float(word["y"]),
                      width=float(word["w"]), height=float(word["h"]),
                      page_width=reading.width, page_height=reading.height)
            tokens.append(Token(text=text, start=offset, end=offset + len(text), page=reading.index,
                                box=box, line=line_base + line, confidence=word.get("conf")))
            parts.append(text)
            offset += len(text)
            previous_line = line
            max_line = max(max_line, line)
        line_base += max_line + 1
    return Document(text="".join(parts), tokens=tokens, pages=[r.page() for r in readings])
