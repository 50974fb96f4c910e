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


class DocumentBuilder:
    """Adds page readings in page order, turning their words into tokens at once.

    The loader adds each page as soon as it is read and then drops that page's words, so a
    long document holds its tokens and not also every page's raw words.
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._tokens: list[Token] = []
        self._pages: list[Page] = []
        self._offset = 0
        self._line_base = 0

    def add(self, reading: PageReading) -> None:
        """Append one page (the next in reading order)."""
        if self._pages:
            self._parts.append(PAGE_SEPARATOR)
            self._offset += len(PAGE_SEPARATOR)
        previous_line: int | None = None
        max_line = -1
        for word in reading.words:
            line = int(word["line"])
            if previous_line is not None:
                sep = " " if line == previous_line else LINE_SEPARATOR
                self._parts.append(sep)
                self._offset += len(sep)
            text = str(word["text"])
            box = Box(page=reading.index, x=float(word["x"]), y=float(word["y"]),
                      width=float(word["w"]), height=float(word["h"]),
                      page_width=reading.width, page_height=reading.height)
            self._tokens.append(Token(text=text, start=self._offset, end=self._offset + len(text),
                                      page=reading.index, box=box, line=self._line_base + line,
                                      confidence=word.get("conf")))
            self._parts.append(text)
            self._offset += len(text)
            previous_line = line
            max_line = max(max_line, line)
        self._line_base += max_line + 1
        self._pages.append(reading.page())

    def build(self) -> Document:
        return Document(text="".join(self._parts), tokens=self._tokens, pages=self._pages)


def build_document(readings: list[PageReading]) -> Document:
    """Join page readings into a Document whose tokens carry page, box, line and confidence."""
    builder = DocumentBuilder()
    for reading in readings:
        builder.add(reading)
    return builder.build()
