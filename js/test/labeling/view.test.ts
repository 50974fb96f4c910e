// The labeling view rendered in jsdom against a fake widget model and a fake kernel
// (test/fake_model.ts): regions, the keyboard review flow, the confidence filter, the diff.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import view from "../../src/labeling_view.js";
import type { LabelingTraits, Result } from "../../src/labeling/types.js";
import { FakeModel, settle } from "../fake_model.js";

const TEXT = "Angela Merkel visited Siemens in Berlin.";
const span = (start: number, end: number, label: string, extra: Record<string, unknown> = {}): Result => ({
  kind: "span", id: `${label}-${start}-${end}`, start, end, label, text: TEXT.slice(start, end), ...extra,
});
const PREDICTED: Result[] = [
  span(0, 13, "PERSON", { confidence: 0.97, source: "en_core_web_sm" }),
  span(22, 29, "ORG", { confidence: 0.41, source: "en_core_web_sm" }),
  span(33, 39, "GPE", { source: "cities" }), // no confidence at all
];

function traits(over: Partial<LabelingTraits> = {}): LabelingTraits {
  return {
    task_id: 1, task: { id: 1, kind: "text", type: "text", title: "Merkel", text: TEXT, pages: [], error: null },
    label_defs: [
      { value: "PERSON", background: "#8dd3c7", hotkey: "p", control: "label", assertion: false },
      { value: "ORG", background: "#1f3a93", hotkey: null, control: "label", assertion: false },
      { value: "GPE", background: "yellow;x", hotkey: null, control: "label", assertion: false },
    ],
    relation_values: [], relation_defs: [], choice_defs: [], assertion_values: [],
    predictions: [{ id: 7, version: 1, created_at: "2026-12-07T05:00:00", model_version: "m", n_results: 3 }],
    completions: [], shown: { kind: "prediction", id: 7 }, results: PREDICTED, editable: false, dirty: false,
    compare_id: null, diff: {}, page: 0, zoom: 1, message: "", message_level: "info", ...over,
  };
}

let model: FakeModel<LabelingTraits>;
let el: HTMLElement;
let cleanup: () => void;
const $ = <E extends Element = HTMLElement>(sel: string) => el.querySelector<E>(sel);
const $$ = (sel: string) => [...el.querySelectorAll<HTMLElement>(sel)];
const press = (key: string, mods: KeyboardEventInit = {}) => {
  const target = (document.activeElement && el.contains(document.activeElement) ? document.activeElement : $("[data-testid=pl-lv]"))!;
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true, ...mods }));
};
const rows = () => $$("[data-testid=pl-lv-region]");
const focusedRow = () => rows().find((r) => r.getAttribute("aria-selected") === "true")?.dataset.regionId ?? null;

beforeEach(async () => {
  if (!("scrollIntoView" in Element.prototype)) Object.defineProperty(Element.prototype, "scrollIntoView", { value: () => undefined }); // jsdom has no layout
  globalThis.requestAnimationFrame ??= ((fn: FrameRequestCallback) => setTimeout(() => fn(0), 0)) as typeof requestAnimationFrame;
  model = new FakeModel(traits());
  el = document.createElement("div");
  document.body.appendChild(el);
  cleanup = view.render({ model, el });
  await settle();
});
afterEach(() => { cleanup(); el.remove(); });

describe("regions panel", () => {
  it("lists regions in order with label colour, text, confidence, source and a lock on predictions", () => {
    expect(rows().map((r) => r.dataset.label)).toEqual(["PERSON", "ORG", "GPE"]);
    const [person, , gpe] = rows();
    expect(person.querySelector("[data-testid=pl-lv-region-lock]")).not.toBeNull();
    expect(person.querySelector("[data-testid=pl-lv-region-confidence]")!.textContent).toBe("0.97");
    expect(person.querySelector("[data-testid=pl-lv-region-source]")!.textContent).toBe("en_core_web_sm");
    expect(gpe.querySelector("[data-testid=pl-lv-region-confidence]")!.textContent).toBe("—");
    // a config colour that is not a colour never reaches the style
    expect(gpe.querySelector(".pl-lv-chip")!.getAttribute("style")).toContain("#cccccc");
    // dark label colour: white text
    expect(rows()[1].querySelector(".pl-lv-chip")!.getAttribute("style")).toMatch(/color:#fff/);
    expect($("[data-testid=pl-lv-regions]")!.dataset.count).toBe("3");
  });

  it("focuses a region on click, in the list and in the text", async () => {
    rows()[1].click();
    await settle();
    expect(focusedRow()).toBe("ORG-22-29");
    const seg = $$("[data-testid=pl-lv-seg].pl-selected-span");
    expect(seg.map((s) => s.textContent)).toEqual(["Siemens"]);
    expect($("[data-testid=pl-lv-span-toolbar]")!.hidden).toBe(false);
  });

  it("has no locks on an editable completion", async () => {
    model.kernelSet("editable", true);
    model.kernelSet("shown", { kind: "completion", id: 3 });
    await settle();
    expect($$("[data-testid=pl-lv-region-lock]")).toHaveLength(0);
  });
});

describe("confidence filter", () => {
  it("dims, then hides, regions below the threshold (never those without a confidence)", async () => {
    const slider = $<HTMLInputElement>("[data-testid=pl-lv-threshold]")!;
    slider.value = "0.5";
    slider.dispatchEvent(new Event("input"));
    await settle();
    expect(rows().map((r) => r.dataset.low)).toEqual(["false", "true", "false"]);
    expect($$("[data-testid=pl-lv-seg].pl-low").map((s) => s.textContent)).toEqual(["Siemens"]);
    const hide = $<HTMLInputElement>("[data-testid=pl-lv-hide-low]")!;
    hide.checked = true;
    hide.dispatchEvent(new Event("change"));
    await settle();
    expect(rows().map((r) => r.dataset.label)).toEqual(["PERSON", "GPE"]);
    expect($$("[data-testid=pl-lv-seg].pl-mark").map((s) => s.textContent)).toEqual(["Angela Merkel", "Berlin"]);
    expect($("[data-testid=pl-lv-threshold-value]")!.textContent).toBe("0.50");
  });
});

describe("keyboard review flow", () => {
  it("walks regions, rejects one, and accepts the prediction without it", async () => {
    model.handlers.accept_prediction = (params, m) => {
      m.kernelSet("shown", { kind: "completion", id: 11 });
      m.kernelSet("editable", true);
      m.kernelSet("results", PREDICTED.filter((r) => !(params.rejected as string[]).includes(r.id)));
      return { id: 11, n_results: 2, rejected: 1 };
    };
    $("[data-testid=pl-lv]")!.focus();
    press("ArrowDown");
    await settle();
    expect(focusedRow()).toBe("PERSON-0-13");
    press("Enter"); // accept PERSON, move on
    await settle();
    expect(focusedRow()).toBe("ORG-22-29");
    expect(rows()[0].dataset.mark).toBe("accepted");
    press("Delete"); // reject ORG
    await settle();
    expect(rows()[1].dataset.mark).toBe("rejected");
    expect(focusedRow()).toBe("GPE-33-39");
    press("ArrowUp");
    press("ArrowUp");
    await settle();
    expect(focusedRow()).toBe("PERSON-0-13");
    press("Enter", { ctrlKey: true });
    await settle();
    const [sent] = model.requests("accept_prediction");
    expect(sent).toMatchObject({ prediction_id: 7, rejected: ["ORG-22-29"] });
    expect(rows().map((r) => r.dataset.label)).toEqual(["PERSON", "GPE"]);
    expect($("[data-testid=pl-lv]")!.dataset.shown).toBe("completion:11");
  });

  it("relabels the focused region with a number key, keeps it focused, saves and goes to the next task", async () => {
    model.kernelSet("shown", { kind: "completion", id: 11 });
    model.kernelSet("editable", true);
    model.handlers.relabel = (params, m) => {
      const results = m.get("results") as Result[];
      const old = results.find((r) => r.id === params.id)!;
      const next = results.map((r) => (r.id === params.id ? { ...old, id: "ORG-0-13", label: params.label as string } : r));
      m.kernelSet("results", next);
      m.kernelSet("dirty", true);
      return next;
    };
    model.handlers.save = (_p, m) => { m.kernelSet("dirty", false); return { id: 11, n_results: 3 }; };
    model.handlers.next_task = () => ({ task_id: 2, reviewed: false, remaining: 4 });
    model.handlers.load = () => ({ id: 2 });
    await settle();
    $("[data-testid=pl-lv]")!.focus();
    press("ArrowDown");
    press("2"); // ORG is the second label
    await settle();
    expect(model.requests("relabel")[0]).toMatchObject({ id: "PERSON-0-13", label: "ORG" });
    expect(focusedRow()).toBe("ORG-0-13");
    press("N", { shiftKey: true });
    await settle();
    const order = model.sent.map((m) => m.type).filter((t) => ["save", "next_task", "load"].includes(t));
    expect(order).toEqual(["save", "next_task", "load"]);
    expect(model.requests("next_task")[0]).toMatchObject({ direction: 1, unreviewed: true });
    expect(model.requests("load")[0]).toMatchObject({ task_id: 2 });
  });

  it("moves a span's end by a word with Shift+→", async () => {
    model.kernelSet("shown", { kind: "completion", id: 11 });
    model.kernelSet("editable", true);
    model.kernelSet("results", [span(0, 6, "PERSON")]);
    model.handlers.resize_span = (p) => [span(p.start as number, p.end as number, "PERSON")];
    await settle();
    $("[data-testid=pl-lv]")!.focus();
    press("ArrowDown");
    press("ArrowRight", { shiftKey: true });
    await settle();
    expect(model.requests("resize_span")[0]).toMatchObject({ id: "PERSON-0-6", start: 0, end: 13 });
  });

  it("fixes a prediction's region in one key: accepts the prediction, then relabels the copy", async () => {
    model.handlers.accept_prediction = (_p, m) => {
      m.kernelSet("shown", { kind: "completion", id: 12 });
      m.kernelSet("editable", true);
      m.kernelSet("results", PREDICTED.map((r) => ({ ...r, id: `copy-${r.id}` })));
      return { id: 12, n_results: 3, rejected: 0 };
    };
    model.handlers.relabel = (p, m) => {
      const next = (m.get("results") as Result[]).map((r) => (r.id === p.id ? { ...r, id: "fixed", label: p.label as string } : r));
      m.kernelSet("results", next);
      return next;
    };
    const outside = vi.fn();
    document.body.addEventListener("keydown", outside);
    $("[data-testid=pl-lv]")!.focus();
    press("ArrowDown");
    press("ArrowDown"); // ORG "Siemens"
    press("1"); // -> PERSON
    await settle(10);
    expect(model.sent.map((m) => m.type).filter((t) => t === "accept_prediction" || t === "relabel"))
      .toEqual(["accept_prediction", "relabel"]);
    expect(model.requests("relabel")[0]).toMatchObject({ id: "copy-ORG-22-29", label: "PERSON" });
    expect(focusedRow()).toBe("fixed");
    expect(outside).not.toHaveBeenCalled(); // the view's keys stay in the view
    press("x"); // not a shortcut: JupyterLab may have it
    expect(outside).toHaveBeenCalledTimes(1);
    document.body.removeEventListener("keydown", outside);
  });

  it("documents every shortcut in the help popover and on the buttons", async () => {
    const help = $("[data-testid=pl-lv-help]")!;
    expect(help.hidden).toBe(true);
    press("?", { shiftKey: true });
    await settle();
    expect(help.hidden).toBe(false);
    expect(help.textContent).toContain("Ctrl+Enter");
    expect(help.textContent).toContain("1 = PERSON, 2 = ORG, 3 = GPE");
    expect(help.textContent).toContain("p = PERSON");
    expect($("[data-testid=pl-lv-create-completion]")!.getAttribute("aria-keyshortcuts")).toBe("Control+Enter Meta+Enter");
    expect($("[data-testid=pl-lv-next-review]")!.getAttribute("aria-keyshortcuts")).toBe("Shift+N");
    expect($("[data-testid=pl-lv-label][data-label=PERSON]")!.getAttribute("aria-keyshortcuts")).toBe("1 p");
    press("Escape");
    await settle();
    expect(help.hidden).toBe(true);
  });
});

describe("tabs and diff", () => {
  it("shows the predictions tab selected, and the completion tab once there is one", async () => {
    const [pred, comp] = [$("[data-testid=pl-lv-tab-predictions]")!, $<HTMLButtonElement>("[data-testid=pl-lv-tab-completion]")!];
    expect(pred.getAttribute("aria-selected")).toBe("true");
    expect(comp.disabled).toBe(true);
    model.kernelSet("completions", [{ id: 11, created_by: "ann", created_at: "", updated_at: null, copied_from: 7, ground_truth: false, n_results: 2 }]);
    model.kernelSet("shown", { kind: "completion", id: 11 });
    await settle();
    expect(comp.getAttribute("aria-selected")).toBe("true");
    expect(comp.disabled).toBe(false);
  });

  it("renders a diff and marks the added spans in the text", async () => {
    model.kernelSet("diff", {
      summary: { added: 1, removed: 1, relabelled: 1, unchanged: 1, changed_choices: 0, added_relations: 0, removed_relations: 0 },
      added: [{ start: 22, end: 29, label: "ORG", text: "Siemens" }],
      removed: [{ start: 0, end: 6, label: "ORG", text: "Angela" }],
      relabelled: [{ before: { start: 33, end: 39, label: "LOC", text: "Berlin" }, after: { start: 33, end: 39, label: "GPE", text: "Berlin" } }],
      base: { id: 6, version: 1 },
    });
    await settle();
    expect($("[data-testid=pl-lv-diff]")!.hidden).toBe(false);
    expect($$("[data-testid=pl-lv-diff-added]").map((x) => x.textContent)).toEqual(["+ “Siemens” ORG"]);
    expect($$("[data-testid=pl-lv-diff-removed]").map((x) => x.textContent)).toEqual(["− “Angela” ORG"]);
    expect($$("[data-testid=pl-lv-diff-relabelled]").map((x) => x.textContent)).toEqual(["~ “Berlin” LOC → GPE"]);
    expect($$(".pl-seg.pl-diff-added").map((s) => s.textContent)).toEqual(["Siemens"]);
    expect($$(".pl-seg.pl-diff-relabelled").map((s) => s.textContent)).toEqual(["Berlin"]);
    model.kernelSet("diff", {});
    await settle();
    expect($("[data-testid=pl-lv-diff]")!.hidden).toBe(true);
  });
});
