import { describe, expect, it, vi } from "vitest";
import { render as renderServers } from "../src/servers_panel.js";
import { render as renderDialog, capacityText, progressText } from "../src/preannotate_dialog.js";
import { render as renderLs, projectId } from "../src/labelstudio_panel.js";
import { safeUrl, whereText } from "../src/common/servers.js";
import type { LabelStudioPanelState, PreannotateDialogState, ServerRow, ServersPanelState } from "../src/common/messages.js";
import { FakeModel, KernelRaise, settle } from "./fake_model.js";

const base = { message: "", message_level: "info" };
const q = (el: HTMLElement, id: string): HTMLElement[] => [...el.querySelectorAll<HTMLElement>(`[data-testid=${id}]`)];

function mount<S extends object>(render: (p: { model: FakeModel<S>; el: HTMLElement }) => unknown, model: FakeModel<S>): HTMLElement {
  const el = document.createElement("div");
  document.body.appendChild(el);
  render({ model, el });
  return el;
}

const kernelServer: ServerRow = { name: "ner-1", status: "idle", labels: ["PERSON", "ORG"],
  resources: [{ name: "spacy-ner", kind: "ner", version: "3.8" }], backend: { backend: "process", workers: 2 },
  fit: { status: "fits", summary: "same config" }, memory_mb: 120, deployed_at: "2026-12-07T05:00:00+00:00" };
const clusterServer: ServerRow = { name: "big", status: "busy", location: "cluster", workers: 4,
  dashboard: "http://127.0.0.1:8787/status", job: { done: 3, total: 10 } };

describe("where a server runs", () => {
  it("words the backend, the cluster and its workers", () => {
    expect(whereText(kernelServer)).toBe("2 processes");
    expect(whereText({ backend: { backend: "inline" } })).toBe("in kernel");
    expect(whereText({ location: "kernel" })).toBe("in kernel");
    expect(whereText(clusterServer)).toBe("cluster · 4 workers");
    expect(whereText({ location: "cluster", workers: null })).toBe("cluster");
    expect(whereText({ location: "cluster", workers: 1 })).toBe("cluster · 1 worker");
  });

  it("links only http(s) dashboards", () => {
    expect(safeUrl("http://127.0.0.1:8787/status")).toBe("http://127.0.0.1:8787/status");
    expect(safeUrl("javascript:alert(1)")).toBeNull();
    expect(safeUrl("not a url")).toBeNull();
    expect(safeUrl(null)).toBeNull();
  });
});

describe("ServersPanel view", () => {
  it("shows a row per server with where it runs and the dashboard link", () => {
    const model = new FakeModel<ServersPanelState>({ ...base, live: false, servers_info: [kernelServer, clusterServer] });
    const el = mount(renderServers, model);
    const rows = q(el, "pl-servers-row");
    expect(rows.map((r) => r.dataset.server)).toEqual(["ner-1", "big"]);
    expect(q(el, "pl-servers-workers").map((n) => n.textContent)).toEqual(["2 processes", "cluster · 4 workers"]);
    const links = q(el, "pl-servers-dashboard") as HTMLAnchorElement[];
    expect(links).toHaveLength(1);
    expect(links[0].href).toBe("http://127.0.0.1:8787/status");
    expect(links[0].rel).toContain("noopener");
    expect(rows[1].textContent).toContain("3/10");
    expect(q(el, "pl-servers-live")[0].hidden).toBe(true);
    model.kernelSet("live", true);
    expect(q(el, "pl-servers-live")[0].hidden).toBe(false);
  });

  it("asks before deleting, then sends the request", () => {
    vi.useFakeTimers();
    const model = new FakeModel<ServersPanelState>({ ...base, live: false, servers_info: [kernelServer] });
    model.handlers.delete = () => [];
    const el = mount(renderServers, model);
    const del = q(el, "pl-servers-delete")[0];
    del.click();
    expect(del.textContent).toBe("Confirm delete");
    expect(model.requests("delete")).toHaveLength(0);
    vi.advanceTimersByTime(5000); // not confirmed in time: disarmed
    expect(del.textContent).toBe("Delete");
    del.click();
    del.click();
    expect(model.requests("delete").map((m) => m.name)).toEqual(["ner-1"]);
    vi.useRealTimers();
  });

  it("says when no server is deployed", () => {
    const el = mount(renderServers, new FakeModel<ServersPanelState>({ ...base, live: false, servers_info: [] }));
    expect(q(el, "pl-servers-empty")[0].textContent).toBe("No server deployed.");
  });
});

function dialogState(extra: Partial<PreannotateDialogState> = {}): PreannotateDialogState {
  return { ...base, servers_info: [kernelServer, clusterServer], selected_server: "", task_count: 3, force: false,
    progress: {}, running: false, visible: true, capacity: {}, confirm: {}, ...extra };
}

describe("PreannotateDialog view", () => {
  it("lists servers as a radio group, selects one and starts", async () => {
    const model = new FakeModel(dialogState());
    model.handlers.select = (p) => { model.kernelSet("selected_server", p.name as string); return p.name; };
    model.handlers.start = () => ({ state: "running" });
    const el = mount(renderDialog, model);
    expect(q(el, "pl-dialog-task-count")[0].textContent).toBe("3 task(s) to pre-annotate");
    const start = q(el, "pl-dialog-start")[0] as HTMLButtonElement;
    expect(start.disabled).toBe(true);
    expect(q(el, "pl-dialog-server-workers").map((n) => n.textContent)).toEqual(["2 processes", "cluster · 4 workers"]);
    expect(q(el, "pl-dialog-server-dashboard")).toHaveLength(1);
    const radio = q(el, "pl-dialog-server-radio")[1] as HTMLInputElement;
    radio.checked = true;
    radio.dispatchEvent(new Event("change"));
    await settle();
    expect(model.get("selected_server")).toBe("big");
    expect(q(el, "pl-dialog-server")[1].classList.contains("pl-chosen")).toBe(true);
    expect((q(el, "pl-dialog-start")[0] as HTMLButtonElement).disabled).toBe(false);
    q(el, "pl-dialog-start")[0].click();
    await settle();
    expect(model.requests("start")[0]).toMatchObject({ force: false });
  });

  it("shows progress, the OCR line and a confirmation question", () => {
    const model = new FakeModel(dialogState({ running: true,
      progress: { state: "running", done: 4, total: 10, rate: 2.5, errors: 1, reading_text: "reading task 12: page 3 of 40" } }));
    const el = mount(renderDialog, model);
    expect(q(el, "pl-dialog-progress-text")[0].textContent).toBe("4/10 · 2.5 tasks/s · 1 error(s) · running");
    expect((q(el, "pl-dialog-progress")[0] as HTMLProgressElement).value).toBe(4);
    expect(q(el, "pl-dialog-reading")[0].hidden).toBe(false);
    expect(q(el, "pl-dialog-confirm")[0].hidden).toBe(true);
    model.kernelSet("confirm", { action: "start", can_run: true, message: "ner-1 is stale", server: "ner-1" });
    expect(q(el, "pl-dialog-confirm")[0].hidden).toBe(false);
    expect(q(el, "pl-dialog-confirm-run")).toHaveLength(1);
    expect(q(el, "pl-dialog-confirm-update")).toHaveLength(1);
    expect(q(el, "pl-dialog-confirm-replace")).toHaveLength(0);
  });

  it("disables Deploy with the capacity reason and puts a refusal on the status line", async () => {
    const model = new FakeModel(dialogState({ capacity: { can_deploy: false, reason: "3 servers already", max_servers: 3,
      servers_used: 3, memory_used_mb: 900, memory_budget_mb: 1000, planned_mb: 200, needed_mb: 150 } }));
    model.handlers.deploy = () => { throw new KernelRaise("too little memory", "CapacityError"); };
    const el = mount(renderDialog, model);
    const deploy = q(el, "pl-dialog-deploy")[0] as HTMLButtonElement;
    expect(deploy.disabled).toBe(true);
    expect(deploy.title).toBe("3 servers already");
    expect(q(el, "pl-dialog-capacity")[0].textContent).toContain("cannot deploy: 3 servers already");
    model.kernelSet("capacity", {});
    expect(deploy.disabled).toBe(false);
    deploy.click();
    await settle();
    expect(q(el, "pl-message")[0].textContent).toBe("deploy: too little memory");
  });

  it("words capacity and progress", () => {
    expect(capacityText({ reason: "no config" })).toBe("no config");
    expect(progressText({})).toBe("");
  });
});

describe("LabelStudioPanel view", () => {
  it("sends the fields with a numeric project id and shows the project link", async () => {
    const model = new FakeModel<LabelStudioPanelState>({ ...base, url: "http://127.0.0.1:8080", key_from_env: true,
      ls_project: null, project_url: "", last: {} });
    model.handlers.push = () => ({ tasks: 3 });
    const el = mount(renderLs, model);
    expect((q(el, "pl-ls-url")[0] as HTMLInputElement).value).toBe("http://127.0.0.1:8080");
    expect((q(el, "pl-ls-key")[0] as HTMLInputElement).placeholder).toBe("from LABEL_STUDIO_API_KEY");
    (q(el, "pl-ls-project")[0] as HTMLInputElement).value = "7";
    q(el, "pl-ls-push")[0].click();
    expect((q(el, "pl-ls-pull")[0] as HTMLButtonElement).disabled).toBe(true);
    await settle();
    expect(model.requests("push")[0]).toMatchObject({ ls_project: 7, url: "http://127.0.0.1:8080", api_key: "" });
    expect((q(el, "pl-ls-pull")[0] as HTMLButtonElement).disabled).toBe(false);
    expect(q(el, "pl-ls-link")[0].hidden).toBe(true);
    model.kernelSet("project_url", "http://127.0.0.1:8080/projects/7");
    expect((q(el, "pl-ls-link")[0] as HTMLAnchorElement).href).toBe("http://127.0.0.1:8080/projects/7");
    model.kernelSet("project_url", "javascript:alert(1)");
    expect(q(el, "pl-ls-link")[0].hasAttribute("href")).toBe(false);
  });

  it("reads the project id field", () => {
    expect(projectId(" 12 ")).toBe(12);
    expect(projectId("")).toBeNull();
    expect(projectId("0")).toBeNull();
    expect(projectId("1e3")).toBeNull();
  });
});
