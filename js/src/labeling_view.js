// LabelingView: a task's predictions (read-only, by version, diffed against an older one) and
// its completions (editable). The kernel owns the results; every edit is a request.
// Task text is rendered with text nodes only (never parsed as HTML).
//
// Test ids (data-testid):
//   pl-lv                         root; attribute data-task-id, data-shown="prediction:<id>"|"completion:<id>"
//   pl-lv-title                   task title
//   pl-lv-task-error              the task's recorded error (bad PDF, hostile regex...), if any
//   pl-lv-prediction-select       <select> of prediction versions (value = prediction id)
//   pl-lv-prev-version, pl-lv-next-version
//   pl-lv-compare-select          <select>: "" (no comparison) or an older prediction id
//   pl-lv-completion-select       <select> of completions (value = completion id)
//   pl-lv-create-completion       "Create completion from this prediction" (empty one when none shown)
//   pl-lv-save, pl-lv-discard     store / drop the completion's edits; pl-lv-dirty shown while unsaved
//   pl-lv-readonly                notice shown while a prediction is shown
//   pl-lv-label                   label palette buttons, attribute data-label, class pl-active
//   pl-lv-choice                  classification badges of choices the config does not define
//   pl-lv-choices                 one row per task-level <Choices> control, attribute data-choices=<name>
//   pl-lv-choice-option           a toggle button per choice value (data-choices, data-value,
//                                 aria-pressed "true"/"false"); per-span (perRegion) controls show
//                                 theirs in the span toolbar; disabled while a prediction is shown
//   pl-lv-text                    the text container
//   pl-lv-seg                     text segments, attributes data-start / data-end (code points);
//                                 highlighted ones have class pl-mark and data-span-ids
//   pl-lv-span-tag                the label tag after a span (data-span-id); pl-lv-assertion badge inside
//   pl-lv-arc                     relation arcs (SVG path), attribute data-relation-id
//   pl-lv-span-toolbar            shown for the selected span/relation: pl-lv-relabel (<select>),
//                                 pl-lv-assertion-select (<select>: "" = no assertion, or an
//                                 assertion label of the config), pl-lv-remove, pl-lv-relate (then
//                                 click the target span), pl-lv-relation-label (free-text label
//                                 for new relations; only when the config has no <Relations>)
//   pl-lv-relation-pick           <select> of the config's relation values whose allowed pairs admit
//                                 the two spans (shown when several do); pl-lv-relation-create,
//                                 pl-lv-relation-cancel
//   pl-lv-help                    <details> with the keyboard shortcuts
//   pl-lv-diff                    diff panel; items pl-lv-diff-added, pl-lv-diff-removed, pl-lv-diff-relabelled
//   pl-lv-pages                   page view; pl-lv-page-image (<img>), pl-lv-token (SVG rect,
//                                 data-token-index, class pl-token-selected), pl-lv-chunk (SVG rect,
//                                 data-span-id), pl-lv-page-prev, pl-lv-page-next, pl-lv-page-info,
//                                 pl-lv-zoom-in, pl-lv-zoom-out, pl-lv-zoom-info,
//                                 pl-lv-label-tokens (label the selected tokens)
//   pl-message                    status line
import { h, s, clear, setText, createRpc, messageLine, attempt, contrastColor } from "./common/index.js";

const BASE_WIDTH = 800; // px of a page at zoom 1

function render({ model, el }) {
  const rpc = createRpc(model);
  const uid = Math.random().toString(36).slice(2); // ids unique per view (radio groups, SVG markers)
  let activeLabel = null;
  let selected = null; // {kind: "span"|"relation", id}
  let relating = null; // span id a new relation starts from
  let selectedTokens = new Set();
  const pageCache = new Map(); // page -> {url, meta}
  const save = (k, v) => { model.set(k, v); model.save_changes(); };
  const say = (text) => { model.set("message_level", "info"); model.set("message", text); model.save_changes(); };

  const root = h("div", { class: "pl-root pl-lv", "data-testid": "pl-lv", tabindex: 0 });
  const title = h("div", { class: "pl-lv-title", "data-testid": "pl-lv-title" });
  const taskError = h("div", { class: "pl-message pl-message-error", "data-testid": "pl-lv-task-error" });
  const predSelect = h("select", { "data-testid": "pl-lv-prediction-select",
    onchange: () => predSelect.value && attempt(rpc, model, "show_prediction", { prediction_id: Number(predSelect.value) }) });
  const prevVersion = h("button", { "data-testid": "pl-lv-prev-version", onclick: () => stepVersion(-1) }, "‹ older");
  const nextVersion = h("button", { "data-testid": "pl-lv-next-version", onclick: () => stepVersion(1) }, "newer ›");
  const compareSelect = h("select", { "data-testid": "pl-lv-compare-select",
    onchange: () => attempt(rpc, model, "compare", { prediction_id: compareSelect.value ? Number(compareSelect.value) : null }) });
  const complSelect = h("select", { "data-testid": "pl-lv-completion-select",
    onchange: () => complSelect.value && attempt(rpc, model, "show_completion", { completion_id: Number(complSelect.value) }) });
  const create = h("button", { "data-testid": "pl-lv-create-completion",
    onclick: () => attempt(rpc, model, "create_completion", {}) }, "Create completion from this prediction");
  const saveBtn = h("button", { "data-testid": "pl-lv-save", class: "pl-primary",
    onclick: () => attempt(rpc, model, "save", {}) }, "Save");
  const discard = h("button", { "data-testid": "pl-lv-discard", onclick: () => attempt(rpc, model, "discard") }, "Discard edits");
  const dirty = h("span", { "data-testid": "pl-lv-dirty", class: "pl-badge" }, "unsaved");
  const readonly = h("span", { "data-testid": "pl-lv-readonly", class: "pl-muted" },
    "Prediction (read-only): create a completion to edit.");
  const palette = h("div", { class: "pl-row pl-lv-palette" });
  const choices = h("div", { class: "pl-row" });
  const toolbar = h("div", { class: "pl-row pl-lv-toolbar", "data-testid": "pl-lv-span-toolbar" });
  const relationList = h("datalist", { id: `pl-relations-${uid}` });
  const relationLabel = h("input", { type: "text", placeholder: "relation label", size: 12,
    "data-testid": "pl-lv-relation-label", list: relationList.id });
  const drawRelationValues = () => {
    clear(relationList).append(...model.get("relation_values").map((v) => h("option", { value: v })));
  };
  const help = h("details", { class: "pl-lv-help", "data-testid": "pl-lv-help" });
  let pendingRelation = null; // {options, from_label, to_label} while the user picks a relation value
  const diffPanel = h("div", { class: "pl-lv-diff", "data-testid": "pl-lv-diff" });
  const body = h("div", { class: "pl-lv-body" });

  root.append(relationList, title, taskError,
    h("div", { class: "pl-row" }, "Prediction:", prevVersion, predSelect, nextVersion,
      "compare with:", compareSelect),
    h("div", { class: "pl-row" }, "Completion:", complSelect, create, saveBtn, discard, dirty, readonly),
    palette, choices, toolbar, messageLine(model), help, diffPanel, body);
  el.appendChild(root);

  // Keys handled here stop propagating: JupyterLab handles shortcuts in the bubbling phase,
  // so "a", "b", arrows... typed in the view must not insert cells or move the notebook.
  root.addEventListener("keydown", (e) => {
    const tag = e.target.tagName;
    if (tag === "INPUT" || tag === "SELECT" || tag === "TEXTAREA" || e.ctrlKey || e.metaKey || e.altKey) return;
    const handled = onKey(e.key);
    if (handled) { e.preventDefault(); e.stopPropagation(); }
  });

  function onKey(key) {
    const task = model.get("task") || {};
    const def = model.get("label_defs").find((d) => d.hotkey && d.hotkey.toLowerCase() === key.toLowerCase());
    if (def && key.length === 1) {
      if (def.assertion && assertSelected(def.value)) return true;
      activeLabel = def.value; drawPalette();
      if (task.kind === "text") applyLabelToSelection();
      else if (selectedTokens.size && model.get("editable")) labelSelectedTokens();
      return true;
    }
    if ((key === "Delete" || key === "Backspace") && selected) {
      if (model.get("editable")) { attempt(rpc, model, "remove", { id: selected.id }); selected = null; drawToolbar(); }
      else say("predictions are read-only: create a completion to edit");
      return true;
    }
    if (key === "Escape" && (selected || relating || pendingRelation)) {
      selected = null; relating = null; pendingRelation = null; drawToolbar(); drawBody();
      return true;
    }
    if (task.kind !== "text" && task.id !== undefined) {
      const step = { ArrowLeft: -1, ArrowUp: -1, PageUp: -1, ArrowRight: 1, ArrowDown: 1, PageDown: 1 }[key];
      if (step) { goToPage(model.get("page") + step); return true; }
      if (key === "Home") { goToPage(0); return true; }
      if (key === "End") { goToPage((task.pages || []).length - 1); return true; }
    }
    return false;
  }

  function goToPage(index) {
    const n = ((model.get("task") || {}).pages || []).length;
    const target = Math.max(0, Math.min(n - 1, index));
    if (target === model.get("page") || n === 0) return;
    selectedTokens = new Set();
    save("page", target);
  }

  function labelSelectedTokens() {
    if (!activeLabel) { say("choose a label first (palette or hotkey)"); return; }
    attempt(rpc, model, "label_tokens", { tokens: [...selectedTokens], label: activeLabel })
      .then((r) => { if (r) { selectedTokens = new Set(); drawBody(); } });
  }

  function drawHelp() {
    const hotkeys = model.get("label_defs").filter((d) => d.hotkey);
    clear(help).append(h("summary", {}, "Keyboard shortcuts"), h("ul", {},
      hotkeys.length ? h("li", {}, "Label hotkeys: ", hotkeys.map((d) => `${d.hotkey} = ${d.value}`).join(", "),
        " — select text (or tokens on a page) and press the key to label it; the key alone chooses the label.")
        : h("li", {}, "Label hotkeys: none in the config (set them in the Config tab)."),
      h("li", {}, "Assertion labels (dashed): with a span selected, the button or its hotkey sets that span's assertion status; again clears it."),
      h("li", {}, "Delete / Backspace: remove the selected span or relation (with its relations and per-span choices)."),
      h("li", {}, "Escape: drop the selection or the relation being drawn."),
      h("li", {}, "Documents: ← ↑ PageUp previous page, → ↓ PageDown next page, Home / End first / last page."),
      h("li", {}, "Click the view first so it has the keyboard; keys typed in its inputs are not shortcuts.")));
  }

  const colorOf = (label) => (model.get("label_defs").find((d) => d.value === label) || {}).background || "#cccccc";
  const results = () => model.get("results");
  const spans = () => results().filter((r) => r.kind === "span");

  function stepVersion(delta) {
    const preds = model.get("predictions");
    const shown = model.get("shown");
    let i = preds.findIndex((p) => shown.kind === "prediction" && p.id === shown.id);
    if (i < 0) i = delta < 0 ? preds.length : -1;
    const target = preds[i + delta];
    if (target) attempt(rpc, model, "show_prediction", { prediction_id: target.id });
  }

  function option(value, text, chosen) {
    const o = h("option", { value: String(value) }, text);
    if (chosen) o.selected = true;
    return o;
  }

  function drawHeader() {
    const task = model.get("task") || {};
    const shown = model.get("shown") || {};
    root.setAttribute("data-task-id", task.id === undefined ? "" : task.id);
    root.setAttribute("data-shown", shown.kind ? `${shown.kind}:${shown.id}` : "");
    setText(title, task.id === undefined ? "No task open" : `#${task.id} · ${task.type} · ${task.title || ""}`);
    setText(taskError, task.error ? `Task error: ${task.error}` : "");
    taskError.hidden = !task.error;
    const preds = model.get("predictions");
    clear(predSelect).append(option("", preds.length ? "—" : "no predictions", shown.kind !== "prediction"),
      ...preds.map((p) => option(p.id, `v${p.version} · ${p.model_version} · ${(p.created_at || "").slice(0, 19)} · ${p.n_results} results`,
        shown.kind === "prediction" && shown.id === p.id)));
    clear(compareSelect).append(option("", "nothing", model.get("compare_id") === null),
      ...preds.filter((p) => !(shown.kind === "prediction" && p.id === shown.id))
        .map((p) => option(p.id, `v${p.version}`, model.get("compare_id") === p.id)));
    const comps = model.get("completions");
    clear(complSelect).append(option("", comps.length ? "—" : "no completions", shown.kind !== "completion"),
      ...comps.map((c) => option(c.id, `#${c.id} by ${c.created_by}${c.copied_from ? ` (from prediction ${c.copied_from})` : ""}${c.ground_truth ? " ★" : ""}`,
        shown.kind === "completion" && shown.id === c.id)));
    const editable = model.get("editable");
    setText(create, shown.kind === "prediction" ? "Create completion from this prediction" : "New empty completion");
    create.disabled = task.id === undefined;
    saveBtn.disabled = !editable || !model.get("dirty");
    discard.disabled = !editable || !model.get("dirty");
    dirty.hidden = !model.get("dirty");
    readonly.hidden = editable || shown.kind !== "prediction";
  }

  function drawPalette() {
    clear(palette);
    for (const def of model.get("label_defs")) {
      const bg = def.background || "#cccccc";
      palette.appendChild(h("button", { "data-testid": "pl-lv-label", "data-label": def.value,
        class: `pl-lv-label${activeLabel === def.value ? " pl-active" : ""}${def.assertion ? " pl-lv-label-assertion" : ""}`,
        style: /^#[0-9a-f]{3,8}$/i.test(bg) ? `background:${bg};color:${contrastColor(bg)}` : "",
        title: `${def.assertion ? "assertion status: sets it on the selected span" : "label"}${def.hotkey ? ` (hotkey ${def.hotkey})` : ""}`,
        onclick: () => {
          if (def.assertion && assertSelected(def.value)) return;
          activeLabel = activeLabel === def.value ? null : def.value; drawPalette(); applyLabelToSelection();
        } },
        def.value, def.hotkey ? h("sup", {}, def.hotkey) : null));
    }
  }

  // An assertion label (assertion="true") pressed while a span is selected and no text is:
  // set (or, pressed again, clear) that span's assertion status instead of labelling text.
  function assertSelected(value) {
    const sel = window.getSelection();
    if (!selected || selected.kind !== "span" || !model.get("editable") || (sel && !sel.isCollapsed)) return false;
    const item = spans().find((sp) => sp.id === selected.id);
    if (!item) return false;
    attempt(rpc, model, "set_assertion", { id: item.id, assertion: item.assertion === value ? null : value });
    return true;
  }

  function chosen(name, spanId) {
    return new Set(results().filter((r) => r.kind === "choice" && r.from_name === name && (r.span_id || null) === (spanId || null))
      .flatMap((r) => r.labels));
  }

  function choiceButtons(def, spanId) {
    const now = chosen(def.name, spanId);
    const editable = model.get("editable");
    return def.choices.map((value) => h("button", { "data-testid": "pl-lv-choice-option",
      "data-choices": def.name, "data-value": value, "aria-pressed": now.has(value) ? "true" : "false",
      class: `pl-lv-choice-option${now.has(value) ? " pl-active" : ""}`, disabled: !editable,
      title: def.choice === "multiple" ? "toggle" : "choose (click again to clear)",
      onclick: () => attempt(rpc, model, "toggle_choice", { from_name: def.name, value, span_id: spanId || null }) },
      value));
  }

  function drawChoices() {
    clear(choices);
    const defs = model.get("choice_defs");
    const known = new Set(defs.map((d) => d.name));
    for (const def of defs.filter((d) => !d.per_region)) {
      choices.appendChild(h("span", { class: "pl-row pl-lv-choices", "data-testid": "pl-lv-choices", "data-choices": def.name },
        h("b", {}, `${def.name}:`), choiceButtons(def, null)));
    }
    for (const c of results().filter((r) => r.kind === "choice" && !r.span_id && !known.has(r.from_name))) {
      choices.appendChild(h("span", { class: "pl-badge pl-lv-choice", "data-testid": "pl-lv-choice" },
        `${c.from_name ? c.from_name + ": " : ""}${c.labels.join(", ")}`));
    }
  }

  function drawToolbar() {
    clear(toolbar);
    toolbar.hidden = !selected;
    if (!selected) return;
    const item = results().find((r) => r.id === selected.id);
    if (!item) { selected = null; toolbar.hidden = true; return; }
    const editable = model.get("editable");
    const desc = item.kind === "span" ? `“${item.text}” ${item.label}${item.assertion ? " · " + item.assertion : ""}${item.confidence != null ? ` · ${Number(item.confidence).toFixed(2)}` : ""}${item.source ? ` · ${item.source}` : ""}`
      : `relation ${item.label || ""} (${item.direction})`;
    toolbar.append(h("span", {}, desc));
    if (!editable) return;
    if (item.kind === "span") {
      const relabel = h("select", { "data-testid": "pl-lv-relabel",
        onchange: () => attempt(rpc, model, "relabel", { id: item.id, label: relabel.value }).then((r) => { if (r) selected = null; }) },
        model.get("label_defs").filter((d) => !d.assertion || d.value === item.label).map((d) => option(d.value, d.value, d.value === item.label)));
      toolbar.append(relabel);
      const assertions = model.get("assertion_values");
      if (assertions.length) {
        const assertion = h("select", { "data-testid": "pl-lv-assertion-select", title: "assertion status",
          onchange: () => attempt(rpc, model, "set_assertion", { id: item.id, assertion: assertion.value || null }) },
          option("", "no assertion", !item.assertion),
          assertions.map((v) => option(v, v, v === item.assertion)));
        toolbar.append("assertion:", assertion);
      }
      for (const def of model.get("choice_defs").filter((d) => d.per_region)) {
        toolbar.append(h("span", { class: "pl-lv-choices", "data-testid": "pl-lv-choices", "data-choices": def.name },
          `${def.name}:`, choiceButtons(def, item.id)));
      }
      toolbar.append(h("button", { "data-testid": "pl-lv-relate",
        onclick: () => { relating = item.id; pendingRelation = null; drawToolbar(); } }, "Relate to…"));
      if (!model.get("relation_defs").length) toolbar.append(relationLabel);
    }
    toolbar.append(h("button", { "data-testid": "pl-lv-remove",
      onclick: () => { attempt(rpc, model, "remove", { id: item.id }); selected = null; } }, "Remove"));
    if (pendingRelation) {
      const pick = h("select", { "data-testid": "pl-lv-relation-pick" },
        pendingRelation.options.map((o, i) => option(i, `${o.value}${o.direction === "bi" ? " (both ways)" : ""}`, i === 0)));
      toolbar.append(h("span", {}, `relation ${pendingRelation.from_label} → ${pendingRelation.to_label}:`), pick,
        h("button", { "data-testid": "pl-lv-relation-create", class: "pl-primary",
          onclick: () => { const o = pendingRelation.options[Number(pick.value)]; pendingRelation = null; createRelation(o); } }, "Create relation"),
        h("button", { "data-testid": "pl-lv-relation-cancel",
          onclick: () => { pendingRelation = null; drawToolbar(); } }, "Cancel"));
    }
    toolbar.append(h("span", { class: "pl-muted" }, relating ? "click the target span… (Escape cancels)" : ""));
  }

  function createRelation(o) {
    attempt(rpc, model, "add_relation", { from_id: o.from_id, to_id: o.to_id, label: o.value, direction: o.direction })
      .then(() => drawToolbar());
  }

  async function relateTo(from, to) {
    if (!model.get("relation_defs").length) { // no <Relations> in the config: free text
      attempt(rpc, model, "add_relation", { from_id: from, to_id: to, label: relationLabel.value || null });
      return;
    }
    const reply = await attempt(rpc, model, "relation_options", { from_id: from, to_id: to });
    if (!reply) return;
    const { options, from_label, to_label } = reply.result;
    if (!options.length) {
      model.set("message_level", "error");
      model.set("message", `no relation of the config links ${from_label} and ${to_label}`);
      model.save_changes();
    } else if (options.length === 1) {
      createRelation(options[0]);
    } else {
      pendingRelation = { options, from_label, to_label };
      drawToolbar();
    }
  }

  function clickSpan(spanId) {
    if (relating && relating !== spanId && model.get("editable")) {
      const from = relating;
      relating = null;
      drawToolbar();
      relateTo(from, spanId);
      return;
    }
    relating = null;
    pendingRelation = null;
    selected = { kind: "span", id: spanId };
    drawToolbar();
    drawBody();
  }

  function drawDiff() {
    clear(diffPanel);
    const diff = model.get("diff") || {};
    diffPanel.hidden = !diff.summary;
    if (!diff.summary) return;
    const sm = diff.summary;
    diffPanel.append(h("div", {}, h("b", {}, `Compared with v${diff.base ? diff.base.version : "?"}: `),
      `+${sm.added} added, −${sm.removed} removed, ~${sm.relabelled} relabelled, ${sm.unchanged} unchanged, `,
      `${sm.changed_choices} choice change(s), +${sm.added_relations}/−${sm.removed_relations} relation(s)`));
    const item = (testid, cls, text) => h("li", { "data-testid": testid, class: cls }, text);
    diffPanel.append(h("ul", {},
      (diff.added || []).map((x) => item("pl-lv-diff-added", "pl-diff-added", `+ “${x.text}” ${x.label}`)),
      (diff.removed || []).map((x) => item("pl-lv-diff-removed", "pl-diff-removed", `− “${x.text}” ${x.label}`)),
      (diff.relabelled || []).map((x) => item("pl-lv-diff-relabelled", "pl-diff-relabelled",
        `~ “${x.after.text}” ${x.before.label}${x.before.assertion ? "/" + x.before.assertion : ""} → ${x.after.label}${x.after.assertion ? "/" + x.after.assertion : ""}`))));
  }

  // ---- text tasks --------------------------------------------------------------------------
  function drawText(container) {
    const text = (model.get("task") || {}).text || "";
    const chars = Array.from(text); // offsets are code points, like Python's
    const list = spans().filter((sp) => sp.start < sp.end && sp.end <= chars.length);
    const diff = model.get("diff") || {};
    const added = new Set((diff.added || []).map((x) => `${x.start}:${x.end}:${x.label}`));
    const cuts = new Set([0, chars.length]);
    for (const sp of list) { cuts.add(sp.start); cuts.add(sp.end); }
    const points = [...cuts].sort((a, b) => a - b);
    const lastSeg = new Map();
    const firstSeg = new Map();
    // room above the first line only when arcs are drawn there
    const arcs = results().some((r) => r.kind === "relation");
    const box = h("div", { class: `pl-lv-text${arcs ? " pl-lv-has-arcs" : ""}`, "data-testid": "pl-lv-text" });
    for (let k = 0; k + 1 < points.length; k++) {
      const a = points[k], b = points[k + 1];
      const covering = list.filter((sp) => sp.start <= a && sp.end >= b);
      const seg = h("span", { class: "pl-seg", "data-testid": "pl-lv-seg", "data-start": a, "data-end": b },
        chars.slice(a, b).join(""));
      if (covering.length) {
        covering.sort((x, y) => (x.end - x.start) - (y.end - y.start));
        const top = covering[0];
        const bg = colorOf(top.label);
        seg.classList.add("pl-mark");
        if (covering.length > 1) seg.classList.add("pl-overlap");
        if (covering.some((sp) => added.has(`${sp.start}:${sp.end}:${sp.label}`))) seg.classList.add("pl-diff-added");
        if (selected && covering.some((sp) => sp.id === selected.id)) seg.classList.add("pl-selected-span");
        seg.setAttribute("data-span-ids", covering.map((sp) => sp.id).join(" "));
        if (/^#[0-9a-f]{3,8}$/i.test(bg)) seg.setAttribute("style", `background:${bg};color:${contrastColor(bg)}`);
        seg.addEventListener("click", (e) => { if (window.getSelection().isCollapsed) { e.stopPropagation(); clickSpan(top.id); } });
        for (const sp of covering) { lastSeg.set(sp.id, seg); if (!firstSeg.has(sp.id)) firstSeg.set(sp.id, seg); }
      }
      box.appendChild(seg);
      for (const sp of list.filter((x) => x.end === b)) {
        const perRegion = results().filter((r) => r.kind === "choice" && r.span_id === sp.id);
        box.appendChild(h("span", { class: "pl-tag", "data-testid": "pl-lv-span-tag", "data-span-id": sp.id,
          onclick: (e) => { e.stopPropagation(); clickSpan(sp.id); } },
          sp.label,
          sp.assertion ? h("span", { class: "pl-assertion", "data-testid": "pl-lv-assertion" }, sp.assertion) : null,
          perRegion.map((c) => h("span", { class: "pl-assertion", "data-testid": "pl-lv-choice" }, c.labels.join(",")))));
      }
    }
    const svg = s("svg", { class: "pl-lv-arcs" });
    const wrap = h("div", { class: "pl-lv-textwrap" }, box, svg);
    container.appendChild(wrap);
    box.addEventListener("mouseup", () => applyLabelToSelection());
    requestAnimationFrame(() => drawArcs(wrap, svg, firstSeg));
  }

  function drawArcs(wrap, svg, firstSeg) {
    clear(svg);
    const base = wrap.getBoundingClientRect();
    svg.setAttribute("width", base.width);
    svg.setAttribute("height", base.height);
    const marker = s("marker", { id: `pl-arrow-${uid}`, viewBox: "0 0 10 10", refX: 9, refY: 5,
      markerWidth: 6, markerHeight: 6, orient: "auto-start-reverse" }, s("path", { d: "M0,0 L10,5 L0,10 z" }));
    svg.appendChild(s("defs", {}, marker));
    for (const rel of results().filter((r) => r.kind === "relation")) {
      const a = firstSeg.get(rel.from_id), b = firstSeg.get(rel.to_id);
      if (!a || !b) continue;
      const ra = a.getBoundingClientRect(), rb = b.getBoundingClientRect();
      const x1 = ra.left - base.left + ra.width / 2, y1 = ra.top - base.top;
      const x2 = rb.left - base.left + rb.width / 2, y2 = rb.top - base.top;
      const lift = 14 + Math.min(40, Math.abs(x2 - x1) / 6);
      const top = Math.min(y1, y2) - lift;
      const mid = `url(#pl-arrow-${uid})`;
      const path = s("path", { d: `M${x1},${y1} C${x1},${top} ${x2},${top} ${x2},${y2}`,
        class: `pl-arc${selected && selected.id === rel.id ? " pl-selected-arc" : ""}`,
        "data-testid": "pl-lv-arc", "data-relation-id": rel.id,
        "marker-end": rel.direction !== "left" ? mid : null,
        "marker-start": rel.direction !== "right" ? mid : null });
      path.addEventListener("click", () => { selected = { kind: "relation", id: rel.id }; drawToolbar(); drawBody(); });
      svg.appendChild(path);
      if (rel.label) svg.appendChild(s("text", { x: (x1 + x2) / 2, y: top + 8, class: "pl-arc-label" }, rel.label));
    }
  }

  function codePointOffset(node, offset) {
    const el = node.nodeType === Node.TEXT_NODE ? node.parentElement : node;
    const seg = el && el.closest ? el.closest(".pl-seg") : null;
    if (!seg) return null;
    const start = Number(seg.dataset.start);
    if (node.nodeType !== Node.TEXT_NODE) return offset === 0 ? start : Number(seg.dataset.end);
    return start + Array.from(node.data.slice(0, offset)).length;
  }

  function applyLabelToSelection() {
    const sel = window.getSelection();
    if (!sel || sel.isCollapsed || !sel.rangeCount || !model.get("editable")) return;
    const range = sel.getRangeAt(0);
    if (!body.contains(range.commonAncestorContainer)) return;
    if (!activeLabel) { say("choose a label first (palette or hotkey)"); return; }
    const a = codePointOffset(range.startContainer, range.startOffset);
    const b = codePointOffset(range.endContainer, range.endOffset);
    if (a === null || b === null || a === b) return;
    sel.removeAllRanges();
    attempt(rpc, model, "add_span", { start: Math.min(a, b), end: Math.max(a, b), label: activeLabel });
  }

  // ---- document tasks ------------------------------------------------------------------------
  async function pageData(index) {
    if (pageCache.has(index)) return pageCache.get(index);
    const reply = await attempt(rpc, model, "page_image", { page: index });
    if (!reply) return null;
    const blob = new Blob([reply.buffers[0]], { type: reply.result.mime });
    const entry = { url: URL.createObjectURL(blob), meta: reply.result };
    pageCache.set(index, entry);
    return entry;
  }

  async function drawPages(container) {
    const task = model.get("task");
    const pages = task.pages || [];
    const index = Math.min(model.get("page"), Math.max(0, pages.length - 1));
    const zoom = model.get("zoom");
    const info = h("span", { "data-testid": "pl-lv-page-info" }, `page ${index + 1} of ${pages.length}`);
    const nav = h("div", { class: "pl-row" },
      h("button", { "data-testid": "pl-lv-page-prev", disabled: index <= 0,
        onclick: () => goToPage(index - 1) }, "‹ page"),
      info,
      h("button", { "data-testid": "pl-lv-page-next", disabled: index >= pages.length - 1,
        onclick: () => goToPage(index + 1) }, "page ›"),
      h("button", { "data-testid": "pl-lv-zoom-out", onclick: () => save("zoom", Math.max(0.25, zoom / 1.25)) }, "−"),
      h("span", { "data-testid": "pl-lv-zoom-info" }, `${Math.round(zoom * 100)}%`),
      h("button", { "data-testid": "pl-lv-zoom-in", onclick: () => save("zoom", Math.min(4, zoom * 1.25)) }, "+"),
      h("button", { "data-testid": "pl-lv-label-tokens", disabled: !model.get("editable"),
        onclick: labelSelectedTokens }, "Label selected tokens"));
    const stage = h("div", { class: "pl-lv-stage" });
    container.append(nav, stage);
    if (!pages.length) return;
    const entry = await pageData(index);
    if (!entry || !container.isConnected) return;
    const { meta } = entry;
    const width = BASE_WIDTH * zoom;
    const height = width * meta.height / meta.width;
    const img = h("img", { src: entry.url, "data-testid": "pl-lv-page-image", alt: `page ${index + 1}`,
      width: Math.round(width), height: Math.round(height) });
    const svg = s("svg", { class: "pl-lv-overlay", viewBox: `0 0 ${meta.width} ${meta.height}`,
      width: Math.round(width), height: Math.round(height), preserveAspectRatio: "none" });
    for (const t of meta.tokens) {
      const rect = s("rect", { x: t.x, y: t.y, width: t.w, height: t.h, "data-testid": "pl-lv-token",
        "data-token-index": t.i, class: `pl-token${selectedTokens.has(t.i) ? " pl-token-selected" : ""}` },
        s("title", {}, t.text));
      rect.addEventListener("click", () => {
        if (selectedTokens.has(t.i)) selectedTokens.delete(t.i); else selectedTokens.add(t.i);
        rect.classList.toggle("pl-token-selected", selectedTokens.has(t.i));
      });
      svg.appendChild(rect);
    }
    for (const sp of spans()) {
      for (const b of (sp.boxes || []).filter((x) => x.page === index)) {
        const color = colorOf(sp.label);
        const safe = /^#[0-9a-f]{3,8}$/i.test(color) ? color : "#888888";
        const rect = s("rect", { x: b.x, y: b.y, width: b.width, height: b.height, "data-testid": "pl-lv-chunk",
          "data-span-id": sp.id, class: `pl-chunk${selected && selected.id === sp.id ? " pl-selected-chunk" : ""}`,
          style: `stroke:${safe};fill:${safe}` }, s("title", {}, `${sp.label}: ${sp.text}`));
        rect.addEventListener("click", () => clickSpan(sp.id));
        svg.append(rect, s("text", { x: b.x, y: Math.max(10, b.y - 3), class: "pl-chunk-label", style: `fill:${safe}` }, sp.label));
      }
    }
    stage.append(img, svg);
  }

  function drawBody() {
    clear(body);
    const task = model.get("task") || {};
    if (task.id === undefined) return;
    if (task.kind === "text") drawText(body);
    else drawPages(body);
  }

  model.on("change:relation_values", drawRelationValues);
  const drawAll = () => { drawRelationValues(); drawHeader(); drawPalette(); drawHelp(); drawChoices(); drawToolbar(); drawDiff(); drawBody(); };
  model.on("change:task", () => {
    for (const entry of pageCache.values()) URL.revokeObjectURL(entry.url);
    pageCache.clear(); selected = null; relating = null; pendingRelation = null; selectedTokens = new Set();
    drawAll();
  });
  model.on("change:results", () => { drawChoices(); drawToolbar(); drawBody(); });
  for (const key of ["predictions", "completions", "shown", "editable", "dirty", "compare_id"]) model.on(`change:${key}`, drawHeader);
  model.on("change:editable", () => { drawChoices(); drawToolbar(); drawBody(); });
  model.on("change:label_defs", () => { drawPalette(); drawHelp(); drawBody(); });
  model.on("change:choice_defs", () => { drawChoices(); drawToolbar(); });
  model.on("change:assertion_values", drawToolbar);
  model.on("change:relation_defs", drawToolbar);
  model.on("change:diff", () => { drawDiff(); drawBody(); });
  model.on("change:page", drawBody);
  model.on("change:zoom", drawBody);
  let observer = null;
  if (typeof ResizeObserver !== "undefined") {
    let last = 0;
    observer = new ResizeObserver(() => {
      const w = body.clientWidth;
      if (w !== last && (model.get("task") || {}).kind === "text") { last = w; drawBody(); }
    });
    observer.observe(body);
  }
  drawAll();
  return () => {
    rpc.dispose();
    if (observer) observer.disconnect();
    for (const entry of pageCache.values()) URL.revokeObjectURL(entry.url);
  };
}

export default { render };
