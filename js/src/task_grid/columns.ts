// The grid's columns: one line per task (ellipsis, full text in the tooltip), widths the user
// can drag. Confidence and review flags show once the kernel sends them (a store without
// review signals leaves them out).
import { h, shortTime, type Child } from "../common/index.js";
import type { GridRow } from "../common/messages.js";

export interface Column {
  key: string; // the sort key sent to the kernel (sortable columns) and data-column
  title: string;
  width: number; // default width in px (the title column takes what is left)
  sortable: boolean;
  align?: "end";
  cell(row: GridRow): Child;
  tooltip?(row: GridRow): string;
  /** shown only when the page's rows carry this field */
  needs?: keyof GridRow;
  /** dropped first when the panel is narrow (0: always shown) */
  priority: number;
}

/** The title column never gets narrower than this; other columns go first. */
export const TITLE_MIN = 220;
export const CHECK_WIDTH = 32;

const FLAG_TEXT: Record<string, string> = {
  low_confidence: "low confidence",
  models_disagree: "models disagree",
  rule_model_conflict: "rule ≠ model",
};

export const REVIEW_FILTERS: [string, string][] = [
  ["", "all tasks"],
  ["low_confidence", "low confidence"],
  ["models_disagree", "models disagree"],
  ["rule_model_conflict", "rule and model conflict"],
];

export function flagText(flag: string): string {
  return FLAG_TEXT[flag] ?? flag.replace(/_/g, " ");
}

/** "83%" for 0.83; "" for none. */
export function confidenceText(value: number | null | undefined): string {
  if (value === null || value === undefined || Number.isNaN(value)) return "";
  return `${Math.round(Math.max(0, Math.min(1, value)) * 100)}%`;
}

/** low / mid / high, for the colour of the confidence bar. */
export function confidenceLevel(value: number): "low" | "mid" | "high" {
  return value < 0.5 ? "low" : value < 0.8 ? "mid" : "high";
}

function confidenceCell(row: GridRow): Child {
  const value = row.confidence;
  if (value === null || value === undefined) return h("span", { class: "pl-muted" }, "—");
  const bar = h("span", { class: `pl-conf-bar pl-conf-${confidenceLevel(value)}` });
  bar.style.width = `${Math.round(Math.max(0, Math.min(1, value)) * 100)}%`; // CSSOM, a number
  return h("span", { class: "pl-conf", "data-testid": "pl-grid-confidence" },
    h("span", { class: "pl-conf-track", "aria-hidden": "true" }, bar),
    h("span", { class: "pl-conf-text" }, confidenceText(value)));
}

export const COLUMNS: Column[] = [
  { key: "id", title: "ID", width: 60, sortable: true, align: "end", priority: 0, cell: (r) => r.id },
  { key: "title", title: "Title", width: 0, sortable: true, priority: 0, cell: () => null, tooltip: (r) => r.title },
  { key: "kind", title: "Type", width: 76, sortable: true, priority: 2, cell: (r) => r.type || r.kind },
  { key: "status", title: "Status", width: 120, sortable: true, priority: 0,
    cell: (r) => h("span", { class: `pl-badge pl-status-${r.status}` }, r.status.replace("_", " ")),
    // the error column is the first to go in a narrow panel: the badge still tells why
    tooltip: (r) => r.error ?? "" },
  { key: "confidence", title: "Confidence", width: 120, sortable: true, needs: "confidence", priority: 0,
    cell: confidenceCell, tooltip: (r) => r.confidence === null || r.confidence === undefined
      ? "no prediction yet" : `least confident result of the latest prediction: ${confidenceText(r.confidence)}` },
  { key: "review_flags", title: "Review", width: 160, sortable: false, needs: "review_flags", priority: 1,
    cell: (r) => (r.review_flags ?? []).map((f) => h("span", { class: `pl-badge pl-flag pl-flag-${f}` }, flagText(f))),
    tooltip: (r) => (r.review_flags ?? []).map(flagText).join(", ") },
  { key: "n_predictions", title: "Predictions", width: 108, sortable: true, align: "end", priority: 2, cell: (r) => r.n_predictions },
  { key: "n_completions", title: "Completions", width: 116, sortable: true, align: "end", priority: 3, cell: (r) => r.n_completions },
  { key: "last_preannotated", title: "Last pre-annotated", width: 168, sortable: true, priority: 3,
    cell: (r) => shortTime(r.last_preannotated).slice(0, 16), tooltip: (r) => shortTime(r.last_preannotated) },
  { key: "error", title: "Error", width: 200, sortable: true, priority: 1, cell: (r) => r.error ?? "", tooltip: (r) => r.error ?? "" },
];

/** The width the columns need, with the title at its minimum. */
export function neededWidth(columns: Column[], widths: ReadonlyMap<string, number> = new Map()): number {
  return CHECK_WIDTH + columns.reduce((sum, c) => sum + (c.key === "title" ? TITLE_MIN : widths.get(c.key) ?? c.width), 0);
}

/**
 * The columns to show: the optional ones only when the kernel sends their field, and, in a
 * panel narrower than they need, without the least important ones (the error column goes
 * before the status, never the title); `available` 0 means "unknown, show all".
 */
export function visibleColumns(rows: GridRow[], reviewTrait: boolean, available = 0,
  widths: ReadonlyMap<string, number> = new Map()): Column[] {
  let columns = COLUMNS.filter((c) => !c.needs || reviewTrait || rows.some((r) => c.needs! in r));
  if (available <= 0) return columns;
  for (const level of [3, 2, 1]) {
    if (neededWidth(columns, widths) <= available) break;
    columns = columns.filter((c) => c.priority < level);
  }
  return columns;
}
