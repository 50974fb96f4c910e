// The review flow's actions, shared by the keyboard and the buttons: focus and walk regions,
// accept / reject them, accept the prediction as a completion, pick a label, move a span's
// edges, go to the next task. Every kernel change is a request; this only decides which.

import { isDocument, numberedLabels, labelDefs, results, spans, type Ctx } from "./context.js";
import { leftOut, moveEdge, regionsOf, stepRegion, type Edge } from "./regions.js";
import { visibleRegions } from "./region_list.js";
import type { Result, SpanResult } from "./types.js";

export interface Review {
  focus(id: string | null): void;
  step(delta: number): void;
  acceptRegion(): void;
  rejectRegion(): void;
  commit(): Promise<void>;
  emptyCompletion(): void;
  pickLabel(value: string): void;
  pickNumber(index: number): void;
  labelTokens(): void;
  moveEdge(edge: Edge, dir: number): Promise<void>;
  stepTask(kind: "next-task" | "prev-task" | "next-review"): Promise<void>;
  goToPage(index: number): void;
}

export interface ReviewHooks {
  /** bring a region into view (text segment, or its page and box) */
  reveal(id: string): void;
  /** the text selection of the text view as code points, or null */
  textSelection(): [number, number] | null;
  clearTextSelection(): void;
}

const focusedSpan = (ctx: Ctx): SpanResult | null => {
  const sel = ctx.state.selected;
  return sel?.kind === "span" ? spans(ctx).find((s) => s.id === sel.id) ?? null : null;
};

/** After an edit changed a span's id (relabel, resize), focus the span now at `where`. */
function refocus(after: Result[] | undefined, where: { start: number; end: number; label: string }): string | null {
  const found = (after ?? []).find((r): r is SpanResult => r.kind === "span" && r.start === where.start
    && r.end === where.end && r.label === where.label);
  return found ? found.id : null;
}

export function createReview(ctx: Ctx, hooks: ReviewHooks): Review {
  const { model, state } = ctx;

  function focus(id: string | null): void {
    state.selected = id ? { kind: "span", id } : null;
    state.relating = null;
    state.pendingRelation = null;
    if (id && isDocument(ctx)) {
      const span = spans(ctx).find((s) => s.id === id);
      const page = span?.boxes?.[0]?.page;
      if (page !== undefined && page !== null && page !== model.get("page")) { goToPage(page); }
    }
    ctx.redraw("selection", "toolbar");
    if (id) hooks.reveal(id);
  }

  function step(delta: number): void {
    const current = state.selected?.kind === "span" ? state.selected.id : null;
    const next = stepRegion(visibleRegions(ctx), current, delta);
    if (next) focus(next);
  }

  function acceptRegion(): void {
    const span = focusedSpan(ctx);
    if (!span) { step(1); return; }
    state.marks.set(span.id, "accepted");
    step(1);
    ctx.redraw("regions", "body");
  }

  function rejectRegion(): void {
    const sel = state.selected;
    if (!sel) return;
    if (model.get("editable")) {
      const list = visibleRegions(ctx);
      const next = stepRegion(list, sel.id, 1) === sel.id ? stepRegion(list, sel.id, -1) : stepRegion(list, sel.id, 1);
      void ctx.call("remove", { id: sel.id }).then((r) => {
        if (r) focus(next && next !== sel.id ? next : null);
      });
      return;
    }
    if (sel.kind !== "span") return;
    // a prediction stays as it is: the mark says "leave it out when accepting"
    if (state.marks.get(sel.id) === "rejected") state.marks.delete(sel.id);
    else state.marks.set(sel.id, "rejected");
    step(1);
    ctx.redraw("regions", "body");
  }

  async function commit(): Promise<void> {
    const shown = model.get("shown") ?? {};
    if (shown.kind === "prediction") {
      const rejected = leftOut(regionsOf(results(ctx), true), state.marks, state.threshold, state.hideLow);
      const reply = await ctx.call("accept_prediction", { prediction_id: shown.id ?? null, rejected });
      // nothing focused in the new completion: a palette click chooses a label to draw with
      // rather than relabelling a region the reviewer did not pick there (↓ focuses the first)
      if (reply) { state.marks.clear(); focus(null); }
    } else if (shown.kind === "completion") {
      if (model.get("dirty")) await ctx.call("save", {});
      else ctx.say("nothing to save: the completion has no unsaved edits");
    } else if (model.get("task")?.id !== undefined) {
      emptyCompletion();
    }
  }

  function emptyCompletion(): void {
    void ctx.call("create_completion", {});
  }

  function pickLabel(value: string): void {
    const def = labelDefs(ctx).find((d) => d.value === value);
    if (!def) return;
    const editable = model.get("editable");
    const span = focusedSpan(ctx);
    const textSel = isDocument(ctx) ? null : hooks.textSelection();
    if (def.assertion && span && editable && !textSel) {
      void ctx.call("set_assertion", { id: span.id, assertion: span.assertion === value ? null : value });
      return;
    }
    if (!editable && span && !textSel && !state.selectedTokens.size && !def.assertion && span.label !== value
      && model.get("shown")?.kind === "prediction") {
      // fixing a prediction's region: accept the prediction first (rejected regions left
      // out), then fix the same region in the new completion — one key, no detour
      void commit().then(() => {
        const copy = spans(ctx).find((s) => s.start === span.start && s.end === span.end && s.label === span.label);
        if (copy && model.get("editable")) {
          state.selected = { kind: "span", id: copy.id };
          pickLabel(value);
        }
      });
      return;
    }
    if (editable && span && !textSel && !state.selectedTokens.size) {
      // a number key on a focused region of a completion fixes its label (the palette's
      // active label stays as it was: relabelling is not choosing a label to draw with)
      if (span.label === value || def.assertion) return;
      const where = { start: span.start, end: span.end, label: value };
      void ctx.call("relabel", { id: span.id, label: value }).then((r) => {
        if (r) focus(refocus(r.result as unknown as Result[], where));
      });
      return;
    }
    state.activeLabel = state.activeLabel === value && !textSel && !state.selectedTokens.size ? null : value;
    ctx.redraw("palette");
    if (!editable) {
      if (textSel || state.selectedTokens.size || span) ctx.error("predictions are read-only: accept the prediction (Ctrl+Enter) to edit it");
      return;
    }
    if (textSel) {
      hooks.clearTextSelection();
      void ctx.call("add_span", { start: textSel[0], end: textSel[1], label: value });
    } else if (state.selectedTokens.size) {
      labelTokens();
    }
  }

  function labelTokens(): void {
    if (!state.activeLabel) { ctx.say("choose a label first (palette, 1–9 or a hotkey)"); return; }
    void ctx.call("label_tokens", { tokens: [...state.selectedTokens], label: state.activeLabel }).then((r) => {
      if (r) { state.selectedTokens.clear(); ctx.redraw("body"); }
    });
  }

  function pickNumber(index: number): void {
    const def = numberedLabels(ctx)[index];
    if (def) pickLabel(def.value);
  }

  async function moveSpanEdge(edge: Edge, dir: number): Promise<void> {
    const span = focusedSpan(ctx);
    if (!span) { ctx.say("focus a region first (↓ / ↑)"); return; }
    if (!model.get("editable")) { ctx.error("predictions are read-only: accept the prediction (Ctrl+Enter) to edit it"); return; }
    const text = model.get("task")?.text ?? "";
    const moved = moveEdge(text, span, edge, dir);
    if (moved.start === span.start && moved.end === span.end) return;
    const reply = await ctx.call("resize_span", { id: span.id, start: moved.start, end: moved.end });
    if (reply) focus(refocus(reply.result as unknown as Result[], { ...moved, label: span.label }));
  }

  async function stepTask(kind: "next-task" | "prev-task" | "next-review"): Promise<void> {
    if (model.get("task")?.id === undefined) return;
    if (model.get("dirty") && !(await ctx.call("save", {}))) return; // never lose edits
    const reply = await ctx.call("next_task", { direction: kind === "prev-task" ? -1 : 1, unreviewed: kind === "next-review" });
    const next = reply?.result as { task_id: number | null; remaining: number } | undefined;
    if (!reply || !next) return;
    if (next.task_id === null) {
      ctx.say(kind === "prev-task" ? "this is the first task" : "this is the last task");
      return;
    }
    await ctx.call("load", { task_id: next.task_id });
  }

  function goToPage(index: number): void {
    const n = (model.get("task")?.pages ?? []).length;
    const target = Math.max(0, Math.min(n - 1, index));
    if (n === 0 || target === model.get("page")) return;
    state.selectedTokens.clear();
    model.set("page", target);
    model.save_changes();
  }

  return {
    focus, step, acceptRegion, rejectRegion, commit, emptyCompletion, pickLabel, pickNumber, labelTokens,
    moveEdge: moveSpanEdge, stepTask, goToPage,
  };
}
