// Label colours come from the project's config; text on them must stay readable.
// WCAG 2.x relative luminance and contrast ratio; the text colour is whichever of black and
// white contrasts more with the background.

const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i;

/** "#abc" / "#aabbcc" -> [r, g, b] in 0..255, or null when it is not a hex colour. */
export function parseHex(color: string | null | undefined): [number, number, number] | null {
  const m = HEX.exec((color ?? "").trim());
  if (!m) return null;
  let hex = m[1];
  if (hex.length === 3) hex = [...hex].map((c) => c + c).join("");
  const n = parseInt(hex, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A safe "#rrggbb" for a style attribute: the colour when it parses, else the fallback. */
export function safeColor(color: string | null | undefined, fallback = "#cccccc"): string {
  const rgb = parseHex(color);
  if (!rgb) return fallback;
  return "#" + rgb.map((v) => v.toString(16).padStart(2, "0")).join("");
}

/** WCAG relative luminance (0 black .. 1 white). */
export function luminance(rgb: [number, number, number]): number {
  const [r, g, b] = rgb.map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** WCAG contrast ratio of two colours (1 .. 21). */
export function contrastRatio(a: string, b: string): number {
  const la = luminance(parseHex(a) ?? [0, 0, 0]);
  const lb = luminance(parseHex(b) ?? [0, 0, 0]);
  const [hi, lo] = la > lb ? [la, lb] : [lb, la];
  return (hi + 0.05) / (lo + 0.05);
}

/** Readable text colour ("#000" or "#fff") on a label background. */
export function contrastColor(background: string | null | undefined): string {
  const rgb = parseHex(background);
  if (!rgb) return "#000";
  return contrastRatio(safeColor(background), "#000000") >= contrastRatio(safeColor(background), "#ffffff")
    ? "#000" : "#fff";
}

/** The inline style of a label chip: its config colour with readable text (both checked). */
export function chipStyle(background: string | null | undefined): string {
  const bg = safeColor(background);
  return `background:${bg};color:${contrastColor(bg)}`;
}
