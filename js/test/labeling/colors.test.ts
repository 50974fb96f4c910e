import { describe, expect, it } from "vitest";
import { contrastRatio } from "../../src/common/color.js";
import { labelChipStyle, normalizeColor } from "../../src/labeling/colors.js";

describe("label colours", () => {
  it("passes hex colours through as #rrggbb and refuses anything else that is not a colour", () => {
    expect(normalizeColor("#FDB462")).toBe("#fdb462");
    expect(normalizeColor("#abc")).toBe("#aabbcc");
    expect(normalizeColor("#fdb46280")).toBe("#fdb462");
    expect(normalizeColor("red;background:url(x)")).toBe("#cccccc");
    expect(normalizeColor("expression(alert(1))", "#888888")).toBe("#888888");
    expect(normalizeColor(null)).toBe("#cccccc");
  });

  it("puts text of at least WCAG AA contrast (4.5) on every background", () => {
    let worst = 21;
    for (let r = 0; r < 256; r += 15) {
      for (let g = 0; g < 256; g += 15) {
        for (let b = 0; b < 256; b += 15) {
          const bg = "#" + [r, g, b].map((v) => v.toString(16).padStart(2, "0")).join("");
          const style = labelChipStyle(bg);
          const m = /background(?:-color)?:(#[0-9a-f]{6});color:(#[0-9a-f]{3,6})/.exec(style);
          expect(m, style).not.toBeNull();
          worst = Math.min(worst, contrastRatio(m![1], m![2]));
        }
      }
    }
    expect(worst).toBeGreaterThanOrEqual(4.5);
  });
});
