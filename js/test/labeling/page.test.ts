// The page view in jsdom against a fake kernel: a drawn box selects the tokens inside it and
// labels them with the active label; thumbnails; zoom keys; the first-paint mark.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import view from "../../src/labeling_view.js";
import { wantedWidth } from "../../src/labeling/page_view.js";
import type { LabelingTraits, PageToken } from "../../src/labeling/types.js";
import { FakeModel, settle } from "../fake_model.js";

const token = (i: number, x: number, y: number): PageToken =>
  ({ i, text: `w${i}`, start: i * 3, end: i * 3 + 2, x, y, w: 40, h: 10 });
const TOKENS = [token(0, 10, 100), token(1, 60, 100), token(2, 10, 200)];

function traits(): LabelingTraits {
  return {
    task_id: 4, task: { id: 4, kind: "document", type: "pdf", title: "scan.pdf", text: "w0 w1 w2",
      pages: [{ index: 0, width: 600, height: 800 }, { index: 1, width: 600, height: 800 }], error: null },
    label_defs: [{ value: "ORG", background: "#fdb462", hotkey: null, control: "label", assertion: false }],
    relation_values: [], relation_defs: [], choice_defs: [], assertion_values: [], predictions: [],
    completions: [{ id: 2, created_by: "ann", created_at: "", updated_at: null, copied_from: null, ground_truth: false, n_results: 0 }],
    shown: { kind: "completion", id: 2 }, results: [], editable: true, dirty: false, compare_id: null, diff: {},
    page: 0, zoom: 1, message: "", message_level: "info",
  };
}

let model: FakeModel<LabelingTraits>;
let el: HTMLElement;
let cleanup: () => void;
const $ = <E extends Element = HTMLElement>(sel: string) => el.querySelector<E>(sel);

beforeEach(async () => {
  URL.createObjectURL = () => "blob:page";
  URL.revokeObjectURL = () => undefined;
  if (!("scrollIntoView" in Element.prototype)) Object.defineProperty(Element.prototype, "scrollIntoView", { value: () => undefined }); // no layout in jsdom
  model = new FakeModel(traits());
  model.handlers.page_image = (p) => ({ page: p.page, width: 600, height: 800, mime: "image/png", tokens: TOKENS });
  model.handlers.page_thumbnail = (p) => ({ page: p.page, mime: "image/png" });
  model.handlers.label_tokens = (p, m) => {
    const result = [{ kind: "span", id: "s1", start: 0, end: 5, label: p.label, text: "w0 w1",
      boxes: [{ page: 0, x: 10, y: 100, width: 90, height: 10 }] }];
    m.kernelSet("results", result);
    return result;
  };
  el = document.createElement("div");
  document.body.appendChild(el);
  cleanup = view.render({ model, el });
  await settle(10);
});
afterEach(() => { cleanup(); el.remove(); });

function drag(x0: number, y0: number, x1: number, y1: number): void {
  const svg = $<SVGSVGElement>(".pl-lv-overlay")!;
  // the drawn page at scale 1, at the viewport's origin
  svg.getBoundingClientRect = () => ({ left: 0, top: 0, width: 600, height: 800, right: 600, bottom: 800, x: 0, y: 0, toJSON: () => ({}) });
  const stage = $("[data-testid=pl-lv-stage]")!;
  svg.dispatchEvent(new MouseEvent("pointerdown", { clientX: x0, clientY: y0, button: 0, bubbles: true }));
  stage.dispatchEvent(new MouseEvent("pointermove", { clientX: x1, clientY: y1, bubbles: true }));
  stage.dispatchEvent(new MouseEvent("pointerup", { clientX: x1, clientY: y1, bubbles: true }));
}

describe("page view", () => {
  it("draws the page's tokens and a thumbnail strip with the current page marked", () => {
    expect(el.querySelectorAll("[data-testid=pl-lv-token]")).toHaveLength(3);
    expect($("[data-testid=pl-lv-page-info]")!.textContent).toBe("page 1 of 2");
    const thumbs = [...el.querySelectorAll<HTMLElement>("[data-testid=pl-lv-thumb]")];
    expect(thumbs.map((t) => t.getAttribute("aria-current"))).toEqual(["page", null]);
    expect(model.requests("page_image")).toHaveLength(1);
  });

  it("selects the tokens inside a drawn box, then labels them with a number key", async () => {
    drag(0, 90, 120, 115);
    await settle();
    const selected = [...el.querySelectorAll("[data-testid=pl-lv-token].pl-token-selected")].map((t) => t.getAttribute("data-token-index"));
    expect(selected).toEqual(["0", "1"]);
    expect(model.requests("label_tokens")).toHaveLength(0); // no label active yet
    $("[data-testid=pl-lv]")!.dispatchEvent(new KeyboardEvent("keydown", { key: "1", bubbles: true }));
    await settle(10);
    expect(model.requests("label_tokens")[0]).toMatchObject({ tokens: [0, 1], label: "ORG" });
    expect(el.querySelectorAll("[data-testid=pl-lv-chunk]")).toHaveLength(1);
    expect([...el.querySelectorAll("[data-testid=pl-lv-region]")].map((r) => r.getAttribute("data-label"))).toEqual(["ORG"]);
  });

  it("labels at once when a label is active; a click-sized drag selects nothing", async () => {
    $<HTMLButtonElement>("[data-testid=pl-lv-label][data-label=ORG]")!.click();
    drag(5, 195, 7, 197);
    await settle();
    expect(model.requests("label_tokens")).toHaveLength(0);
    drag(0, 190, 100, 215);
    await settle(10);
    expect(model.requests("label_tokens")[0]).toMatchObject({ tokens: [2], label: "ORG" });
  });

  it("zooms with keys and buttons, relative to fitting the page", async () => {
    const root = $("[data-testid=pl-lv]")!;
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "+", bubbles: true }));
    await settle();
    expect(model.get("zoom")).toBe(1.25);
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "0", bubbles: true }));
    await settle();
    expect(model.get("zoom")).toBe(1);
    $<HTMLButtonElement>("[data-testid=pl-lv-zoom-out]")!.click();
    await settle();
    expect($("[data-testid=pl-lv-zoom-info]")!.textContent).toBe("80%");
    root.dispatchEvent(new KeyboardEvent("keydown", { key: "PageDown", bubbles: true }));
    expect(model.get("page")).toBe(1);
  });
});

describe("image width asked of the kernel", () => {
  it("is the drawn width on this screen, rounded up to a step", () => {
    // a 1700 x 2200 page fitted into a 900 x 600 stage is drawn 464 px wide
    expect(wantedWidth(1700, 2200, 900, 600, 1, 1)).toBe(800);
    expect(wantedWidth(1700, 2200, 900, 600, 1, 2)).toBe(1200); // a HiDPI screen
    expect(wantedWidth(1700, 2200, 900, 600, 2, 1)).toBe(1200); // zoomed in
    expect(wantedWidth(1700, 2200, 100, 100, 1, 1)).toBe(400); // never below one step
  });

  it("asks for the first page at the stage's width", () => {
    const [request] = model.requests("page_image");
    expect(request.page).toBe(0);
    expect(request.width).toBeGreaterThanOrEqual(400);
    expect((request.width as number) % 400).toBe(0);
  });
});
