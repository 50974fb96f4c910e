import { describe, expect, it } from "vitest";
import { ariaKeys, BINDINGS, isHotkey, matchKey, spell } from "../../src/labeling/keyboard.js";

describe("the key table", () => {
  it("spells events as aria-keyshortcuts does", () => {
    expect(spell({ key: "Enter", ctrlKey: true })).toBe("Control+Enter");
    expect(spell({ key: "N", shiftKey: true })).toBe("Shift+N");
    expect(spell({ key: "?", shiftKey: true })).toBe("Shift+?");
    expect(spell({ key: "+", shiftKey: true })).toBe("+");
    expect(spell({ key: "ArrowRight", shiftKey: true })).toBe("Shift+ArrowRight");
  });
  it("maps keys to actions, document keys only on documents", () => {
    expect(matchKey({ key: "ArrowDown" }, false)).toEqual({ action: "next-region" });
    expect(matchKey({ key: "Enter", metaKey: true }, false)).toEqual({ action: "commit" });
    expect(matchKey({ key: "Enter" }, false)).toEqual({ action: "accept-region" });
    expect(matchKey({ key: "3" }, false)).toEqual({ action: "pick-label", index: 2 });
    expect(matchKey({ key: "N", shiftKey: true }, false)).toEqual({ action: "next-review" });
    expect(matchKey({ key: "n" }, false)).toBeNull(); // plain letters are the config's hotkeys
    expect(matchKey({ key: "]" }, false)).toEqual({ action: "next-task" });
    expect(matchKey({ key: "ArrowLeft" }, false)).toBeNull();
    expect(matchKey({ key: "ArrowLeft" }, true)).toEqual({ action: "page-prev" });
    expect(matchKey({ key: "ArrowLeft", shiftKey: true }, true)).toEqual({ action: "end-left" });
    expect(matchKey({ key: "0" }, true)).toEqual({ action: "zoom-fit" });
    expect(matchKey({ key: "a", altKey: true }, false)).toBeNull();
  });
  it("gives no key two actions", () => {
    const seen = new Map<string, string>();
    for (const b of BINDINGS) {
      for (const k of b.keys) {
        expect(seen.get(k), `${k} is bound twice`).toBeUndefined();
        seen.set(k, b.action);
      }
    }
    expect(ariaKeys("commit")).toBe("Control+Enter Meta+Enter");
  });
  it("lets a label's hotkey match only a plain key press", () => {
    expect(isHotkey({ key: "p" }, "p")).toBe(true);
    expect(isHotkey({ key: "P" }, "p")).toBe(true);
    expect(isHotkey({ key: "p", ctrlKey: true }, "p")).toBe(false);
    expect(isHotkey({ key: "N", shiftKey: true }, "n")).toBe(false);
    expect(isHotkey({ key: "p" }, null)).toBe(false);
  });
});
