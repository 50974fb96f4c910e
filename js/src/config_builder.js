// ConfigBuilder view: hub resources on the left, the draft config's labels on the right,
// live XML and validation problems below. Every edit is a request; the kernel owns the draft.
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
import { h, clear, setText, createRpc, messageLine, attempt, contrastColor } from "./common/index.js";

const KINDS = ["", "ner", "classification", "assertion", "relation"];

function render({ model, el }) {
  const rpc = createRpc(model);
  const kind = h("select", { "data-testid": "pl-config-kind",
    onchange: () => { model.set("kind_filter", kind.value); model.save_changes(); } },
    KINDS.map((k) => h("option", { value: k }, k || "all kinds")));
  kind.value = model.get("kind_filter");
  const resources = h("div", { class: "pl-config-resources" });
  const labels = h("div", { class: "pl-config-labels" });
  const choiceBlocks = h("div", { class: "pl-config-choice-blocks" });
  const relationRows = h("div", { class: "pl-config-relations" });
  const splitValues = (text) => text.split(",").map((v) => v.trim()).filter((v) => v);
  const choicesName = h("input", { type: "text", size: 12, placeholder: "name, e.g. sentiment",
    "data-testid": "pl-config-choices-name" });
  const choicesValues = h("input", { type: "text", size: 24, placeholder: "positive, negative",
    "data-testid": "pl-config-choices-values" });
  const choicesMode = h("select", { "data-testid": "pl-config-choices-mode" },
    ["single", "single-radio", "multiple"].map((m) => h("option", { value: m }, m)));
  const choicesPerRegion = h("input", { type: "checkbox", "data-testid": "pl-config-choices-per-region" });
  const choicesAdd = h("button", { "data-testid": "pl-config-choices-add",
    onclick: () => attempt(rpc, model, "add_choices", { name: choicesName.value.trim(),
      values: splitValues(choicesValues.value), choice: choicesMode.value, per_region: choicesPerRegion.checked })
      .then((r) => { if (r) choicesValues.value = ""; }) }, "Add choices");
  const relationValue = h("input", { type: "text", size: 12, placeholder: "e.g. works_for",
    "data-testid": "pl-config-relation-value" });
  const relationAllowed = h("input", { type: "text", size: 24, placeholder: "PERSON>ORG, DRUG<>DOSE (empty: any)",
    "data-testid": "pl-config-relation-allowed" });
  const relationAdd = h("button", { "data-testid": "pl-config-relation-add",
    onclick: () => attempt(rpc, model, "add_relation", { value: relationValue.value.trim(), allowed: relationAllowed.value.trim() })
      .then((r) => { if (r) { relationValue.value = ""; relationAllowed.value = ""; } }) }, "Add relation");
  const xml = h("textarea", { "data-testid": "pl-config-xml", rows: 10, spellcheck: "false" });
  const problems = h("ul", { "data-testid": "pl-config-problems", class: "pl-config-problems" });
  const dirty = h("span", { "data-testid": "pl-config-dirty", class: "pl-badge" }, "unsaved changes");
  const force = h("input", { type: "checkbox", "data-testid": "pl-config-force" });
  const save = h("button", { "data-testid": "pl-config-save", class: "pl-primary",
    onclick: () => attempt(rpc, model, "save", { force: force.checked }) }, "Save config");
  const reset = h("button", { "data-testid": "pl-config-reset",
    onclick: () => attempt(rpc, model, "reset") }, "Reset");
  const applyXml = h("button", { "data-testid": "pl-config-apply-xml",
    onclick: () => attempt(rpc, model, "set_xml", { xml: xml.value }) }, "Apply XML");

  const root = h("div", { class: "pl-root pl-config", "data-testid": "pl-config" },
    h("div", { class: "pl-config-columns" },
      h("div", {}, h("div", { class: "pl-row" }, h("b", {}, "Hub"), kind), resources),
      h("div", {}, h("div", { class: "pl-row" }, h("b", {}, "Project labels"), dirty), labels,
        h("div", { class: "pl-row" }, h("b", {}, "Classification choices")), choiceBlocks,
        h("div", { class: "pl-row" }, choicesName, choicesValues, choicesMode,
          h("label", {}, choicesPerRegion, "per span"), choicesAdd),
        h("div", { class: "pl-row" }, h("b", {}, "Relations")), relationRows,
        h("div", { class: "pl-row" }, relationValue, relationAllowed, relationAdd))),
    h("div", { class: "pl-row" }, h("b", {}, "Problems")), problems,
    h("div", { class: "pl-row" }, save, h("label", {}, force, "force (keep completions' removed labels)"), reset),
    messageLine(model),
    h("details", {}, h("summary", {}, "XML"), xml, h("div", { class: "pl-row" }, applyXml)));
  el.appendChild(root);

  function drawResources() {
    clear(resources);
    for (const info of model.get("resources")) {
      const boxes = info.labels.map((label) => h("input", { type: "checkbox",
        "data-testid": "pl-config-resource-label", "data-label": label }));
      resources.appendChild(h("div", { class: "pl-config-resource", "data-testid": "pl-config-resource",
        "data-resource": info.name },
        h("div", {}, h("b", {}, info.name), " ", h("span", { class: "pl-badge" }, info.kind), " ",
          h("span", { class: "pl-muted" }, `${info.version || ""} ${info.language || ""} ${info.description || ""}`)),
        h("div", { class: "pl-config-resource-labels" },
          info.labels.map((label, i) => h("label", {}, boxes[i], label))),
        h("div", { class: "pl-row" },
          h("button", { "data-testid": "pl-config-add-all",
            onclick: () => attempt(rpc, model, "add_labels", { resource: info.name }) }, "Add all labels"),
          h("button", { "data-testid": "pl-config-add-selected",
            onclick: () => attempt(rpc, model, "add_labels", { resource: info.name,
              labels: boxes.filter((b) => b.checked).map((b) => b.dataset.label) }) }, "Add selected"))));
    }
  }

  function drawLabels() {
    clear(labels);
    const rows = model.get("labels");
    if (!rows.length) labels.appendChild(h("div", { class: "pl-muted" }, "No labels yet: add some from the hub."));
    for (const label of rows) {
      const color = h("input", { type: "color", "data-testid": "pl-config-label-color",
        value: label.background && /^#[0-9a-f]{6}$/i.test(label.background) ? label.background : "#cccccc",
        onchange: () => attempt(rpc, model, "set_label", { value: label.value, background: color.value }) });
      const hotkey = h("input", { type: "text", maxlength: 1, size: 2, "data-testid": "pl-config-label-hotkey",
        value: label.hotkey || "",
        onchange: () => attempt(rpc, model, "set_label", { value: label.value, hotkey: hotkey.value }) });
      labels.appendChild(h("div", { class: "pl-row pl-config-label", "data-testid": "pl-config-label",
        "data-label": label.value },
        h("span", { class: "pl-label-chip", style: `background:${color.value};color:${contrastColor(color.value)}` }, label.value),
        h("span", { class: "pl-muted" }, label.model || "no model"),
        label.assertion ? h("span", { class: "pl-badge" }, "assertion") : null,
        color, hotkey,
        h("button", { "data-testid": "pl-config-label-remove",
          onclick: () => attempt(rpc, model, "remove_labels", { values: [label.value] }) }, "Remove")));
    }
  }

  function drawChoices() {
    clear(choiceBlocks);
    const list = model.get("choices");
    if (!list.length) choiceBlocks.appendChild(h("div", { class: "pl-muted" }, "No classification choices."));
    for (const c of list) {
      choiceBlocks.appendChild(h("div", { class: "pl-row", "data-testid": "pl-config-choices", "data-choices": c.name },
        h("b", {}, c.name), h("span", { class: "pl-badge" }, c.choice || "single"),
        c.per_region ? h("span", { class: "pl-badge" }, "per span") : null,
        c.model ? h("span", { class: "pl-muted", "data-testid": "pl-config-choices-model" }, `predicted by ${c.model}`) : null,
        c.values.map((v) => h("span", { class: "pl-label-chip", "data-testid": "pl-config-choice", "data-value": v }, v,
          h("button", { "data-testid": "pl-config-choice-remove", title: "remove this choice",
            onclick: () => attempt(rpc, model, "remove_choices", { name: c.name, values: [v] }) }, "×"))),
        h("button", { "data-testid": "pl-config-choices-remove",
          onclick: () => attempt(rpc, model, "remove_choices", { name: c.name }) }, "Remove all")));
    }
  }

  function drawRelations() {
    clear(relationRows);
    const list = model.get("relations");
    if (!list.length) relationRows.appendChild(h("div", { class: "pl-muted" }, "No relations."));
    for (const r of list) {
      relationRows.appendChild(h("div", { class: "pl-row", "data-testid": "pl-config-relation", "data-relation": r.value },
        h("b", {}, r.value), h("span", { class: "pl-muted" }, r.allowed.length ? r.allowed.join(", ") : "any two spans"),
        r.model ? h("span", { class: "pl-muted", "data-testid": "pl-config-relation-model" }, `predicted by ${r.model}`) : null,
        h("button", { "data-testid": "pl-config-relation-remove",
          onclick: () => attempt(rpc, model, "remove_relation", { value: r.value }) }, "Remove")));
    }
  }

  function drawProblems() {
    clear(problems);
    const list = model.get("problems");
    if (!list.length) problems.appendChild(h("li", { class: "pl-muted" }, "No problems."));
    for (const p of list) {
      problems.appendChild(h("li", { "data-testid": "pl-config-problem", "data-severity": p.severity,
        class: `pl-problem-${p.severity}` }, `${p.severity}: ${p.message}`));
    }
    save.disabled = list.some((p) => p.severity === "error");
  }

  const drawXml = () => { xml.value = model.get("xml"); };
  const drawDirty = () => { dirty.hidden = !model.get("dirty"); };
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

export default { render };
