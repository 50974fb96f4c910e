// PreannotateDialog view: servers with their deployed config, deploy, start, progress, cancel.
//
// Test ids (data-testid):
//   pl-dialog                   root (hidden while the model's `visible` is false)
//   pl-dialog-task-count        "N task(s) to pre-annotate"
//   pl-dialog-server            one row per server, attribute data-server=<name>, class pl-chosen
//   pl-dialog-server-radio      the row's radio button (selects the server)
//   pl-dialog-server-status     the row's status badge (idle / busy / stopped / error)
//   pl-dialog-server-labels     the row's labels
//   pl-dialog-server-fit        fits / stale / other project for this project (title: what differs)
//   pl-dialog-capacity          servers used/max, memory used/budget, the new server's memory
//   pl-dialog-confirm           a question before a stale server runs or is replaced, with
//                               pl-dialog-confirm-run, -update, -replace, -dismiss buttons
//   pl-dialog-server-workers    how many processes run its jobs
//   pl-dialog-no-servers        shown when no server is deployed
//   pl-dialog-refresh           reload the server list
//   pl-dialog-deploy-name       optional name of a new server
//   pl-dialog-deploy            deploy a server from the project's config
//   pl-dialog-force             checkbox: re-run tasks already predicted by that pipeline
//   pl-dialog-start, pl-dialog-cancel, pl-dialog-close
//   pl-dialog-progress          <progress> bar; pl-dialog-progress-text "done/total · rate/s · errors"
//   pl-dialog-reading           under the bar while OCR runs: "reading task 12: page 3 of 40"
//   pl-message                  status line (deploy refusals show here, class pl-message-error)
import { h, clear, setText, createRpc, messageLine, attempt } from "./common/index.js";

function workers(backend) {
  if (!backend) return "";
  if (backend.backend === "inline") return "in kernel";
  return `${backend.workers || 1} worker(s)`;
}

function render({ model, el }) {
  const rpc = createRpc(model);
  const uid = Math.random().toString(36).slice(2); // ids unique per view (radio groups, SVG markers)
  const root = h("div", { class: "pl-root pl-dialog", "data-testid": "pl-dialog" });
  const count = h("div", { "data-testid": "pl-dialog-task-count", class: "pl-dialog-title" });
  const list = h("div", { class: "pl-dialog-servers" });
  const name = h("input", { type: "text", placeholder: "new server name (optional)",
    "data-testid": "pl-dialog-deploy-name" });
  const deploy = h("button", { "data-testid": "pl-dialog-deploy",
    onclick: async () => { if (await attempt(rpc, model, "deploy", { name: name.value || null })) name.value = ""; } },
    "Deploy server from project config");
  const refresh = h("button", { "data-testid": "pl-dialog-refresh",
    onclick: () => attempt(rpc, model, "refresh") }, "Refresh");
  const force = h("input", { type: "checkbox", "data-testid": "pl-dialog-force", checked: model.get("force"),
    onchange: () => { model.set("force", force.checked); model.save_changes(); } });
  const start = h("button", { "data-testid": "pl-dialog-start", class: "pl-primary",
    onclick: () => attempt(rpc, model, "start", { force: force.checked }) }, "Start");
  const cancel = h("button", { "data-testid": "pl-dialog-cancel",
    onclick: () => attempt(rpc, model, "cancel") }, "Cancel");
  const close = h("button", { "data-testid": "pl-dialog-close",
    onclick: () => attempt(rpc, model, "close") }, "Close");
  const capacity = h("div", { "data-testid": "pl-dialog-capacity", class: "pl-muted" });
  const confirmBox = h("div", { "data-testid": "pl-dialog-confirm", class: "pl-dialog-confirm" });
  const bar = h("progress", { "data-testid": "pl-dialog-progress", max: 1, value: 0 });
  const barText = h("span", { "data-testid": "pl-dialog-progress-text", class: "pl-muted" });
  const reading = h("div", { "data-testid": "pl-dialog-reading", class: "pl-muted" });

  root.append(
    count,
    h("div", { class: "pl-row" }, refresh),
    list,
    h("div", { class: "pl-row" }, name, deploy),
    capacity,
    confirmBox,
    h("div", { class: "pl-row" }, h("label", {}, force, "re-run tasks already pre-annotated"),
      start, cancel, close),
    h("div", { class: "pl-row" }, bar, barText),
    reading,
    messageLine(model),
  );
  el.appendChild(root);

  function drawServers() {
    clear(list);
    const servers = model.get("servers_info");
    if (!servers.length) {
      list.appendChild(h("div", { class: "pl-muted", "data-testid": "pl-dialog-no-servers" },
        "No server deployed yet: deploy one from the project's config."));
    }
    for (const server of servers) {
      const chosen = server.name === model.get("selected_server");
      const radio = h("input", { type: "radio", name: `pl-server-${uid}`,
        "data-testid": "pl-dialog-server-radio", checked: chosen,
        onchange: () => attempt(rpc, model, "select", { name: server.name }) });
      const resources = (server.resources || []).map((r) => `${r.name} (${r.kind})`).join(", ");
      list.appendChild(h("label", { class: `pl-dialog-server${chosen ? " pl-chosen" : ""}`,
        "data-testid": "pl-dialog-server", "data-server": server.name },
        radio,
        h("b", {}, server.name),
        h("span", { class: `pl-badge pl-server-${server.status}`, "data-testid": "pl-dialog-server-status" }, server.status),
        server.fit ? h("span", { class: `pl-badge pl-fit-${server.fit.status.replace(" ", "-")}`,
          "data-testid": "pl-dialog-server-fit", title: server.fit.summary }, server.fit.status) : "",
        h("span", { class: "pl-muted" }, resources),
        h("span", { class: "pl-badge", "data-testid": "pl-dialog-server-workers",
          title: "jobs run on this many processes" }, workers(server.backend)),
        h("span", { class: "pl-dialog-labels", "data-testid": "pl-dialog-server-labels" },
          (server.labels || []).map((label) => h("span", { class: "pl-badge" }, label)))));
    }
  }

  function drawState() {
    root.hidden = !model.get("visible");
    setText(count, `${model.get("task_count")} task(s) to pre-annotate`);
    const running = model.get("running");
    start.disabled = running || !model.get("selected_server") || model.get("task_count") === 0;
    cancel.disabled = !running;
    const cap = model.get("capacity") || {};
    deploy.disabled = running || cap.can_deploy === false;
    deploy.title = cap.reason || "";
    setText(capacity, cap.max_servers === undefined ? (cap.reason || "") :
      `servers ${cap.servers_used}/${cap.max_servers} · memory ${cap.memory_used_mb}/${cap.memory_budget_mb} MB` +
      ` · new server ~${cap.planned_mb} MB (${cap.needed_mb} MB to load)` +
      (cap.can_deploy === false ? ` · cannot deploy: ${cap.reason}` : ""));
    const p = model.get("progress") || {};
    const total = p.total || 0;
    bar.max = Math.max(total, 1);
    bar.value = p.done || 0;
    setText(barText, p.state
      ? `${p.done || 0}/${total} · ${p.rate || 0} tasks/s · ${p.errors || 0} error(s) · ${p.state}`
      : "");
    // per page while a document is OCR'd (the kernel words it: progress.reading_text)
    setText(reading, p.reading_text || "");
    reading.hidden = !p.reading_text;
  }

  function drawConfirm() {
    clear(confirmBox);
    const ask = model.get("confirm") || {};
    confirmBox.hidden = !ask.action;
    if (!ask.action) return;
    const button = (id, text, kind, params) => h("button", { "data-testid": id,
      onclick: () => attempt(rpc, model, kind, params) }, text);
    confirmBox.append(h("div", {}, ask.message || ""));
    if (ask.action === "start" && ask.can_run) confirmBox.append(button("pl-dialog-confirm-run", "Run anyway", "confirm_start", {}));
    if (ask.action === "start") confirmBox.append(button("pl-dialog-confirm-update", "Deploy an updated server", "deploy_updated", {}));
    if (ask.action === "replace") confirmBox.append(button("pl-dialog-confirm-replace", `Replace ${ask.server}`, "deploy_updated", { replace: true }));
    confirmBox.append(button("pl-dialog-confirm-dismiss", "Cancel", "dismiss", {}));
  }

  model.on("change:confirm", drawConfirm);
  model.on("change:capacity", drawState);
  model.on("change:servers_info", drawServers);
  model.on("change:selected_server", () => { drawServers(); drawState(); });
  for (const key of ["visible", "task_count", "running", "progress"]) model.on(`change:${key}`, drawState);
  model.on("change:force", () => { force.checked = model.get("force"); });
  drawServers();
  drawState();
  drawConfirm();
  return () => rpc.dispose();
}

export default { render };
