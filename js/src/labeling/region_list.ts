// The regions panel: one row per region of the shown annotation, in reading order — its
// label in the config colour, text, confidence, source resource, page; a lock on a
// prediction's (read-only) regions; ✓ / ✗ review marks. A listbox: click or ↑/↓ focuses a
// region and brings it into view.
//
// Test ids: pl-lv-regions (the panel, data-count), pl-lv-region (a row: data-region-id,
// data-label, aria-selected, data-mark "accepted"|"rejected"|"", data-low "true" when below
// the threshold), pl-lv-region-lock, pl-lv-region-confidence, pl-lv-region-source.

import { clear, h, s, setText } from "../common/index.js";
import { labelChipStyle } from "./colors.js";
import { colorOf, results, type Ctx } from "./context.js";
import { ariaKeys } from "./keyboard.js";
import { belowThreshold, regionsOf, type Region } from "./regions.js";

/** The regions the panel lists and the keyboard walks (hidden ones left out). */
export function visibleRegions(ctx: Ctx): Region[] {
  const all = regionsOf(results(ctx), !ctx.model.get("editable"));
  const { threshold, hideLow } = ctx.state;
  return hideLow ? all.filter((r) => !belowThreshold(r, threshold)) : all;
}

export function lockIcon(): SVGSVGElement {
  return s("svg", { class: "pl-lv-lock", viewBox: "0 0 16 16", width: 12, height: 12, "aria-hidden": "true",
    "data-testid": "pl-lv-region-lock" },
  s("path", { d: "M4 7V5a4 4 0 0 1 8 0v2h1v8H3V7h1zm2 0h4V5a2 2 0 0 0-4 0v2z" }));
}

function confidenceBar(value: number | null): HTMLElement {
  const fill = h("span");
  fill.style.width = `${Math.round((value ?? 0) * 100)}%`;
  return h("span", { class: "pl-lv-bar", "aria-hidden": "true" }, fill);
}

export function formatConfidence(value: number | null): string {
  return value === null ? "—" : value.toFixed(2);
}

export interface RegionList {
  node: HTMLElement;
  draw(): void;
  /** the row of a region (to scroll it into view) */
  row(id: string): HTMLElement | null;
  /** move the focus mark to the selected region without drawing the list again */
  select(): void;
}

export function regionList(ctx: Ctx, focus: (id: string) => void): RegionList {
  const heading = h("div", { class: "pl-lv-panel-heading", id: `pl-lv-regions-h-${ctx.uid}` });
  const list = h("div", { class: "pl-lv-region-list", role: "listbox", tabindex: 0,
    "aria-labelledby": heading.id, "aria-keyshortcuts": `${ariaKeys("next-region")} ${ariaKeys("prev-region")}` });
  const empty = h("div", { class: "pl-muted pl-lv-regions-empty" });
  const node = h("section", { class: "pl-lv-regions", "data-testid": "pl-lv-regions", "aria-label": "Regions" },
    heading, list, empty);
  const rows = new Map<string, HTMLElement>();

  function draw(): void {
    clear(list);
    rows.clear();
    const all = regionsOf(results(ctx), !ctx.model.get("editable"));
    const shown = visibleRegions(ctx);
    const hidden = all.length - shown.length;
    setText(heading, `Regions ${shown.length}${hidden ? ` (${hidden} hidden below ${ctx.state.threshold.toFixed(2)})` : ""}`);
    node.setAttribute("data-count", String(shown.length));
    empty.hidden = shown.length > 0;
    setText(empty, all.length ? "Every region is below the confidence threshold." : "No regions in this annotation.");
    const focused = ctx.state.selected?.kind === "span" ? ctx.state.selected.id : null;
    const multiPage = ((ctx.model.get("task") ?? {}).pages ?? []).length > 1;
    for (const r of shown) {
      const mark = ctx.state.marks.get(r.id) ?? "";
      const low = belowThreshold(r, ctx.state.threshold);
      const row = h("div", {
        class: `pl-lv-region${r.id === focused ? " pl-focused" : ""}${low ? " pl-low" : ""}${mark ? ` pl-${mark}` : ""}`,
        role: "option", id: `pl-lv-region-${ctx.uid}-${r.id}`, "aria-selected": r.id === focused ? "true" : "false",
        "data-testid": "pl-lv-region", "data-region-id": r.id, "data-label": r.label, "data-mark": mark,
        "data-low": low ? "true" : "false",
        title: `${r.label}: ${r.text}${r.source ? ` · ${r.source}` : ""}${r.confidence === null ? "" : ` · ${formatConfidence(r.confidence)}`}${r.readOnly ? " (prediction, read-only)" : ""}`,
        onclick: () => focus(r.id),
      },
      r.readOnly ? lockIcon() : h("span", { class: "pl-lv-lock-space", "aria-hidden": "true" }),
      h("span", { class: "pl-lv-chip", style: labelChipStyle(colorOf(ctx, r.label)) }, r.label),
      h("span", { class: "pl-lv-region-text" }, r.text),
      r.assertion ? h("span", { class: "pl-badge" }, r.assertion) : null,
      multiPage && r.pages.length ? h("span", { class: "pl-muted pl-lv-region-page" }, `p${r.pages[0] + 1}`) : null,
      h("span", { class: "pl-lv-region-source pl-muted", "data-testid": "pl-lv-region-source" }, r.source ?? ""),
      h("span", { class: "pl-lv-region-confidence", "data-testid": "pl-lv-region-confidence",
        "aria-label": r.confidence === null ? "no confidence" : `confidence ${formatConfidence(r.confidence)}` },
      confidenceBar(r.confidence),
      formatConfidence(r.confidence)),
      h("span", { class: "pl-lv-region-mark", "aria-label": mark || undefined }, mark === "accepted" ? "✓" : mark === "rejected" ? "✗" : ""));
      rows.set(r.id, row);
      list.appendChild(row);
    }
    if (focused && rows.has(focused)) list.setAttribute("aria-activedescendant", rows.get(focused)!.id);
    else list.removeAttribute("aria-activedescendant");
  }

  function select(): void {
    const focused = ctx.state.selected?.kind === "span" ? ctx.state.selected.id : null;
    for (const [id, row] of rows) {
      row.classList.toggle("pl-focused", id === focused);
      row.setAttribute("aria-selected", id === focused ? "true" : "false");
    }
    if (focused && rows.has(focused)) list.setAttribute("aria-activedescendant", rows.get(focused)!.id);
    else list.removeAttribute("aria-activedescendant");
  }

  return { node, draw, select, row: (id) => rows.get(id) ?? null };
}
