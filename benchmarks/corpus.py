"""Real paragraphs for benchmarks, read at run time from text that an installed package ships.

gensim's wheel carries, as test data, a shortened dump of English Wikipedia articles and the
Lee news corpus (Australian Broadcasting Corporation news). Nothing is downloaded and nothing
is generated: the paragraphs are the articles' own text with the wiki markup taken out.
"""

from __future__ import annotations

import bz2
import html
import importlib.util
import re
from pathlib import Path

WIKI_FILE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"
NEWS_FILE = "lee_background.cor"
MIN_CHARS, MAX_CHARS = 200, 2000


class CorpusMissing(RuntimeError):
    """The package that ships the corpus is not installed."""


def test_data_dir() -> Path:
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise CorpusMissing(
            "the benchmark corpus ships with the 'gensim' package (its test data); install the "
            "dev dependencies: pip install -e '.[dev]'"
        )
    folder = Path(list(spec.submodule_search_locations)[0]) / "test" / "test_data"
    if not (folder / WIKI_FILE).exists():
        raise CorpusMissing(f"{folder / WIKI_FILE} is missing from the installed gensim")
    return folder


_REF = re.compile(r"<ref[^>/]*/>|<ref[^>]*>.*?</ref>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_TAG = re.compile(r"</?[a-zA-Z][^>]*>")
_FILE_LINK = re.compile(r"\[\[(?:File|Image|Category):[^\[\]]*(?:\[\[[^\]]*\]\][^\[\]]*)*\]\]", re.I)
_LINK = re.compile(r"\[\[(?:[^\[\]|]*\|)?([^\[\]]*)\]\]")
_EXT_LINK = re.compile(r"\[https?://\S+\s*([^\]]*)\]")
_QUOTES = re.compile(r"'{2,}")
_SPACES = re.compile(r"[ \t]+")


def _strip_templates(text: str) -> str:
    """Drop {{...}} templates and {|...|} tables, which nest."""
    out, depth, i = [], 0, 0
    while i < len(text):
        pair = text[i:i + 2]
        if pair in ("{{", "{|"):
            depth += 1
            i += 2
        elif pair in ("}}", "|}") and depth:
            depth -= 1
            i += 2
        else:
            if depth == 0:
                out.append(text[i])
            i += 1
    return "".join(out)


def clean_wikitext(text: str) -> str:
    text = _COMMENT.sub("", text)
    text = _REF.sub("", text)
    text = _strip_templates(text)
    text = _FILE_LINK.sub("", text)
    text = _LINK.sub(r"\1", text)
    text = _EXT_LINK.sub(r"\1", text)
    text = _TAG.sub("", text)
    text = _QUOTES.sub("", html.unescape(text))
    return text


def _is_prose(paragraph: str) -> bool:
    return (MIN_CHARS <= len(paragraph) <= MAX_CHARS and paragraph[0].isalpha()
            and paragraph.count("|") < 3 and paragraph.rstrip()[-1:] in ".!?\"')")


def wikipedia_paragraphs() -> list[str]:
    import defusedxml.ElementTree as ET  # package data, parsed the safe way anyway

    paragraphs = []
    with bz2.open(test_data_dir() / WIKI_FILE) as stream:
        for _event, element in ET.iterparse(stream):
            if element.tag.endswith("}text") and element.text:
                for block in re.split(r"\n\s*\n", clean_wikitext(element.text)):
                    lines = [ln for ln in block.splitlines() if ln.strip()
                             and not ln.lstrip().startswith(("*", "#", "=", ":", ";", "|", "!"))]
                    paragraph = _SPACES.sub(" ", " ".join(lines)).strip()
                    if paragraph and _is_prose(paragraph):
                        paragraphs.append(paragraph)
            element.clear()
    return paragraphs


def news_paragraphs() -> list[str]:
    text = (test_data_dir() / NEWS_FILE).read_text("utf-8", errors="replace")
    return [p.strip() for p in text.splitlines() if MIN_CHARS <= len(p.strip()) <= MAX_CHARS]


def paragraphs(n: int | None = None) -> tuple[list[str], str]:
    """``n`` real paragraphs (all if None) and a description of where they came from."""
    wiki, news = wikipedia_paragraphs(), news_paragraphs()
    found = wiki + news
    where = (f"gensim test data: {len(wiki)} Wikipedia paragraphs ({WIKI_FILE}) + "
             f"{len(news)} Lee corpus news articles ({NEWS_FILE})")
    if n is not None and n > len(found):
        raise CorpusMissing(f"asked for {n} paragraphs but the corpus has {len(found)}")
    return (found if n is None else found[:n]), where


SHORT_FILE = "pang_lee_polarity.cor"


def short_texts(n: int | None = None) -> tuple[list[str], str]:
    """Real short informal texts: the one-line movie-review snippets of Pang & Lee's sentence
    polarity data (as gensim's test data ships them, lower-cased, one per line, a label first)."""
    raw = (test_data_dir() / SHORT_FILE).read_text("latin-1").splitlines()
    found = [line.split(" ", 1)[1].strip() for line in raw if " " in line.strip()]
    where = f"gensim test data: {len(found)} review snippets ({SHORT_FILE})"
    if n is not None and n > len(found):
        raise CorpusMissing(f"asked for {n} short texts but the corpus has {len(found)}")
    return (found if n is None else found[:n]), where
