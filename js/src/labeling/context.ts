// What every part of the labeling view shares: the model, the kernel requests, the view's
// own (unsynced) state, and a way to redraw parts.

import { attempt, showError, type AnyModel, type Reply, type Rpc } from "../common/index.js";
import type { LabelingViewRequests } from "../common/messages.js";
import type { Mark } from "./regions.js";
import type { LabelDef, LabelingTraits, Result, SpanResult } from "./types.js";

export type Requests = LabelingViewRequests;
type Params<K extends keyof Requests> = Requests[K] extends { params: infer P } ? P : never;
type ResultOf<K extends keyof Requests> = Requests[K] extends { result: infer R } ? R : never;

export interface Selection {
  kind: "span" | "relation";
  id: string;
}

export interface PendingRelation {
  options: { value: string; from_id: string; to_id: string; direction: string }[];
  from_label: string;
  to_label: string;
}

/** The view's own state: what the user is doing, not what the kernel stores. */
export interface ViewState {
  activeLabel: string | null;
  /** the focused region (a span) or a selected relation */
  selected: Selection | null;
  relating: string | null;
  pendingRelation: PendingRelation | null;
  selectedTokens: Set<number>;
  /** review marks of the shown annotation's regions, by result id */
  marks: Map<string, Mark>;
  /** confidence filter: regions below `threshold` are dimmed, or hidden when `hideLow` */
  threshold: number;
  hideLow: boolean;
  helpOpen: boolean;
  /** page view: drag draws a box, or pans */
  tool: "box" | "pan";
  /** the stage's scroll position, kept across redraws of the same page and zoom */
  pageScroll: { page: number; zoom: number; left: number; top: number } | null;
}

/** Parts of the view to draw again; "selection" only moves the focus marks (cheap: no redraw). */
export type Part = "header" | "palette" | "filter" | "regions" | "choices" | "toolbar" | "diff" | "body" | "help" | "selection";

export interface Ctx {
  model: AnyModel<LabelingTraits>;
  rpc: Rpc<Requests>;
  state: ViewState;
  /** a request whose error goes to the status line (null then) */
  call<K extends keyof Requests>(kind: K, params: Params<K>): Promise<Reply<ResultOf<K>> | null>;
  redraw(...parts: Part[]): void;
  say(text: string): void;
  error(text: string): void;
  /** unique per view (SVG marker ids, datalist ids) */
  uid: string;
}

export function createState(): ViewState {
  return {
    activeLabel: null, selected: null, relating: null, pendingRelation: null,
    selectedTokens: new Set(), marks: new Map(), threshold: 0, hideLow: false,
    helpOpen: false, tool: "box", pageScroll: null,
  };
}

export function createCtx(model: AnyModel<LabelingTraits>, rpc: Rpc<Requests>,
  redraw: (...parts: Part[]) => void): Ctx {
  const base = model as unknown as AnyModel<{ message: string; message_level: string }>;
  return {
    model, rpc, state: createState(), redraw,
    uid: Math.random().toString(36).slice(2),
    call: (kind, params) => attempt(rpc, base, kind, params as never),
    say(text: string) {
      model.set("message_level", "info");
      model.set("message", text);
      model.save_changes();
    },
    error: (text: string) => showError(base, text),
  };
}

// ---- reading the model ------------------------------------------------------------------------

export const results = (ctx: Ctx): Result[] => ctx.model.get("results") ?? [];
export const spans = (ctx: Ctx): SpanResult[] => results(ctx).filter((r): r is SpanResult => r.kind === "span");
export const labelDefs = (ctx: Ctx): LabelDef[] => ctx.model.get("label_defs") ?? [];
export const isDocument = (ctx: Ctx): boolean => {
  const task = ctx.model.get("task") ?? {};
  return task.id !== undefined && task.kind !== "text";
};
/** Labels a number key picks: the config's span labels (assertion values are not labels). */
export const numberedLabels = (ctx: Ctx): LabelDef[] => labelDefs(ctx).filter((d) => !d.assertion);
export const colorOf = (ctx: Ctx, label: string): string =>
  labelDefs(ctx).find((d) => d.value === label)?.background ?? "#cccccc";
