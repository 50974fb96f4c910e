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
//   pl-lv-choice                  classification badges (task level)
//   pl-lv-text                    the text container
//   pl-lv-seg                     text segments, attributes data-start / data-end (code points);
//                                 highlighted ones have class pl-mark and data-span-ids
//   pl-lv-span-tag                the label tag after a span (data-span-id); pl-lv-assertion badge inside
//   pl-lv-arc                     relation arcs (SVG path), attribute data-relation-id
//   pl-lv-span-toolbar            shown for the selected span/relation: pl-lv-relabel (<select>),
//                                 pl-lv-remove, pl-lv-relate (then click the target span),
//                                 pl-lv-relation-label (text input used for new relations)
//   pl-lv-diff                    diff panel; items pl-lv-diff-added, pl-lv-diff-removed, pl-lv-diff-relabelled
//   pl-lv-pages                   page view; pl-lv-page-image (<img>), pl-lv-token (SVG rect,
//                                 data-token-index, class pl-token-selected), pl-lv-chunk (SVG rect,
//                                 data-span-id), pl-lv-page-prev, pl-lv-page-next, pl-lv-page-info,
//                                 pl-lv-zoom-in, pl-lv-zoom-out, pl-lv-zoom-info,
//                                 pl-lv-label-tokens (label the selected tokens)
//   pl-message                    status line
import { h, s, clear, setText, createRpc, messageLine, attempt, contrastColor } from "./common.js";

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
  const diffPanel = h("div", { class: "pl-lv-diff", "data-testid": "pl-lv-diff" });
  const body = h("div", { class: "pl-lv-body" });

  root.append(relationList, title, taskError,
    h("div", { class: "pl-row" }, "Prediction:", prevVersion, predSelect, nextVersion,
      "compare with:", compareSelect),
    h("div", { class: "pl-row" }, "Completion:", complSelect, create, saveBtn, discard, dirty, readonly),
    palette, choices, toolbar, messageLine(model), diffPanel, body);
  el.appendChild(root);

  root.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT" || e.ctrlKey || e.metaKey) return;
    const def = model.get("label_defs").find((d) => d.hotkey && d.hotkey === e.key);
    if (def) { activeLabel = def.value; drawPalette(); applyLabelToSelection(); }
    if ((e.key === "Delete" || e.key === "Backspace") && selected && model.get("editable")) {
      attempt(rpc, model, "remove", { id: selected.id }); selected = null;
    }
  });

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
        class: `pl-lv-label${activeLabel === def.value ? " pl-active" : ""}`,
        style: /^#[0-9a-f]{3,8}$/i.test(bg) ? `background:${bg};color:${contrastColor(bg)}` : "",
        title: def.hotkey ? `hotkey ${def.hotkey}` : "",
        onclick: () => { activeLabel = activeLabel === def.value ? null : def.value; drawPalette(); applyLabelToSelection(); } },
        def.value, def.hotkey ? h("sup", {}, def.hotkey) : null));
    }
  }

  function drawChoices() {
    clear(choices);
    for (const c of results().filter((r) => r.kind === "choice" && !r.span_id)) {
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
        model.get("label_defs").map((d) => option(d.value, d.value, d.value === item.label)));
      toolbar.append(relabel,
        h("button", { "data-testid": "pl-lv-relate", onclick: () => { relating = item.id; drawToolbar(); } }, "Relate to…"),
        relationLabel);
    }
    toolbar.append(h("button", { "data-testid": "pl-lv-remove",
      onclick: () => { attempt(rpc, model, "remove", { id: item.id }); selected = null; } }, "Remove"));
    toolbar.append(h("span", { class: "pl-muted" }, relating ? "click the target span…" : ""));
  }

  function clickSpan(spanId) {
    if (relating && relating !== spanId && model.get("editable")) {
      const from = relating;
      relating = null;
      attempt(rpc, model, "add_relation", { from_id: from, to_id: spanId, label: relationLabel.value || null });
      return;
    }
    relating = null;
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
    const box = h("div", { class: "pl-lv-text", "data-testid": "pl-lv-text" });
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
        onclick: () => { selectedTokens = new Set(); save("page", index - 1); } }, "‹ page"),
      info,
      h("button", { "data-testid": "pl-lv-page-next", disabled: index >= pages.length - 1,
        onclick: () => { selectedTokens = new Set(); save("page", index + 1); } }, "page ›"),
      h("button", { "data-testid": "pl-lv-zoom-out", onclick: () => save("zoom", Math.max(0.25, zoom / 1.25)) }, "−"),
      h("span", { "data-testid": "pl-lv-zoom-info" }, `${Math.round(zoom * 100)}%`),
      h("button", { "data-testid": "pl-lv-zoom-in", onclick: () => save("zoom", Math.min(4, zoom * 1.25)) }, "+"),
      h("button", { "data-testid": "pl-lv-label-tokens", disabled: !model.get("editable"),
        onclick: () => {
          if (!activeLabel) { say("choose a label first (palette or hotkey)"); return; }
          attempt(rpc, model, "label_tokens", { tokens: [...selectedTokens], label: activeLabel })
            .then((r) => { if (r) { selectedTokens = new Set(); drawBody(); } });
        } }, "Label selected tokens"));
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
  const drawAll = () => { drawRelationValues(); drawHeader(); drawPalette(); drawChoices(); drawToolbar(); drawDiff(); drawBody(); };
  model.on("change:task", () => {
    for (const entry of pageCache.values()) URL.revokeObjectURL(entry.url);
    pageCache.clear(); selected = null; relating = null; selectedTokens = new Set();
    drawAll();
  });
  model.on("change:results", () => { drawChoices(); drawToolbar(); drawBody(); });
  for (const key of ["predictions", "completions", "shown", "editable", "dirty", "compare_id"]) model.on(`change:${key}`, drawHeader);
  model.on("change:editable", () => { drawToolbar(); drawBody(); });
  model.on("change:label_defs", () => { drawPalette(); drawBody(); });
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
