// The shared helpers of the widget views (bundled into each widget's module by esbuild).
export { h, s, append, clear, setText, shortTime } from "./dom.js";
export type { Attrs, AttrValue, Child } from "./dom.js";
export { save } from "./model.js";
export type { AnyModel, RenderProps } from "./model.js";
export { createRpc, DEFAULT_TIMEOUT_MS, RpcError, RequestTimeout, KernelError, ViewClosed } from "./rpc.js";
export type { Rpc, Reply, RequestMap, RequestOptions } from "./rpc.js";
export { messageLine, attempt, showError } from "./status.js";
export { parseHex, safeColor, luminance, contrastRatio, contrastColor, chipStyle } from "./color.js";
