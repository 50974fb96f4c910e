// Keyboard selection of the grid, as pure functions of the visible page (unit-tested):
// a cursor row (the focused one) and an anchor for shift-ranges.

export interface Cursor {
  index: number; // row of the page that has focus (-1: none yet)
  anchor: number; // where a shift-range starts
}

export type GridAction =
  | { kind: "move"; index: number; extend: boolean }
  | { kind: "toggle"; index: number }
  | { kind: "open"; index: number }
  | { kind: "select-page" }
  | { kind: "page"; delta: 1 | -1 }
  | { kind: "none" };

export interface KeyLike {
  key: string;
  shiftKey: boolean;
  ctrlKey: boolean;
  metaKey: boolean;
}

/** What a key press on the grid does (the view carries it out). */
export function keyAction(key: KeyLike, cursor: Cursor, rowCount: number): GridAction {
  if (rowCount === 0) return { kind: "none" };
  const at = cursor.index < 0 ? 0 : cursor.index;
  const clamp = (i: number): number => Math.max(0, Math.min(rowCount - 1, i));
  switch (key.key) {
    case "ArrowDown":
      return { kind: "move", index: cursor.index < 0 ? 0 : clamp(at + 1), extend: key.shiftKey };
    case "ArrowUp":
      return { kind: "move", index: clamp(at - 1), extend: key.shiftKey };
    case "Home":
      return { kind: "move", index: 0, extend: key.shiftKey };
    case "End":
      return { kind: "move", index: rowCount - 1, extend: key.shiftKey };
    case " ":
    case "Spacebar":
      return { kind: "toggle", index: at };
    case "Enter":
      return { kind: "open", index: at };
    case "PageDown":
      return { kind: "page", delta: 1 };
    case "PageUp":
      return { kind: "page", delta: -1 };
    case "a":
    case "A":
      return key.ctrlKey || key.metaKey ? { kind: "select-page" } : { kind: "none" };
    default:
      return { kind: "none" };
  }
}

/** The cursor after a move: a plain move resets the anchor, a shift-move keeps it. */
export function moveCursor(cursor: Cursor, index: number, extend: boolean): Cursor {
  const anchor = extend ? (cursor.anchor < 0 ? Math.max(cursor.index, 0) : cursor.anchor) : index;
  return { index, anchor };
}

/** Row indices from a to b, inclusive, in either order. */
export function rangeIndices(a: number, b: number): number[] {
  const [lo, hi] = a <= b ? [a, b] : [b, a];
  return Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
}
