// Page view math: fitting a page into the stage, mapping pointer positions to page pixels,
// and choosing the OCR tokens a drawn box covers. Pure functions, unit-tested.

import type { PageToken } from "./types";

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** The rectangle between two corners, whichever way the pointer was dragged. */
export function rectBetween(x0: number, y0: number, x1: number, y1: number): Rect {
  return { x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
}

function overlapArea(a: Rect, b: Rect): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/**
 * Indices (`token.i`) of the tokens a box covers: at least `minShare` of a token's area lies
 * inside the box, so a box drawn loosely around words takes them, and one that grazes a
 * neighbouring line does not. In page pixels, in reading order (top to bottom, left to right).
 */
export function tokensInBox(tokens: PageToken[], box: Rect, minShare = 0.5): number[] {
  if (box.w <= 0 || box.h <= 0) return [];
  return tokens
    .filter((t) => t.w > 0 && t.h > 0 && overlapArea(box, { x: t.x, y: t.y, w: t.w, h: t.h }) >= minShare * t.w * t.h)
    .sort((a, b) => a.start - b.start)
    .map((t) => t.i);
}

/** The scale (screen px per page px) that shows the whole page inside a stage. */
export function fitScale(pageW: number, pageH: number, stageW: number, stageH: number): number {
  if (pageW <= 0 || pageH <= 0 || stageW <= 0) return 1;
  const byWidth = stageW / pageW;
  return stageH > 0 ? Math.min(byWidth, stageH / pageH) : byWidth;
}

/** A pointer position (client px) as page pixels, given the drawn page's client rect. */
export function toPage(clientX: number, clientY: number, drawn: { left: number; top: number; width: number; height: number },
  pageW: number, pageH: number): { x: number; y: number } {
  const x = ((clientX - drawn.left) / drawn.width) * pageW;
  const y = ((clientY - drawn.top) / drawn.height) * pageH;
  return { x: Math.max(0, Math.min(pageW, x)), y: Math.max(0, Math.min(pageH, y)) };
}

/** Zoom steps (relative to "fit"): in and out by 1.25, kept within [0.25, 8]. */
export function zoomStep(zoom: number, dir: number): number {
  const next = dir > 0 ? zoom * 1.25 : zoom / 1.25;
  return Math.max(0.25, Math.min(8, Math.round(next * 1000) / 1000));
}
