// Text tasks: the text with highlighted spans (config colours, readable text), label tags,
// relation arcs; low-confidence spans dimmed (or left out when the filter hides them);
// review marks; select text and pick a label to add a span.
//
// Test ids: pl-lv-text (container), pl-lv-seg (segments, data-start / data-end in code
// points; highlighted ones have class pl-mark and data-span-ids), pl-lv-span-tag
// (data-span-id; pl-lv-assertion / pl-lv-choice inside), pl-lv-arc (data-relation-id).

import { clear, h, s } from "../common/index.js";
import { labelChipStyle } from "./colors.js";
import { colorOf, results, spans, type Ctx } from "./context.js";
import { diffMarks, spanKey } from "./diff.js";
import { belowThreshold, confidenceOf } from "./regions.js";
import type { RelationResult, SpanResult } from "./types.js";

export interface TextHandlers {
  clickSpan(id: string): void;
  selectRelation(id: string): void;
  /** the text selection was made: label it with the active label */
  selectionMade(): void;
}

export interface TextView {
  /** the first segment of a span (to scroll to it) */
  segmentOf(id: string): HTMLElement | null;
}

export function drawText(ctx: Ctx, container: HTMLElement, on: TextHandlers): TextView {
  const text = (ctx.model.get("task") ?? {}).text ?? "";
  const chars = Array.from(text); // offsets are code points, like Python's
  const { threshold, hideLow, selected, marks } = ctx.state;
  const list = spans(ctx).filter((sp) => sp.start < sp.end && sp.end <= chars.length
    && !(hideLow && belowThreshold({ confidence: confidenceOf(sp) }, threshold)));
  const dm = diffMarks(ctx.model.get("diff"));
  const cuts = new Set([0, chars.length]);
  for (const sp of list) { cuts.add(sp.start); cuts.add(sp.end); }
  const points = [...cuts].sort((a, b) => a - b);
  const firstSeg = new Map<string, HTMLElement>();
  const relations = results(ctx).filter((r): r is RelationResult => r.kind === "relation");
  const box = h("div", { class: `pl-lv-text${relations.length ? " pl-lv-has-arcs" : ""}`, "data-testid": "pl-lv-text" });
  const endsAt = new Map<number, SpanResult[]>();
  for (const sp of list) endsAt.set(sp.end, [...(endsAt.get(sp.end) ?? []), sp]);
  for (let k = 0; k + 1 < points.length; k++) {
    const a = points[k], b = points[k + 1];
    const seg = h("span", { class: "pl-seg", "data-testid": "pl-lv-seg", "data-start": a, "data-end": b },
      chars.slice(a, b).join(""));
    const covering = list.filter((sp) => sp.start <= a && sp.end >= b);
    if (covering.length) {
      covering.sort((x, y) => (x.end - x.start) - (y.end - y.start));
      const top = covering[0];
      seg.classList.add("pl-mark");
      if (covering.length > 1) seg.classList.add("pl-overlap");
      if (covering.some((sp) => dm.added.has(spanKey(sp)))) seg.classList.add("pl-diff-added");
      if (covering.some((sp) => dm.relabelled.has(spanKey(sp)))) seg.classList.add("pl-diff-relabelled");
      if (selected && covering.some((sp) => sp.id === selected.id)) seg.classList.add("pl-selected-span");
      if (belowThreshold({ confidence: confidenceOf(top) }, threshold)) seg.classList.add("pl-low");
      const mark = marks.get(top.id);
      if (mark) seg.classList.add(`pl-${mark}`);
      seg.setAttribute("data-span-ids", covering.map((sp) => sp.id).join(" "));
      seg.setAttribute("style", labelChipStyle(colorOf(ctx, top.label)));
      seg.addEventListener("click", (e) => {
        if (window.getSelection()?.isCollapsed !== false) { e.stopPropagation(); on.clickSpan(top.id); }
      });
      for (const sp of covering) if (!firstSeg.has(sp.id)) firstSeg.set(sp.id, seg);
    }
    box.appendChild(seg);
    for (const sp of endsAt.get(b) ?? []) {
      const perRegion = results(ctx).filter((r) => r.kind === "choice" && r.span_id === sp.id);
      const conf = confidenceOf(sp);
      box.appendChild(h("span", {
        class: `pl-tag${marks.get(sp.id) ? ` pl-${marks.get(sp.id)}` : ""}`, "data-testid": "pl-lv-span-tag", "data-span-id": sp.id,
        title: `${sp.label}${conf === null ? "" : ` · confidence ${conf.toFixed(2)}`}${sp.source ? ` · ${sp.source}` : ""}`,
        onclick: (e: MouseEvent) => { e.stopPropagation(); on.clickSpan(sp.id); },
      },
      sp.label,
      sp.assertion ? h("span", { class: "pl-assertion", "data-testid": "pl-lv-assertion" }, sp.assertion) : null,
      perRegion.map((c) => h("span", { class: "pl-assertion", "data-testid": "pl-lv-choice" },
        c.kind === "choice" ? c.labels.join(",") : ""))));
    }
  }
  const svg = s("svg", { class: "pl-lv-arcs", "aria-hidden": "true" });
  const wrap = h("div", { class: "pl-lv-textwrap" }, box, svg);
  clear(container).appendChild(wrap);
  box.addEventListener("mouseup", () => on.selectionMade());
  requestAnimationFrame(() => drawArcs(ctx, wrap, svg, firstSeg, relations, on));
  return { segmentOf: (id) => firstSeg.get(id) ?? null };
}

function drawArcs(ctx: Ctx, wrap: HTMLElement, svg: SVGSVGElement, firstSeg: Map<string, HTMLElement>,
  relations: RelationResult[], on: TextHandlers): void {
  clear(svg);
  if (!wrap.isConnected) return;
  const base = wrap.getBoundingClientRect();
  svg.setAttribute("width", String(base.width));
  svg.setAttribute("height", String(base.height));
  const markerId = `pl-arrow-${ctx.uid}`;
  svg.appendChild(s("defs", {}, s("marker", { id: markerId, viewBox: "0 0 10 10", refX: 9, refY: 5,
    markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z" }))));
  for (const rel of relations) {
    const a = firstSeg.get(rel.from_id), b = firstSeg.get(rel.to_id);
    if (!a || !b) continue;
    const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
    const x1 = ra.left - base.left + ra.width / 2, y1 = ra.top - base.top;
    const x2 = rb.left - base.left + rb.width / 2, y2 = rb.top - base.top;
    const lift = 14 + Math.min(40, Math.abs(x2 - x1) / 6);
    const top = Math.min(y1, y2) - lift;
    const url = `url(#${markerId})`;
    const path = s("path", { d: `M${x1},${y1} C${x1},${top} ${x2},${top} ${x2},${y2}`,
      class: `pl-arc${ctx.state.selected?.id === rel.id ? " pl-selected-arc" : ""}`,
      "data-testid": "pl-lv-arc", "data-relation-id": rel.id,
      "marker-end": rel.direction !== "left" ? url : null,
      "marker-start": rel.direction !== "right" ? url : null });
    path.addEventListener("click", () => on.selectRelation(rel.id));
    svg.appendChild(path);
    if (rel.label) svg.appendChild(s("text", { x: (x1 + x2) / 2, y: top + 8, class: "pl-arc-label" }, rel.label));
  }
}

/** A DOM position inside the text as a code point offset (null outside the segments). */
export function codePointOffset(node: Node, offset: number): number | null {
  const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : (node as Element);
  const seg = el?.closest?.(".pl-seg") as HTMLElement | null;
  if (!seg) return null;
  const start = Number(seg.dataset.start);
  if (node.nodeType !== Node.TEXT_NODE) return offset === 0 ? start : Number(seg.dataset.end);
  return start + Array.from((node as Text).data.slice(0, offset)).length;
}

/** The current text selection inside `within` as [start, end) code points, or null. */
export function selectedRange(within: HTMLElement): [number, number] | null {
  const sel = window.getSelection();
  if (!sel || sel.isCollapsed || !sel.rangeCount) return null;
  const range = sel.getRangeAt(0);
  if (!within.contains(range.commonAncestorContainer)) return null;
  const a = codePointOffset(range.startContainer, range.startOffset);
  const b = codePointOffset(range.endContainer, range.endOffset);
  if (a === null || b === null || a === b) return null;
  return [Math.min(a, b), Math.max(a, b)];
}
