// Choices and the selected region's toolbar: task-level <Choices> toggles; for the selected
// span its description, relabel, assertion status, per-span choices, "Relate to…" (only the
// config's allowed relations are offered), Remove; for a selected relation, Remove.
//
// Test ids: pl-lv-choices (data-choices=<name>), pl-lv-choice-option (data-choices,
// data-value, aria-pressed), pl-lv-choice (choices the config does not define),
// pl-lv-span-toolbar, pl-lv-relabel, pl-lv-assertion-select, pl-lv-remove, pl-lv-relate,
// pl-lv-relation-label, pl-lv-relation-pick, pl-lv-relation-create, pl-lv-relation-cancel.

import { clear, h } from "../common/index.js";
import { results, type Ctx, type PendingRelation } from "./context.js";
import { ariaKeys } from "./keyboard.js";
import { confidenceOf } from "./regions.js";
import type { ChoiceDef, ChoiceResult } from "./types.js";

const option = (value: string | number, text: string, chosen: boolean): HTMLOptionElement => {
  const o = h("option", { value: String(value) }, text);
  if (chosen) o.selected = true;
  return o;
};

function chosen(ctx: Ctx, name: string, spanId: string | null): Set<string> {
  return new Set(results(ctx)
    .filter((r): r is ChoiceResult => r.kind === "choice" && r.from_name === name && (r.span_id ?? null) === spanId)
    .flatMap((r) => r.labels));
}

function choiceButtons(ctx: Ctx, def: ChoiceDef, spanId: string | null): HTMLButtonElement[] {
  const now = chosen(ctx, def.name, spanId);
  const editable = ctx.model.get("editable");
  return def.choices.map((value) => h("button", { "data-testid": "pl-lv-choice-option",
    "data-choices": def.name, "data-value": value, "aria-pressed": now.has(value) ? "true" : "false",
    class: `pl-lv-choice-option${now.has(value) ? " pl-active" : ""}`, disabled: !editable,
    title: def.choice === "multiple" ? "toggle" : "choose (click again to clear)",
    onclick: () => ctx.call("toggle_choice", { from_name: def.name, value, span_id: spanId }) },
  value));
}

export function drawChoices(ctx: Ctx, row: HTMLElement): void {
  clear(row);
  const defs = ctx.model.get("choice_defs") ?? [];
  const known = new Set(defs.map((d) => d.name));
  for (const def of defs.filter((d) => !d.per_region)) {
    row.appendChild(h("div", { class: "pl-lv-choices", "data-testid": "pl-lv-choices", "data-choices": def.name,
      role: "group", "aria-label": def.name }, h("span", { class: "pl-lv-field-label" }, `${def.name}`), choiceButtons(ctx, def, null)));
  }
  for (const c of results(ctx).filter((r): r is ChoiceResult => r.kind === "choice" && !r.span_id && !known.has(r.from_name ?? ""))) {
    row.appendChild(h("span", { class: "pl-badge pl-lv-choice", "data-testid": "pl-lv-choice" },
      `${c.from_name ? c.from_name + ": " : ""}${c.labels.join(", ")}`));
  }
  row.hidden = !row.childNodes.length;
}

export interface ToolbarHandlers {
  /** a relation value was picked for the two spans */
  createRelation(o: PendingRelation["options"][number]): void;
}

export function drawSpanToolbar(ctx: Ctx, bar: HTMLElement, relationLabel: HTMLInputElement, on: ToolbarHandlers): void {
  clear(bar);
  const { state } = ctx;
  bar.hidden = !state.selected;
  if (!state.selected) return;
  const item = results(ctx).find((r) => r.id === state.selected?.id);
  if (!item) { state.selected = null; bar.hidden = true; return; }
  const editable = ctx.model.get("editable");
  if (item.kind === "span") {
    const conf = confidenceOf(item);
    bar.append(h("span", { class: "pl-lv-desc" }, `“${item.text}” ${item.label}`,
      item.assertion ? ` · ${item.assertion}` : "", conf !== null ? ` · ${conf.toFixed(2)}` : "",
      item.source ? ` · ${item.source}` : ""));
  } else {
    bar.append(h("span", { class: "pl-lv-desc" }, `${item.kind} ${item.kind === "relation" ? (item.label ?? "") + ` (${item.direction})` : ""}`));
  }
  if (!editable) {
    bar.append(h("span", { class: "pl-muted" }, "read-only: Enter accepts, Delete rejects this region"));
    return;
  }
  if (item.kind === "span") {
    const relabel: HTMLSelectElement = h("select", { "data-testid": "pl-lv-relabel", "aria-label": "label",
      onchange: (): void => void ctx.call("relabel", { id: item.id, label: relabel.value }).then((r) => { if (r) state.selected = null; }) },
    (ctx.model.get("label_defs") ?? []).filter((d) => !d.assertion || d.value === item.label)
      .map((d) => option(d.value, d.value, d.value === item.label)));
    bar.append(relabel);
    const assertions = ctx.model.get("assertion_values") ?? [];
    if (assertions.length) {
      const assertion: HTMLSelectElement = h("select", { "data-testid": "pl-lv-assertion-select", title: "assertion status", "aria-label": "assertion status",
        onchange: (): void => { void ctx.call("set_assertion", { id: item.id, assertion: assertion.value || null }); } },
      option("", "no assertion", !item.assertion), assertions.map((v) => option(v, v, v === item.assertion)));
      bar.append(assertion);
    }
    for (const def of (ctx.model.get("choice_defs") ?? []).filter((d) => d.per_region)) {
      bar.append(h("span", { class: "pl-lv-choices", "data-testid": "pl-lv-choices", "data-choices": def.name, role: "group", "aria-label": def.name },
        h("span", { class: "pl-lv-field-label" }, def.name), choiceButtons(ctx, def, item.id)));
    }
    bar.append(h("button", { "data-testid": "pl-lv-relate",
      onclick: () => { state.relating = item.id; state.pendingRelation = null; ctx.redraw("toolbar"); } }, "Relate to…"));
    if (!(ctx.model.get("relation_defs") ?? []).length) bar.append(relationLabel);
  }
  bar.append(h("button", { "data-testid": "pl-lv-remove", "aria-keyshortcuts": ariaKeys("reject-region"),
    onclick: () => { void ctx.call("remove", { id: item.id }); state.selected = null; } }, "Remove"));
  const pending = state.pendingRelation;
  if (pending) {
    const pick = h("select", { "data-testid": "pl-lv-relation-pick", "aria-label": "relation" },
      pending.options.map((o, i) => option(i, `${o.value}${o.direction === "bi" ? " (both ways)" : ""}`, i === 0)));
    bar.append(h("span", {}, `relation ${pending.from_label} → ${pending.to_label}:`), pick,
      h("button", { "data-testid": "pl-lv-relation-create", class: "pl-primary",
        onclick: () => { const o = pending.options[Number(pick.value)]; state.pendingRelation = null; on.createRelation(o); } }, "Create relation"),
      h("button", { "data-testid": "pl-lv-relation-cancel",
        onclick: () => { state.pendingRelation = null; ctx.redraw("toolbar"); } }, "Cancel"));
  }
  if (state.relating) bar.append(h("span", { class: "pl-muted" }, "click the target span… (Escape cancels)"));
}

/** Relate two spans: free text without <Relations>, else the config's allowed values. */
export async function relateSpans(ctx: Ctx, from: string, to: string, freeLabel: string): Promise<void> {
  if (!(ctx.model.get("relation_defs") ?? []).length) {
    await ctx.call("add_relation", { from_id: from, to_id: to, label: freeLabel || null });
    return;
  }
  const reply = await ctx.call("relation_options", { from_id: from, to_id: to });
  if (!reply) return;
  const { options, from_label, to_label } = reply.result as unknown as PendingRelation;
  if (!options.length) ctx.error(`no relation of the config links ${from_label} and ${to_label}`);
  else if (options.length === 1) await createRelation(ctx, options[0]);
  else {
    ctx.state.pendingRelation = { options, from_label, to_label };
    ctx.redraw("toolbar");
  }
}

export async function createRelation(ctx: Ctx, o: PendingRelation["options"][number]): Promise<void> {
  await ctx.call("add_relation", { from_id: o.from_id, to_id: o.to_id, label: o.value, direction: o.direction });
  ctx.redraw("toolbar");
}

