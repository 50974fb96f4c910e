// The keyboard help popover, written from the key table (keyboard.ts) and the config's
// label hotkeys, so it lists exactly what works.
//
// Test ids: pl-lv-help (role=dialog; hidden until "?" or the help button), pl-lv-help-close.

import { clear, h } from "../common/index.js";
import { labelDefs, numberedLabels, type Ctx } from "./context.js";
import { BINDINGS } from "./keyboard.js";

export function drawHelp(ctx: Ctx, popover: HTMLElement): void {
  clear(popover);
  const hotkeys = labelDefs(ctx).filter((d) => d.hotkey);
  const numbered = numberedLabels(ctx).slice(0, 9);
  const rows = BINDINGS.map((b) => h("tr", {},
    h("th", { scope: "row" }, h("kbd", {}, b.display)),
    h("td", {}, b.help, b.documents ? h("span", { class: "pl-muted" }, " (documents)") : null)));
  popover.append(
    h("div", { class: "pl-lv-help-head" }, h("h4", { id: `pl-lv-help-h-${ctx.uid}` }, "Keyboard shortcuts"),
      h("button", { class: "pl-lv-help-close", "data-testid": "pl-lv-help-close", "aria-label": "Close", onclick: () => {
        ctx.state.helpOpen = false; ctx.redraw("help");
      } }, "×")),
    h("p", { class: "pl-muted" }, "Click the view (or Tab into it) so it has the keyboard; keys typed in its inputs are not shortcuts."),
    h("table", { class: "pl-lv-keys" }, h("tbody", {}, rows)),
    h("p", {}, numbered.length ? `Number keys: ${numbered.map((d, i) => `${i + 1} = ${d.value}`).join(", ")}.` : "No labels in the config."),
    h("p", {}, hotkeys.length
      ? `Label hotkeys: ${hotkeys.map((d) => `${d.hotkey} = ${d.value}`).join(", ")} — select text (or tokens on a page) and press the key to label it; the key alone chooses the label.`
      : "Label hotkeys: none in the config (set them in the Config tab)."),
    h("p", {}, "Assertion labels (dashed): with a span selected, the button or its hotkey sets that span's assertion status; again clears it."),
    h("p", {}, "The confidence filter dims regions below its threshold, or hides them; hidden regions are left out when you accept a prediction."));
  popover.hidden = !ctx.state.helpOpen;
  popover.setAttribute("aria-labelledby", `pl-lv-help-h-${ctx.uid}`);
}
