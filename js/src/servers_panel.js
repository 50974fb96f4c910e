// ServersPanel view: one row per deployed server; delete asks for confirmation in the row.
//
// Test ids (data-testid):
//   pl-servers                  root
//   pl-servers-refresh          reload
//   pl-servers-live             badge shown while the kernel refreshes the rows (a job runs)
//   pl-servers-empty            shown when no server is deployed
//   pl-servers-row              one <tr> per server, attribute data-server=<name>
//   pl-servers-status           the row's status badge
//   pl-servers-fit              fits / stale / other project (title: what differs)
//   pl-servers-workers          how many processes run its jobs (title: backend, or why in-kernel)
//   pl-servers-delete           the row's Delete button (first click arms it: text "Confirm delete")
//   pl-message                  status line
import { h, clear, createRpc, messageLine, attempt } from "./common/index.js";

const COLUMNS = ["Name", "Resources", "Labels", "Usage", "Status", "Fit", "Workers", "Memory (MB)", "Deployed by", "Deployed at", ""];

// "2 processes" on the worker pool, "in kernel" when the kernel runs the jobs itself
function workersText(backend) {
  if (!backend) return "";
  if (backend.backend === "inline") return "in kernel";
  const n = backend.workers || 1;
  return `${n} process${n === 1 ? "" : "es"}`;
}

function workersTitle(backend) {
  if (!backend) return "";
  if (backend.backend === "inline") return backend.reason ? `in-kernel: ${backend.reason}` : "in-kernel";
  return `${backend.backend}: ${backend.workers || 1} worker(s), each with its own copy of the models`;
}

function render({ model, el }) {
  const rpc = createRpc(model);
  const tbody = h("tbody");
  const live = h("span", { class: "pl-badge", "data-testid": "pl-servers-live" }, "live");
  const root = h("div", { class: "pl-root pl-servers", "data-testid": "pl-servers" },
    h("div", { class: "pl-row" }, h("b", {}, "Servers"),
      h("button", { "data-testid": "pl-servers-refresh", onclick: () => attempt(rpc, model, "refresh") }, "Refresh"),
      live),
    messageLine(model),
    h("table", { class: "pl-table" }, h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", {}, c)))), tbody));
  el.appendChild(root);

  function draw() {
    clear(tbody);
    const servers = model.get("servers_info");
    if (!servers.length) {
      tbody.appendChild(h("tr", {}, h("td", { colspan: COLUMNS.length, class: "pl-muted",
        "data-testid": "pl-servers-empty" }, "No server deployed.")));
    }
    for (const server of servers) {
      const del = h("button", { "data-testid": "pl-servers-delete", class: "pl-danger" }, "Delete");
      del.addEventListener("click", () => {
        if (del.dataset.armed !== "1") { del.dataset.armed = "1"; del.textContent = "Confirm delete"; return; }
        attempt(rpc, model, "delete", { name: server.name });
      });
      const job = server.job ? ` (${server.job.done}/${server.job.total})` : "";
      tbody.appendChild(h("tr", { "data-testid": "pl-servers-row", "data-server": server.name },
        h("td", {}, h("b", {}, server.name)),
        h("td", {}, (server.resources || []).map((r) => h("div", {}, `${r.name} ${r.version || ""} (${r.kind})`))),
        h("td", {}, (server.labels || []).map((l) => h("span", { class: "pl-badge" }, l))),
        h("td", {}, server.usage || ""),
        h("td", { title: server.status_reason || "" },
          h("span", { class: `pl-badge pl-server-${server.status}`, "data-testid": "pl-servers-status" }, server.status), job),
        h("td", { title: server.fit ? server.fit.summary : "" }, server.fit
          ? h("span", { class: `pl-badge pl-fit-${server.fit.status.replace(" ", "-")}`,
            "data-testid": "pl-servers-fit" }, server.fit.status) : ""),
        h("td", { "data-testid": "pl-servers-workers", title: workersTitle(server.backend) },
          workersText(server.backend)),
        h("td", {}, server.memory_mb === undefined ? "" : server.memory_mb),
        h("td", {}, server.deployed_by || ""),
        h("td", {}, (server.deployed_at || "").slice(0, 19).replace("T", " ")),
        h("td", {}, del)));
    }
  }
  const drawLive = () => { live.hidden = !model.get("live"); };
  model.on("change:servers_info", draw);
  model.on("change:live", drawLive);
  draw(); drawLive();
  return () => rpc.dispose();
}

export default { render };
