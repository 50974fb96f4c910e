import { describe, expect, it } from "vitest";
import { render } from "../src/task_grid.js";
import { keyAction, moveCursor, rangeIndices } from "../src/task_grid/selection.js";
import { confidenceText, confidenceLevel, neededWidth, visibleColumns } from "../src/task_grid/columns.js";
import type { GridRow, TaskGridState } from "../src/common/messages.js";
import { FakeModel, KernelRaise, settle } from "./fake_model.js";

// `review` is optional here: the tests also play a kernel that predates the review filter
type State = Omit<TaskGridState, "review"> & { review?: string };

function makeRows(n: number, extra: Partial<GridRow> = {}): GridRow[] {
  return Array.from({ length: n }, (_, i) => ({
    id: i + 1, title: `Task number ${i + 1} with a long title that should be cut`, kind: "text", type: "text",
    status: i % 2 ? "preannotated" : "new", n_predictions: i % 2, n_completions: 0,
    last_preannotated: i % 2 ? "2026-12-07T05:38:49.123+00:00" : null, error: null, selected: false, ...extra,
  }));
}

function state(extra: Partial<State> = {}): State {
  return { message: "", message_level: "info", sort: "id", descending: false, status: [], kind: [],
    search: "", page_size: 5, total: 0, selected_count: 0, refresh_token: 0, ...extra };
}

/** A kernel with `all` tasks, paging and a selection (like widgets/_task_grid.py). */
function kernel(model: FakeModel<State>, all: GridRow[]): Set<number> {
  const selected = new Set<number>();
  model.handlers.page = (p) => {
    const offset = (p.offset as number) ?? 0;
    const limit = (p.limit as number) ?? 5;
    model.kernelSet("total", all.length);
    return { total: all.length, offset,
      rows: all.slice(offset, offset + limit).map((r) => ({ ...r, selected: selected.has(r.id) })) };
  };
  model.handlers.select = (p) => {
    for (const id of p.ids as number[]) { if (p.selected === false) selected.delete(id); else selected.add(id); }
    model.kernelSet("selected_count", selected.size);
    return { count: selected.size };
  };
  model.handlers.open = (p) => ({ task_id: p.task_id as number });
  return selected;
}

function mount(model: FakeModel<State>): HTMLElement {
  const el = document.createElement("div");
  document.body.appendChild(el);
  // the view's model type requires `review`; a kernel without it is what these tests also play
  render({ model: model as unknown as Parameters<typeof render>[0]["model"], el });
  return el;
}

const q = (el: HTMLElement, id: string): HTMLElement[] => [...el.querySelectorAll<HTMLElement>(`[data-testid=${id}]`)];

function key(el: HTMLElement, k: string, opts: KeyboardEventInit = {}): void {
  q(el, "pl-grid-table")[0].dispatchEvent(new KeyboardEvent("keydown", { key: k, bubbles: true, ...opts }));
}

describe("TaskGrid view", () => {
  it("renders one line per task with the full title as tooltip", async () => {
    const model = new FakeModel(state());
    kernel(model, makeRows(12));
    const el = mount(model);
    await settle();
    const rows = q(el, "pl-grid-row");
    expect(rows.map((r) => r.dataset.taskId)).toEqual(["1", "2", "3", "4", "5"]);
    const title = rows[0].querySelector<HTMLElement>(".pl-cell-title")!;
    expect(title.title).toContain("long title");
    expect(q(el, "pl-grid-page-info")[0].textContent).toBe("1-5 of 12");
    expect(q(el, "pl-grid-table")[0].getAttribute("role")).toBe("grid");
    expect(rows[1].querySelector(".pl-cell-last_preannotated")!.textContent).toBe("2026-12-07 05:38");
    expect(rows[1].querySelector<HTMLElement>(".pl-cell-last_preannotated")!.title).toBe("2026-12-07 05:38:49");
    // no review signals from this kernel: no confidence column, no review filter
    expect(q(el, "pl-grid-header-confidence")).toHaveLength(0);
    expect(q(el, "pl-grid-review")[0].closest("label")!.hidden).toBe(true);
  });

  it("selects with the keyboard: arrows, space, shift-range, and opens with Enter", async () => {
    const model = new FakeModel(state());
    const selected = kernel(model, makeRows(12));
    const el = mount(model);
    await settle();
    q(el, "pl-grid-table")[0].focus();
    key(el, "ArrowDown");
    expect(q(el, "pl-grid-row")[1].classList.contains("pl-cursor")).toBe(true);
    key(el, " ");
    await settle();
    expect([...selected]).toEqual([2]);
    expect(q(el, "pl-grid-row")[1].getAttribute("aria-selected")).toBe("true");
    key(el, "ArrowDown", { shiftKey: true });
    key(el, "ArrowDown", { shiftKey: true });
    await settle();
    expect([...selected].sort()).toEqual([2, 3, 4]);
    expect(q(el, "pl-grid-selected-count")[0].textContent).toBe("3 selected");
    key(el, "Enter");
    await settle();
    expect(model.requests("open").map((m) => m.task_id)).toEqual([4]);
    key(el, "PageDown");
    await settle();
    expect(q(el, "pl-grid-row")[0].dataset.taskId).toBe("6");
  });

  it("shift-click on a checkbox selects the range from the last clicked row", async () => {
    const model = new FakeModel(state());
    const selected = kernel(model, makeRows(5));
    const el = mount(model);
    await settle();
    q(el, "pl-grid-row-check")[0].click();
    await settle();
    q(el, "pl-grid-row-check")[3].dispatchEvent(new MouseEvent("click", { shiftKey: true, bubbles: true, cancelable: true }));
    await settle();
    expect([...selected].sort()).toEqual([1, 2, 3, 4]);
    expect((q(el, "pl-grid-select-page")[0] as HTMLInputElement).indeterminate).toBe(true);
  });

  it("shows confidence and review flags when the kernel sends them, and filters by review", async () => {
    const model = new FakeModel(state({ review: "" }));
    const rows = makeRows(3).map((r, i) => ({ ...r, confidence: [0.3, null, 0.95][i],
      review_flags: i === 0 ? ["low_confidence", "models_disagree"] : [] }));
    kernel(model, rows);
    const el = mount(model);
    await settle();
    expect(q(el, "pl-grid-header-confidence")).toHaveLength(1);
    const first = q(el, "pl-grid-row")[0];
    expect(first.querySelector(".pl-conf-text")!.textContent).toBe("30%");
    expect(first.querySelector(".pl-conf-bar")!.classList.contains("pl-conf-low")).toBe(true);
    expect(first.querySelector(".pl-cell-review_flags")!.textContent).toBe("low confidencemodels disagree");
    expect(q(el, "pl-grid-row")[1].querySelector(".pl-cell-confidence")!.textContent).toBe("—");
    const review = q(el, "pl-grid-review")[0] as HTMLSelectElement;
    expect(review.closest("label")!.hidden).toBe(false);
    review.value = "low_confidence";
    review.dispatchEvent(new Event("change"));
    await settle();
    expect(model.get("review")).toBe("low_confidence");
    expect(model.requests("page").at(-1)!.query).toMatchObject({ review: "low_confidence" });
    q(el, "pl-grid-header-confidence")[0].click();
    expect(model.get("sort")).toBe("confidence");
  });

  it("sorts by header click and reverses on the second", async () => {
    const model = new FakeModel(state());
    kernel(model, makeRows(3));
    const el = mount(model);
    await settle();
    q(el, "pl-grid-header-title")[0].click();
    expect(model.get("sort")).toBe("title");
    q(el, "pl-grid-header-title")[0].click();
    expect(model.get("descending")).toBe(true);
    await settle();
    expect(q(el, "pl-grid-header-title")[0].getAttribute("aria-sort")).toBe("descending");
  });

  it("says when no task matches, and why", async () => {
    const model = new FakeModel(state());
    kernel(model, []);
    const el = mount(model);
    await settle();
    expect(q(el, "pl-grid-empty")[0].textContent).toMatch(/^No tasks yet/);
    model.set("search", "zzz");
    await settle();
    expect(q(el, "pl-grid-empty")[0].textContent).toBe("No task matches the search and filters.");
    expect(q(el, "pl-grid-table")[0].hasAttribute("aria-busy")).toBe(false);
  });

  it("resizes a column from the keyboard (Alt+arrows on its header)", async () => {
    const model = new FakeModel(state());
    kernel(model, makeRows(2));
    const el = mount(model);
    await settle();
    const th = q(el, "pl-grid-header-status")[0];
    const col = el.querySelector<HTMLElement>("col[data-column=status]")!;
    expect(col.style.width).toBe("120px");
    th.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", altKey: true, bubbles: true }));
    th.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", altKey: true, bubbles: true }));
    expect(col.style.width).toBe("152px");
    for (let i = 0; i < 10; i++) th.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft", altKey: true, bubbles: true }));
    expect(col.style.width).toBe("40px");
    expect(model.get("sort")).toBe("id"); // resizing is not sorting
  });

  it("shows a kernel error on the status line", async () => {
    const model = new FakeModel(state());
    model.handlers.page = () => { throw new KernelRaise("cannot sort the grid by 'x'"); };
    const el = mount(model);
    await settle();
    expect(q(el, "pl-message")[0].textContent).toBe("page: cannot sort the grid by 'x'");
  });
});

describe("grid helpers", () => {
  it("maps keys to actions", () => {
    const k = (key: string, shiftKey = false, ctrlKey = false) => ({ key, shiftKey, ctrlKey, metaKey: false });
    expect(keyAction(k("ArrowDown"), { index: -1, anchor: -1 }, 3)).toEqual({ kind: "move", index: 0, extend: false });
    expect(keyAction(k("ArrowDown"), { index: 2, anchor: 2 }, 3)).toEqual({ kind: "move", index: 2, extend: false });
    expect(keyAction(k("ArrowUp", true), { index: 0, anchor: 0 }, 3)).toEqual({ kind: "move", index: 0, extend: true });
    expect(keyAction(k("End"), { index: 0, anchor: 0 }, 3)).toEqual({ kind: "move", index: 2, extend: false });
    expect(keyAction(k("a", false, true), { index: 0, anchor: 0 }, 3)).toEqual({ kind: "select-page" });
    expect(keyAction(k("a"), { index: 0, anchor: 0 }, 3)).toEqual({ kind: "none" });
    expect(keyAction(k("ArrowDown"), { index: -1, anchor: -1 }, 0)).toEqual({ kind: "none" });
  });

  it("keeps the anchor on shift-moves only", () => {
    expect(moveCursor({ index: 1, anchor: 1 }, 3, true)).toEqual({ index: 3, anchor: 1 });
    expect(moveCursor({ index: 1, anchor: 1 }, 3, false)).toEqual({ index: 3, anchor: 3 });
    expect(rangeIndices(4, 2)).toEqual([2, 3, 4]);
  });

  it("formats confidence", () => {
    expect(confidenceText(0.834)).toBe("83%");
    expect(confidenceText(null)).toBe("");
    expect(confidenceLevel(0.2)).toBe("low");
    expect(confidenceLevel(0.7)).toBe("mid");
    expect(confidenceLevel(0.9)).toBe("high");
    expect(visibleColumns(makeRows(1), false).map((c) => c.key)).not.toContain("confidence");
    expect(visibleColumns(makeRows(1, { confidence: 0.5 }), false).map((c) => c.key)).toContain("confidence");
  });
});

describe("columns in a narrow panel", () => {
  it("drops the least important columns first and never the title", () => {
    const keys = (available: number) => visibleColumns(makeRows(1, { confidence: 0.5, review_flags: [] }), true, available).map((c) => c.key);
    const all = keys(0);
    expect(all).toEqual(["id", "title", "kind", "status", "confidence", "review_flags", "n_predictions", "n_completions",
      "last_preannotated", "error"]);
    expect(keys(5000)).toEqual(all);
    const wide = keys(1100);
    expect(wide).not.toContain("last_preannotated");
    expect(wide).not.toContain("n_completions");
    expect(wide).toContain("kind");
    const medium = keys(950);
    expect(medium).not.toContain("kind");
    expect(medium).toContain("error");
    const narrow = keys(500);
    expect(narrow).toEqual(["id", "title", "status", "confidence"]);
    expect(neededWidth(visibleColumns(makeRows(1), false, 500))).toBeGreaterThanOrEqual(220);
  });
});
