// Document tasks: one page image at a time with its OCR tokens and the annotation's boxes.
// Zoom (relative to "fit the page": 100 %), pan (drag with the hand tool, Space+drag or the
// middle button; or scroll), draw a box to select the tokens inside it (labelled at once
// when a label is active on a completion), click tokens, and a strip of page thumbnails.
//
// Test ids: pl-lv-pages, pl-lv-stage (the scrolling viewport), pl-lv-page-image (<img>),
// pl-lv-token (SVG rect, data-token-index, class pl-token-selected), pl-lv-chunk (SVG rect,
// data-span-id), pl-lv-page-prev, pl-lv-page-next, pl-lv-page-info, pl-lv-zoom-in,
// pl-lv-zoom-out, pl-lv-zoom-fit, pl-lv-zoom-info, pl-lv-tool-box, pl-lv-tool-pan,
// pl-lv-label-tokens, pl-lv-thumbs (strip), pl-lv-thumb (button, data-page, aria-current).

import { h, s } from "../common/index.js";
import { normalizeColor } from "./colors.js";
import { colorOf, spans, type Ctx } from "./context.js";
import { diffMarks, spanKey } from "./diff.js";
import { fitScale, rectBetween, toPage, tokensInBox, zoomStep } from "./geometry.js";
import { ariaKeys } from "./keyboard.js";
import { belowThreshold, confidenceOf } from "./regions.js";
import type { PageMeta } from "./types.js";

export interface PageEntry {
  url: string;
  meta: PageMeta;
}

/** Page images and thumbnails fetched for the open task (object URLs, revoked on reset). */
export class PageCache {
  /** per page: the widest image asked for, and its reply */
  pages = new Map<number, { width: number; entry: Promise<PageEntry | null> }>();
  thumbs = new Map<number, string>();
  inflight = new Set<number>();
  /** resolves when a page of this task is first on screen */
  painted: Promise<void>;
  private resolvePainted: () => void = () => undefined;
  constructor() {
    this.painted = new Promise((resolve) => { this.resolvePainted = resolve; });
  }
  markPainted(): void {
    this.resolvePainted();
  }
  reset(): void {
    for (const p of this.pages.values()) void p.entry.then((e) => e && URL.revokeObjectURL(e.url));
    for (const url of this.thumbs.values()) URL.revokeObjectURL(url);
    this.pages.clear();
    this.thumbs.clear();
    this.inflight.clear();
    this.painted = new Promise((resolve) => { this.resolvePainted = resolve; });
  }
}

export interface PageHandlers {
  clickSpan(id: string): void;
  labelTokens(): void;
  goToPage(index: number): void;
  /** the page's image and boxes are on screen */
  drawn(page: number): void;
  /** the stage shows page `index` (to scroll a focused region into view) */
  pageShown(viewport: HTMLElement, meta: PageMeta, index: number): void;
  /** the token selection changed (a click) */
  tokensChanged(): void;
}

/** An object URL of an image sent as a binary buffer (an empty image when none came). */
const toUrl = (buffer: DataView | undefined, mime: string): string => URL.createObjectURL(new Blob(
  buffer ? [buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength) as ArrayBuffer] : [], { type: mime }));

/** A performance mark (the first-paint benchmark reads them to split its time up). */
function mark(name: string): void {
  if (typeof performance !== "undefined" && typeof performance.mark === "function") performance.mark(name);
}

/** Image widths are asked for in steps, so zooming a little does not fetch the page again. */
export const WIDTH_STEP = 400;

/** The image width (px) to ask for: what the stage draws the page at, on this screen, rounded up. */
export function wantedWidth(pageW: number, pageH: number, stageW: number, stageH: number, zoom: number, dpr: number): number {
  const drawn = pageW * fitScale(pageW, pageH, stageW, stageH) * zoom * Math.max(1, dpr);
  return Math.max(WIDTH_STEP, Math.ceil(drawn / WIDTH_STEP) * WIDTH_STEP);
}

/** Page `index` at `width` or wider: from the cache, or asked of the kernel. */
export function pageData(ctx: Ctx, cache: PageCache, index: number, width: number): Promise<PageEntry | null> {
  const known = cache.pages.get(index);
  if (known && known.width >= width) return known.entry;
  mark(`pl-lv-page-${index}-request`);
  const entry = ctx.call("page_image", { page: index, width }).then((reply) => {
    mark(`pl-lv-page-${index}-reply`);
    if (!reply) { cache.pages.delete(index); return null; }
    const meta = reply.result as PageMeta;
    return { url: toUrl(reply.buffers[0], meta.mime), meta };
  });
  if (known) void known.entry.then((e) => e && entry.then(() => URL.revokeObjectURL(e.url)));
  cache.pages.set(index, { width, entry });
  return entry;
}

export function labelTokensText(n: number): string {
  return n ? `Label ${n} selected token${n === 1 ? "" : "s"}` : "Label selected tokens";
}

/** The stage's height: what the window leaves beside the view's own bars and JupyterLab's,
 * so the whole view fits on screen. */
function stageHeight(): number {
  return Math.max(320, Math.min(1100, Math.round(window.innerHeight - 430)));
}

export function drawPages(ctx: Ctx, container: HTMLElement, cache: PageCache, on: PageHandlers): void {
  const task = ctx.model.get("task") ?? {};
  const pages = task.pages ?? [];
  const index = Math.min(ctx.model.get("page"), Math.max(0, pages.length - 1));
  const zoom = ctx.model.get("zoom") || 1;
  const editable = ctx.model.get("editable");
  const labelButton = h("button", { "data-testid": "pl-lv-label-tokens", disabled: !editable,
    title: "Label the selected tokens with the active label", onclick: () => on.labelTokens() },
  labelTokensText(ctx.state.selectedTokens.size));
  const setZoom = (z: number) => { ctx.model.set("zoom", z); ctx.model.save_changes(); };
  const tool = (name: "box" | "pan", text: string, title: string) => h("button", {
    class: `pl-lv-tool${ctx.state.tool === name ? " pl-active" : ""}`, "data-testid": `pl-lv-tool-${name}`,
    "aria-pressed": ctx.state.tool === name ? "true" : "false", title,
    onclick: () => { ctx.state.tool = name; ctx.redraw("body"); } }, text);
  const nav = h("div", { class: "pl-row pl-lv-page-nav", role: "toolbar", "aria-label": "Page" },
    h("button", { "data-testid": "pl-lv-page-prev", disabled: index <= 0, "aria-keyshortcuts": ariaKeys("page-prev"),
      title: "Previous page (← or PageUp)", onclick: () => on.goToPage(index - 1) }, "‹"),
    h("span", { "data-testid": "pl-lv-page-info", class: "pl-lv-page-info", "aria-live": "polite" },
      `page ${index + 1} of ${pages.length}`),
    h("button", { "data-testid": "pl-lv-page-next", disabled: index >= pages.length - 1, "aria-keyshortcuts": ariaKeys("page-next"),
      title: "Next page (→ or PageDown)", onclick: () => on.goToPage(index + 1) }, "›"),
    h("span", { class: "pl-lv-sep", "aria-hidden": "true" }),
    h("button", { "data-testid": "pl-lv-zoom-out", "aria-keyshortcuts": ariaKeys("zoom-out"), title: "Zoom out (−)",
      "aria-label": "Zoom out", onclick: () => setZoom(zoomStep(zoom, -1)) }, "−"),
    h("span", { "data-testid": "pl-lv-zoom-info", class: "pl-lv-zoom-info" }, `${Math.round(zoom * 100)}%`),
    h("button", { "data-testid": "pl-lv-zoom-in", "aria-keyshortcuts": ariaKeys("zoom-in"), title: "Zoom in (+)",
      "aria-label": "Zoom in", onclick: () => setZoom(zoomStep(zoom, 1)) }, "+"),
    h("button", { "data-testid": "pl-lv-zoom-fit", "aria-keyshortcuts": ariaKeys("zoom-fit"), title: "Fit the page (0)",
      onclick: () => setZoom(1) }, "Fit"),
    h("span", { class: "pl-lv-sep", "aria-hidden": "true" }),
    tool("box", "Box select", "Drag on the page to select the tokens inside a box"),
    tool("pan", "Pan", "Drag to move the page (or hold Space while dragging)"),
    labelButton);
  const viewport = h("div", { class: `pl-lv-stage pl-tool-${ctx.state.tool}`, "data-testid": "pl-lv-stage" });
  viewport.style.height = `${stageHeight()}px`;
  const thumbs = thumbStrip(ctx, cache, index, on, cache.painted);
  container.append(h("div", { class: "pl-lv-pages", "data-testid": "pl-lv-pages" }, nav, viewport, thumbs));
  if (!pages.length) return;
  const info = pages[index];
  const width = wantedWidth(info.width, info.height, viewport.clientWidth - 16, viewport.clientHeight - 16, zoom,
    typeof devicePixelRatio === "number" ? devicePixelRatio : 1);
  void pageData(ctx, cache, index, width).then(async (entry) => {
    if (!entry || !viewport.isConnected) return;
    const { meta } = entry;
    const scale = fitScale(meta.width, meta.height, viewport.clientWidth - 16, viewport.clientHeight - 16) * zoom;
    const width = Math.max(1, Math.round(meta.width * scale)), height = Math.max(1, Math.round(meta.height * scale));
    const img = h("img", { src: entry.url, "data-testid": "pl-lv-page-image", alt: `page ${index + 1}`,
      width, height, draggable: "false" });
    const svg = s("svg", { class: "pl-lv-overlay", viewBox: `0 0 ${meta.width} ${meta.height}`,
      width, height, preserveAspectRatio: "none" });
    overlay(ctx, svg, meta, index, on, scale);
    const sheet = h("div", { class: "pl-lv-sheet" }, img, svg);
    sheet.style.width = `${width}px`;
    sheet.style.height = `${height}px`;
    viewport.appendChild(sheet);
    const kept = ctx.state.pageScroll;
    if (kept && kept.page === index && kept.zoom === zoom) { viewport.scrollLeft = kept.left; viewport.scrollTop = kept.top; }
    viewport.addEventListener("scroll", () => {
      ctx.state.pageScroll = { page: index, zoom, left: viewport.scrollLeft, top: viewport.scrollTop };
    });
    interact(ctx, viewport, svg, meta, on);
    on.pageShown(viewport, meta, index);
    try { await img.decode(); } catch { /* drawn anyway; the browser shows a broken image */ }
    mark(`pl-lv-page-${index}-decoded`);
    if (viewport.isConnected) requestAnimationFrame(() => { cache.markPainted(); on.drawn(index); });
  });
}

function overlay(ctx: Ctx, svg: SVGSVGElement, meta: PageMeta, index: number, on: PageHandlers, scale: number): void {
  const labelSize = 10 / Math.max(scale, 0.01); // 10 screen px whatever the zoom
  const { selectedTokens, selected, threshold, hideLow, marks } = ctx.state;
  const tokens = s("g", { class: "pl-lv-tokens" });
  for (const t of meta.tokens) {
    const rect = s("rect", { x: t.x, y: t.y, width: t.w, height: t.h, "data-testid": "pl-lv-token",
      "data-token-index": t.i, class: `pl-token${selectedTokens.has(t.i) ? " pl-token-selected" : ""}` },
    s("title", {}, t.text));
    rect.addEventListener("click", () => {
      if (selectedTokens.has(t.i)) selectedTokens.delete(t.i); else selectedTokens.add(t.i);
      rect.classList.toggle("pl-token-selected", selectedTokens.has(t.i));
      on.tokensChanged();
    });
    tokens.appendChild(rect);
  }
  svg.appendChild(tokens);
  const dm = diffMarks(ctx.model.get("diff"));
  const chunks = s("g", { class: "pl-lv-chunks" });
  for (const sp of spans(ctx)) {
    const low = belowThreshold({ confidence: confidenceOf(sp) }, threshold);
    if (low && hideLow) continue;
    const color = normalizeColor(colorOf(ctx, sp.label), "#888888"); // "#rrggbb" only
    for (const b of (sp.boxes ?? []).filter((x) => (x.page ?? 0) === index)) {
      const cls = ["pl-chunk", selected?.id === sp.id ? "pl-selected-chunk" : "", low ? "pl-low" : "",
        marks.get(sp.id) ? `pl-${marks.get(sp.id)}` : "", dm.added.has(spanKey(sp)) ? "pl-diff-added" : ""].filter(Boolean).join(" ");
      const rect = s("rect", { x: b.x, y: b.y, width: b.width, height: b.height, "data-testid": "pl-lv-chunk",
        "data-span-id": sp.id, class: cls, stroke: color, fill: color },
      s("title", {}, `${sp.label}: ${sp.text}`));
      rect.addEventListener("click", (e) => { e.stopPropagation(); on.clickSpan(sp.id); });
      chunks.append(rect, s("text", { x: b.x, y: Math.max(labelSize, b.y - 2 / scale), class: "pl-chunk-label",
        "font-size": labelSize.toFixed(1), "stroke-width": (3 / scale).toFixed(1),
        fill: color }, sp.label));
    }
  }
  svg.appendChild(chunks);
}

/** Box drawing and panning on the stage. */
function interact(ctx: Ctx, viewport: HTMLElement, svg: SVGSVGElement, meta: PageMeta, on: PageHandlers): void {
  let space = false;
  const keys = (e: KeyboardEvent) => { if (e.key === " ") space = e.type === "keydown"; };
  viewport.addEventListener("keydown", keys);
  viewport.addEventListener("keyup", keys);
  viewport.addEventListener("pointerdown", (e: PointerEvent) => {
    const pan = ctx.state.tool === "pan" || space || e.button === 1;
    if (e.button !== 0 && e.button !== 1) return;
    if (!pan && (e.target as Element).closest?.(".pl-chunk")) return; // a click on a region
    e.preventDefault();
    viewport.setPointerCapture?.(e.pointerId);
    const start = { x: e.clientX, y: e.clientY, left: viewport.scrollLeft, top: viewport.scrollTop };
    const page0 = toPage(e.clientX, e.clientY, svg.getBoundingClientRect(), meta.width, meta.height);
    let band: SVGRectElement | null = null;
    const move = (m: PointerEvent) => {
      if (pan) {
        viewport.scrollLeft = start.left - (m.clientX - start.x);
        viewport.scrollTop = start.top - (m.clientY - start.y);
        return;
      }
      const p = toPage(m.clientX, m.clientY, svg.getBoundingClientRect(), meta.width, meta.height);
      const r = rectBetween(page0.x, page0.y, p.x, p.y);
      if (!band) { band = s("rect", { class: "pl-lv-band", "data-testid": "pl-lv-band" }); svg.appendChild(band); }
      band.setAttribute("x", String(r.x)); band.setAttribute("y", String(r.y));
      band.setAttribute("width", String(r.w)); band.setAttribute("height", String(r.h));
    };
    const up = (u: PointerEvent) => {
      viewport.removeEventListener("pointermove", move);
      viewport.removeEventListener("pointerup", up);
      viewport.removeEventListener("pointercancel", up);
      if (pan || !band) return;
      band.remove();
      if (Math.abs(u.clientX - start.x) < 4 && Math.abs(u.clientY - start.y) < 4) return; // a click
      const p = toPage(u.clientX, u.clientY, svg.getBoundingClientRect(), meta.width, meta.height);
      const chosen = tokensInBox(meta.tokens, rectBetween(page0.x, page0.y, p.x, p.y));
      if (!u.shiftKey) ctx.state.selectedTokens.clear();
      for (const i of chosen) ctx.state.selectedTokens.add(i);
      if (chosen.length && ctx.model.get("editable") && ctx.state.activeLabel) on.labelTokens();
      else {
        if (chosen.length) ctx.say(`${ctx.state.selectedTokens.size} token(s) selected: pick a label (1–9 or its hotkey)`);
        for (const rect of svg.querySelectorAll<SVGRectElement>(".pl-token")) {
          rect.classList.toggle("pl-token-selected", ctx.state.selectedTokens.has(Number(rect.dataset.tokenIndex)));
        }
        on.tokensChanged();
      }
    };
    viewport.addEventListener("pointermove", move);
    viewport.addEventListener("pointerup", up);
    viewport.addEventListener("pointercancel", up);
  });
}

function thumbStrip(ctx: Ctx, cache: PageCache, index: number, on: PageHandlers, ready: Promise<void>): HTMLElement {
  const pages = (ctx.model.get("task") ?? {}).pages ?? [];
  const strip = h("nav", { class: "pl-lv-thumbs", "data-testid": "pl-lv-thumbs", "aria-label": "Pages" });
  strip.hidden = pages.length < 2;
  if (pages.length < 2) return strip;
  const counts = new Map<number, number>();
  for (const sp of spans(ctx)) {
    for (const p of new Set((sp.boxes ?? []).map((b) => b.page ?? 0))) counts.set(p, (counts.get(p) ?? 0) + 1);
  }
  const load = (button: HTMLElement, page: number) => {
    const img = button.querySelector("img") as HTMLImageElement;
    const known = cache.thumbs.get(page);
    if (known) { img.src = known; return; }
    if (cache.inflight.has(page)) return;
    cache.inflight.add(page);
    void ctx.rpc.request("page_thumbnail", { page, width: 96 }).then((reply) => {
      const url = toUrl(reply.buffers[0], "image/png");
      cache.thumbs.set(page, url);
      cache.inflight.delete(page);
      const now = img.isConnected ? img : document.querySelector<HTMLImageElement>(`[data-thumb-key="${ctx.uid}-${page}"] img`);
      if (now) now.src = url;
    }).catch(() => { cache.inflight.delete(page); /* a thumbnail is a nicety: the page itself reports errors */ });
  };
  const observer = typeof IntersectionObserver !== "undefined"
    ? new IntersectionObserver((entries) => {
      for (const e of entries) {
        if (!e.isIntersecting) continue;
        observer?.unobserve(e.target);
        load(e.target as HTMLElement, Number((e.target as HTMLElement).dataset.page));
      }
    }, { root: strip, rootMargin: "200px" })
    : null;
  // thumbnails load once the page itself is on screen: they must not slow the first paint
  const start = (button: HTMLElement) => { if (observer) void ready.then(() => observer.observe(button)); };
  pages.forEach((p, i) => {
    const ratio = p.width > 0 ? p.height / p.width : 1.3;
    const button = h("button", { class: "pl-lv-thumb", "data-testid": "pl-lv-thumb", "data-page": i,
      "data-thumb-key": `${ctx.uid}-${i}`,
      "aria-current": i === index ? "page" : false, "aria-label": `Page ${i + 1}${counts.get(i) ? `, ${counts.get(i)} region(s)` : ""}`,
      title: `Page ${i + 1}`, onclick: () => on.goToPage(i) },
    h("img", { alt: "", width: 48, height: Math.round(48 * ratio), loading: "lazy" }),
    h("span", { class: "pl-lv-thumb-n" }, String(i + 1)),
    counts.get(i) ? h("span", { class: "pl-lv-thumb-count" }, String(counts.get(i))) : null);
    strip.appendChild(button);
    start(button);
  });
  // thumbnails start after the page itself (first paint first)
  requestAnimationFrame(() => strip.querySelector<HTMLElement>("[aria-current=page]")?.scrollIntoView({ block: "nearest", inline: "center" }));
  return strip;
}
