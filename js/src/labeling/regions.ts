// Regions: the spans of the shown annotation as the regions panel, the keyboard flow and the
// confidence filter see them. Pure functions (no DOM), unit-tested.

import type { BoxDict, Result, SpanResult } from "./types";

export interface Region {
  id: string;
  label: string;
  text: string;
  start: number;
  end: number;
  /** 0..1, or null when the result carries none */
  confidence: number | null;
  source: string | null;
  assertion: string | null;
  /** pages its boxes are on (documents), in order */
  pages: number[];
  boxes: BoxDict[];
  /** a prediction's region: it can be accepted or rejected, not edited */
  readOnly: boolean;
}

/**
 * A result's confidence on 0..1: `confidence`, else `score`; values above 1 are read as
 * percentages (OCR word confidences are 0..100). null when absent or not a number.
 */
export function confidenceOf(result: { confidence?: unknown; score?: unknown }): number | null {
  const raw = result.confidence ?? result.score;
  if (typeof raw !== "number" || !Number.isFinite(raw) || raw < 0) return null;
  const value = raw > 1 ? raw / 100 : raw;
  return Math.min(1, value);
}

export function spansOf(results: Result[]): SpanResult[] {
  return results.filter((r): r is SpanResult => r.kind === "span");
}

/** The regions of `results` in reading order (page, then text offset). */
export function regionsOf(results: Result[], readOnly: boolean): Region[] {
  const regions = spansOf(results).map((sp): Region => {
    const boxes = sp.boxes || [];
    const pages = [...new Set(boxes.map((b) => b.page ?? 0))].sort((a, b) => a - b);
    return {
      id: sp.id, label: sp.label, text: sp.text, start: sp.start, end: sp.end,
      confidence: confidenceOf(sp), source: sp.source ?? null, assertion: sp.assertion ?? null,
      pages, boxes, readOnly,
    };
  });
  const page = (r: Region) => (r.pages.length ? r.pages[0] : 0);
  return regions.sort((a, b) => page(a) - page(b) || a.start - b.start || a.end - b.end
    || a.label.localeCompare(b.label));
}

/** Below the threshold: a confidence lower than it (a region without one never is). */
export function belowThreshold(region: Pick<Region, "confidence">, threshold: number): boolean {
  return region.confidence !== null && region.confidence < threshold;
}

/**
 * The region `step` places after (`step` > 0) or before `currentId` among `regions`; the
 * first (or last) one when nothing is focused or the focused one is gone; null when empty.
 * Stops at the ends rather than wrapping, so holding the key does not cycle.
 */
export function stepRegion(regions: Region[], currentId: string | null, step: number): string | null {
  if (!regions.length) return null;
  const at = currentId === null ? -1 : regions.findIndex((r) => r.id === currentId);
  if (at < 0) return (step >= 0 ? regions[0] : regions[regions.length - 1]).id;
  const next = Math.max(0, Math.min(regions.length - 1, at + step));
  return regions[next].id;
}

export type Mark = "accepted" | "rejected";

/**
 * The result ids to leave out when accepting a prediction: the ones rejected by hand, and,
 * when the filter hides low-confidence regions, the ones it hides (what you see is what you
 * accept).
 */
export function leftOut(regions: Region[], marks: Map<string, Mark>, threshold: number, hide: boolean): string[] {
  return regions
    .filter((r) => marks.get(r.id) === "rejected" || (hide && belowThreshold(r, threshold)))
    .map((r) => r.id);
}

// ---- span boundaries by word ---------------------------------------------------------------

/** Word-like tokens of a text as [start, end) in code points: runs of letters/digits, or one
 * punctuation mark (so "Berlin." is "Berlin" and "."). */
export function wordTokens(text: string): [number, number][] {
  const out: [number, number][] = [];
  const chars = Array.from(text);
  const word = /[\p{L}\p{N}\p{M}_]/u;
  let i = 0;
  while (i < chars.length) {
    if (/\s/u.test(chars[i])) { i++; continue; }
    const start = i;
    if (word.test(chars[i])) { while (i < chars.length && word.test(chars[i])) i++; } else i++;
    out.push([start, i]);
  }
  return out;
}

export type Edge = "start" | "end";

/**
 * A span's boundaries after moving one edge by one word (`dir` -1 or +1); the span is never
 * emptied or turned inside out, so an impossible move returns the span unchanged.
 */
export function moveEdge(text: string, span: { start: number; end: number }, edge: Edge, dir: number): { start: number; end: number } {
  const tokens = wordTokens(text);
  let { start, end } = span;
  if (edge === "end") {
    const t = dir > 0 ? tokens.find(([, e]) => e > end) : [...tokens].reverse().find(([, e]) => e < end);
    if (t && t[1] > start) end = t[1];
  } else {
    const t = dir > 0 ? tokens.find(([s]) => s > start) : [...tokens].reverse().find(([s]) => s < start);
    if (t && t[0] < end) start = t[0];
  }
  return { start, end };
}
