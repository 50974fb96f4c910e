import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { formFromRule, keywordsFrom, render, ruleFromForm, summaryText, STATS_DELAY_MS } from "../src/rule_studio.js";
import type { RuleInput, RuleStudioWidgetState, StudioStats } from "../src/common/messages.js";
import { FakeModel, KernelRaise, settle } from "./fake_model.js";

function state(extra: Partial<RuleStudioWidgetState> = {}): RuleStudioWidgetState {
  return { message: "", message_level: "info", project_name: "news", project_tasks: 10000,
    rulesets: ["finance", "places"], ...extra };
}

function stats(extra: Partial<StudioStats> = {}): StudioStats {
  return {
    rules: [], hits: 3, tasks_with_hits: 2, hits_per_label: { AMOUNT: 3 }, hits_per_rule: { amount: 3 },
    scope: { tasks: 10000, project_tasks: 10000, sample: null, seed: 0 },
    index: { used: true, query: '"mil"', candidates: 498, scanned: 498 },
    matches: [
      { task_id: 7, start: 10, end: 22, label: "AMOUNT", rule: "amount", left: "raised ", match: "$5 million", right: " in May" },
      { task_id: 9, start: 0, end: 12, label: "AMOUNT", rule: "amount", left: "", match: "$2 billion", right: " <img src=x onerror=alert(1)>" },
    ],
    top_matches: [["$5 million", 2], ["$2 billion", 1]],
    against: [{ source: "sm", kind: "prediction", spans: 4, agree: 1, overlap: 1, conflict: 2,
      examples: [{ task_id: 7, kind: "conflict", rule: { start: 10, end: 22, label: "AMOUNT", text: "$5 million" },
        other: { start: 10, end: 12, label: "MONEY", text: "$5" } }] }],
    quality: { tasks: 3, reference: "ground truth", micro: { precision: 0.8, recall: 0.8, f1: 0.8, tp: 4, fp: 1, fn: 1, support: 5 },
      labels: { AMOUNT: { precision: 0.8, recall: 0.8, f1: 0.8, tp: 4, fp: 1, fn: 1, support: 5 } },
      false_positives: [{ task_id: 3, start: 0, end: 2, label: "AMOUNT", text: "$1" }], missed: [] },
    timing: { seconds: 0.12, ms_per_1000_tasks: 12.2, regex_ms_per_1000_scanned: 30, index_build_s: 0, indexed_tasks: 0 },
    warnings: ["slow pattern: 322 ms per 1,000 tasks it runs on"], complete: true, ...extra,
  };
}

const q = (el: HTMLElement, id: string): HTMLElement[] => [...el.querySelectorAll<HTMLElement>(`[data-testid=${id}]`)];
const input = (el: HTMLElement, id: string): HTMLInputElement => q(el, id)[0] as HTMLInputElement;

function type(el: HTMLElement, id: string, value: string): void {
  const node = q(el, id)[0] as HTMLInputElement | HTMLTextAreaElement;
  node.value = value;
  node.dispatchEvent(new Event("input"));
}

function mount(model: FakeModel<RuleStudioWidgetState>): HTMLElement {
  const el = document.createElement("div");
  document.body.appendChild(el);
  render({ model, el });
  return el;
}

describe("rule form helpers", () => {
  it("reads keywords one per line and builds the rule the kernel reads", () => {
    expect(keywordsFrom(" London\n\nParis \nLondon\n")).toEqual(["London", "Paris"]);
    const form = { name: "", label: "GPE", type: "dictionary" as const, pattern: "", keywords: "London\nParis",
      caseSensitive: false, wholeWord: true };
    expect(ruleFromForm(form)).toEqual({ name: "draft", label: "GPE", type: "dictionary", keywords: ["London", "Paris"],
      case_sensitive: false, whole_word: true });
    expect(ruleFromForm({ ...form, label: " " })).toBeNull();
    expect(ruleFromForm({ ...form, type: "regex" })).toBeNull(); // no pattern yet
    const rule: RuleInput = { name: "amount", label: "AMOUNT", type: "regex", pattern: "\\$\\d+" };
    expect(ruleFromForm(formFromRule(rule))).toEqual({ ...rule, case_sensitive: true, whole_word: false });
  });

  it("summarises hits, scope, sample, time and the index", () => {
    expect(summaryText(stats())).toBe(
      "3 hits in 2 of 10,000 tasks · 12.2 ms per 1,000 tasks · index: 498 candidate tasks");
    const sampled = stats({ scope: { tasks: 500, project_tasks: 10000, sample: 500, seed: 0 }, complete: false,
      index: { used: false, query: null, candidates: 500, scanned: 200 } });
    expect(summaryText(sampled)).toBe("3 hits in 2 of 500 tasks (sample of 500 of 10,000) · 12.2 ms per 1,000 tasks"
      + " · index: not usable (no literal text), every task scanned · incomplete");
  });
});

describe("RuleStudio view", () => {
  beforeEach(() => { vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] }); });
  afterEach(() => { vi.useRealTimers(); document.body.replaceChildren(); });

  it("asks for statistics once typing stops and draws them, task text as text only", async () => {
    const model = new FakeModel(state());
    model.handlers.stats = () => stats();
    const el = mount(model);
    expect(q(el, "pl-rs")[0].textContent).toContain("Rule studio · news · 10,000 text tasks");
    type(el, "pl-rs-label", "AMOUNT");
    type(el, "pl-rs-pattern", "\\$\\d+");
    type(el, "pl-rs-pattern", "\\$\\d+ (?:million|billion)");
    expect(model.requests("stats")).toHaveLength(0);
    vi.advanceTimersByTime(STATS_DELAY_MS);
    vi.useRealTimers();
    await settle();
    const sent = model.requests("stats");
    expect(sent).toHaveLength(1); // the keystrokes before the pause asked nothing
    expect(sent[0]).toMatchObject({ rule: { name: "draft", label: "AMOUNT", type: "regex",
      pattern: "\\$\\d+ (?:million|billion)", case_sensitive: true, whole_word: false }, ruleset: null, sample: null });
    expect(q(el, "pl-rs-summary")[0].textContent).toBe(summaryText(stats()));
    expect(q(el, "pl-rs-warning").map((w) => w.textContent)).toEqual(["slow pattern: 322 ms per 1,000 tasks it runs on"]);
    expect(q(el, "pl-rs-label-hits")[0].textContent).toBe("AMOUNT 3");
    expect(q(el, "pl-rs-match").map((r) => r.dataset.taskId)).toEqual(["7", "9"]);
    expect(q(el, "pl-rs-match")[1].textContent).toContain("<img src=x onerror=alert(1)>");
    expect(el.querySelector("img")).toBeNull();
    expect(q(el, "pl-rs-quality")[0].textContent).toContain("80.0%");
    expect(q(el, "pl-rs-against")[0].textContent).toContain("$5 million (AMOUNT) vs $5 (MONEY)");
    expect(q(el, "pl-rs-top")[0].textContent).toBe("most frequent: $5 million ×2, $2 billion ×1");
  });

  it("sends the sample size and the rule set, and shows a kernel error on the status line", async () => {
    vi.useRealTimers();
    const model = new FakeModel(state());
    model.handlers.stats = () => stats();
    const el = mount(model);
    type(el, "pl-rs-label", "A");
    type(el, "pl-rs-pattern", "a+");
    q(el, "pl-rs-run")[0].click();
    await settle();
    expect(q(el, "pl-rs-match")).toHaveLength(2);
    model.handlers.stats = () => { throw new KernelRaise("rule 'x' timed out after 0.5 s on task 4", "RuleTimeoutError"); };
    type(el, "pl-rs-ruleset", "finance");
    type(el, "pl-rs-label", "A");
    type(el, "pl-rs-pattern", "(a+)+$");
    input(el, "pl-rs-sample").checked = true;
    type(el, "pl-rs-sample-size", "250");
    q(el, "pl-rs-run")[0].click();
    await settle();
    expect(model.requests("stats").at(-1)).toMatchObject({ ruleset: "finance", sample: 250 });
    expect(model.get("message_level")).toBe("error");
    expect(q(el, "pl-message")[0].textContent).toBe("stats: rule 'x' timed out after 0.5 s on task 4");
    // the figures of the pattern before are gone: they would pass for this one's
    expect(q(el, "pl-rs-match")).toHaveLength(0);
    expect(q(el, "pl-rs-warning")).toHaveLength(0);
    expect(q(el, "pl-rs-summary")[0].textContent).toBe("");
  });

  it("switches to a dictionary, loads a rule set's rule into the form, saves and deploys", async () => {
    vi.useRealTimers();
    const model = new FakeModel(state());
    const rules: RuleInput[] = [{ name: "cities", label: "GPE", type: "dictionary", keywords: ["London", "Paris"],
      case_sensitive: false, whole_word: true }];
    model.handlers.load = () => ({ name: "places", description: "", timeout: 0.5, rules });
    model.handlers.stats = () => stats();
    model.handlers.save = (p) => ({ name: p.ruleset as string, description: "", timeout: 0.5, rules: [p.rule as RuleInput] });
    model.handlers.deploy = (p) => ({ server: "rules-1", ruleset: p.ruleset as string, labels: ["GPE"] });
    const el = mount(model);
    const kind = q(el, "pl-rs-type")[0] as HTMLSelectElement;
    kind.value = "dictionary";
    kind.dispatchEvent(new Event("change"));
    expect(input(el, "pl-rs-pattern").hidden).toBe(true);
    expect([input(el, "pl-rs-case").checked, input(el, "pl-rs-word").checked]).toEqual([false, true]);
    type(el, "pl-rs-ruleset", "places");
    q(el, "pl-rs-load")[0].click();
    await settle();
    const pick = q(el, "pl-rs-rules")[0] as HTMLSelectElement;
    expect(pick.hidden).toBe(false);
    pick.value = "0";
    pick.dispatchEvent(new Event("change"));
    await settle();
    expect((q(el, "pl-rs-keywords")[0] as HTMLTextAreaElement).value).toBe("London\nParis");
    expect(model.requests("stats").at(-1)?.rule).toEqual(rules[0]);
    q(el, "pl-rs-save")[0].click();
    await settle();
    expect(model.requests("save").at(-1)).toMatchObject({ ruleset: "places", rule: rules[0] });
    q(el, "pl-rs-deploy")[0].click();
    await settle();
    expect(model.requests("deploy").at(-1)).toMatchObject({ ruleset: "places" });
    model.kernelSet("rulesets", ["finance", "places", "new"]);
    expect([...el.querySelectorAll("datalist option")].map((o) => o.getAttribute("value"))).toEqual(["finance", "places", "new"]);
  });
});
