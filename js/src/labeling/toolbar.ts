// The top of the labeling view: the task header with task navigation and help; the
// predictions / completion tabs with their controls; the label palette; the confidence filter.
//
// Test ids: pl-lv-title, pl-lv-task-error, pl-lv-prev-task, pl-lv-next-task, pl-lv-next-review,
// pl-lv-help-button; pl-lv-tabs, pl-lv-tab-predictions, pl-lv-tab-completion (role=tab,
// aria-selected); pl-lv-prediction-select, pl-lv-prev-version, pl-lv-next-version,
// pl-lv-compare-select, pl-lv-create-completion (accepts the shown prediction, or makes an
// empty completion), pl-lv-readonly; pl-lv-completion-select, pl-lv-save, pl-lv-discard,
// pl-lv-dirty; pl-lv-palette, pl-lv-label (data-label, class pl-active, aria-pressed);
// pl-lv-threshold (range), pl-lv-threshold-value, pl-lv-hide-low (checkbox).

import { clear, h, setText, shortTime } from "../common/index.js";
import { labelChipStyle } from "./colors.js";
import { labelDefs, numberedLabels, type Ctx } from "./context.js";
import { ariaKeys } from "./keyboard.js";

export interface ToolbarActions {
  commit(): void;
  emptyCompletion(): void;
  step(kind: "next-task" | "prev-task" | "next-review"): void;
  toggleHelp(): void;
  pickLabel(value: string): void;
  filterChanged(): void;
}

const option = (value: string | number, text: string, chosen: boolean): HTMLOptionElement => {
  const o = h("option", { value: String(value) }, text);
  if (chosen) o.selected = true;
  return o;
};

export interface Toolbar {
  header: HTMLElement;
  tabs: HTMLElement;
  palette: HTMLElement;
  filter: HTMLElement;
  helpButton: HTMLButtonElement;
  drawHeader(): void;
  drawPalette(): void;
  drawFilter(): void;
}

export function toolbar(ctx: Ctx, act: ToolbarActions): Toolbar {
  const { model } = ctx;
  const title = h("h3", { class: "pl-lv-title", "data-testid": "pl-lv-title" });
  const kind = h("span", { class: "pl-badge pl-lv-kind" });
  const taskError = h("div", { class: "pl-message pl-message-error", "data-testid": "pl-lv-task-error", role: "alert" });
  const navButton = (testid: string, action: "next-task" | "prev-task" | "next-review", text: string, tip: string) =>
    h("button", { "data-testid": testid, class: "pl-lv-nav", "aria-keyshortcuts": ariaKeys(action), title: tip,
      onclick: () => act.step(action) }, text);
  const helpButton = h("button", { class: "pl-lv-help-button", "data-testid": "pl-lv-help-button",
    "aria-label": "Keyboard shortcuts", "aria-haspopup": "dialog", "aria-expanded": "false",
    "aria-keyshortcuts": ariaKeys("help"), title: "Keyboard shortcuts (?)", onclick: () => act.toggleHelp() }, "?");
  const header = h("div", { class: "pl-lv-header" },
    h("div", { class: "pl-lv-heading" }, kind, title),
    h("div", { class: "pl-lv-navs", role: "group", "aria-label": "Tasks" },
      navButton("pl-lv-prev-task", "prev-task", "‹ Previous", "Previous task ([)"),
      navButton("pl-lv-next-task", "next-task", "Next ›", "Next task (])"),
      navButton("pl-lv-next-review", "next-review", "Next to review", "Next task without a completion (Shift+N)"),
      helpButton),
    taskError);

  // ---- tabs ---------------------------------------------------------------------------------
  const tabPred = h("button", { role: "tab", class: "pl-lv-tab", "data-testid": "pl-lv-tab-predictions",
    id: `pl-lv-tab-p-${ctx.uid}`, "aria-controls": `pl-lv-tabpanel-${ctx.uid}`,
    onclick: () => { const p = model.get("predictions"); if (p.length) void ctx.call("show_prediction", { prediction_id: p[p.length - 1].id }); } });
  const tabComp = h("button", { role: "tab", class: "pl-lv-tab", "data-testid": "pl-lv-tab-completion",
    id: `pl-lv-tab-c-${ctx.uid}`, "aria-controls": `pl-lv-tabpanel-${ctx.uid}`,
    onclick: () => { const c = model.get("completions"); if (c.length) void ctx.call("show_completion", { completion_id: c[c.length - 1].id }); } });
  const tabKeys = (e: KeyboardEvent) => { // arrow keys move between the two tabs (ARIA tabs pattern)
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    e.preventDefault(); e.stopPropagation();
    const other = e.currentTarget === tabPred ? tabComp : tabPred;
    other.focus(); other.click();
  };
  tabPred.addEventListener("keydown", tabKeys);
  tabComp.addEventListener("keydown", tabKeys);

  const predSelect: HTMLSelectElement = h("select", { "data-testid": "pl-lv-prediction-select", "aria-label": "prediction version",
    onchange: (): void => { if (predSelect.value) void ctx.call("show_prediction", { prediction_id: Number(predSelect.value) }); } });
  const stepVersion = (delta: number) => {
    const preds = model.get("predictions"), shown = model.get("shown");
    let i = preds.findIndex((p) => shown.kind === "prediction" && p.id === shown.id);
    if (i < 0) i = delta < 0 ? preds.length : -1;
    const target = preds[i + delta];
    if (target) void ctx.call("show_prediction", { prediction_id: target.id });
  };
  const prevVersion = h("button", { "data-testid": "pl-lv-prev-version", "aria-label": "older version", title: "Older version", onclick: () => stepVersion(-1) }, "‹");
  const nextVersion = h("button", { "data-testid": "pl-lv-next-version", "aria-label": "newer version", title: "Newer version", onclick: () => stepVersion(1) }, "›");
  const compareSelect: HTMLSelectElement = h("select", { "data-testid": "pl-lv-compare-select", "aria-label": "compare with",
    onchange: (): void => { void ctx.call("compare", { prediction_id: compareSelect.value ? Number(compareSelect.value) : null }); } });
  const create = h("button", { "data-testid": "pl-lv-create-completion", class: "pl-primary",
    "aria-keyshortcuts": ariaKeys("commit"), onclick: () => (model.get("shown").kind === "prediction" ? act.commit() : act.emptyCompletion()) });
  const readonly = h("span", { "data-testid": "pl-lv-readonly", class: "pl-muted pl-lv-readonly" },
    "Read-only prediction: review its regions, then accept it (Ctrl+Enter) to edit.");
  const complSelect: HTMLSelectElement = h("select", { "data-testid": "pl-lv-completion-select", "aria-label": "completion",
    onchange: (): void => { if (complSelect.value) void ctx.call("show_completion", { completion_id: Number(complSelect.value) }); } });
  const saveBtn = h("button", { "data-testid": "pl-lv-save", class: "pl-primary", "aria-keyshortcuts": ariaKeys("commit"),
    title: "Save (Ctrl+Enter)", onclick: () => ctx.call("save", {}) }, "Save");
  const discard = h("button", { "data-testid": "pl-lv-discard", onclick: () => ctx.call("discard", {}) }, "Discard edits");
  const dirty = h("span", { "data-testid": "pl-lv-dirty", class: "pl-badge pl-lv-dirty" }, "unsaved");
  const predControls = h("span", { class: "pl-lv-controls" },
    h("span", { class: "pl-lv-field-label" }, "Version"), prevVersion, predSelect, nextVersion);
  const complControls = h("span", { class: "pl-lv-controls" }, complSelect, saveBtn, discard, dirty);
  const compare = h("label", { class: "pl-lv-controls" }, h("span", { class: "pl-lv-field-label" }, "compare with"), compareSelect);
  const panel = h("div", { class: "pl-lv-tabpanel", role: "tabpanel", id: `pl-lv-tabpanel-${ctx.uid}` },
    predControls, complControls, compare, create, readonly);
  const tabs = h("div", { class: "pl-lv-tabbar" },
    h("div", { class: "pl-lv-tabs", role: "tablist", "aria-label": "Annotations", "data-testid": "pl-lv-tabs" }, tabPred, tabComp),
    panel);

  function drawHeader(): void {
    const task = model.get("task") ?? {};
    const shown = model.get("shown") ?? {};
    const preds = model.get("predictions") ?? [], comps = model.get("completions") ?? [];
    const none = task.id === undefined;
    setText(title, none ? "No task open" : `#${task.id} · ${task.title || "(untitled)"}`);
    title.setAttribute("title", none ? "" : `#${task.id} · ${task.title || ""}`);
    setText(kind, task.type ?? "");
    kind.hidden = none;
    setText(taskError, task.error ? `Task error: ${task.error}` : "");
    taskError.hidden = !task.error;
    for (const b of header.querySelectorAll<HTMLButtonElement>(".pl-lv-nav")) b.disabled = none;
    const onPred = shown.kind === "prediction", onComp = shown.kind === "completion";
    setText(tabPred, `Predictions${preds.length ? ` (${preds.length})` : ""}`);
    setText(tabComp, comps.length ? `Completion${comps.length > 1 ? `s (${comps.length})` : ""}` : "Completion (none yet)");
    tabPred.setAttribute("aria-selected", String(!onComp));
    tabComp.setAttribute("aria-selected", String(onComp));
    tabPred.tabIndex = onComp ? -1 : 0;
    tabComp.tabIndex = onComp ? 0 : -1;
    tabPred.disabled = !preds.length;
    tabComp.disabled = !comps.length;
    tabComp.title = comps.length ? "" : "Accept a prediction (Ctrl+Enter) or start an empty completion";
    panel.setAttribute("aria-labelledby", onComp ? tabComp.id : tabPred.id);
    predControls.hidden = onComp || !preds.length;
    complControls.hidden = !onComp;
    clear(predSelect).append(option("", preds.length ? "—" : "no predictions", !onPred),
      ...preds.map((p) => option(p.id, `v${p.version} · ${p.model_version} · ${shortTime(p.created_at)} · ${p.n_results} results`,
        onPred && shown.id === p.id)));
    const compareId = model.get("compare_id");
    clear(compareSelect).append(option("", "nothing", compareId === null),
      ...preds.filter((p) => !(onPred && p.id === shown.id)).map((p) => option(p.id, `prediction v${p.version}`, compareId === p.id)));
    compare.hidden = preds.length < (onPred ? 2 : 1);
    clear(complSelect).append(...comps.map((c) => option(c.id,
      `#${c.id} by ${c.created_by}${c.copied_from ? ` (from prediction ${c.copied_from})` : ""}${c.ground_truth ? " ★" : ""}`,
      onComp && shown.id === c.id)));
    const editable = model.get("editable"), isDirty = model.get("dirty");
    setText(create, onPred ? "Accept prediction" : "New empty completion");
    create.title = onPred ? "Accept this prediction as a completion, without the regions you rejected (Ctrl+Enter)"
      : "Start an empty completion";
    create.disabled = none;
    create.hidden = onComp;
    saveBtn.disabled = !editable || !isDirty;
    discard.disabled = !editable || !isDirty;
    dirty.hidden = !isDirty;
    readonly.hidden = editable || !onPred;
  }

  // ---- palette ------------------------------------------------------------------------------
  const palette = h("div", { class: "pl-lv-palette", role: "toolbar", "aria-label": "Labels", "data-testid": "pl-lv-palette" });
  function drawPalette(): void {
    clear(palette);
    const numbered = numberedLabels(ctx);
    for (const def of labelDefs(ctx)) {
      const n = numbered.indexOf(def);
      const keys = [n >= 0 && n < 9 ? String(n + 1) : "", def.hotkey ?? ""].filter(Boolean);
      const active = ctx.state.activeLabel === def.value;
      palette.appendChild(h("button", {
        "data-testid": "pl-lv-label", "data-label": def.value,
        class: `pl-lv-label${active ? " pl-active" : ""}${def.assertion ? " pl-lv-label-assertion" : ""}`,
        style: labelChipStyle(def.background), "aria-pressed": active ? "true" : "false",
        "aria-keyshortcuts": keys.join(" ") || undefined,
        title: `${def.assertion ? "assertion status: sets it on the selected span" : "label"}${keys.length ? ` (key ${keys.join(" or ")})` : ""}`,
        onclick: () => act.pickLabel(def.value),
      },
      keys.length ? h("kbd", { class: "pl-lv-key" }, keys[0]) : null, def.value));
    }
    palette.hidden = !labelDefs(ctx).length;
  }

  // ---- confidence filter ---------------------------------------------------------------------
  const slider = h("input", { type: "range", min: 0, max: 1, step: 0.05, value: 0, "data-testid": "pl-lv-threshold",
    "aria-label": "confidence threshold", class: "pl-lv-threshold" });
  const value = h("output", { "data-testid": "pl-lv-threshold-value", class: "pl-lv-threshold-value" });
  const hide = h("input", { type: "checkbox", "data-testid": "pl-lv-hide-low" });
  slider.addEventListener("input", () => { ctx.state.threshold = Number(slider.value); act.filterChanged(); });
  hide.addEventListener("change", () => { ctx.state.hideLow = hide.checked; act.filterChanged(); });
  const filter = h("div", { class: "pl-lv-filter", role: "group", "aria-label": "Confidence filter" },
    h("span", { class: "pl-lv-field-label" }, "Confidence ≥"), slider, value,
    h("label", { class: "pl-lv-check" }, hide, "hide below"));
  function drawFilter(): void {
    slider.value = String(ctx.state.threshold);
    setText(value, ctx.state.threshold.toFixed(2));
    slider.setAttribute("aria-valuetext", ctx.state.threshold.toFixed(2));
    hide.checked = ctx.state.hideLow;
  }

  return { header, tabs, palette, filter, helpButton, drawHeader, drawPalette, drawFilter };
}
