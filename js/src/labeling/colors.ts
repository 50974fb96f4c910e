// Label colours from the config, made safe and readable.
//
// A config colour reaches the DOM only as a normalised "#rrggbb" (a config is user data,
// never raw CSS); the text on it is black or white by WCAG contrast (common/color.ts).
// Label Studio configs often name colours ("red", "rgb(...)"), so those are resolved too.

import { chipStyle, parseHex, safeColor } from "../common/index.js";

let canvas: CanvasRenderingContext2D | null | undefined;

const CSS_COLOR = /^[a-z]+$|^rgba?\([\d\s.,%]+\)$|^hsla?\([\d\s.,%deg]+\)$/i;

/**
 * Any CSS colour a config may hold ("#fdb462", "red", "rgb(1,2,3)") as "#rrggbb", or
 * `fallback`. Names are resolved by the browser's canvas colour parser, which only ever
 * answers with a colour, so nothing else of the string reaches a style.
 */
export function normalizeColor(color: string | null | undefined, fallback = "#cccccc"): string {
  const text = (color ?? "").trim();
  if (parseHex(text)) return safeColor(text);
  if (/^#[0-9a-f]{8}$/i.test(text)) return safeColor(text.slice(0, 7)); // alpha dropped
  if (!CSS_COLOR.test(text)) return fallback;
  if (canvas === undefined) {
    try {
      canvas = typeof document !== "undefined" ? document.createElement("canvas").getContext("2d") : null;
    } catch {
      canvas = null; // jsdom without a canvas
    }
  }
  if (!canvas) return fallback;
  canvas.fillStyle = "#010203";
  canvas.fillStyle = text;
  const out = String(canvas.fillStyle);
  if (out === "#010203") return fallback; // not a colour: the parser kept the old value
  return parseHex(out) ? safeColor(out) : fallback;
}

/** Chip style (colour + readable text) of a label's config colour. */
export function labelChipStyle(background: string | null | undefined): string {
  return chipStyle(normalizeColor(background));
}
