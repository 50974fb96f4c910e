import { afterEach, describe, expect, it, vi } from "vitest";
import { h, s, setText, clear } from "../src/common/dom.js";
import { createRpc, KernelError, RequestTimeout, ViewClosed, DEFAULT_TIMEOUT_MS } from "../src/common/rpc.js";
import { attempt, messageLine } from "../src/common/status.js";
import { contrastColor, contrastRatio, chipStyle, safeColor, parseHex } from "../src/common/color.js";
import { FakeModel, KernelRaise, settle } from "./fake_model.js";

interface EchoRequests {
  echo: { params: { value: number }; result: { value: number } };
  slow: { params: Record<string, never>; result: null };
  broken: { params: Record<string, never>; result: null };
}
const base = { message: "", message_level: "info" };

afterEach(() => { vi.useRealTimers(); });

describe("h / s / setText", () => {
  it("turns strings into text nodes, never markup", () => {
    const hostile = '<img src=x onerror="alert(1)">';
    const node = h("div", { title: hostile, "data-x": 3 }, hostile, 5, null, false, [h("b", {}, "x")]);
    expect(node.querySelector("img")).toBeNull();
    expect(node.textContent).toBe(`${hostile}5x`);
    expect(node.getAttribute("title")).toBe(hostile);
    expect(node.getAttribute("data-x")).toBe("3");
    setText(node, hostile);
    expect(node.children.length).toBe(0);
    expect(node.textContent).toBe(hostile);
    expect(clear(node).childNodes.length).toBe(0);
  });

  it("wires on* functions as listeners and sets value / checked as properties", () => {
    const click = vi.fn();
    const button = h("button", { onclick: click, disabled: false, hidden: true }, "go");
    button.click();
    expect(click).toHaveBeenCalledOnce();
    expect(button.hasAttribute("disabled")).toBe(false);
    expect(button.getAttribute("hidden")).toBe("");
    expect(h("input", { type: "checkbox", checked: true }).checked).toBe(true);
    expect(h("input", { value: "abc" }).value).toBe("abc");
    expect(s("rect", { width: 3 }).namespaceURI).toBe("http://www.w3.org/2000/svg");
  });
});

describe("createRpc", () => {
  it("resolves a reply by uuid with its result", async () => {
    const model = new FakeModel(base);
    model.handlers.echo = (p) => ({ value: (p.value as number) * 2 });
    const rpc = createRpc<EchoRequests>(model);
    const reply = await rpc.request("echo", { value: 21 });
    expect(reply.result).toEqual({ value: 42 });
    expect(model.requests("echo")[0]).toMatchObject({ type: "echo", value: 21 });
    expect(rpc.pending).toBe(0);
  });

  it("rejects with KernelError carrying the Python error type", async () => {
    const model = new FakeModel(base);
    model.handlers.broken = () => { throw new KernelRaise("no task with id 9", "TaskNotFound"); };
    const rpc = createRpc<EchoRequests>(model);
    const error = await rpc.request("broken", {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KernelError);
    expect((error as KernelError).errorType).toBe("TaskNotFound");
    expect((error as KernelError).kind).toBe("broken");
    expect((error as KernelError).message).toBe("no task with id 9");
  });

  it("times out after the default, or a per-request timeout, and ignores a late reply", async () => {
    vi.useFakeTimers();
    const model = new FakeModel(base);
    const rpc = createRpc<EchoRequests>(model);
    const slow = rpc.request("slow", {}).catch((e: unknown) => e);
    const quick = rpc.request("slow", {}, { timeoutMs: 50 }).catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(60);
    const quickError = await quick;
    expect(quickError).toBeInstanceOf(RequestTimeout);
    expect((quickError as RequestTimeout).timeoutMs).toBe(50);
    expect(rpc.pending).toBe(1);
    await vi.advanceTimersByTimeAsync(DEFAULT_TIMEOUT_MS);
    expect(await slow).toBeInstanceOf(RequestTimeout);
    // the kernel finally answers: nothing is pending any more, nothing throws
    const uuid = model.requests("slow")[0].uuid;
    model.push({ uuid, result: null });
    expect(rpc.pending).toBe(0);
  });

  it("rejects pending requests with ViewClosed on dispose and stops listening", async () => {
    const model = new FakeModel(base);
    const rpc = createRpc<EchoRequests>(model);
    const pending = rpc.request("slow", {}).catch((e: unknown) => e);
    expect(model.listenerCount("msg:custom")).toBe(1);
    rpc.dispose();
    expect(await pending).toBeInstanceOf(ViewClosed);
    expect(model.listenerCount("msg:custom")).toBe(0);
  });

  it("hands pushed messages (no uuid) to their listeners", () => {
    const model = new FakeModel(base);
    const rpc = createRpc<EchoRequests>(model);
    const seen: unknown[] = [];
    rpc.on("refresh", (msg) => seen.push(msg.reason));
    model.push({ type: "refresh", reason: "job done" });
    model.push({ type: "other" });
    expect(seen).toEqual(["job done"]);
  });
});

describe("attempt and the status line", () => {
  it("shows a failed request on the status line, as an error", async () => {
    const model = new FakeModel(base);
    model.handlers.broken = () => { throw new KernelRaise("bad input"); };
    const line = messageLine(model);
    expect(line.hidden).toBe(true);
    const rpc = createRpc<EchoRequests>(model);
    expect(await attempt(rpc, model, "broken", {})).toBeNull();
    expect(line.textContent).toBe("broken: bad input");
    expect(line.classList.contains("pl-message-error")).toBe(true);
    expect(line.hidden).toBe(false);
    expect(line.getAttribute("role")).toBe("status");
    model.handlers.echo = (p) => p;
    expect((await attempt(rpc, model, "echo", { value: 1 }))?.result).toEqual({ value: 1 });
    await settle();
  });

  it("names a timeout on the status line", async () => {
    vi.useFakeTimers();
    const model = new FakeModel(base);
    const rpc = createRpc<EchoRequests>(model);
    const result = attempt(rpc, model, "slow", {}, { timeoutMs: 1000 });
    await vi.advanceTimersByTimeAsync(1001);
    expect(await result).toBeNull();
    expect(model.get("message")).toMatch(/^slow: no reply from the kernel after 1 s/);
  });
});

describe("label colours", () => {
  it("picks the text colour with the higher WCAG contrast", () => {
    expect(contrastColor("#ffffff")).toBe("#000");
    expect(contrastColor("#000000")).toBe("#fff");
    expect(contrastColor("#ffeb3b")).toBe("#000"); // yellow
    expect(contrastColor("#1a5fb4")).toBe("#fff"); // dark blue
    expect(contrastColor("#f44336")).toBe("#000"); // red: black text wins on WCAG ratio
    expect(contrastColor("#7b1fa2")).toBe("#fff"); // purple
    expect(contrastColor("not a colour")).toBe("#000");
  });

  it("never leaves text below 4.5:1 on any grey", () => {
    for (let v = 0; v < 256; v += 5) {
      const bg = "#" + v.toString(16).padStart(2, "0").repeat(3);
      const fg = contrastColor(bg) === "#000" ? "#000000" : "#ffffff";
      expect(contrastRatio(bg, fg)).toBeGreaterThanOrEqual(4.5);
    }
  });

  it("computes WCAG contrast ratios", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#777777", "#ffffff")).toBeCloseTo(4.48, 2);
    expect(contrastRatio("#abc", "#aabbcc")).toBeCloseTo(1, 5);
  });

  it("only lets checked colours into a style attribute", () => {
    expect(parseHex("#abc")).toEqual([170, 187, 204]);
    expect(safeColor("red;background:url(x)")).toBe("#cccccc");
    expect(chipStyle("#ABC")).toBe("background:#aabbcc;color:#000");
    expect(chipStyle("javascript:alert(1)")).toBe("background:#cccccc;color:#000");
  });
});
