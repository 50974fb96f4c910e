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
}

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
  { key: "id", title: "ID", width: 56, sortable: true, align: "end", cell: (r) => r.id },
  { key: "title", title: "Title", width: 0, sortable: true, cell: () => null, tooltip: (r) => r.title },
  { key: "kind", title: "Type", width: 72, sortable: true, cell: (r) => r.type || r.kind },
  { key: "status", title: "Status", width: 116, sortable: true,
    cell: (r) => h("span", { class: `pl-badge pl-status-${r.status}` }, r.status.replace("_", " ")) },
  { key: "confidence", title: "Confidence", width: 110, sortable: true, needs: "confidence",
    cell: confidenceCell, tooltip: (r) => r.confidence === null || r.confidence === undefined
      ? "no prediction yet" : `least confident result of the latest prediction: ${confidenceText(r.confidence)}` },
  { key: "review_flags", title: "Review", width: 150, sortable: false, needs: "review_flags",
    cell: (r) => (r.review_flags ?? []).map((f) => h("span", { class: `pl-badge pl-flag pl-flag-${f}` }, flagText(f))),
    tooltip: (r) => (r.review_flags ?? []).map(flagText).join(", ") },
  { key: "n_predictions", title: "Predictions", width: 92, sortable: true, align: "end", cell: (r) => r.n_predictions },
  { key: "n_completions", title: "Completions", width: 96, sortable: true, align: "end", cell: (r) => r.n_completions },
  { key: "last_preannotated", title: "Last pre-annotated", width: 150, sortable: true,
    cell: (r) => shortTime(r.last_preannotated), tooltip: (r) => r.last_preannotated ?? "" },
  { key: "error", title: "Error", width: 200, sortable: true, cell: (r) => r.error ?? "", tooltip: (r) => r.error ?? "" },
];

/** The columns to show for a page: the optional ones only when their field is there. */
export function visibleColumns(rows: GridRow[], reviewTrait: boolean): Column[] {
  return COLUMNS.filter((c) => !c.needs || reviewTrait || rows.some((r) => c.needs! in r));
}
