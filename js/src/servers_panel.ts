// ServersPanel view (widgets/_servers_panel.py): one row per deployed server; Delete asks
// for confirmation in the row.
//
// Test ids (data-testid):
//   pl-servers                  root
//   pl-servers-refresh          reload
//   pl-servers-live             badge shown while the kernel refreshes the rows (a job runs)
//   pl-servers-empty            shown when no server is deployed
//   pl-servers-row              one <tr> per server, attribute data-server=<name>
//   pl-servers-status           the row's status badge
//   pl-servers-fit              fits / stale / other project (title: what differs)
//   pl-servers-workers          where its jobs run: "in kernel", "2 processes", "cluster · 4 workers"
//                               (title: backend, or why in-kernel)
//   pl-servers-dashboard        link to the Dask dashboard (when the server runs on a cluster)
//   pl-servers-delete           the row's Delete button (first click arms it: text "Confirm delete")
//   pl-message                  status line
import { h, clear, setText, shortTime, createRpc, messageLine, attempt, type RenderProps } from "./common/index.js";
import type { ServerRow, ServersPanelRequests, ServersPanelState } from "./common/messages.js";
import { dashboardLink, fitBadge, statusBadge, whereText, whereTitle } from "./common/servers.js";

// [title, class]: a narrow panel hides the pl-opt-* columns (servers_panel.css), so the
// name, status, where it runs and Delete stay in view without scrolling sideways
const COLUMNS: [string, string][] = [["Name", ""], ["Resources", ""], ["Labels", ""], ["Usage", "pl-opt-1"], ["Status", ""],
  ["Fit", ""], ["Runs on", ""], ["Memory (MB)", "pl-opt-2"], ["Deployed by", "pl-opt-1"], ["Deployed at", "pl-opt-2"], ["", ""]];
const DISARM_MS = 4000;

function render({ model, el }: RenderProps<ServersPanelState>): () => void {
  const rpc = createRpc<ServersPanelRequests>(model);
  const tbody = h("tbody");
  const live = h("span", { class: "pl-badge pl-live", "data-testid": "pl-servers-live", title: "refreshing while a job runs" }, "live");
  const root = h("div", { class: "pl-root pl-servers", "data-testid": "pl-servers" },
    h("div", { class: "pl-toolbar" }, h("span", { class: "pl-section-title" }, "Servers"),
      h("button", { "data-testid": "pl-servers-refresh", onclick: () => attempt(rpc, model, "refresh", {}) }, "Refresh"),
      live),
    messageLine(model),
    h("div", { class: "pl-table-scroll" },
      h("table", { class: "pl-table pl-servers-table", "aria-label": "Deployed servers" },
        h("thead", {}, h("tr", {}, COLUMNS.map(([title, cls]) => h("th", { scope: "col", class: cls || null }, title)))), tbody)));
  el.appendChild(root);

  function row(server: ServerRow): HTMLTableRowElement {
    const name = server.name ?? "";
    const del = h("button", { "data-testid": "pl-servers-delete", class: "pl-danger", "aria-label": `Delete server ${name}` }, "Delete");
    let disarm: ReturnType<typeof setTimeout> | undefined;
    del.addEventListener("click", () => {
      if (del.dataset.armed !== "1") {
        del.dataset.armed = "1";
        setText(del, "Confirm delete");
        disarm = setTimeout(() => { delete del.dataset.armed; setText(del, "Delete"); }, DISARM_MS);
        return;
      }
      clearTimeout(disarm);
      void attempt(rpc, model, "delete", { name });
    });
    const job = server.job ? ` ${server.job.done ?? 0}/${server.job.total ?? 0}` : "";
    const resources = (server.resources ?? []).map((r) => `${r.name ?? ""} ${r.version ?? ""} (${r.kind ?? ""})`.replace("  ", " "));
    return h("tr", { "data-testid": "pl-servers-row", "data-server": name },
      h("td", { class: "pl-strong" }, name),
      h("td", { class: "pl-wrap", title: resources.join("\n") }, resources.map((text) => h("div", {}, text))),
      h("td", { class: "pl-wrap" }, (server.labels ?? []).map((l) => h("span", { class: "pl-badge" }, l))),
      h("td", { class: "pl-opt-1" }, server.usage ?? ""),
      h("td", { title: server.status_reason ?? "" }, statusBadge(server, "pl-servers-status"), job),
      h("td", { title: server.fit?.summary ?? "" }, fitBadge(server, "pl-servers-fit")),
      h("td", {}, h("span", { "data-testid": "pl-servers-workers", title: whereTitle(server) }, whereText(server)),
        " ", dashboardLink(server, "pl-servers-dashboard")),
      h("td", { class: "pl-num pl-opt-2" }, server.memory_mb ?? ""),
      h("td", { class: "pl-opt-1" }, server.deployed_by ?? ""),
      h("td", { class: "pl-opt-2" }, shortTime(server.deployed_at)),
      h("td", {}, del));
  }

  function draw(): void {
    clear(tbody);
    const servers = model.get("servers_info");
    if (!servers.length) {
      tbody.appendChild(h("tr", {}, h("td", { colspan: COLUMNS.length, class: "pl-muted pl-empty",
        "data-testid": "pl-servers-empty" }, "No server deployed.")));
    }
    for (const server of servers) tbody.appendChild(row(server));
  }
  const drawLive = (): void => { live.hidden = !model.get("live"); };
  model.on("change:servers_info", draw);
  model.on("change:live", drawLive);
  draw();
  drawLive();
  return () => rpc.dispose();
}

export { render };
export default { render };
