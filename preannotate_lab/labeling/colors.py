"""Label colours: a fixed palette first, then deterministic light colours (a leaf module).

The same labels always get the same colours, and dark label text stays readable on top.
"""

from __future__ import annotations

import colorsys

__all__ = ["PALETTE", "generated_color", "next_color"]

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
        color = generated_color(step)
        first = first or color
        if color not in used:
            return color
    return first


_MAX_TRIES = 4096


def generated_color(step: int) -> str:
    """The ``step``-th colour past the palette (the same step always gives the same colour)."""
    # golden-ratio hue steps spread colours evenly; light tones keep dark text readable
    hue = (step * 0.618033988749895) % 1.0
    lightness = (0.80, 0.75, 0.85)[(step // 7) % 3]
    saturation = (0.55, 0.70, 0.40)[(step // 21) % 3]
    r, g, b = colorsys.hls_to_rgb(hue, lightness, saturation)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
