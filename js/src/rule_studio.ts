// RuleStudioWidget view (widgets/_rule_studio.py). The kernel computes every figure
// (preannotate_lab.studio.RuleStudio.stats); this view edits a rule, asks for its statistics
// while the user types (debounced; replies of superseded requests are dropped) and draws them.
//
// Test ids (data-testid):
//   pl-rs                      root
//   pl-rs-ruleset              rule set name (input with the library's names as suggestions)
//   pl-rs-load                 button: load the rule set's rules into pl-rs-rules
//   pl-rs-rules                <select> of the loaded rule set's rules (choosing one edits it)
//   pl-rs-name, pl-rs-label    the rule's name and label
//   pl-rs-type                 <select> regex | dictionary
//   pl-rs-pattern              the regex (type regex)
//   pl-rs-keywords             the keywords, one per line (type dictionary)
//   pl-rs-case, pl-rs-word     checkboxes: case sensitive, whole word
//   pl-rs-sample               checkbox: statistics on a random sample; pl-rs-sample-size its size
//   pl-rs-run                  button: statistics now
//   pl-rs-summary              one line: hits, tasks, scope (sample size), time per 1,000 tasks, index
//   pl-rs-warning              one per warning (slow pattern, budget, ...)
//   pl-rs-label-hits           one chip per label with its hits
//   pl-rs-quality              precision / recall / F1 table (when completions exist)
//   pl-rs-against              overlaps and conflicts table (other rules, predictions)
//   pl-rs-top                  the most frequent matched strings
//   pl-rs-match                one row per match in context (data-task-id)
//   pl-rs-save, pl-rs-deploy   buttons: save the rule into the rule set; deploy the rule set
//   pl-message                 status line
import { h, clear, setText, createRpc, messageLine, attempt, type RenderProps } from "./common/index.js";
import type {
  RuleInput, RuleStudioWidgetRequests, RuleStudioWidgetState, StudioAgainst, StudioQuality, StudioStats,
} from "./common/messages.js";

export const STATS_DELAY_MS = 350;
export const STATS_TIMEOUT_MS = 60_000; // the kernel stops a scan after 10 s; a cold index build takes longer
const MATCH_ROWS = 50;

export interface RuleForm {
  name: string;
  label: string;
  type: "regex" | "dictionary";
  pattern: string;
  keywords: string;
  caseSensitive: boolean;
  wholeWord: boolean;
}

/** Keywords from a textarea: one per line, trimmed, blank lines and repeats dropped. */
export function keywordsFrom(text: string): string[] {
  return [...new Set(text.split("\n").map((k) => k.trim()).filter((k) => k.length > 0))];
}

/** The rule the kernel reads (Rule.from_dict), or null while the form cannot make one. */
export function ruleFromForm(form: RuleForm): RuleInput | null {
  const name = form.name.trim() || "draft";
  const label = form.label.trim();
  if (!label) return null;
  const base = { name, label, case_sensitive: form.caseSensitive, whole_word: form.wholeWord };
  if (form.type === "dictionary") {
    const keywords = keywordsFrom(form.keywords);
    return keywords.length ? { ...base, type: "dictionary", keywords } : null;
  }
  return form.pattern ? { ...base, type: "regex", pattern: form.pattern } : null;
}

/** The form showing a stored rule. */
export function formFromRule(rule: RuleInput): RuleForm {
  const type = rule.type === "dictionary" ? "dictionary" : "regex";
  return { name: rule.name ?? "", label: rule.label ?? "", type, pattern: rule.pattern ?? "",
    keywords: (rule.keywords ?? []).join("\n"), caseSensitive: rule.case_sensitive ?? type === "regex",
    wholeWord: rule.whole_word ?? type === "dictionary" };
}

const count = (n: number): string => n.toLocaleString("en-US");

/** "193 hits in 133 of 10,000 tasks (sample of 500) · 12.2 ms per 1,000 tasks · index: 498 candidates" */
export function summaryText(stats: StudioStats): string {
  const scope = stats.scope.sample === null ? `${count(stats.scope.tasks)} tasks`
    : `${count(stats.scope.tasks)} tasks (sample of ${count(stats.scope.sample)} of ${count(stats.scope.project_tasks)})`;
  const index = stats.index.used ? `index: ${count(stats.index.candidates)} candidate tasks`
    : "index: not usable (no literal text), every task scanned";
  const partial = stats.complete ? "" : " · incomplete";
  return `${count(stats.hits)} hit${stats.hits === 1 ? "" : "s"} in ${count(stats.tasks_with_hits)} of ${scope}`
    + ` · ${stats.timing.ms_per_1000_tasks.toFixed(1)} ms per 1,000 tasks · ${index}${partial}`;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function qualityTable(quality: StudioQuality): HTMLElement {
  const rows = Object.entries(quality.labels).map(([label, s]) =>
    h("tr", {}, h("td", {}, label), h("td", { class: "pl-num" }, pct(s.precision)), h("td", { class: "pl-num" }, pct(s.recall)),
      h("td", { class: "pl-num" }, pct(s.f1)), h("td", { class: "pl-num" }, `${s.tp} / ${s.fp} / ${s.fn}`)));
  const examples = (title: string, items: StudioQuality["missed"]): HTMLElement | null => items.length
    ? h("div", { class: "pl-muted" }, `${title}: `, items.map((e) => h("span", { class: "pl-badge", title: `task ${e.task_id}` }, e.text ?? "")))
    : null;
  return h("div", { "data-testid": "pl-rs-quality" },
    h("div", { class: "pl-section-title" }, `Against completions (${count(quality.tasks)} tasks)`),
    h("table", { class: "pl-table pl-rs-small" },
      h("thead", {}, h("tr", {}, ["label", "precision", "recall", "F1", "tp / fp / fn"].map((t) => h("th", {}, t)))),
      h("tbody", {}, rows)),
    examples("false positives", quality.false_positives), examples("missed", quality.missed));
}

function againstTable(items: StudioAgainst[]): HTMLElement {
  return h("div", { "data-testid": "pl-rs-against" },
    h("div", { class: "pl-section-title" }, "Overlaps and conflicts"),
    h("table", { class: "pl-table pl-rs-small" },
      h("thead", {}, h("tr", {}, ["source", "kind", "agree", "overlap", "conflict", "example"].map((t) => h("th", {}, t)))),
      h("tbody", {}, items.map((a) => {
        const ex = a.examples?.[0];
        const example = a.error ?? (ex ? `${ex.rule.text} (${ex.rule.label}) vs ${ex.other.text} (${ex.other.label})` : "");
        return h("tr", { class: a.conflict ? "pl-rs-conflict" : "" }, h("td", {}, a.source ?? ""), h("td", {}, a.kind ?? ""),
          h("td", { class: "pl-num" }, a.agree ?? 0), h("td", { class: "pl-num" }, a.overlap ?? 0),
          h("td", { class: "pl-num" }, a.conflict ?? 0), h("td", { class: "pl-rs-ellipsis", title: example }, example));
      }))));
}

function render({ model, el }: RenderProps<RuleStudioWidgetState>): () => void {
  const rpc = createRpc<RuleStudioWidgetRequests>(model);
  const root = h("div", { class: "pl-root pl-rs", "data-testid": "pl-rs" });
  const listId = `pl-rs-sets-${Math.random().toString(36).slice(2)}`;

  // -- the rule ----------------------------------------------------------------------------------
  const datalist = h("datalist", { id: listId });
  const ruleset = h("input", { "data-testid": "pl-rs-ruleset", list: listId, placeholder: "rule set",
    "aria-label": "Rule set", class: "pl-rs-narrow" });
  const rulesPick = h("select", { "data-testid": "pl-rs-rules", "aria-label": "Rules of the rule set", hidden: true });
  const name = h("input", { "data-testid": "pl-rs-name", placeholder: "rule name", "aria-label": "Rule name", class: "pl-rs-narrow" });
  const label = h("input", { "data-testid": "pl-rs-label", placeholder: "LABEL", "aria-label": "Label", class: "pl-rs-narrow" });
  const type = h("select", { "data-testid": "pl-rs-type", "aria-label": "Rule type" },
    h("option", { value: "regex" }, "regex"), h("option", { value: "dictionary" }, "dictionary"));
  const pattern = h("input", { "data-testid": "pl-rs-pattern", class: "pl-grow pl-rs-code", spellcheck: "false",
    placeholder: "regular expression, e.g. \\$\\d+ (?:million|billion)", "aria-label": "Pattern" });
  const keywords = h("textarea", { "data-testid": "pl-rs-keywords", class: "pl-grow pl-rs-code", rows: 4,
    placeholder: "one keyword per line", "aria-label": "Keywords", hidden: true });
  const caseBox = h("input", { type: "checkbox", "data-testid": "pl-rs-case", checked: true });
  const wordBox = h("input", { type: "checkbox", "data-testid": "pl-rs-word" });
  const sampleBox = h("input", { type: "checkbox", "data-testid": "pl-rs-sample" });
  const sampleSize = h("input", { type: "number", min: 1, value: 1000, "data-testid": "pl-rs-sample-size",
    "aria-label": "Sample size", class: "pl-rs-number" });
  const run = h("button", { "data-testid": "pl-rs-run", class: "pl-primary" }, "Statistics");
  const saveButton = h("button", { "data-testid": "pl-rs-save" }, "Save to rule set");
  const deployButton = h("button", { "data-testid": "pl-rs-deploy" }, "Deploy rule set");
  const header = h("div", { class: "pl-muted" });

  // -- the statistics ------------------------------------------------------------------------------
  const summary = h("div", { "data-testid": "pl-rs-summary", class: "pl-rs-summary", "aria-live": "polite" });
  const warnings = h("div", {});
  const labels = h("div", { class: "pl-pills" });
  const details = h("div", { class: "pl-rs-details" });
  const top = h("div", { "data-testid": "pl-rs-top", class: "pl-muted" });
  const matches = h("tbody", {});
  const matchTable = h("table", { class: "pl-table pl-rs-matches" },
    h("thead", {}, h("tr", {}, ["task", "left", "match", "right"].map((t) => h("th", {}, t)))), matches);
  const matchBox = h("div", { class: "pl-rs-scroll", hidden: true }, matchTable);

  append(root, [
    header,
    h("div", { class: "pl-toolbar" }, h("span", { class: "pl-muted" }, "Rule set"), ruleset, datalist,
      h("button", { "data-testid": "pl-rs-load", onclick: () => void loadRuleset() }, "Load"), rulesPick),
    h("div", { class: "pl-toolbar" }, name, label, type,
      h("label", { class: "pl-field" }, caseBox, "case sensitive"), h("label", { class: "pl-field" }, wordBox, "whole word")),
    h("div", { class: "pl-toolbar" }, pattern, keywords),
    h("div", { class: "pl-toolbar" }, h("label", { class: "pl-field" }, sampleBox, "sample of"), sampleSize,
      run, h("span", { class: "pl-grow" }), saveButton, deployButton),
    messageLine(model), summary, warnings, labels, details, top, matchBox,
  ]);
  el.appendChild(root);

  const form = (): RuleForm => ({ name: name.value, label: label.value, type: type.value === "dictionary" ? "dictionary" : "regex",
    pattern: pattern.value, keywords: keywords.value, caseSensitive: caseBox.checked, wholeWord: wordBox.checked });
  const showForm = (f: RuleForm): void => {
    name.value = f.name; label.value = f.label; type.value = f.type; pattern.value = f.pattern;
    keywords.value = f.keywords; caseBox.checked = f.caseSensitive; wordBox.checked = f.wholeWord;
    drawType();
  };
  function drawType(): void {
    const dictionary = type.value === "dictionary";
    pattern.hidden = dictionary;
    keywords.hidden = !dictionary;
  }
  function drawHeader(): void {
    setText(header, `Rule studio · ${model.get("project_name")} · ${count(model.get("project_tasks"))} text tasks`);
    clear(datalist);
    for (const set of model.get("rulesets")) datalist.appendChild(h("option", { value: set }));
    deployButton.disabled = !ruleset.value.trim();
  }

  function clearStats(): void {
    setText(summary, "");
    for (const node of [warnings, labels, details, matches]) clear(node);
    setText(top, "");
    matchBox.hidden = true;
  }

  function drawStats(stats: StudioStats): void {
    setText(summary, summaryText(stats));
    clear(warnings);
    for (const w of stats.warnings) warnings.appendChild(h("div", { class: "pl-rs-warning", "data-testid": "pl-rs-warning", role: "alert" }, w));
    clear(labels);
    for (const [lab, n] of Object.entries(stats.hits_per_label)) {
      labels.appendChild(h("span", { class: "pl-badge", "data-testid": "pl-rs-label-hits", "data-label": lab }, `${lab} ${count(n)}`));
    }
    clear(details);
    if (stats.quality) details.appendChild(qualityTable(stats.quality));
    if (stats.against.length) details.appendChild(againstTable(stats.against));
    setText(top, stats.top_matches.length
      ? `most frequent: ${stats.top_matches.map(([text, n]) => `${String(text)} ×${String(n)}`).join(", ")}` : "");
    clear(matches);
    matchBox.hidden = stats.matches.length === 0;
    for (const m of stats.matches.slice(0, MATCH_ROWS)) {
      matches.appendChild(h("tr", { "data-testid": "pl-rs-match", "data-task-id": m.task_id },
        h("td", { class: "pl-num" }, m.task_id), h("td", { class: "pl-rs-left" }, h("span", {}, m.left)),
        h("td", { class: "pl-rs-hit", title: `${m.label} (${m.rule}) ${m.start}-${m.end}` }, m.match),
        h("td", { class: "pl-rs-right" }, m.right)));
    }
  }

  // -- requests --------------------------------------------------------------------------------------
  let generation = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  async function stats(): Promise<void> {
    clearTimeout(timer);
    const rule = ruleFromForm(form());
    if (!rule) { setText(summary, "give a label and a pattern (or keywords) to see statistics"); return; }
    const mine = ++generation;
    setText(summary, "computing...");
    const size = Number(sampleSize.value);
    const reply = await attempt(rpc, model, "stats", { rule, ruleset: ruleset.value.trim() || null,
      sample: sampleBox.checked && size > 0 ? Math.floor(size) : null, examples: MATCH_ROWS },
    { timeoutMs: STATS_TIMEOUT_MS });
    if (mine !== generation) return; // a newer edit asked again
    if (!reply) { clearStats(); return; } // the error is on the status line; old figures would mislead
    if (model.get("message_level") === "error") { model.set("message", ""); model.set("message_level", "info"); model.save_changes(); }
    drawStats(reply.result);
  }
  const later = (): void => { clearTimeout(timer); timer = setTimeout(() => void stats(), STATS_DELAY_MS); };

  async function loadRuleset(): Promise<void> {
    const set = ruleset.value.trim();
    if (!set) return;
    const reply = await attempt(rpc, model, "load", { ruleset: set });
    if (!reply) return;
    const rules = reply.result.rules;
    clear(rulesPick);
    rulesPick.appendChild(h("option", { value: "" }, `${rules.length} rule${rules.length === 1 ? "" : "s"}...`));
    rules.forEach((r, i) => rulesPick.appendChild(h("option", { value: String(i) }, `${r.name ?? ""} (${r.label ?? ""})`)));
    rulesPick.hidden = rules.length === 0;
    loaded = rules;
  }
  let loaded: RuleInput[] = [];
  rulesPick.addEventListener("change", () => {
    const rule = loaded[Number(rulesPick.value)];
    if (rulesPick.value !== "" && rule) { showForm(formFromRule(rule)); void stats(); }
  });

  for (const input of [name, label, pattern, keywords, sampleSize]) input.addEventListener("input", later);
  for (const box of [caseBox, wordBox, sampleBox]) box.addEventListener("change", later);
  type.addEventListener("change", () => {
    // a dictionary matches whole words regardless of case by default, a regex exactly
    const dictionary = type.value === "dictionary";
    caseBox.checked = !dictionary;
    wordBox.checked = dictionary;
    drawType();
    later();
  });
  ruleset.addEventListener("input", () => { deployButton.disabled = !ruleset.value.trim(); });
  run.addEventListener("click", () => void stats());
  async function saveRule(): Promise<void> {
    const rule = ruleFromForm(form());
    const set = ruleset.value.trim();
    if (!rule || !set) {
      model.set("message_level", "error");
      model.set("message", "give a rule set name, a label and a pattern (or keywords) to save");
      model.save_changes();
      return;
    }
    await attempt(rpc, model, "save", { rule, ruleset: set });
  }
  saveButton.addEventListener("click", () => void saveRule());
  deployButton.addEventListener("click", () => void attempt(rpc, model, "deploy", { ruleset: ruleset.value.trim() },
    { timeoutMs: STATS_TIMEOUT_MS }));

  model.on("change:rulesets", drawHeader);
  model.on("change:project_tasks", drawHeader);
  model.on("change:project_name", drawHeader);
  drawType();
  drawHeader();
  return () => { rpc.dispose(); clearTimeout(timer); };
}

function append(node: HTMLElement, children: HTMLElement[]): void {
  for (const child of children) node.appendChild(child);
}

export { render };
export default { render };
