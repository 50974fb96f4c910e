// Column resizing: a handle at the right edge of each header cell; dragging it sets the width
// of the column's <col> (the table has a fixed layout, so the cells follow).
import { h } from "../common/index.js";

export const MIN_WIDTH = 40;
export const KEY_STEP = 16;

/** Alt+ArrowLeft / Alt+ArrowRight on a focused header cell: the keyboard's column resizing. */
export function keyboardResize(th: HTMLElement, col: HTMLTableColElement, onResized: (width: number) => void): void {
  th.addEventListener("keydown", (e: KeyboardEvent) => {
    if (!e.altKey || (e.key !== "ArrowLeft" && e.key !== "ArrowRight")) return;
    e.preventDefault();
    e.stopPropagation();
    const current = parseFloat(col.style.width) || th.getBoundingClientRect().width;
    const width = Math.max(MIN_WIDTH, Math.round(current + (e.key === "ArrowRight" ? KEY_STEP : -KEY_STEP)));
    col.style.width = `${width}px`;
    onResized(width);
  });
}

export function resizeHandle(col: HTMLTableColElement, onResized: (width: number) => void): HTMLSpanElement {
  const handle = h("span", { class: "pl-col-resize", "aria-hidden": "true", title: "drag to resize" });
  handle.addEventListener("pointerdown", (down: PointerEvent) => {
    down.preventDefault();
    down.stopPropagation();
    const th = handle.parentElement as HTMLElement;
    const start = down.clientX;
    const startWidth = th.getBoundingClientRect().width;
    const move = (e: PointerEvent): void => {
      const width = Math.max(MIN_WIDTH, Math.round(startWidth + e.clientX - start));
      col.style.width = `${width}px`;
      onResized(width);
    };
    const up = (): void => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      document.body.classList.remove("pl-resizing");
    };
    document.body.classList.add("pl-resizing");
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
  });
  // a click on the handle must not sort the column
  handle.addEventListener("click", (e) => e.stopPropagation());
  return handle;
}
