// Request/response over a widget's custom messages (the pattern of widgets/_rpc.py):
//
//   -> {"type": "page", "uuid": "3f2c...", "offset": 50}
//   <- {"uuid": "3f2c...", "result": {...}}                 (binary parts travel as buffers)
//   <- {"uuid": "3f2c...", "error": "...", "error_type": "ValueError"}
//
// Requests are typed by the `<Widget>Requests` interfaces of messages.ts, generated from the
// kernel's handlers, so a renamed parameter fails `tsc` as well as the kernel's check.
// Every request has a timeout (DEFAULT_TIMEOUT_MS, or `timeoutMs` per request): a kernel that
// is busy, restarted or gone rejects with RequestTimeout instead of leaving a view waiting.
import type { AnyModel } from "./model.js";

export const DEFAULT_TIMEOUT_MS = 30_000;

/** Any failure of a request. */
export class RpcError extends Error {
  constructor(readonly kind: string, message: string) {
    super(message);
    this.name = "RpcError";
  }
}

/** No reply within the timeout. */
export class RequestTimeout extends RpcError {
  constructor(kind: string, readonly timeoutMs: number) {
    super(kind, `no reply from the kernel after ${Math.round(timeoutMs / 1000)} s (is it busy or restarted?)`);
    this.name = "RequestTimeout";
  }
}

/** The kernel's handler raised; `errorType` is the Python exception's class name. */
export class KernelError extends RpcError {
  constructor(kind: string, message: string, readonly errorType: string) {
    super(kind, message);
    this.name = "KernelError";
  }
}

/** The view closed while the request was pending. */
export class ViewClosed extends RpcError {
  constructor(kind: string) {
    super(kind, "view closed");
    this.name = "ViewClosed";
  }
}

/** The shape of a `<Widget>Requests` interface. */
export type RequestMap<M> = { [K in keyof M]: { params: object; result: unknown } };
type Params<M, K extends keyof M> = M[K] extends { params: infer P } ? P : never;
type Result<M, K extends keyof M> = M[K] extends { result: infer R } ? R : never;

export interface Reply<R> {
  result: R;
  buffers: DataView[];
}

export interface RequestOptions {
  timeoutMs?: number;
}

export interface Rpc<M extends RequestMap<M>> {
  request<K extends keyof M & string>(kind: K, params: Params<M, K>,
    options?: RequestOptions): Promise<Reply<Result<M, K>>>;
  /** Handle messages the kernel pushes ({type, ...} without uuid). */
  on(type: string, fn: (msg: Record<string, unknown>, buffers: DataView[]) => void): void;
  /** Reject what is pending and stop listening (the view's cleanup). */
  dispose(): void;
  /** How many requests wait for a reply. */
  readonly pending: number;
}

interface Pending {
  kind: string;
  resolve: (reply: Reply<unknown>) => void;
  reject: (error: RpcError) => void;
  timer: ReturnType<typeof setTimeout>;
}

interface ReplyMessage {
  uuid?: string;
  type?: string;
  result?: unknown;
  error?: string;
  error_type?: string;
}

let counter = 0;
function newUuid(): string {
  if (globalThis.crypto && typeof globalThis.crypto.randomUUID === "function") return globalThis.crypto.randomUUID();
  counter += 1;
  return `pl-${Date.now()}-${counter}`;
}

function asViews(buffers: unknown): DataView[] {
  if (!Array.isArray(buffers)) return [];
  return buffers.map((b: unknown) => {
    if (b instanceof DataView) return b;
    if (ArrayBuffer.isView(b)) return new DataView(b.buffer, b.byteOffset, b.byteLength);
    return new DataView(b as ArrayBuffer);
  });
}

export function createRpc<M extends RequestMap<M>>(model: AnyModel<unknown>,
  defaults: { timeoutMs?: number } = {}): Rpc<M> {
  const pending = new Map<string, Pending>();
  const listeners = new Map<string, ((msg: Record<string, unknown>, buffers: DataView[]) => void)[]>();
  const handler = (msg: ReplyMessage, buffers?: unknown): void => {
    if (!msg || typeof msg !== "object") return;
    if (msg.uuid !== undefined) {
      const entry = pending.get(msg.uuid);
      if (!entry) return; // another view's request, or one that timed out
      pending.delete(msg.uuid);
      clearTimeout(entry.timer);
      if (msg.error !== undefined) entry.reject(new KernelError(entry.kind, msg.error, msg.error_type ?? "Error"));
      else entry.resolve({ result: msg.result, buffers: asViews(buffers) });
    } else if (typeof msg.type === "string") {
      for (const fn of listeners.get(msg.type) ?? []) fn(msg as Record<string, unknown>, asViews(buffers));
    }
  };
  model.on("msg:custom", handler);
  return {
    request(kind, params, options = {}) {
      const uuid = newUuid();
      const timeoutMs = options.timeoutMs ?? defaults.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(uuid);
          reject(new RequestTimeout(kind, timeoutMs));
        }, timeoutMs);
        pending.set(uuid, { kind, resolve: resolve as (reply: Reply<unknown>) => void, reject, timer });
        try {
          model.send({ ...(params as object), type: kind, uuid });
        } catch (err) {
          clearTimeout(timer);
          pending.delete(uuid);
          reject(new RpcError(kind, err instanceof Error ? err.message : String(err)));
        }
      });
    },
    on(type, fn) {
      const list = listeners.get(type) ?? [];
      list.push(fn);
      listeners.set(type, list);
    },
    dispose() {
      model.off("msg:custom", handler);
      for (const entry of pending.values()) {
        clearTimeout(entry.timer);
        entry.reject(new ViewClosed(entry.kind));
      }
      pending.clear();
      listeners.clear();
    },
    get pending() {
      return pending.size;
    },
  };
}
