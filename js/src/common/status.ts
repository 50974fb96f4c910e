// The status line every widget shows, and requests whose errors land on it.
import { h, setText } from "./dom.js";
import type { AnyModel } from "./model.js";
import { RpcError, type Reply, type RequestMap, type RequestOptions, type Rpc } from "./rpc.js";
import type { BaseState } from "./messages.js";

/** A status line bound to the model's `message` / `message_level` traits. */
export function messageLine(model: AnyModel<BaseState>): HTMLDivElement {
  const node = h("div", { class: "pl-message", "data-testid": "pl-message", role: "status", "aria-live": "polite" });
  const update = (): void => {
    setText(node, model.get("message"));
    node.classList.toggle("pl-message-error", model.get("message_level") === "error");
    node.hidden = !model.get("message");
  };
  model.on("change:message", update);
  model.on("change:message_level", update);
  update();
  return node;
}

/** Show an error on the status line (the kernel's own messages use the same traits). */
export function showError(model: AnyModel<BaseState>, text: string): void {
  model.set("message_level", "error");
  model.set("message", text);
  model.save_changes();
}

/** Run a request and show its error (if any) on the status line instead of losing it. */
export async function attempt<M extends RequestMap<M>, K extends keyof M & string>(
  rpc: Rpc<M>, model: AnyModel<BaseState>, kind: K,
  params: M[K] extends { params: infer P } ? P : never,
  options?: RequestOptions): Promise<Reply<M[K] extends { result: infer R } ? R : never> | null> {
  try {
    return await rpc.request(kind, params, options);
  } catch (err) {
    if (err instanceof RpcError && err.name === "ViewClosed") return null;
    showError(model, `${kind}: ${err instanceof Error ? err.message : String(err)}`);
    return null;
  }
}
