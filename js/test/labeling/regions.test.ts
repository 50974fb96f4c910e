import { describe, expect, it } from "vitest";
import {
  belowThreshold, confidenceOf, leftOut, moveEdge, regionsOf, stepRegion, wordTokens, type Mark,
} from "../../src/labeling/regions.js";
import type { Result } from "../../src/labeling/types.js";

const TEXT = "Angela Merkel visited Siemens in Berlin.";
const span = (start: number, end: number, label: string, extra: Partial<Result> = {}): Result => ({
  kind: "span", id: `${label}-${start}`, start, end, label, text: TEXT.slice(start, end), ...extra,
}) as Result;

describe("confidenceOf", () => {
  it("reads confidence, else score, and scales percentages", () => {
    expect(confidenceOf({ confidence: 0.8 })).toBe(0.8);
    expect(confidenceOf({ score: 0.3 })).toBe(0.3);
    expect(confidenceOf({ confidence: 0.9, score: 0.1 })).toBe(0.9);
    expect(confidenceOf({ confidence: 87 })).toBeCloseTo(0.87);
    expect(confidenceOf({ confidence: 250 })).toBe(1);
  });
  it("is null when absent or not a number", () => {
    expect(confidenceOf({})).toBeNull();
    expect(confidenceOf({ confidence: null, score: null })).toBeNull();
    expect(confidenceOf({ confidence: "high" })).toBeNull();
    expect(confidenceOf({ confidence: Number.NaN })).toBeNull();
    expect(confidenceOf({ confidence: -1 })).toBeNull();
  });
});

describe("regionsOf", () => {
  it("lists spans in reading order (page, then offset) with their confidence and source", () => {
    const results: Result[] = [
      span(33, 39, "GPE", { confidence: 0.4, source: "rules" }),
      { kind: "relation", id: "r1", from_id: "a", to_id: "b", direction: "right" },
      span(0, 13, "PERSON", { score: 0.97, source: "ner" }),
      span(22, 29, "ORG", { boxes: [{ page: 1, x: 0, y: 0, width: 1, height: 1 }] }),
      { kind: "choice", id: "c1", labels: ["x"] },
    ];
    const regions = regionsOf(results, true);
    expect(regions.map((r) => r.label)).toEqual(["PERSON", "GPE", "ORG"]);
    expect(regions[0]).toMatchObject({ confidence: 0.97, source: "ner", readOnly: true, pages: [] });
    expect(regions[2]).toMatchObject({ confidence: null, source: null, pages: [1] });
  });
  it("dims and hides only regions with a confidence below the threshold", () => {
    expect(belowThreshold({ confidence: 0.4 }, 0.5)).toBe(true);
    expect(belowThreshold({ confidence: 0.5 }, 0.5)).toBe(false);
    expect(belowThreshold({ confidence: null }, 0.99)).toBe(false);
  });
});

describe("stepRegion", () => {
  const regions = regionsOf([span(0, 6, "A"), span(7, 13, "B"), span(22, 29, "C")], false);
  it("walks forward and back and stops at the ends", () => {
    expect(stepRegion(regions, null, 1)).toBe("A-0");
    expect(stepRegion(regions, null, -1)).toBe("C-22");
    expect(stepRegion(regions, "A-0", 1)).toBe("B-7");
    expect(stepRegion(regions, "C-22", 1)).toBe("C-22");
    expect(stepRegion(regions, "A-0", -1)).toBe("A-0");
    expect(stepRegion(regions, "gone", 1)).toBe("A-0");
    expect(stepRegion([], null, 1)).toBeNull();
  });
});

describe("leftOut", () => {
  it("leaves out rejected regions and, when hiding, the ones below the threshold", () => {
    const regions = regionsOf([span(0, 6, "A", { confidence: 0.9 }), span(7, 13, "B", { confidence: 0.2 }),
      span(22, 29, "C")], true);
    const marks = new Map<string, Mark>([["A-0", "rejected"], ["C-22", "accepted"]]);
    expect(leftOut(regions, marks, 0.5, false)).toEqual(["A-0"]);
    expect(leftOut(regions, marks, 0.5, true)).toEqual(["A-0", "B-7"]);
    expect(leftOut(regions, new Map(), 0, true)).toEqual([]);
  });
});

describe("span edges by word", () => {
  it("splits words and punctuation, in code points", () => {
    expect(wordTokens("Hi, 👋 Zoë!")).toEqual([[0, 2], [2, 3], [4, 5], [6, 9], [9, 10]]);
  });
  it("moves the end or the start one word, never emptying the span", () => {
    const person = { start: 0, end: 6 }; // "Angela"
    expect(moveEdge(TEXT, person, "end", 1)).toEqual({ start: 0, end: 13 }); // "Angela Merkel"
    expect(moveEdge(TEXT, { start: 0, end: 13 }, "end", -1)).toEqual({ start: 0, end: 6 });
    expect(moveEdge(TEXT, person, "end", -1)).toEqual(person); // would be empty
    expect(moveEdge(TEXT, { start: 0, end: 13 }, "start", 1)).toEqual({ start: 7, end: 13 });
    expect(moveEdge(TEXT, { start: 7, end: 13 }, "start", -1)).toEqual({ start: 0, end: 13 });
    expect(moveEdge(TEXT, { start: 33, end: 39 }, "end", 1)).toEqual({ start: 33, end: 40 }); // the full stop
    expect(moveEdge(TEXT, { start: 33, end: 40 }, "end", 1)).toEqual({ start: 33, end: 40 }); // the end of the text
  });
});
