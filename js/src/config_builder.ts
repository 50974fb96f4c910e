// ConfigBuilder view (widgets/_config_builder.py): hub resources on the left, the draft
// config's labels on the right, live XML and validation problems below. Every edit is a
// request; the kernel owns the draft.
//
// Test ids (data-testid):
//   pl-config                        root
//   pl-config-kind                   <select> filtering resources by kind ("" = all)
//   pl-config-resource               one block per hub resource, attribute data-resource=<name>
//   pl-config-resource-label         checkbox per label of a resource, attribute data-label
//   pl-config-add-all                add every label of that resource
//   pl-config-add-selected           add the checked labels of that resource
//   pl-config-label                  one row per label of the draft, attribute data-label
//   pl-config-label-color            <input type=color> of that label
//   pl-config-label-hotkey           hotkey input (one character; applies on change)
//   pl-config-label-remove           remove that label from the draft
//   pl-config-choices                one block per <Choices> control, attribute data-choices=<name>
//   pl-config-choice                 one chip per choice value (data-value); pl-config-choice-remove inside
//   pl-config-choices-remove         remove the whole control
//   pl-config-choices-model          "predicted by <resource>" when a resource fills the control (model=)
//   pl-config-choices-name, pl-config-choices-values (comma-separated), pl-config-choices-mode
//                                    (single | single-radio | multiple), pl-config-choices-per-region,
//                                    pl-config-choices-add: add choices (to an existing control of that name, or a new one)
//   pl-config-relation               one row per relation definition, attribute data-relation
//   pl-config-relation-remove        remove that relation definition
//   pl-config-relation-model         "predicted by <resource>" when a resource predicts the relation
//   pl-config-relation-value, pl-config-relation-allowed ("PERSON>ORG, DRUG<>DOSE"; empty = any
//                                    two spans), pl-config-relation-add
//   pl-config-xml                    <textarea> with the draft's XML (editable)
//   pl-config-apply-xml              replace the draft by the textarea's XML
//   pl-config-problems               list of problems; pl-config-problem items with data-severity
//   pl-config-dirty                  shown while the draft differs from the stored config
//   pl-config-force                  checkbox: save even if completions use removed labels
//   pl-config-save, pl-config-reset
//   pl-message                       status line (save refusals, class pl-message-error)
import { h, clear, createRpc, messageLine, attempt, save, chipStyle, safeColor, type RenderProps } from "./common/index.js";
import type { ChoicesRow, ConfigBuilderRequests, ConfigBuilderState, HubResource, LabelRow, RelationRow } from "./common/messages.js";

const KINDS = ["", "ner", "classification", "assertion", "relation"];

export function splitValues(text: string): string[] {
  return text.split(",").map((v) => v.trim()).filter((v) => v);
}

function render({ model, el }: RenderProps<ConfigBuilderState>): () => void {
  const rpc = createRpc<ConfigBuilderRequests>(model);
  const kind = h("select", { "data-testid": "pl-config-kind", "aria-label": "Resource kind",
    onchange: (): void => save(model, "kind_filter", kind.value) },
  KINDS.map((k) => h("option", { value: k }, k || "all kinds")));
  kind.value = model.get("kind_filter");
  const resources = h("div", { class: "pl-config-resources", role: "list" });
  const labels = h("div", { class: "pl-config-labels", role: "list" });
  const choiceBlocks = h("div", { class: "pl-config-choice-blocks" });
  const relationRows = h("div", { class: "pl-config-relations" });
  const choicesName = h("input", { type: "text", placeholder: "e.g. sentiment", class: "pl-w-s",
    "aria-label": "Choices name", "data-testid": "pl-config-choices-name" });
  const choicesValues = h("input", { type: "text", placeholder: "positive, negative", class: "pl-grow",
    "aria-label": "Choice values, comma-separated", "data-testid": "pl-config-choices-values" });
  const choicesMode = h("select", { "data-testid": "pl-config-choices-mode", "aria-label": "Choice mode" },
    ["single", "single-radio", "multiple"].map((m) => h("option", { value: m }, m)));
  const choicesPerRegion = h("input", { type: "checkbox", "data-testid": "pl-config-choices-per-region" });
  const choicesAdd = h("button", { "data-testid": "pl-config-choices-add",
    onclick: async () => {
      const reply = await attempt(rpc, model, "add_choices", { name: choicesName.value.trim(),
        values: splitValues(choicesValues.value), choice: choicesMode.value, per_region: choicesPerRegion.checked });
      if (reply) choicesValues.value = "";
    } }, "Add choices");
  const relationValue = h("input", { type: "text", placeholder: "e.g. works_for", class: "pl-w-s",
    "aria-label": "Relation name", "data-testid": "pl-config-relation-value" });
  const relationAllowed = h("input", { type: "text", placeholder: "PERSON>ORG, DRUG<>DOSE (empty: any)", class: "pl-grow",
    "aria-label": "Allowed label pairs", "data-testid": "pl-config-relation-allowed" });
  const relationAdd = h("button", { "data-testid": "pl-config-relation-add",
    onclick: async () => {
      const reply = await attempt(rpc, model, "add_relation", { value: relationValue.value.trim(), allowed: relationAllowed.value.trim() });
      if (reply) { relationValue.value = ""; relationAllowed.value = ""; }
    } }, "Add relation");
  const xml = h("textarea", { "data-testid": "pl-config-xml", rows: 10, spellcheck: "false", "aria-label": "Config XML" });
  const problems = h("ul", { "data-testid": "pl-config-problems", class: "pl-config-problems" });
  const dirty = h("span", { "data-testid": "pl-config-dirty", class: "pl-badge pl-dirty" }, "unsaved changes");
  const force = h("input", { type: "checkbox", "data-testid": "pl-config-force" });
  const saveButton = h("button", { "data-testid": "pl-config-save", class: "pl-primary",
    onclick: () => attempt(rpc, model, "save", { force: force.checked }) }, "Save config");
  const reset = h("button", { "data-testid": "pl-config-reset",
    onclick: () => attempt(rpc, model, "reset", {}) }, "Reset");
  const applyXml = h("button", { "data-testid": "pl-config-apply-xml",
    onclick: () => attempt(rpc, model, "set_xml", { xml: xml.value }) }, "Apply XML");

  const heading = (text: string, ...more: (HTMLElement | null)[]): HTMLElement =>
    h("div", { class: "pl-toolbar pl-config-heading" }, h("span", { class: "pl-section-title", role: "heading", "aria-level": 3 }, text), more);
  const root = h("div", { class: "pl-root pl-config", "data-testid": "pl-config" },
    h("div", { class: "pl-config-columns" },
      h("section", { class: "pl-card", "aria-label": "Hub" }, heading("Hub", kind), resources),
      h("section", { class: "pl-card", "aria-label": "Project labels" }, heading("Project labels", dirty), labels,
        heading("Classification choices"), choiceBlocks,
        h("div", { class: "pl-toolbar" }, choicesName, choicesValues, choicesMode,
          h("label", { class: "pl-field" }, choicesPerRegion, "per span"), choicesAdd),
        heading("Relations"), relationRows,
        h("div", { class: "pl-toolbar" }, relationValue, relationAllowed, relationAdd))),
    heading("Problems"), problems,
    h("div", { class: "pl-toolbar" }, saveButton,
      h("label", { class: "pl-field" }, force, "force (keep completions' removed labels)"), reset),
    messageLine(model),
    h("details", { class: "pl-config-xml" }, h("summary", {}, "XML"), xml, h("div", { class: "pl-toolbar" }, applyXml)));
  el.appendChild(root);

  function resourceBlock(info: HubResource): HTMLElement {
    const name = info.name ?? "";
    const names = info.labels ?? [];
    const boxes = names.map((label) => h("input", { type: "checkbox", "data-testid": "pl-config-resource-label", "data-label": label }));
    const about = [info.version, info.language, info.description].filter((v) => v).join(" · ");
    return h("div", { class: "pl-config-resource", "data-testid": "pl-config-resource", "data-resource": name, role: "listitem" },
      h("div", { class: "pl-toolbar pl-tight" }, h("span", { class: "pl-strong" }, name),
        h("span", { class: "pl-badge" }, info.kind ?? ""),
        h("span", { class: "pl-muted pl-ellipsis", title: about }, about)),
      h("div", { class: "pl-config-resource-labels" }, names.map((label, i) => h("label", { class: "pl-field" }, boxes[i], label))),
      h("div", { class: "pl-toolbar pl-tight" },
        h("button", { "data-testid": "pl-config-add-all",
          onclick: () => attempt(rpc, model, "add_labels", { resource: name }) }, "Add all labels"),
        h("button", { "data-testid": "pl-config-add-selected",
          onclick: () => attempt(rpc, model, "add_labels", { resource: name,
            labels: boxes.filter((b) => b.checked).map((b) => b.dataset.label ?? "") }) }, "Add selected")));
  }

  function drawResources(): void {
    clear(resources);
    const list = model.get("resources");
    if (!list.length) resources.appendChild(h("div", { class: "pl-muted" }, "No resource of this kind in the hub."));
    for (const info of list) resources.appendChild(resourceBlock(info));
  }

  function labelRow(label: LabelRow): HTMLElement {
    const value = label.value ?? "";
    const color = h("input", { type: "color", "data-testid": "pl-config-label-color", "aria-label": `Colour of ${value}`,
      value: safeColor(label.background),
      onchange: (): void => { void attempt(rpc, model, "set_label", { value, background: color.value }); } });
    const hotkey = h("input", { type: "text", maxlength: 1, "data-testid": "pl-config-label-hotkey", class: "pl-hotkey",
      "aria-label": `Hotkey of ${value}`, placeholder: "key", value: label.hotkey ?? "",
      onchange: (): void => { void attempt(rpc, model, "set_label", { value, hotkey: hotkey.value }); } });
    return h("div", { class: "pl-toolbar pl-tight pl-config-label", "data-testid": "pl-config-label", "data-label": value, role: "listitem" },
      h("span", { class: "pl-label-chip", style: chipStyle(label.background) }, value),
      h("span", { class: "pl-muted pl-ellipsis", title: label.model || "" }, label.model || "no model"),
      label.assertion ? h("span", { class: "pl-badge" }, "assertion") : null,
      color, hotkey,
      h("button", { "data-testid": "pl-config-label-remove", "aria-label": `Remove ${value}`,
        onclick: () => attempt(rpc, model, "remove_labels", { values: [value] }) }, "Remove"));
  }

  function drawLabels(): void {
    clear(labels);
    const rows = model.get("labels");
    if (!rows.length) labels.appendChild(h("div", { class: "pl-muted" }, "No labels yet: add some from the hub."));
    for (const label of rows) labels.appendChild(labelRow(label));
  }

  function choicesBlock(c: ChoicesRow): HTMLElement {
    const name = c.name ?? "";
    return h("div", { class: "pl-toolbar pl-tight pl-config-choices", "data-testid": "pl-config-choices", "data-choices": name },
      h("span", { class: "pl-strong" }, name), h("span", { class: "pl-badge" }, c.choice || "single"),
      c.per_region ? h("span", { class: "pl-badge" }, "per span") : null,
      c.model ? h("span", { class: "pl-muted", "data-testid": "pl-config-choices-model" }, `predicted by ${c.model}`) : null,
      (c.values ?? []).map((v) => h("span", { class: "pl-choice-chip", "data-testid": "pl-config-choice", "data-value": v }, v,
        h("button", { "data-testid": "pl-config-choice-remove", title: "remove this choice", "aria-label": `Remove choice ${v}`,
          onclick: () => attempt(rpc, model, "remove_choices", { name, values: [v] }) }, "×"))),
      h("button", { "data-testid": "pl-config-choices-remove",
        onclick: () => attempt(rpc, model, "remove_choices", { name }) }, "Remove all"));
  }

  function drawChoices(): void {
    clear(choiceBlocks);
    const list = model.get("choices");
    if (!list.length) choiceBlocks.appendChild(h("div", { class: "pl-muted" }, "No classification choices."));
    for (const c of list) choiceBlocks.appendChild(choicesBlock(c));
  }

  function relationRow(r: RelationRow): HTMLElement {
    const value = r.value ?? "";
    const allowed = r.allowed ?? [];
    return h("div", { class: "pl-toolbar pl-tight", "data-testid": "pl-config-relation", "data-relation": value },
      h("span", { class: "pl-strong" }, value), h("span", { class: "pl-muted" }, allowed.length ? allowed.join(", ") : "any two spans"),
      r.model ? h("span", { class: "pl-muted", "data-testid": "pl-config-relation-model" }, `predicted by ${r.model}`) : null,
      h("button", { "data-testid": "pl-config-relation-remove",
        onclick: () => attempt(rpc, model, "remove_relation", { value }) }, "Remove"));
  }

  function drawRelations(): void {
    clear(relationRows);
    const list = model.get("relations");
    if (!list.length) relationRows.appendChild(h("div", { class: "pl-muted" }, "No relations."));
    for (const r of list) relationRows.appendChild(relationRow(r));
  }

  function drawProblems(): void {
    clear(problems);
    const list = model.get("problems");
    if (!list.length) problems.appendChild(h("li", { class: "pl-muted" }, "No problems."));
    for (const p of list) {
      const severity = p.severity ?? "error";
      problems.appendChild(h("li", { "data-testid": "pl-config-problem", "data-severity": severity,
        class: `pl-problem-${severity}` }, h("span", { class: "pl-badge" }, severity), ` ${p.message ?? ""}`));
    }
    saveButton.disabled = list.some((p) => p.severity === "error");
  }

  const drawXml = (): void => { xml.value = model.get("xml"); };
  const drawDirty = (): void => { dirty.hidden = !model.get("dirty"); };
  model.on("change:resources", drawResources);
  model.on("change:labels", drawLabels);
  model.on("change:problems", drawProblems);
  model.on("change:choices", drawChoices);
  model.on("change:relations", drawRelations);
  model.on("change:xml", drawXml);
  model.on("change:dirty", drawDirty);
  model.on("change:kind_filter", () => { kind.value = model.get("kind_filter"); });
  drawResources(); drawLabels(); drawChoices(); drawRelations(); drawProblems(); drawXml(); drawDirty();
  return () => rpc.dispose();
}

export { render };
export default { render };
