"""Render a widget's real ES module in headless Chromium against the real Python widget.

No Jupyter here: a small stand-in for the anywidget model runs in the page (get / set /
save_changes / on / off / send) and forwards to the Python widget through a playwright
binding, so the JS meets real state and real replies. What the kernel changes while
answering is sent back as trait changes, like the comm would. This catches errors of the
JS itself (which browser-free tests cannot); the full Jupyter round trip is for tests/browser/.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from preannotate_lab.widgets._rpc import RpcWidget

CHROMIUM = "/usr/bin/chromium"

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><style>__CSS__</style></head>
<body><div id="root"></div><script type="module">
const listeners = new Map();
const state = __STATE__;
function emit(name, ...args) { for (const fn of listeners.get(name) || []) fn(...args); }
function apply(changes) {
  for (const [k, v] of Object.entries(changes)) { state[k] = v; emit(`change:${k}`); }
}
const pending = {};
const model = {
  cid: "test",
  get: (k) => state[k],
  set: (k, v) => { state[k] = v; pending[k] = v; emit(`change:${k}`); },
  save_changes: async () => {
    const changes = { ...pending };
    for (const k of Object.keys(pending)) delete pending[k];
    apply(await window.pyUpdate(JSON.stringify(changes)));
  },
  on: (name, fn) => { if (!listeners.has(name)) listeners.set(name, []); listeners.get(name).push(fn); },
  off: (name, fn) => { listeners.set(name, (listeners.get(name) || []).filter((f) => f !== fn)); },
  send: async (content) => {
    const out = await window.pyRequest(JSON.stringify(content));
    apply(out.changes);
    const buffers = out.buffers.map((b) => {
      const bin = atob(b); const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      return new DataView(bytes.buffer);
    });
    if (out.reply) emit("msg:custom", out.reply, buffers);
  },
};
window.__plApply = apply;
const url = URL.createObjectURL(new Blob([__ESM__], { type: "text/javascript" }));
const mod = await import(url);
const el = document.getElementById("root");
await mod.default.render({ model, el });
window.__plReady = true;
</script></body></html>"""


def _script_json(value: Any) -> str:
    """JSON safe inside an inline <script> (task text may hold "</script>")."""
    return json.dumps(value).replace("<", "\\u003c")


def _sync_state(widget: RpcWidget) -> dict[str, Any]:
    keys = [k for k in widget.keys if k not in ("_esm", "_css", "layout")]
    return json.loads(json.dumps(widget.get_state(keys), default=str))


class Rendered:
    """A widget rendered in a page; ``page`` is the playwright page, ``errors`` its JS errors."""

    def __init__(self, page: Any, widget: RpcWidget) -> None:
        self.page = page
        self.widget = widget
        self.errors: list[str] = []
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", lambda msg: self.errors.append(msg.text) if msg.type == "error" else None)
        page.expose_function("pyRequest", self._request)
        page.expose_function("pyUpdate", self._update)
        html = (_PAGE.replace("__CSS__", widget._css)
                .replace("__STATE__", _script_json(_sync_state(widget)))
                .replace("__ESM__", _script_json(widget._esm)))
        page.set_content(html)
        page.wait_for_function("window.__plReady === true", timeout=10_000)

    def _changes(self, before: dict[str, Any]) -> dict[str, Any]:
        after = _sync_state(self.widget)
        return {k: v for k, v in after.items() if before.get(k) != v}

    def _request(self, content: str) -> dict[str, Any]:
        before = _sync_state(self.widget)
        data = json.loads(content)
        reply = self.widget.handle_request(data)
        buffers = [base64.b64encode(b).decode("ascii") for b in reply.pop("buffers", [])]
        payload = {"uuid": data.get("uuid"), **reply} if data.get("uuid") else None
        return {"reply": payload, "buffers": buffers, "changes": self._changes(before)}

    def _update(self, changes: str) -> dict[str, Any]:
        before = _sync_state(self.widget)
        self.widget.set_state(json.loads(changes))
        return self._changes({**before, **json.loads(changes)})

    def push_changes(self) -> None:
        """Send trait changes made in Python (outside a request) to the page."""
        self.page.evaluate("(c) => window.__plApply(c)", _sync_state(self.widget))
