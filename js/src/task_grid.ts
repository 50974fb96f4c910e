// TaskGrid view (widgets/_task_grid.py). The kernel pages, sorts, filters and holds the
// selection; this view asks for one page at a time (request "page") and sends selection /
// open / preannotate requests. One line per task; the keyboard drives it: arrows move,
// Shift+arrows select a range, Space toggles, Enter opens, PageUp/PageDown page.
//
// Test ids (data-testid):
//   pl-grid                         root
//   pl-grid-search                  search input (applies on Enter or after typing stops)
//   pl-grid-status-<status>         status filter checkboxes (new, preannotated, in_progress, completed, error)
//   pl-grid-kind-<kind>             type filter checkboxes (text, document)
//   pl-grid-review                  <select> of the review filter (when the kernel has the `review` trait)
//   pl-grid-header-<column>         column headers (sortable ones: click sorts, again reverses);
//                                   attribute data-sort="asc"|"desc" on the active one
//   pl-grid-table                   the grid (role=grid; focus it to use the keyboard)
//   pl-grid-empty                   the line shown when no task matches (or there is none yet)
//   pl-grid-row                     one <tr> per task, attribute data-task-id, class pl-selected,
//                                   class pl-cursor on the focused row
//   pl-grid-row-check               the row's checkbox (shift-click selects a range)
//   pl-grid-open                    the row's title button (opens the task)
//   pl-grid-confidence              the confidence bar and percentage (when rows carry it)
//   pl-grid-select-page             checkbox: select / unselect the visible page
//   pl-grid-select-all-matching     button: select every task matching the query
//   pl-grid-clear-selection         button
//   pl-grid-selected-count          text "N selected"
//   pl-grid-prev, pl-grid-next      paging buttons; pl-grid-page-info "1-50 of 100000"
//   pl-grid-preannotate             the Pre-Annotate button (disabled without a selection)
//   pl-message                      status line
import { h, clear, setText, createRpc, messageLine, attempt, save, type RenderProps } from "./common/index.js";
import type { GridQuery, GridRow, TaskGridRequests, TaskGridState } from "./common/messages.js";
import { REVIEW_FILTERS, neededWidth, visibleColumns, type Column } from "./task_grid/columns.js";
import { keyboardResize, resizeHandle } from "./task_grid/resize.js";
import { keyAction, moveCursor, rangeIndices, type Cursor } from "./task_grid/selection.js";

const STATUSES = ["new", "preannotated", "in_progress", "completed", "error"];
const KINDS = ["text", "document"];
const SEARCH_DELAY_MS = 400;

// `review` arrives with the kernel's review signals; older kernels do not have it
type State = TaskGridState & { review?: string };
type FilterName = "status" | "kind";

function render({ model, el }: RenderProps<State>): () => void {
  const rpc = createRpc<TaskGridRequests>(model);
  const uid = Math.random().toString(36).slice(2); // row ids unique per view (aria-activedescendant)
  const hasReview = (): boolean => model.get("review") !== undefined;
  let offset = 0;
  let rows: GridRow[] = [];
  let cursor: Cursor = { index: -1, anchor: -1 };
  const widths = new Map<string, number>(); // user-resized columns, kept while the view lives
  const root = h("div", { class: "pl-root pl-grid", "data-testid": "pl-grid" });

  // -- toolbar ----------------------------------------------------------------------------------
  const search = h("input", { type: "search", placeholder: "Search title and text", class: "pl-grow",
    "aria-label": "Search tasks", "data-testid": "pl-grid-search", value: model.get("search") });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const applySearch = (): void => { clearTimeout(timer); offset = 0; save(model, "search", search.value); };
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") applySearch(); });
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(applySearch, SEARCH_DELAY_MS); });

  const filterBoxes = (name: FilterName, values: string[]): HTMLElement =>
    h("div", { class: "pl-pills", role: "group", "aria-label": name === "status" ? "Status" : "Type" },
      h("span", { class: "pl-muted" }, name === "status" ? "Status" : "Type"),
      values.map((value) => {
        const box = h("input", { type: "checkbox", "data-testid": `pl-grid-${name}-${value}`,
          checked: model.get(name).includes(value),
          onchange: () => {
            const now = new Set(model.get(name));
            if (box.checked) now.add(value); else now.delete(value);
            offset = 0;
            save(model, name, values.filter((v) => now.has(v)));
          } });
        return h("label", { class: "pl-pill" }, box, h("span", {}, value.replace("_", " ")));
      }));

  const review = h("select", { "data-testid": "pl-grid-review", "aria-label": "Review filter",
    onchange: () => { offset = 0; save(model, "review", review.value); } },
    REVIEW_FILTERS.map(([value, text]) => h("option", { value }, text)));
  const reviewBox = h("label", { class: "pl-field" }, h("span", { class: "pl-muted" }, "Review"), review);

  const selectedCount = h("span", { "data-testid": "pl-grid-selected-count", class: "pl-muted", "aria-live": "polite" });
  const preannotate = h("button", { "data-testid": "pl-grid-preannotate", class: "pl-primary",
    onclick: () => attempt(rpc, model, "preannotate", {}) }, "Pre-Annotate");
  const selectAll = h("button", { "data-testid": "pl-grid-select-all-matching",
    onclick: () => attempt(rpc, model, "select_all_matching", { query: query() }) }, "Select all matching");
  const clearSel = h("button", { "data-testid": "pl-grid-clear-selection",
    onclick: () => attempt(rpc, model, "clear_selection", {}) }, "Clear selection");

  // -- table ------------------------------------------------------------------------------------
  const pageBox = h("input", { type: "checkbox", "data-testid": "pl-grid-select-page",
    title: "Select this page", "aria-label": "Select this page",
    onchange: () => { void selectRows(rows.map((r) => r.id), pageBox.checked); } });
  const colgroup = h("colgroup");
  const headRow = h("tr", { role: "row" });
  const tbody = h("tbody");
  const table = h("table", { class: "pl-table pl-grid-table", role: "grid", "aria-multiselectable": "true",
    "aria-label": "Tasks", "data-testid": "pl-grid-table", tabindex: 0,
    // the grid's keys are the grid's: JupyterLab's command-mode shortcuts stay out of it
    "data-lm-suppress-shortcuts": "true" },
  colgroup, h("thead", {}, headRow), tbody);
  const scroller = h("div", { class: "pl-grid-scroll" }, table);
  let shown: Column[] = [];

  const prev = h("button", { "data-testid": "pl-grid-prev", "aria-label": "Previous page",
    onclick: () => turnPage(-1) }, "‹ Prev");
  const next = h("button", { "data-testid": "pl-grid-next", "aria-label": "Next page",
    onclick: () => turnPage(1) }, "Next ›");
  const pageInfo = h("span", { "data-testid": "pl-grid-page-info", class: "pl-muted" });

  root.append(
    h("div", { class: "pl-toolbar" }, search, filterBoxes("status", STATUSES), filterBoxes("kind", KINDS), reviewBox),
    h("div", { class: "pl-toolbar" }, preannotate, selectAll, clearSel, selectedCount),
    messageLine(model),
    scroller,
    h("div", { class: "pl-toolbar pl-pager" }, prev, pageInfo, next,
      h("span", { class: "pl-muted pl-hint" }, "↑↓ move · Shift+↑↓ range · Space select · Enter open")),
  );
  el.appendChild(root);

  function drawHeader(): void {
    clear(colgroup);
    clear(headRow);
    colgroup.appendChild(h("col", { class: "pl-col-check" }));
    headRow.appendChild(h("th", { class: "pl-col-check", role: "columnheader" }, pageBox));
    for (const column of shown) {
      const col = h("col", { "data-column": column.key });
      const width = widths.get(column.key) ?? column.width;
      if (width) col.style.width = `${width}px`;
      colgroup.appendChild(col);
      const sortable = column.sortable && (column.key !== "confidence" || hasReview());
      const resized = (w: number): void => { widths.set(column.key, w); table.style.minWidth = `${neededWidth(shown, widths)}px`; };
      const th = h("th", { "data-testid": `pl-grid-header-${column.key}`, "data-column": column.key,
        role: "columnheader", class: `${sortable ? "pl-sortable" : ""}${column.align ? " pl-num" : ""}`,
        title: `${column.title}${sortable ? " (click to sort)" : ""}; Alt+←/→ resizes`, tabindex: 0 },
      h("span", { class: "pl-th-text" }, column.title), resizeHandle(col, resized));
      keyboardResize(th, col, resized);
      if (sortable) {
        const sort = (): void => {
          if (model.get("sort") === column.key) save(model, "descending", !model.get("descending"));
          else { model.set("descending", false); save(model, "sort", column.key); }
        };
        th.addEventListener("click", sort);
        th.addEventListener("keydown", (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); } });
      }
      headRow.appendChild(th);
    }
    drawSortMarks();
  }

  function drawSortMarks(): void {
    for (const th of headRow.querySelectorAll<HTMLElement>("th[data-column]")) {
      const active = th.dataset.column === model.get("sort");
      if (active) {
        th.setAttribute("data-sort", model.get("descending") ? "desc" : "asc");
        th.setAttribute("aria-sort", model.get("descending") ? "descending" : "ascending");
      } else {
        th.removeAttribute("data-sort");
        th.removeAttribute("aria-sort");
      }
    }
  }

  function cell(row: GridRow, column: Column): HTMLTableCellElement {
    const tip = column.tooltip ? column.tooltip(row) : undefined;
    const attrs = { class: `pl-cell-${column.key}${column.align ? " pl-num" : ""}`, title: tip || null, role: "gridcell" };
    if (column.key === "title") {
      return h("td", attrs, h("button", { class: "pl-link", "data-testid": "pl-grid-open", tabindex: -1,
        onclick: () => { void openRow(row); } }, row.title || `task ${row.id}`));
    }
    return h("td", attrs, column.cell(row));
  }

  /** Pick the columns for the page and the panel's width; redraw the header when they change. */
  function fitColumns(): boolean {
    const columns = visibleColumns(rows, hasReview(), scroller.clientWidth, widths);
    table.style.minWidth = `${neededWidth(columns, widths)}px`;
    if (columns.map((c) => c.key).join() === shown.map((c) => c.key).join()) return false;
    shown = columns;
    drawHeader();
    return true;
  }

  function drawRows(): void {
    fitColumns();
    clear(tbody);
    if (!rows.length) {
      tbody.appendChild(h("tr", { class: "pl-empty-row" }, h("td", { colspan: shown.length + 1, class: "pl-muted",
        "data-testid": "pl-grid-empty" }, model.get("total") === 0 && !filtered()
        ? "No tasks yet: add some with project.add_tasks or pl.read_tasks."
        : "No task matches the search and filters.")));
    }
    rows.forEach((row, index) => {
      const check = h("input", { type: "checkbox", "data-testid": "pl-grid-row-check", checked: row.selected,
        tabindex: -1, "aria-label": `Select task ${row.id}` });
      check.addEventListener("click", (e: MouseEvent) => {
        if (e.shiftKey && cursor.anchor >= 0) { // a range, from the anchor to this row
          e.preventDefault();
          cursor = { index, anchor: cursor.anchor };
          void selectRange(true);
        } else {
          cursor = { index, anchor: index };
          void selectRows([row.id], check.checked);
        }
        drawCursor(false);
      });
      const tr = h("tr", { "data-testid": "pl-grid-row", "data-task-id": row.id, role: "row", id: `pl-row-${uid}-${index}`,
        "aria-selected": row.selected ? "true" : "false", class: row.selected ? "pl-selected" : "" },
      h("td", { class: "pl-col-check", role: "gridcell" }, check), shown.map((c) => cell(row, c)));
      tr.addEventListener("click", (e) => {
        if ((e.target as HTMLElement).closest("input, button")) return;
        cursor = moveCursor(cursor, index, false);
        drawCursor(true);
      });
      tbody.appendChild(tr);
    });
    if (cursor.index >= rows.length) cursor = { index: rows.length - 1, anchor: rows.length - 1 };
    drawCursor(false);
    drawPageBox();
  }

  function drawPageBox(): void {
    pageBox.checked = rows.length > 0 && rows.every((r) => r.selected);
    pageBox.indeterminate = !pageBox.checked && rows.some((r) => r.selected);
  }

  function drawCursor(focus: boolean): void {
    const trs = tbody.querySelectorAll<HTMLTableRowElement>("tr[data-task-id]");
    trs.forEach((tr, i) => tr.classList.toggle("pl-cursor", i === cursor.index));
    const current = trs[cursor.index];
    if (current) table.setAttribute("aria-activedescendant", current.id);
    else table.removeAttribute("aria-activedescendant");
    if (current) {
      if (focus) {
        current.scrollIntoView({ block: "nearest" });
        table.focus({ preventScroll: true });
      }
    }
  }

  function markSelected(ids: number[], selected: boolean): void {
    const wanted = new Set(ids);
    rows.forEach((row, i) => {
      if (!wanted.has(row.id)) return;
      row.selected = selected;
      const tr = tbody.children[i] as HTMLTableRowElement | undefined;
      if (!tr) return;
      tr.classList.toggle("pl-selected", selected);
      tr.setAttribute("aria-selected", selected ? "true" : "false");
      const box = tr.querySelector<HTMLInputElement>("input[type=checkbox]");
      if (box) box.checked = selected;
    });
    drawPageBox();
  }

  async function selectRows(ids: number[], selected: boolean): Promise<void> {
    markSelected(ids, selected); // at once; the kernel's count follows
    const reply = await attempt(rpc, model, "select", { ids, selected });
    if (!reply) void load(); // refused: show the kernel's truth
  }

  async function selectRange(selected: boolean): Promise<void> {
    const ids = rangeIndices(cursor.anchor, cursor.index).map((i) => rows[i]?.id).filter((i): i is number => i !== undefined);
    await selectRows(ids, selected);
  }

  async function openRow(row: GridRow): Promise<void> {
    await attempt(rpc, model, "open", { task_id: row.id });
  }

  function turnPage(delta: 1 | -1): void {
    const size = model.get("page_size");
    const target = delta > 0 ? offset + size : Math.max(0, offset - size);
    if (target === offset || target >= Math.max(model.get("total"), 1)) return;
    offset = target;
    cursor = { index: 0, anchor: 0 };
    void load();
  }

  table.addEventListener("keydown", (e: KeyboardEvent) => {
    if ((e.target as HTMLElement).closest("th, input, select")) return;
    const action = keyAction(e, cursor, rows.length);
    if (action.kind === "none") return;
    e.preventDefault();
    e.stopPropagation();
    if (action.kind === "move") {
      cursor = moveCursor(cursor, action.index, action.extend);
      if (action.extend) void selectRange(true);
      drawCursor(true);
    } else if (action.kind === "toggle") {
      cursor = { index: action.index, anchor: action.index };
      const row = rows[action.index];
      void selectRows([row.id], !row.selected);
      drawCursor(true);
    } else if (action.kind === "open") {
      void openRow(rows[action.index]);
    } else if (action.kind === "select-page") {
      void selectRows(rows.map((r) => r.id), true);
    } else if (action.kind === "page") {
      turnPage(action.delta);
    }
  });
  table.addEventListener("focus", () => {
    if (cursor.index < 0 && rows.length) { cursor = { index: 0, anchor: 0 }; drawCursor(false); }
  });

  function drawChrome(): void {
    const total = model.get("total");
    const size = model.get("page_size");
    setText(pageInfo, total ? `${offset + 1}-${Math.min(offset + size, total)} of ${total}` : "no tasks");
    prev.disabled = offset <= 0;
    next.disabled = offset + size >= total;
    const n = model.get("selected_count");
    setText(selectedCount, `${n} selected`);
    preannotate.disabled = n === 0;
    drawSortMarks();
    reviewBox.hidden = !hasReview();
    if (hasReview() && review.value !== model.get("review")) review.value = model.get("review") ?? "";
  }

  // sent with each request: a trait update may reach the kernel after the request itself
  const query = (): GridQuery => {
    const q: GridQuery = { sort: model.get("sort"), descending: model.get("descending"),
      status: model.get("status"), kind: model.get("kind"), search: model.get("search") };
    const flag = model.get("review");
    if (flag !== undefined) q.review = flag;
    return q;
  };

  const filtered = (): boolean => Boolean(model.get("search") || model.get("status").length || model.get("kind").length
    || model.get("review"));

  let generation = 0;
  async function load(): Promise<void> {
    const mine = ++generation; // drop replies of superseded requests
    table.setAttribute("aria-busy", "true");
    const reply = await attempt(rpc, model, "page", { offset, limit: model.get("page_size"), query: query() });
    if (mine === generation) table.removeAttribute("aria-busy");
    if (!reply || mine !== generation) return;
    const { total } = reply.result;
    if (total > 0 && offset >= total) {
      const size = model.get("page_size");
      offset = Math.max(0, (Math.ceil(total / size) - 1) * size);
      return load();
    }
    rows = reply.result.rows;
    drawRows();
    drawChrome();
  }

  const reload = (): void => { void load(); };
  const restart = (): void => { offset = 0; cursor = { index: -1, anchor: -1 }; void load(); };
  for (const key of ["sort", "descending", "status", "kind", "search", "page_size", "review"]) {
    model.on(`change:${key}`, restart);
  }
  model.on("change:refresh_token", reload);
  // the selection may change in the kernel (select-all, Python code): re-mark the rows
  model.on("change:selected_count", () => { drawChrome(); reload(); });
  const syncFilters = (): void => {
    for (const name of ["status", "kind"] as const) {
      for (const box of root.querySelectorAll<HTMLInputElement>(`input[data-testid^='pl-grid-${name}-']`)) {
        const value = (box.dataset.testid ?? "").slice(`pl-grid-${name}-`.length);
        box.checked = model.get(name).includes(value);
      }
    }
    if (search.value !== model.get("search")) search.value = model.get("search");
  };
  for (const key of ["status", "kind", "search"]) model.on(`change:${key}`, syncFilters);
  model.on("change:total", drawChrome);
  // the panel resizes (sidebar, split view, window): drop or bring back the optional columns
  let observer: ResizeObserver | undefined;
  if (typeof ResizeObserver !== "undefined") {
    observer = new ResizeObserver(() => { if (fitColumns()) drawRows(); });
    observer.observe(scroller);
  }
  shown = visibleColumns([], hasReview());
  drawHeader();
  drawChrome();
  void load();
  return () => { rpc.dispose(); clearTimeout(timer); observer?.disconnect(); };
}

export { render };
export default { render };
