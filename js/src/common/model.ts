// The part of anywidget's model a view uses, typed by the widget's synced traits
// (the `<Widget>State` interfaces generated into messages.ts).

export type Listener = (...args: never[]) => unknown;

export interface AnyModel<S> {
  get<K extends keyof S & string>(key: K): S[K];
  set<K extends keyof S & string>(key: K, value: S[K]): void;
  save_changes(): void;
  on(event: string, callback: Listener): void;
  off(event?: string | null, callback?: Listener | null): void;
  send(content: unknown, callbacks?: unknown, buffers?: ArrayBuffer[] | ArrayBufferView[]): void;
}

/** What anywidget hands `render`. */
export interface RenderProps<S> {
  model: AnyModel<S>;
  el: HTMLElement;
}

/** Set a trait and send it to the kernel. */
export function save<S, K extends keyof S & string>(model: AnyModel<S>, key: K, value: S[K]): void {
  model.set(key, value);
  model.save_changes();
}
