// A stand-in for anywidget's model in unit tests: get / set / save_changes / on / off / send,
// with a fake kernel that answers requests through a handler table (as widgets/_rpc.py does).
import type { AnyModel } from "../src/common/model.js";

type Handler = (params: Record<string, unknown>, model: FakeModel<Record<string, unknown>>) => unknown;

export interface Sent {
  type: string;
  uuid?: string;
  [key: string]: unknown;
}

export class KernelRaise extends Error {
  constructor(message: string, readonly errorType = "ValueError") {
    super(message);
  }
}

export class FakeModel<S extends object> implements AnyModel<S> {
  state: S;
  saved: Partial<S>[] = [];
  sent: Sent[] = [];
  /** requests answered when they arrive; a missing kind is never answered (a busy kernel) */
  handlers: Record<string, Handler> = {};
  /** answer asynchronously, like a real comm */
  private listeners = new Map<string, ((...args: unknown[]) => unknown)[]>();
  private pendingChanges: Partial<S> = {};

  constructor(state: S) {
    this.state = { ...state };
  }

  get<K extends keyof S & string>(key: K): S[K] {
    return this.state[key];
  }

  set<K extends keyof S & string>(key: K, value: S[K]): void {
    this.state[key] = value;
    this.pendingChanges[key] = value;
    this.emit(`change:${key}`);
  }

  save_changes(): void {
    this.saved.push(this.pendingChanges);
    this.pendingChanges = {};
  }

  on(event: string, callback: (...args: never[]) => unknown): void {
    const list = this.listeners.get(event) ?? [];
    list.push(callback as (...args: unknown[]) => unknown);
    this.listeners.set(event, list);
  }

  off(event?: string | null, callback?: ((...args: never[]) => unknown) | null): void {
    if (!event) { this.listeners.clear(); return; }
    if (!callback) { this.listeners.delete(event); return; }
    this.listeners.set(event, (this.listeners.get(event) ?? []).filter((f) => f !== callback));
  }

  send(content: unknown): void {
    const msg = content as Sent;
    this.sent.push(msg);
    const handler = this.handlers[msg.type];
    if (!handler || msg.uuid === undefined) return;
    const { type: _type, uuid, ...params } = msg;
    queueMicrotask(() => {
      try {
        const result = handler(params, this as unknown as FakeModel<Record<string, unknown>>);
        this.emit("msg:custom", { uuid, result }, []);
      } catch (err) {
        const errorType = err instanceof KernelRaise ? err.errorType : "Exception";
        this.emit("msg:custom", { uuid, error: (err as Error).message, error_type: errorType }, []);
      }
    });
  }

  /** The kernel changes a trait (as a comm update would). */
  kernelSet<K extends keyof S & string>(key: K, value: S[K]): void {
    this.state[key] = value;
    this.emit(`change:${key}`);
  }

  /** The kernel pushes a message without uuid. */
  push(msg: Record<string, unknown>): void {
    this.emit("msg:custom", msg, []);
  }

  listenerCount(event: string): number {
    return (this.listeners.get(event) ?? []).length;
  }

  requests(type: string): Sent[] {
    return this.sent.filter((m) => m.type === type);
  }

  private emit(event: string, ...args: unknown[]): void {
    for (const fn of [...(this.listeners.get(event) ?? [])]) fn(...args);
  }
}

/** Let queued microtasks and promise continuations run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setTimeout(resolve, 0));
}
