import { describe, expect, it } from "vitest";
import { fitScale, rectBetween, toPage, tokensInBox, zoomStep } from "../../src/labeling/geometry.js";
import type { PageToken } from "../../src/labeling/types.js";

const token = (i: number, x: number, y: number, w = 40, h = 10): PageToken =>
  ({ i, text: `t${i}`, start: i * 5, end: i * 5 + 4, x, y, w, h });

// two lines of three words: y 100..110 and y 120..130
const TOKENS = [token(0, 10, 100), token(1, 60, 100), token(2, 110, 100),
  token(3, 10, 120), token(4, 60, 120), token(5, 110, 120)];

describe("tokensInBox", () => {
  it("takes the tokens mostly inside a box drawn in either direction", () => {
    expect(tokensInBox(TOKENS, rectBetween(5, 95, 105, 112))).toEqual([0, 1]);
    expect(tokensInBox(TOKENS, rectBetween(105, 112, 5, 95))).toEqual([0, 1]); // dragged up-left
  });
  it("ignores tokens the box only grazes", () => {
    // covers line 1 fully and the top 2 px (20 %) of line 2
    expect(tokensInBox(TOKENS, rectBetween(0, 98, 200, 122))).toEqual([0, 1, 2]);
    // half of token 2's width: exactly the threshold
    expect(tokensInBox(TOKENS, rectBetween(0, 98, 130, 112))).toEqual([0, 1, 2]);
    expect(tokensInBox(TOKENS, rectBetween(0, 98, 129, 112))).toEqual([0, 1]);
  });
  it("returns tokens in text order and nothing for an empty box", () => {
    expect(tokensInBox([TOKENS[4], TOKENS[0]], rectBetween(0, 90, 200, 140))).toEqual([0, 4]);
    expect(tokensInBox(TOKENS, rectBetween(10, 10, 10, 200))).toEqual([]);
  });
});

describe("page fitting and pointer mapping", () => {
  it("fits the whole page into the stage", () => {
    expect(fitScale(1000, 2000, 500, 500)).toBe(0.25); // height limits
    expect(fitScale(1000, 500, 500, 1000)).toBe(0.5); // width limits
    expect(fitScale(1000, 500, 500, 0)).toBe(0.5); // no height known: fit the width
  });
  it("maps client pixels to page pixels, clamped to the page", () => {
    const drawn = { left: 100, top: 50, width: 500, height: 250 }; // a 1000 x 500 page at 0.5
    expect(toPage(350, 175, drawn, 1000, 500)).toEqual({ x: 500, y: 250 });
    expect(toPage(0, 0, drawn, 1000, 500)).toEqual({ x: 0, y: 0 });
    expect(toPage(9999, 9999, drawn, 1000, 500)).toEqual({ x: 1000, y: 500 });
  });
  it("zooms in steps of 1.25 within bounds", () => {
    expect(zoomStep(1, 1)).toBe(1.25);
    expect(zoomStep(1.25, -1)).toBe(1);
    expect(zoomStep(8, 1)).toBe(8);
    expect(zoomStep(0.25, -1)).toBe(0.25);
  });
});
