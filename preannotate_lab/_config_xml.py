"""Safe reading and faithful writing of labeling-config XML (the low level of :mod:`.config`).

A labeling config often arrives from somewhere else (a file, an exported project, a colleague),
so it is parsed as untrusted input: no DTDs, no entities, no external references, a size and a
depth limit. Writing keeps what the parser read — comments, whitespace, attribute order and
elements we do not model — so ``from_xml(x).to_xml()`` changes nothing a person would notice.
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import re
from typing import Any
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from preannotate_lab.errors import PreannotateError

MAX_CONFIG_BYTES = 1_000_000
MAX_DEPTH = 64  # real configs nest a handful of <View>s; deeper means generated or hostile input

# Generative AI Lab writes relation rules such as allowed="PERSON<>EVENT": a bare "<" inside an
# attribute value is not well-formed XML, but those configs are real, so that one attribute is
# escaped before parsing (it is written back as "&lt;", which every XML reader accepts).
_ALLOWED_ATTR = re.compile(r"""(\ballowed\s*=\s*)(["'])([^"'\n]*?)(\2)""")


class ConfigError(PreannotateError, ValueError):
    """A labeling config that cannot be read, built or accepted; the message says what to fix."""


_COMMENT = r"<!--(?:(?!-->).)*-->"  # one comment; cannot run on past its own end
_LEADING = re.compile(r"\A(?:\s|<\?xml[^>]*\?>|" + _COMMENT + ")*", re.S)
_TRAILING = re.compile(r"(?:\s|" + _COMMENT + r")*\Z", re.S)


def parse_document(text: str | bytes, source: str = "the labeling config") -> tuple[ET.Element, str, str]:
    """Parse safely; return the tree and the comments (and XML declaration) before and after it."""
    root = parse(text, source)
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8-sig")
    before = _LEADING.match(text)
    after = _TRAILING.search(text)
    return root, before[0] if before else "", after[0] if after else ""


def parse(text: str | bytes, source: str = "the labeling config") -> ET.Element:
    """Parse config XML safely into an element tree that keeps comments; raise ConfigError."""
    if isinstance(text, (bytes, bytearray)):
        if len(text) > MAX_CONFIG_BYTES:
            raise ConfigError(_too_big(source, len(text)))
        try:
            text = bytes(text).decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ConfigError(
                f"{source} is not UTF-8 text (byte {exc.start} cannot be decoded); "
                "save it as UTF-8 and load it again"
            ) from None
    if not isinstance(text, str):
        raise ConfigError(f"{source} must be XML text, not {type(text).__name__}")
    size = len(text.encode("utf-8"))
    if size > MAX_CONFIG_BYTES:
        raise ConfigError(_too_big(source, size))
    if not text.strip():
        raise ConfigError(f"{source} is empty; a labeling config starts with <View>")
    text = _ALLOWED_ATTR.sub(lambda m: m[1] + m[2] + m[3].replace("<", "&lt;") + m[4], text)
    parser = DefusedXMLParser(
        target=ET.TreeBuilder(insert_comments=True),
        forbid_dtd=True, forbid_entities=True, forbid_external=True,
    )
    try:
        parser.feed(text)
        root = parser.close()
    except DefusedXmlException:
        # never expanded or fetched: the parser stops at the declaration itself
        raise ConfigError(
            f"{source} was refused: the labeling config contains a DTD/entity declaration, "
            "which is not allowed (it could expand to gigabytes or read local files). "
            "Remove the <!DOCTYPE ...> and <!ENTITY ...> lines"
        ) from None
    except ET.ParseError as exc:
        line, column = exc.position
        raise ConfigError(
            f"{source} is not well-formed XML: {_expat_reason(exc)} at line {line}, "
            f"column {column + 1}: {_line_of(text, line)!r}"
        ) from None
    _check_depth(root, source)
    if root.tag != "View":
        raise ConfigError(
            f"{source} starts with <{root.tag}>; a labeling config's outermost element is <View>"
        )
    return root


def _too_big(source: str, size: int) -> str:
    return (
        f"{source} is {size / 1e6:.1f} MB; the limit is {MAX_CONFIG_BYTES / 1e6:.0f} MB. A config "
        "holds labels and layout, not data: put the texts in tasks instead"
    )


def _expat_reason(exc: ET.ParseError) -> str:
    return re.sub(r": line \d+, column \d+$", "", str(exc))


def _line_of(text: str, line: int) -> str:
    lines = text.splitlines()
    shown = lines[line - 1].strip() if 0 < line <= len(lines) else ""
    return shown if len(shown) <= 80 else shown[:77] + "..."


def _check_depth(root: ET.Element, source: str) -> None:
    stack = [(root, 1)]
    while stack:
        element, depth = stack.pop()
        if isinstance(element.tag, str) and (
            element.tag.startswith("{") or any(k.startswith("{") for k in element.attrib)
        ):
            raise ConfigError(
                f"{source} uses XML namespaces (<{element.tag}>), which labeling configs do not "
                "have; remove the xmlns attributes and prefixes"
            )
        if depth > MAX_DEPTH:
            raise ConfigError(
                f"{source} nests elements {depth} deep; the limit is {MAX_DEPTH}. "
                "Flatten the nested <View> elements"
            )
        stack.extend((child, depth + 1) for child in element)


# -- writing --------------------------------------------------------------------------------------
def serialize(root: ET.Element) -> str:
    """XML text of a tree, keeping attribute order, whitespace and comments.

    Unlike ``ElementTree.tostring`` this leaves ">" unescaped in attributes, so relation rules
    stay readable (``allowed="PERSON>ORG"``), and writes empty elements as ``<Label .../>``.
    """
    out: list[str] = []
    _write(root, out)
    return "".join(out)


def _write(element: ET.Element, out: list[str]) -> None:
    if element.tag is ET.Comment:
        out.append(f"<!--{element.text or ''}-->")
    else:
        attrs = "".join(f' {k}="{_escape_attr(v)}"' for k, v in element.attrib.items())
        if element.text is None and len(element) == 0:
            out.append(f"<{element.tag}{attrs}/>")
        else:
            out.append(f"<{element.tag}{attrs}>")
            out.append(_escape_text(element.text or ""))
            for child in element:
                _write(child, out)
            out.append(f"</{element.tag}>")
    if element.tail:
        out.append(_escape_text(element.tail))


def _escape_text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _escape_attr(value: str) -> str:
    return (
        value.replace("&", "&amp;").replace("<", "&lt;").replace('"', "&quot;")
        .replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    )


def canonical(root: ET.Element) -> Any:
    """A plain structure equal for configs that differ only in whitespace, attribute order or comments."""
    def walk(element: ET.Element) -> Any:
        text = (element.text or "").strip()
        children = [walk(c) for c in element if c.tag is not ET.Comment]
        return [element.tag, sorted(element.attrib.items()), text, children]

    return walk(root)


def canonical_hash(root: ET.Element) -> str:
    data = json.dumps(canonical(root), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:16]


# -- colours --------------------------------------------------------------------------------------
# Mid-light colours that are told apart easily and keep dark label text readable on top.
PALETTE = (
    "#8dd3c7", "#fdb462", "#bebada", "#fb8072", "#80b1d3", "#b3de69", "#fccde5", "#ffed6f",
    "#cab2d6", "#ccebc5", "#e5c494", "#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854",
    "#ffd92f", "#b3b3b3", "#d9d9d9", "#ffffb3",
)


def next_color(used: set[str], index: int) -> str:
    """The first palette colour not in ``used``; past the palette, a deterministic light colour.

    Bounded: after ``_MAX_TRIES`` taken candidates a colour repeats rather than loop forever.
    """
    for color in PALETTE:
        if color not in used:
            return color
    first = ""
    for step in range(index, index + _MAX_TRIES):
        color = _generated(step)
        first = first or color
        if color not in used:
            return color
    return first


_MAX_TRIES = 4096


def _generated(step: int) -> str:
    # golden-ratio hue steps spread colours evenly; light tones keep dark text readable
    hue = (step * 0.618033988749895) % 1.0
    lightness = (0.80, 0.75, 0.85)[(step // 7) % 3]
    saturation = (0.55, 0.70, 0.40)[(step // 21) % 3]
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
