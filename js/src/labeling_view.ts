// LabelingView: one task's predictions (read-only, by version, diffed) and its completions
// (editable), reviewed at the speed of reading with the keyboard. The kernel owns the
// results; every edit is a request (widgets/_labeling_view.py). Task text reaches the DOM
// as text nodes only.
//
// Parts (js/src/labeling/): toolbar (header, tabs, palette, confidence filter), region_list,
// text_view, page_view, annotations (choices, the selected region's toolbar), diff, help,
// review (the actions behind keys and buttons), keyboard (the key table).
//
// Test ids of this file: pl-lv (root: data-task-id, data-shown="prediction:<id>" or
// "completion:<id>", data-first-paint-ms once the first page or text is drawn), pl-lv-body,
// pl-lv-span-toolbar, pl-lv-relation-label, pl-lv-help, pl-lv-diff; each part documents its own. Performance marks
// "pl-lv-render" and "pl-lv-first-paint" (a measure of the same name) time the first paint.

import { clear, createRpc, h, messageLine, type RenderProps } from "./common/index.js";
import { drawChoices, drawSpanToolbar, createRelation, relateSpans } from "./labeling/annotations.js";
import { createCtx, isDocument, labelDefs, type Ctx, type Part, type Requests } from "./labeling/context.js";
import { drawDiff } from "./labeling/diff.js";
import { drawHelp } from "./labeling/help.js";
import { isHotkey, matchKey, type Match } from "./labeling/keyboard.js";
import { drawPages, labelTokensText, PageCache } from "./labeling/page_view.js";
import { regionList } from "./labeling/region_list.js";
import { createReview, type Review } from "./labeling/review.js";
import { drawText, selectedRange, type TextView } from "./labeling/text_view.js";
import { toolbar } from "./labeling/toolbar.js";
import type { LabelingTraits } from "./labeling/types.js";
import { zoomStep } from "./labeling/geometry.js";

const SKIP_TAGS = new Set(["INPUT", "SELECT", "TEXTAREA"]);

function render({ model, el }: RenderProps<LabelingTraits>): () => void {
  if (typeof performance !== "undefined") performance.mark("pl-lv-render");
  const rpc = createRpc<Requests>(model);
  const pending = new Set<Part>();
  let scheduled = false;
  const redraw = (...parts: Part[]) => {
    for (const p of parts) pending.add(p);
    if (!scheduled) { scheduled = true; queueMicrotask(flush); }
  };
  const ctx: Ctx = createCtx(model, rpc, redraw);
  const pages = new PageCache();
  let firstPaint = false;
  let textView: TextView | null = null;

  const root = h("div", { class: "pl-root pl-lv", "data-testid": "pl-lv", tabindex: 0, role: "region",
    "aria-label": "Labeling view" });
  const body = h("div", { class: "pl-lv-body", "data-testid": "pl-lv-body" });
  const review: Review = createReview(ctx, {
    reveal(id) {
      if (isDocument(ctx)) revealBox = id; // scrolled to once its page is drawn, if it must be
      queueMicrotask(() => { // after the redraw the focus scheduled
        list.row(id)?.scrollIntoView({ block: "nearest" });
        if (!isDocument(ctx)) {
          textView?.segmentOf(id)?.scrollIntoView({ block: "nearest", inline: "nearest" });
          return;
        }
        const box = [...body.querySelectorAll<SVGElement>(".pl-chunk")].find((r) => r.dataset.spanId === id);
        if (box) { revealBox = null; box.scrollIntoView({ block: "nearest", inline: "nearest" }); }
      });
    },
    textSelection: () => selectedRange(body),
    clearTextSelection: () => window.getSelection()?.removeAllRanges(),
  });
  let revealBox: string | null = null;
  const bar = toolbar(ctx, {
    commit: () => void review.commit(),
    emptyCompletion: () => review.emptyCompletion(),
    step: (kind) => void review.stepTask(kind),
    toggleHelp: () => { ctx.state.helpOpen = !ctx.state.helpOpen; redraw("help"); },
    pickLabel: (value) => review.pickLabel(value),
    filterChanged: () => redraw("filter", "regions", "body"),
  });
  const list = regionList(ctx, (id) => review.focus(id));
  const choices = h("div", { class: "pl-lv-choices-row" });
  const spanBar = h("div", { class: "pl-lv-span-toolbar", "data-testid": "pl-lv-span-toolbar", role: "toolbar",
    "aria-label": "Selected region" });
  const relationList = h("datalist", { id: `pl-relations-${ctx.uid}` });
  const relationLabel = h("input", { type: "text", placeholder: "relation label", size: 12,
    "data-testid": "pl-lv-relation-label", list: relationList.id, "aria-label": "relation label" });
  const help = h("div", { class: "pl-lv-help", "data-testid": "pl-lv-help", role: "dialog", hidden: true });
  const diffPanel = h("div", { class: "pl-lv-diff", "data-testid": "pl-lv-diff" });
  root.append(relationList, bar.header, help, bar.tabs,
    h("div", { class: "pl-lv-toolrow" }, bar.palette, bar.filter),
    choices, spanBar, messageLine(model), diffPanel,
    h("div", { class: "pl-lv-main" }, body, list.node));
  el.appendChild(root);

  function clickSpan(id: string): void {
    const { state } = ctx;
    if (state.relating && state.relating !== id && model.get("editable")) {
      const from = state.relating;
      state.relating = null;
      redraw("toolbar");
      void relateSpans(ctx, from, id, relationLabel.value);
      return;
    }
    review.focus(id);
  }

  function drawBody(): void {
    const task = model.get("task") ?? {};
    if (task.id === undefined) { clear(body); textView = null; return; }
    if (!isDocument(ctx)) {
      textView = drawText(ctx, body, {
        clickSpan,
        selectRelation: (id) => { ctx.state.selected = { kind: "relation", id }; redraw("toolbar", "selection"); },
        selectionMade: () => {
          if (ctx.state.activeLabel && model.get("editable") && selectedRange(body)) review.pickLabel(ctx.state.activeLabel);
        },
      });
      if (!firstPaint) requestAnimationFrame(() => painted());
      return;
    }
    textView = null;
    clear(body);
    drawPages(ctx, body, pages, {
      clickSpan,
      labelTokens: () => review.labelTokens(),
      goToPage: (i) => review.goToPage(i),
      drawn: () => painted(),
      tokensChanged: () => {
        const button = body.querySelector<HTMLButtonElement>("[data-testid=pl-lv-label-tokens]");
        if (button) button.textContent = labelTokensText(ctx.state.selectedTokens.size);
      },
      pageShown: (viewport, meta, index) => {
        const id = revealBox ?? (ctx.state.selected?.kind === "span" ? null : null);
        revealBox = null;
        const span = id ? (model.get("results") ?? []).find((r) => r.id === id) : null;
        const box = span && span.kind === "span" ? (span.boxes ?? []).find((b) => (b.page ?? 0) === index) : null;
        if (!box) return;
        const sx = viewport.scrollWidth / meta.width, sy = viewport.scrollHeight / meta.height;
        viewport.scrollLeft = Math.max(0, box.x * sx - viewport.clientWidth / 2);
        viewport.scrollTop = Math.max(0, box.y * sy - viewport.clientHeight / 2);
      },
    });
  }

  function painted(): void {
    if (firstPaint || typeof performance === "undefined") return;
    firstPaint = true;
    performance.mark("pl-lv-first-paint");
    const m = performance.measure("pl-lv-first-paint", "pl-lv-render", "pl-lv-first-paint");
    root.setAttribute("data-first-paint-ms", String(Math.round(m.duration * 10) / 10));
  }

  function flush(): void {
    scheduled = false;
    const parts = new Set(pending);
    pending.clear();
    if (parts.has("header")) {
      const task = model.get("task") ?? {};
      const shown = model.get("shown") ?? {};
      root.setAttribute("data-task-id", task.id === undefined ? "" : String(task.id));
      root.setAttribute("data-shown", shown.kind ? `${shown.kind}:${shown.id}` : "");
      bar.drawHeader();
    }
    if (parts.has("palette")) bar.drawPalette();
    if (parts.has("filter")) bar.drawFilter();
    if (parts.has("choices")) drawChoices(ctx, choices);
    if (parts.has("toolbar")) drawSpanToolbar(ctx, spanBar, relationLabel, { createRelation: (o) => void createRelation(ctx, o) });
    if (parts.has("diff")) {
      const onComp = model.get("shown")?.kind === "completion";
      drawDiff(diffPanel, model.get("diff"), onComp ? "prediction" : "prediction");
    }
    if (parts.has("regions")) list.draw();
    if (parts.has("help")) {
      drawHelp(ctx, help);
      bar.helpButton.setAttribute("aria-expanded", String(ctx.state.helpOpen));
    }
    if (parts.has("body")) drawBody();
    else if (parts.has("selection")) markSelection();
    if (parts.has("selection") && !parts.has("regions")) list.select();
  }

  /** The focus moved: mark the selected span in the text or on the page, in place. */
  function markSelection(): void {
    const id = ctx.state.selected?.id ?? null;
    for (const seg of body.querySelectorAll<HTMLElement>(".pl-seg.pl-mark")) {
      seg.classList.toggle("pl-selected-span", id !== null && (seg.dataset.spanIds ?? "").split(" ").includes(id));
    }
    for (const rect of body.querySelectorAll<SVGElement>(".pl-chunk")) {
      rect.classList.toggle("pl-selected-chunk", id !== null && rect.dataset.spanId === id);
    }
    for (const arc of body.querySelectorAll<SVGElement>(".pl-arc")) {
      arc.classList.toggle("pl-selected-arc", id !== null && arc.dataset.relationId === id);
    }
  }

  // ---- keyboard ------------------------------------------------------------------------------
  // Keys handled here stop propagating: JupyterLab handles shortcuts in the bubbling phase,
  // so "a", arrows, Enter... typed in the view must not insert cells or move the notebook.
  root.addEventListener("keydown", (e: KeyboardEvent) => {
    const target = e.target as HTMLElement;
    if (SKIP_TAGS.has(target.tagName) || target.isContentEditable) return;
    if (target.getAttribute("role") === "tab" && (e.key === "ArrowLeft" || e.key === "ArrowRight")) return;
    if (target.tagName === "BUTTON" && (e.key === "Enter" || e.key === " ")) return; // the button's own action
    if (onKey(e)) { e.preventDefault(); e.stopPropagation(); }
  });

  function onKey(e: KeyboardEvent): boolean {
    const def = labelDefs(ctx).find((d) => isHotkey(e, d.hotkey));
    if (def) { review.pickLabel(def.value); return true; }
    const m: Match | null = matchKey(e, isDocument(ctx));
    if (!m) return false;
    const { state } = ctx;
    switch (m.action) {
      case "help": state.helpOpen = !state.helpOpen; redraw("help"); return true;
      case "escape":
        if (state.helpOpen) { state.helpOpen = false; redraw("help"); return true; }
        if (!state.selected && !state.relating && !state.pendingRelation && !state.selectedTokens.size) return false;
        state.selected = null; state.relating = null; state.pendingRelation = null; state.selectedTokens.clear();
        redraw("toolbar", "regions", "body");
        return true;
      case "next-region": review.step(1); return true;
      case "prev-region": review.step(-1); return true;
      case "accept-region": review.acceptRegion(); return true;
      case "reject-region": if (!state.selected) return false; review.rejectRegion(); return true;
      case "commit": void review.commit(); return true;
      case "pick-label": review.pickNumber(m.index ?? 0); return true;
      case "end-left": void review.moveEdge("end", -1); return true;
      case "end-right": void review.moveEdge("end", 1); return true;
      case "start-left": void review.moveEdge("start", -1); return true;
      case "start-right": void review.moveEdge("start", 1); return true;
      case "next-task": case "prev-task": case "next-review": void review.stepTask(m.action); return true;
      case "page-prev": review.goToPage(model.get("page") - 1); return true;
      case "page-next": review.goToPage(model.get("page") + 1); return true;
      case "page-first": review.goToPage(0); return true;
      case "page-last": review.goToPage((model.get("task")?.pages ?? []).length - 1); return true;
      case "zoom-in": case "zoom-out": model.set("zoom", zoomStep(model.get("zoom") || 1, m.action === "zoom-in" ? 1 : -1)); model.save_changes(); return true;
      case "zoom-fit": model.set("zoom", 1); model.save_changes(); return true;
    }
    return false;
  }

  // ---- model events --------------------------------------------------------------------------
  const all: Part[] = ["header", "palette", "filter", "choices", "toolbar", "diff", "regions", "help", "body"];
  const on = (names: string[], parts: Part[], before?: () => void) => {
    for (const name of names) model.on(`change:${name}`, () => { before?.(); redraw(...parts); });
  };
  on(["task"], all, () => {
    pages.reset();
    Object.assign(ctx.state, { selected: null, relating: null, pendingRelation: null, pageScroll: null });
    ctx.state.selectedTokens.clear();
    ctx.state.marks.clear();
  });
  // another result set: its marks and focus belong to the old one (a completion copies the
  // prediction's region ids, so a kept focus would point into the middle of the new list)
  on(["shown"], ["header", "regions", "toolbar", "body"], () => { ctx.state.marks.clear(); ctx.state.selected = null; });
  on(["results"], ["choices", "toolbar", "regions", "body"]);
  on(["predictions", "completions", "dirty", "compare_id"], ["header"]);
  on(["editable"], ["header", "choices", "toolbar", "regions", "body"]);
  on(["label_defs"], ["palette", "help", "regions", "body"]);
  on(["choice_defs"], ["choices", "toolbar"]);
  on(["assertion_values", "relation_defs"], ["toolbar"]);
  on(["diff"], ["diff", "body"]);
  on(["page", "zoom"], ["body"]);
  model.on("change:relation_values", () => {
    clear(relationList).append(...(model.get("relation_values") ?? []).map((v) => h("option", { value: v })));
  });
  // The panel's width changes: text re-flows (its arcs follow) and a page re-fits. Debounced,
  // and only for real changes: a redraw must not feed back into the observer (a scrollbar
  // coming and going changes the width by its own).
  let observer: ResizeObserver | null = null;
  if (typeof ResizeObserver !== "undefined") {
    let last = -1;
    let timer: ReturnType<typeof setTimeout> | undefined;
    observer = new ResizeObserver(() => {
      const w = body.clientWidth;
      if (last < 0) { last = w; return; }
      if (Math.abs(w - last) < (isDocument(ctx) ? 40 : 2)) return;
      last = w;
      clearTimeout(timer);
      timer = setTimeout(() => redraw("body"), 150);
    });
    observer.observe(body);
  }
  redraw(...all);
  return () => {
    rpc.dispose();
    observer?.disconnect();
    pages.reset();
  };
}

export default { render };
