// The labeling view's keyboard: one table that the key handler, the help popover and the
// buttons' aria-keyshortcuts all read, so what is documented is what works.

export type Action =
  | "help" | "escape"
  | "next-region" | "prev-region" | "accept-region" | "reject-region"
  | "commit" | "pick-label"
  | "end-left" | "end-right" | "start-left" | "start-right"
  | "next-task" | "prev-task" | "next-review"
  | "page-prev" | "page-next" | "page-first" | "page-last"
  | "zoom-in" | "zoom-out" | "zoom-fit";

export interface Binding {
  action: Action;
  /** aria-keyshortcuts spellings (https://www.w3.org/TR/wai-aria-1.2/#aria-keyshortcuts) */
  keys: string[];
  /** what the help shows */
  display: string;
  help: string;
  /** only on document tasks */
  documents?: boolean;
}

export const BINDINGS: Binding[] = [
  { action: "next-region", keys: ["ArrowDown"], display: "↓", help: "next region" },
  { action: "prev-region", keys: ["ArrowUp"], display: "↑", help: "previous region" },
  { action: "accept-region", keys: ["Enter"], display: "Enter", help: "accept the focused region (✓) and go to the next" },
  { action: "reject-region", keys: ["Delete", "Backspace"], display: "Delete", help: "reject the focused region: on a prediction it is left out when you accept; on a completion it is removed" },
  { action: "commit", keys: ["Control+Enter", "Meta+Enter"], display: "Ctrl+Enter", help: "accept the prediction as a completion (without rejected or hidden regions); on a completion: save" },
  { action: "pick-label", keys: ["1", "2", "3", "4", "5", "6", "7", "8", "9"], display: "1–9", help: "pick label N: labels the selected text or tokens, or fixes the focused region's label (on a prediction: accepts it as a completion first)" },
  { action: "end-right", keys: ["Shift+ArrowRight"], display: "Shift+→", help: "move the focused span's end one word right" },
  { action: "end-left", keys: ["Shift+ArrowLeft"], display: "Shift+←", help: "move the focused span's end one word left" },
  { action: "start-left", keys: ["Control+ArrowLeft"], display: "Ctrl+←", help: "move the focused span's start one word left" },
  { action: "start-right", keys: ["Control+ArrowRight"], display: "Ctrl+→", help: "move the focused span's start one word right" },
  { action: "next-review", keys: ["Shift+N"], display: "Shift+N", help: "next task to review (saves unsaved edits first)" },
  { action: "next-task", keys: ["]"], display: "]", help: "next task in the grid's order (saves first)" },
  { action: "prev-task", keys: ["["], display: "[", help: "previous task (saves first)" },
  { action: "page-prev", keys: ["ArrowLeft", "PageUp"], display: "← PageUp", help: "previous page", documents: true },
  { action: "page-next", keys: ["ArrowRight", "PageDown"], display: "→ PageDown", help: "next page", documents: true },
  { action: "page-first", keys: ["Home"], display: "Home", help: "first page", documents: true },
  { action: "page-last", keys: ["End"], display: "End", help: "last page", documents: true },
  { action: "zoom-in", keys: ["+", "="], display: "+", help: "zoom in", documents: true },
  { action: "zoom-out", keys: ["-"], display: "−", help: "zoom out", documents: true },
  { action: "zoom-fit", keys: ["0"], display: "0", help: "zoom to fit the page", documents: true },
  { action: "help", keys: ["Shift+?"], display: "?", help: "show or hide this help" },
  { action: "escape", keys: ["Escape"], display: "Escape", help: "drop the selection, the focus or the relation being drawn; close this help" },
];

export interface KeyLike {
  key: string;
  shiftKey?: boolean;
  ctrlKey?: boolean;
  metaKey?: boolean;
  altKey?: boolean;
}

/** The aria-keyshortcuts spelling of a key event ("Control+Enter", "Shift+N", "]"). */
export function spell(e: KeyLike): string {
  const mods: string[] = [];
  if (e.ctrlKey) mods.push("Control");
  if (e.metaKey) mods.push("Meta");
  if (e.altKey) mods.push("Alt");
  let key = e.key.length === 1 ? e.key.toUpperCase() : e.key;
  // a shifted character ("?", "+") already says Shift; a shifted letter or named key does not
  if (e.shiftKey && (e.key.length > 1 || /[a-z]/i.test(e.key) || e.key === "?")) mods.push("Shift");
  if (key === " ") key = "Space";
  return [...mods, key].join("+");
}

export interface Match {
  action: Action;
  /** pick-label: the label's index (0-based) */
  index?: number;
}

/** The action a key event asks for, or null (then the key goes on to JupyterLab). */
export function matchKey(e: KeyLike, isDocument: boolean): Match | null {
  const spelled = spell(e);
  for (const b of BINDINGS) {
    if (b.documents && !isDocument) continue;
    if (!b.keys.some((k) => k.toUpperCase() === spelled.toUpperCase())) continue;
    if (b.action === "pick-label") return { action: b.action, index: Number(e.key) - 1 };
    return { action: b.action };
  }
  return null;
}

/** The aria-keyshortcuts value of an action ("" when it has no keys). */
export function ariaKeys(action: Action): string {
  const b = BINDINGS.find((x) => x.action === action);
  return b ? b.keys.join(" ") : "";
}

/** A label's own hotkey from the config matches a plain (unmodified) key press. */
export function isHotkey(e: KeyLike, hotkey: string | null | undefined): boolean {
  if (!hotkey || e.ctrlKey || e.metaKey || e.altKey || e.shiftKey) return false;
  return e.key.length === 1 && hotkey.toLowerCase() === e.key.toLowerCase();
}
