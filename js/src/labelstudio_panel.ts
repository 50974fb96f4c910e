// LabelStudioPanel view (widgets/_labelstudio_panel.py): URL, API key and project fields,
// Push and Pull, a status line.
//
// Test ids (data-testid):
//   pl-ls                   root
//   pl-ls-url               Label Studio's URL
//   pl-ls-key               API key (password field; empty: the kernel's LABEL_STUDIO_API_KEY)
//   pl-ls-project           Label Studio project id (empty: the one synced last, else a new one)
//   pl-ls-title             title of a project the push creates
//   pl-ls-push, pl-ls-pull  the buttons (disabled while one runs)
//   pl-ls-link              link to the Label Studio project
//   pl-message              status line (what the last sync did)
import { h, setText, createRpc, messageLine, attempt, type RenderProps } from "./common/index.js";
import type { LabelStudioPanelRequests, LabelStudioPanelState } from "./common/messages.js";
import { safeUrl } from "./common/servers.js";

// a sync sends or reads every task: minutes on a large project
const SYNC_TIMEOUT_MS = 600_000;

/** The project id field: a positive whole number, or null (empty or not a number). */
export function projectId(text: string): number | null {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) return null;
  const n = Number(trimmed);
  return n > 0 ? n : null;
}

function render({ model, el }: RenderProps<LabelStudioPanelState>): () => void {
  const rpc = createRpc<LabelStudioPanelRequests>(model);
  const url = h("input", { type: "url", "data-testid": "pl-ls-url", class: "pl-grow", placeholder: "http://localhost:8080" });
  const key = h("input", { type: "password", "data-testid": "pl-ls-key", class: "pl-grow", autocomplete: "off" });
  const project = h("input", { type: "number", "data-testid": "pl-ls-project", min: 1, class: "pl-ls-id" });
  const title = h("input", { type: "text", "data-testid": "pl-ls-title", class: "pl-grow", placeholder: "project name" });
  const link = h("a", { "data-testid": "pl-ls-link", target: "_blank", rel: "noopener noreferrer" });
  const push = h("button", { "data-testid": "pl-ls-push", class: "pl-primary", title: "Send tasks, predictions and the config" }, "Push");
  const pull = h("button", { "data-testid": "pl-ls-pull", title: "Bring back the annotations" }, "Pull");

  async function run(kind: "push" | "pull"): Promise<void> {
    push.disabled = pull.disabled = true;
    const common = { url: url.value, api_key: key.value, ls_project: projectId(project.value) };
    try {
      if (kind === "push") await attempt(rpc, model, "push", { ...common, title: title.value }, { timeoutMs: SYNC_TIMEOUT_MS });
      else await attempt(rpc, model, "pull", common, { timeoutMs: SYNC_TIMEOUT_MS });
    } finally {
      push.disabled = pull.disabled = false;
    }
  }
  push.addEventListener("click", () => { void run("push"); });
  pull.addEventListener("click", () => { void run("pull"); });

  const field = (label: string, input: HTMLElement, grow = true): HTMLLabelElement =>
    h("label", { class: `pl-ls-field${grow ? " pl-grow" : ""}` }, h("span", { class: "pl-muted" }, label), input);
  el.appendChild(h("div", { class: "pl-root pl-ls", "data-testid": "pl-ls", role: "region", "aria-label": "Label Studio" },
    h("div", { class: "pl-toolbar" }, h("span", { class: "pl-section-title" }, "Label Studio"), link),
    h("div", { class: "pl-toolbar" }, field("URL", url), field("API key", key)),
    h("div", { class: "pl-toolbar" }, field("Project id", project, false), field("Title", title), push, pull),
    messageLine(model)));

  function draw(): void {
    if (document.activeElement !== url) url.value = model.get("url") || "";
    key.placeholder = model.get("key_from_env") ? "from LABEL_STUDIO_API_KEY" : "API key or legacy token";
    const id = model.get("ls_project");
    if (document.activeElement !== project) project.value = id === null ? "" : String(id);
    const href = safeUrl(model.get("project_url"));
    if (href) link.href = href; else link.removeAttribute("href");
    setText(link, href ? "open in Label Studio ↗" : "");
    link.hidden = !href;
  }
  for (const name of ["url", "key_from_env", "ls_project", "project_url"]) model.on(`change:${name}`, draw);
  draw();
  return () => rpc.dispose();
}

export { render };
export default { render };
