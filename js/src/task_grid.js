// TaskGrid view. The kernel pages, sorts, filters and holds the selection; this view asks
// for one page at a time (request "page") and sends selection / open / preannotate requests.
//
// Test ids (data-testid):
//   pl-grid                         root
//   pl-grid-search                  search input (applies on Enter or after typing stops)
//   pl-grid-status-<status>         status filter checkboxes (new, preannotated, in_progress, completed, error)
//   pl-grid-kind-<kind>             type filter checkboxes (text, document)
//   pl-grid-header-<column>         sortable column headers (click: sort; again: reverse);
//                                   attribute data-sort="asc"|"desc" on the active one
//   pl-grid-row                     one <tr> per task, attribute data-task-id, class pl-selected
//   pl-grid-row-check               the row's checkbox
//   pl-grid-open                    the row's title button (opens the task)
//   pl-grid-select-page             checkbox: select / unselect the visible page
//   pl-grid-select-all-matching     button: select every task matching the query
//   pl-grid-clear-selection         button
//   pl-grid-selected-count          text "N selected"
//   pl-grid-prev, pl-grid-next      paging buttons; pl-grid-page-info "1-50 of 100000"
//   pl-grid-preannotate             the Pre-Annotate button (disabled without a selection)
//   pl-message                      status line
import { h, clear, setText, createRpc, messageLine, attempt } from "./common/index.js";

const STATUSES = ["new", "preannotated", "in_progress", "completed", "error"];
const KINDS = ["text", "document"];
const COLUMNS = [
  ["id", "ID"], ["title", "Title"], ["kind", "Type"], ["status", "Status"],
  ["n_predictions", "Predictions"], ["n_completions", "Completions"],
  ["last_preannotated", "Last pre-annotated"], ["error", "Error"],
];

function render({ model, el }) {
  const rpc = createRpc(model);
  let offset = 0;
  let rows = [];
  const root = h("div", { class: "pl-root pl-grid", "data-testid": "pl-grid" });

  const save = (key, value) => { model.set(key, value); model.save_changes(); };
  const search = h("input", { type: "search", placeholder: "Search title and text",
    "data-testid": "pl-grid-search", value: model.get("search") });
  let timer = null;
  const applySearch = () => { clearTimeout(timer); offset = 0; save("search", search.value); };
  search.addEventListener("keydown", (e) => { if (e.key === "Enter") applySearch(); });
  search.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(applySearch, 400); });

  const filterBoxes = (name, values) => values.map((value) => {
    const box = h("input", { type: "checkbox", "data-testid": `pl-grid-${name}-${value}`,
      checked: model.get(name).includes(value),
      onchange: () => {
        const now = new Set(model.get(name));
        if (box.checked) now.add(value); else now.delete(value);
        offset = 0;
        save(name, values.filter((v) => now.has(v)));
      } });
    return h("label", { class: "pl-filter" }, box, value.replace("_", " "));
  });

  const selectedCount = h("span", { "data-testid": "pl-grid-selected-count" });
  const preannotate = h("button", { "data-testid": "pl-grid-preannotate", class: "pl-primary",
    onclick: () => attempt(rpc, model, "preannotate") }, "Pre-Annotate");
  const selectAll = h("button", { "data-testid": "pl-grid-select-all-matching",
    onclick: () => attempt(rpc, model, "select_all_matching", { query: query() }) },
    "Select all matching");
  const clearSel = h("button", { "data-testid": "pl-grid-clear-selection",
    onclick: () => attempt(rpc, model, "clear_selection") }, "Clear selection");

  const pageBox = h("input", { type: "checkbox", "data-testid": "pl-grid-select-page",
    title: "Select this page",
    onchange: async () => {
      await attempt(rpc, model, "select", { ids: rows.map((r) => r.id), selected: pageBox.checked });
      load();
    } });
  const headerCells = COLUMNS.map(([key, title]) => h("th", {
    "data-testid": `pl-grid-header-${key}`, "data-column": key,
    onclick: () => {
      if (model.get("sort") === key) save("descending", !model.get("descending"));
      else { model.set("descending", false); save("sort", key); }
    } }, title));
  const tbody = h("tbody");
  const table = h("table", { class: "pl-table" },
    h("thead", {}, h("tr", {}, h("th", {}, pageBox), headerCells)), tbody);

  const prev = h("button", { "data-testid": "pl-grid-prev",
    onclick: () => { offset = Math.max(0, offset - model.get("page_size")); load(); } }, "‹ Prev");
  const next = h("button", { "data-testid": "pl-grid-next",
    onclick: () => { offset += model.get("page_size"); load(); } }, "Next ›");
  const pageInfo = h("span", { "data-testid": "pl-grid-page-info", class: "pl-muted" });

  root.append(
    h("div", { class: "pl-row" }, search, h("span", { class: "pl-muted" }, "Status:"),
      filterBoxes("status", STATUSES), h("span", { class: "pl-muted" }, "Type:"),
      filterBoxes("kind", KINDS)),
    h("div", { class: "pl-row" }, preannotate, selectAll, clearSel, selectedCount),
    messageLine(model),
    table,
    h("div", { class: "pl-row" }, prev, pageInfo, next),
  );
  el.appendChild(root);

  function cell(row, key) {
    if (key === "title") {
      return h("td", {}, h("button", { class: "pl-link", "data-testid": "pl-grid-open",
        onclick: () => attempt(rpc, model, "open", { task_id: row.id }) }, row.title || `task ${row.id}`));
    }
    if (key === "kind") return h("td", {}, row.type || row.kind);
    if (key === "status") return h("td", {}, h("span", { class: `pl-badge pl-status-${row.status}` },
      row.status.replace("_", " ")));
    if (key === "last_preannotated") return h("td", {}, row.last_preannotated ? row.last_preannotated.slice(0, 19).replace("T", " ") : "");
    if (key === "error") return h("td", { class: "pl-error-cell", title: row.error || "" }, row.error || "");
    return h("td", {}, row[key]);
  }

  function drawRows() {
    clear(tbody);
    for (const row of rows) {
      const check = h("input", { type: "checkbox", "data-testid": "pl-grid-row-check", checked: row.selected,
        onchange: async () => {
          await attempt(rpc, model, "select", { ids: [row.id], selected: check.checked });
          row.selected = check.checked;
          tr.classList.toggle("pl-selected", row.selected);
          pageBox.checked = rows.length > 0 && rows.every((r) => r.selected);
        } });
      const tr = h("tr", { "data-testid": "pl-grid-row", "data-task-id": row.id,
        class: row.selected ? "pl-selected" : "" }, h("td", {}, check), COLUMNS.map(([k]) => cell(row, k)));
      tbody.appendChild(tr);
    }
    pageBox.checked = rows.length > 0 && rows.every((r) => r.selected);
  }

  function drawChrome() {
    const total = model.get("total");
    const size = model.get("page_size");
    setText(pageInfo, total ? `${offset + 1}-${Math.min(offset + size, total)} of ${total}` : "no tasks");
    prev.disabled = offset <= 0;
    next.disabled = offset + size >= total;
    const n = model.get("selected_count");
    setText(selectedCount, `${n} selected`);
    preannotate.disabled = n === 0;
    for (const th of headerCells) {
      const active = th.dataset.column === model.get("sort");
      if (active) th.setAttribute("data-sort", model.get("descending") ? "desc" : "asc");
      else th.removeAttribute("data-sort");
    }
  }

  // sent with each request: a trait update may reach the kernel after the request itself
  const query = () => ({ sort: model.get("sort"), descending: model.get("descending"),
    status: model.get("status"), kind: model.get("kind"), search: model.get("search") });

  let generation = 0;
  async function load() {
    const mine = ++generation; // drop replies of superseded requests
    const reply = await attempt(rpc, model, "page", { offset, limit: model.get("page_size"), query: query() });
    if (!reply || mine !== generation) return;
    if (reply.result.total > 0 && offset >= reply.result.total) {
      offset = Math.max(0, (Math.ceil(reply.result.total / model.get("page_size")) - 1) * model.get("page_size"));
      return load();
    }
    rows = reply.result.rows;
    drawRows();
    drawChrome();
  }

  const reload = () => { load(); };
  for (const key of ["sort", "descending", "status", "kind", "search", "page_size", "refresh_token"]) {
    model.on(`change:${key}`, key === "refresh_token" ? reload : () => { offset = 0; load(); });
  }
  // the selection may change in the kernel (select-all, Python code): re-mark the rows
  model.on("change:selected_count", reload);
  const syncFilters = () => {
    for (const box of root.querySelectorAll("input[type=checkbox][data-testid^='pl-grid-status-'], input[type=checkbox][data-testid^='pl-grid-kind-']")) {
      const [, , name, value] = box.dataset.testid.match(/^(pl-grid)-(status|kind)-(.+)$/) || [];
      if (name) box.checked = model.get(name).includes(value);
    }
    if (search.value !== model.get("search")) search.value = model.get("search");
  };
  for (const key of ["status", "kind", "search"]) model.on(`change:${key}`, syncFilters);
  model.on("change:total", drawChrome);
  load();
  return () => { rpc.dispose(); clearTimeout(timer); };
}

export default { render };
