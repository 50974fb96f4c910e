// Shared helpers of the preannotate_lab widgets (inlined into each widget's module by
// widgets/_rpc.py:esm, because anywidget loads a module from a blob URL where relative
// imports cannot resolve).
//
// Safety rule for every widget: task data (texts, titles, labels, messages) only ever reaches
// the DOM as text: `h()` turns strings into text nodes, `setText` uses textContent. No
// innerHTML / outerHTML / insertAdjacentHTML anywhere (a test greps for them).
//
// Common test ids:
//   [data-testid="pl-message"]  the status line (class pl-message-error for errors)

const SVG_NS = "http://www.w3.org/2000/svg";

/** Create an element; attrs go through setAttribute (or addEventListener for on*). */
export function h(tag, attrs, ...children) {
  const node = document.createElement(tag);
  return fill(node, attrs, children);
}

/** Create an SVG element (same rules as h). */
export function s(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  return fill(node, attrs, children);
}

function fill(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value);
    } else if (key === "value" && "value" in node) {
      node.value = value;
    } else if (key === "checked") {
      node.checked = Boolean(value);
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

/** Append children: strings and numbers become text nodes; arrays are flattened. */
export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Remove every child of a node. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Set a node's text (never parsed as HTML). */
export function setText(node, text) {
  node.textContent = text === undefined || text === null ? "" : String(text);
  return node;
}

let counter = 0;
function newUuid() {
  if (globalThis.crypto && crypto.randomUUID) return crypto.randomUUID();
  counter += 1;
  return `pl-${Date.now()}-${counter}`;
}

/**
 * Request/response over the model's custom messages.
 * rpc.request(type, params) -> Promise<{result, buffers}>; rejects with Error(reply.error).
 * rpc.on(type, fn) handles pushed messages {type, ...} (no uuid) from the kernel.
 * Call rpc.dispose() from the view's cleanup.
 */
export function createRpc(model) {
  const pending = new Map();
  const listeners = new Map();
  const handler = (msg, buffers) => {
    if (msg && msg.uuid !== undefined) {
      const entry = pending.get(msg.uuid);
      if (!entry) return; // another view's request
      pending.delete(msg.uuid);
      if (msg.error !== undefined) entry.reject(new Error(msg.error));
      else entry.resolve({ result: msg.result, buffers: buffers || [] });
    } else if (msg && msg.type) {
      for (const fn of listeners.get(msg.type) || []) fn(msg, buffers || []);
    }
  };
  model.on("msg:custom", handler);
  return {
    request(type, params = {}) {
      const uuid = newUuid();
      return new Promise((resolve, reject) => {
        pending.set(uuid, { resolve, reject });
        model.send({ ...params, type, uuid });
      });
    },
    on(type, fn) {
      if (!listeners.has(type)) listeners.set(type, []);
      listeners.get(type).push(fn);
    },
    dispose() {
      model.off("msg:custom", handler);
      for (const entry of pending.values()) entry.reject(new Error("view closed"));
      pending.clear();
    },
  };
}

/** A status line bound to the model's `message` / `message_level` traits. */
export function messageLine(model) {
  const node = h("div", { class: "pl-message", "data-testid": "pl-message", role: "status" });
  const update = () => {
    setText(node, model.get("message"));
    node.classList.toggle("pl-message-error", model.get("message_level") === "error");
    node.hidden = !model.get("message");
  };
  model.on("change:message", update);
  model.on("change:message_level", update);
  update();
  return node;
}

/** Run a request and show its error (if any) on the status line instead of losing it. */
export async function attempt(rpc, model, type, params) {
  try {
    return await rpc.request(type, params);
  } catch (err) {
    model.set("message_level", "error");
    model.set("message", `${type}: ${err.message}`);
    model.save_changes();
    return null;
  }
}

/** Readable text color (black or white) on a label background. */
export function contrastColor(background) {
  const m = /^#?([0-9a-f]{6})$/i.exec(background || "");
  if (!m) return "#000";
  const n = parseInt(m[1], 16);
  const lum = 0.299 * (n >> 16) + 0.587 * ((n >> 8) & 255) + 0.114 * (n & 255);
  return lum > 150 ? "#000" : "#fff";
}
