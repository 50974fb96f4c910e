// LabelStudioPanel view: URL, API key and project fields, Push and Pull, a status line.
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
import { h, messageLine, createRpc, attempt } from "./common/index.js";

function render({ model, el }) {
  const rpc = createRpc(model);
  const url = h("input", { type: "text", "data-testid": "pl-ls-url", size: 32,
    placeholder: "http://localhost:8080" });
  const key = h("input", { type: "password", "data-testid": "pl-ls-key", size: 32, autocomplete: "off" });
  const project = h("input", { type: "number", "data-testid": "pl-ls-project", min: 1, style: "width: 6em" });
  const title = h("input", { type: "text", "data-testid": "pl-ls-title", size: 20, placeholder: "project name" });
  const link = h("a", { "data-testid": "pl-ls-link", target: "_blank", rel: "noopener" });
  const push = h("button", { "data-testid": "pl-ls-push" }, "Push");
  const pull = h("button", { "data-testid": "pl-ls-pull" }, "Pull");

  async function run(kind) {
    push.disabled = pull.disabled = true;
    const params = { url: url.value, api_key: key.value, ls_project: project.value || null };
    if (kind === "push") params.title = title.value;
    try { await attempt(rpc, model, kind, params); } finally { push.disabled = pull.disabled = false; }
  }
  push.addEventListener("click", () => run("push"));
  pull.addEventListener("click", () => run("pull"));

  const field = (label, input) => h("label", { class: "pl-ls-field" }, h("span", {}, label), input);
  el.appendChild(h("div", { class: "pl-root pl-ls", "data-testid": "pl-ls" },
    h("div", { class: "pl-row" }, h("b", {}, "Label Studio")),
    h("div", { class: "pl-row" }, field("URL", url), field("API key", key)),
    h("div", { class: "pl-row" }, field("Project id", project), field("Title", title), push, pull, link),
    messageLine(model)));

  function draw() {
    if (document.activeElement !== url) url.value = model.get("url") || "";
    key.placeholder = model.get("key_from_env") ? "from LABEL_STUDIO_API_KEY" : "API key or legacy token";
    const id = model.get("ls_project");
    if (document.activeElement !== project) project.value = id === null ? "" : String(id);
    link.href = model.get("project_url") || "#";
    link.textContent = model.get("project_url") ? "open in Label Studio" : "";
  }
  for (const name of ["url", "key_from_env", "ls_project", "project_url"]) model.on(`change:${name}`, draw);
  draw();
  return () => rpc.dispose();
}

export default { render };
