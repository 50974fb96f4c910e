// The diff panel: what the shown annotation changed against a prediction version (the
// kernel computes the diff: preannotate_lab.compare; it works for a prediction shown against
// an older one, and for a completion against the prediction it came from).
//
// Test ids: pl-lv-diff (panel), pl-lv-diff-added, pl-lv-diff-removed, pl-lv-diff-relabelled.

import { clear, h } from "../common/index.js";
import type { Diff, DiffSpan } from "./types.js";

export const spanKey = (x: { start: number; end: number; label: string }): string => `${x.start}:${x.end}:${x.label}`;

export interface DiffMarks {
  /** keys (spanKey) of spans the shown annotation added */
  added: Set<string>;
  /** keys of spans whose label or assertion changed (the shown side) */
  relabelled: Set<string>;
  /** spans the shown annotation dropped */
  removed: DiffSpan[];
}

/** Which spans of the shown annotation to mark as added / relabelled, and what was removed. */
export function diffMarks(diff: Diff | null | undefined): DiffMarks {
  return {
    added: new Set((diff?.added ?? []).map(spanKey)),
    relabelled: new Set((diff?.relabelled ?? []).map((x) => spanKey(x.after))),
    removed: diff?.removed ?? [],
  };
}

/** One line summing a diff up ("+2 added, −1 removed, ..."), "" without one. */
export function diffSummary(diff: Diff | null | undefined): string {
  const sm = diff?.summary;
  if (!sm) return "";
  return `+${sm.added} added, −${sm.removed} removed, ~${sm.relabelled} relabelled, ${sm.unchanged} unchanged, `
    + `${sm.changed_choices} choice change(s), +${sm.added_relations}/−${sm.removed_relations} relation(s)`;
}

const withAssertion = (x: DiffSpan): string => `${x.label}${x.assertion ? "/" + x.assertion : ""}`;

export function drawDiff(panel: HTMLElement, diff: Diff | null | undefined, against: string): void {
  clear(panel);
  panel.hidden = !diff?.summary;
  if (!diff?.summary) return;
  const item = (testid: string, cls: string, text: string) => h("li", { "data-testid": testid, class: cls }, text);
  panel.append(
    h("div", { class: "pl-lv-diff-summary" },
      h("b", {}, `Compared with ${against} v${diff.base ? diff.base.version : "?"}: `), diffSummary(diff)),
    h("ul", {},
      (diff.added ?? []).map((x) => item("pl-lv-diff-added", "pl-diff-added", `+ “${x.text}” ${x.label}`)),
      (diff.removed ?? []).map((x) => item("pl-lv-diff-removed", "pl-diff-removed", `− “${x.text}” ${x.label}`)),
      (diff.relabelled ?? []).map((x) => item("pl-lv-diff-relabelled", "pl-diff-relabelled",
        `~ “${x.after.text}” ${withAssertion(x.before)} → ${withAssertion(x.after)}`))));
}
