// DOM helpers of every widget view.
//
// Safety rule for every widget: task data (texts, titles, labels, messages) only ever reaches
// the DOM as text: `h()` turns strings into text nodes, `setText` uses textContent. No
// innerHTML / outerHTML / insertAdjacentHTML anywhere (tests/test_widgets_safety.py greps the
// sources and the built bundles for them).

const SVG_NS = "http://www.w3.org/2000/svg";

/** What an attribute may be: false / null / undefined leave it out; functions on `on*` keys listen. */
export type AttrValue = string | number | boolean | null | undefined | ((event: never) => unknown);
export type Attrs = Record<string, AttrValue>;
/** A child: nodes as they are, strings and numbers as text nodes; nested arrays are flattened. */
export type Child = Node | string | number | boolean | null | undefined | Child[];

/** Create an element; attrs go through setAttribute (or addEventListener for on*). */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs?: Attrs | null, ...children: Child[]): HTMLElementTagNameMap[K] {
  return fill(document.createElement(tag), attrs, children);
}

/** Create an SVG element (same rules as h). */
export function s<K extends keyof SVGElementTagNameMap>(
  tag: K, attrs?: Attrs | null, ...children: Child[]): SVGElementTagNameMap[K] {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

function fill<E extends Element>(node: E, attrs: Attrs | null | undefined, children: Child[]): E {
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2).toLowerCase(), value as EventListener);
    } else if (key === "value" && "value" in node) {
      (node as unknown as { value: string }).value = String(value);
    } else if (key === "checked" && "checked" in node) {
      (node as unknown as { checked: boolean }).checked = Boolean(value);
    } else {
      node.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(node, children);
  return node;
}

/** Append children: strings and numbers become text nodes; arrays are flattened. */
export function append<N extends Node>(node: N, children: Child[]): N {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(node, child);
    else node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Remove every child of a node. */
export function clear<N extends Node>(node: N): N {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** Set a node's text (never parsed as HTML). */
export function setText<N extends Node>(node: N, text: string | number | boolean | null | undefined): N {
  node.textContent = text === undefined || text === null ? "" : String(text);
  return node;
}

/** "2026-12-07T05:38:49.123+00:00" -> "2026-12-07 05:38:49" (empty for null). */
export function shortTime(iso: string | null | undefined): string {
  return iso ? iso.slice(0, 19).replace("T", " ") : "";
}
