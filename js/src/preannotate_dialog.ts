// PreannotateDialog view (widgets/_preannotate_dialog.py): servers with their deployed
// config, deploy, start, progress, cancel.
//
// Test ids (data-testid):
//   pl-dialog                   root (hidden while the model's `visible` is false)
//   pl-dialog-task-count        "N task(s) to pre-annotate"
//   pl-dialog-server            one row per server, attribute data-server=<name>, class pl-chosen
//   pl-dialog-server-radio      the row's radio button (selects the server)
//   pl-dialog-server-status     the row's status badge (idle / busy / stopped / error)
//   pl-dialog-server-labels     the row's labels
//   pl-dialog-server-fit        fits / stale / other project for this project (title: what differs)
//   pl-dialog-server-workers    where its jobs run: "in kernel", "2 processes", "cluster · 4 workers"
//   pl-dialog-server-dashboard  link to the Dask dashboard (when the server runs on a cluster)
//   pl-dialog-capacity          servers used/max, memory used/budget, the new server's memory
//   pl-dialog-confirm           a question before a stale server runs or is replaced, with the
//                               buttons pl-dialog-confirm-run, pl-dialog-confirm-update,
//                               pl-dialog-confirm-replace and pl-dialog-confirm-dismiss
//   pl-dialog-no-servers        shown when no server is deployed
//   pl-dialog-refresh           reload the server list
//   pl-dialog-deploy-name       optional name of a new server
//   pl-dialog-deploy            deploy a server from the project's config
//   pl-dialog-force             checkbox: re-run tasks already predicted by that pipeline
//   pl-dialog-start, pl-dialog-cancel, pl-dialog-close
//   pl-dialog-progress          <progress> bar; pl-dialog-progress-text "done/total · rate/s · errors"
//   pl-dialog-reading           under the bar while OCR runs: "reading task 12: page 3 of 40"
//   pl-message                  status line (deploy refusals show here, class pl-message-error)
import { h, clear, setText, createRpc, messageLine, attempt, save, type RenderProps } from "./common/index.js";
import type { Capacity, PreannotateDialogRequests, PreannotateDialogState, Progress, ServerRow } from "./common/messages.js";
import { dashboardLink, fitBadge, statusBadge, whereText, whereTitle } from "./common/servers.js";

// loading a server's models (spaCy pipelines, a cluster's workers) takes longer than a page
const DEPLOY_TIMEOUT_MS = 300_000;

export function capacityText(cap: Capacity): string {
  if (cap.max_servers === undefined) return cap.reason ?? "";
  return `servers ${cap.servers_used ?? 0}/${cap.max_servers} · memory ${cap.memory_used_mb ?? 0}/${cap.memory_budget_mb ?? 0} MB` +
    ` · new server ~${cap.planned_mb ?? 0} MB (${cap.needed_mb ?? 0} MB to load)` +
    (cap.can_deploy === false ? ` · cannot deploy: ${cap.reason ?? ""}` : "");
}

export function progressText(p: Progress): string {
  if (!p.state) return "";
  return `${p.done ?? 0}/${p.total ?? 0} · ${p.rate ?? 0} tasks/s · ${p.errors ?? 0} error(s) · ${p.state}`;
}

function render({ model, el }: RenderProps<PreannotateDialogState>): () => void {
  const rpc = createRpc<PreannotateDialogRequests>(model);
  const uid = Math.random().toString(36).slice(2); // ids unique per view (radio groups)
  const root = h("div", { class: "pl-root pl-dialog pl-card", "data-testid": "pl-dialog", role: "region",
    "aria-label": "Pre-annotate" });
  const count = h("div", { "data-testid": "pl-dialog-task-count", class: "pl-dialog-title", id: `pl-dialog-title-${uid}` });
  const list = h("div", { class: "pl-dialog-servers", role: "radiogroup", "aria-labelledby": `pl-dialog-title-${uid}` });
  const name = h("input", { type: "text", placeholder: "new server name (optional)", class: "pl-grow",
    "aria-label": "New server name", "data-testid": "pl-dialog-deploy-name" });
  const deploy = h("button", { "data-testid": "pl-dialog-deploy",
    onclick: async () => {
      if (await attempt(rpc, model, "deploy", { name: name.value || null }, { timeoutMs: DEPLOY_TIMEOUT_MS })) name.value = "";
    } }, "Deploy server from project config");
  const refresh = h("button", { "data-testid": "pl-dialog-refresh",
    onclick: () => attempt(rpc, model, "refresh", {}) }, "Refresh");
  const force = h("input", { type: "checkbox", "data-testid": "pl-dialog-force", checked: model.get("force"),
    onchange: (): void => save(model, "force", force.checked) });
  const start = h("button", { "data-testid": "pl-dialog-start", class: "pl-primary",
    onclick: () => attempt(rpc, model, "start", { force: force.checked }) }, "Start");
  const cancel = h("button", { "data-testid": "pl-dialog-cancel",
    onclick: () => attempt(rpc, model, "cancel", {}) }, "Cancel");
  const close = h("button", { "data-testid": "pl-dialog-close",
    onclick: () => attempt(rpc, model, "close", {}) }, "Close");
  const capacity = h("div", { "data-testid": "pl-dialog-capacity", class: "pl-muted pl-small" });
  const confirmBox = h("div", { "data-testid": "pl-dialog-confirm", class: "pl-dialog-confirm", role: "alertdialog" });
  const bar = h("progress", { "data-testid": "pl-dialog-progress", max: 1, value: 0, "aria-label": "Progress" });
  const barText = h("span", { "data-testid": "pl-dialog-progress-text", class: "pl-muted" });
  const reading = h("div", { "data-testid": "pl-dialog-reading", class: "pl-muted pl-small" });

  root.append(
    h("div", { class: "pl-toolbar pl-dialog-head" }, count, refresh),
    list,
    h("div", { class: "pl-toolbar" }, name, deploy),
    capacity,
    confirmBox,
    h("div", { class: "pl-toolbar" }, h("label", { class: "pl-field" }, force, "re-run tasks already pre-annotated"),
      h("span", { class: "pl-spacer" }), start, cancel, close),
    h("div", { class: "pl-toolbar pl-dialog-progress" }, bar, barText),
    reading,
    messageLine(model),
  );
  el.appendChild(root);

  function serverRow(server: ServerRow): HTMLLabelElement {
    const serverName = server.name ?? "";
    const chosen = serverName === model.get("selected_server");
    const radio = h("input", { type: "radio", name: `pl-server-${uid}`, value: serverName,
      "data-testid": "pl-dialog-server-radio", checked: chosen,
      onchange: () => attempt(rpc, model, "select", { name: serverName }) });
    const resources = (server.resources ?? []).map((r) => `${r.name ?? ""} (${r.kind ?? ""})`).join(", ");
    return h("label", { class: `pl-dialog-server${chosen ? " pl-chosen" : ""}`,
      "data-testid": "pl-dialog-server", "data-server": serverName },
    radio,
    h("span", { class: "pl-dialog-server-main" },
      h("span", { class: "pl-toolbar pl-tight" },
        h("span", { class: "pl-strong" }, serverName),
        statusBadge(server, "pl-dialog-server-status"),
        fitBadge(server, "pl-dialog-server-fit"),
        h("span", { class: "pl-badge pl-where", "data-testid": "pl-dialog-server-workers", title: whereTitle(server) },
          whereText(server)),
        dashboardLink(server, "pl-dialog-server-dashboard"),
        h("span", { class: "pl-muted pl-ellipsis", title: resources }, resources)),
      h("span", { class: "pl-dialog-labels", "data-testid": "pl-dialog-server-labels" },
        (server.labels ?? []).map((label) => h("span", { class: "pl-badge" }, label)))));
  }

  function drawServers(): void {
    clear(list);
    const servers = model.get("servers_info");
    if (!servers.length) {
      list.appendChild(h("div", { class: "pl-muted pl-empty", "data-testid": "pl-dialog-no-servers" },
        "No server deployed yet: deploy one from the project's config."));
    }
    for (const server of servers) list.appendChild(serverRow(server));
  }

  function drawState(): void {
    root.hidden = !model.get("visible");
    setText(count, `${model.get("task_count")} task(s) to pre-annotate`);
    const running = model.get("running");
    start.disabled = running || !model.get("selected_server") || model.get("task_count") === 0;
    cancel.disabled = !running;
    const cap = model.get("capacity");
    deploy.disabled = running || cap.can_deploy === false;
    deploy.title = cap.reason ?? "";
    setText(capacity, capacityText(cap));
    capacity.hidden = !capacity.textContent;
    const p = model.get("progress");
    bar.max = Math.max(p.total ?? 0, 1);
    bar.value = p.done ?? 0;
    setText(barText, progressText(p));
    bar.parentElement!.hidden = !p.state;
    // per page while a document is OCR'd (the kernel words it: progress.reading_text)
    setText(reading, p.reading_text ?? "");
    reading.hidden = !p.reading_text;
  }

  function drawConfirm(): void {
    clear(confirmBox);
    const ask = model.get("confirm");
    confirmBox.hidden = !ask.action;
    if (!ask.action) return;
    confirmBox.append(h("div", {}, ask.message ?? ""));
    const buttons = h("div", { class: "pl-toolbar" });
    if (ask.action === "start" && ask.can_run) {
      buttons.append(h("button", { "data-testid": "pl-dialog-confirm-run",
        onclick: () => attempt(rpc, model, "confirm_start", {}) }, "Run anyway"));
    }
    if (ask.action === "start") {
      buttons.append(h("button", { "data-testid": "pl-dialog-confirm-update", class: "pl-primary",
        onclick: () => attempt(rpc, model, "deploy_updated", {}, { timeoutMs: DEPLOY_TIMEOUT_MS }) }, "Deploy an updated server"));
    }
    if (ask.action === "replace") {
      buttons.append(h("button", { "data-testid": "pl-dialog-confirm-replace", class: "pl-primary",
        onclick: () => attempt(rpc, model, "deploy_updated", { replace: true }, { timeoutMs: DEPLOY_TIMEOUT_MS }) },
      `Replace ${ask.server ?? ""}`));
    }
    buttons.append(h("button", { "data-testid": "pl-dialog-confirm-dismiss",
      onclick: () => attempt(rpc, model, "dismiss", {}) }, "Cancel"));
    confirmBox.append(buttons);
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

export { render };
export default { render };
