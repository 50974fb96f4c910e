// How a server row reads (widgets/_servers.py sends describe() dicts): where it runs, how
// many workers, a link to a Dask dashboard. Shared by the servers panel and the dialog.
import { h, type Child } from "./dom.js";
import type { ServerRow } from "./messages.js";

/** "in kernel", "2 processes", "cluster · 4 workers". */
export function whereText(row: ServerRow): string {
  const backend = row.backend;
  if (row.location === "cluster") {
    const n = row.workers ?? backend?.workers ?? null;
    return n === null || n === undefined ? "cluster" : `cluster · ${n} worker${n === 1 ? "" : "s"}`;
  }
  if (!backend && row.location === "kernel") return "in kernel";
  if (!backend) return "";
  if (backend.backend === "inline") return "in kernel";
  const n = row.workers ?? backend.workers ?? 1;
  return `${n} process${n === 1 ? "" : "es"}`;
}

/** The tooltip of the "where" cell: the backend and, in-kernel, why. */
export function whereTitle(row: ServerRow): string {
  const backend = row.backend;
  if (row.location === "cluster") return `runs on a Dask cluster${row.dashboard ? ` (dashboard ${row.dashboard})` : ""}`;
  if (!backend) return row.location === "kernel" ? "in-kernel" : "";
  if (backend.backend === "inline") return backend.reason ? `in-kernel: ${backend.reason}` : "in-kernel";
  return `${backend.backend}: ${backend.workers ?? 1} worker(s), each with its own copy of the models`;
}

/** Only http(s) URLs become links (a dashboard address comes from the kernel's data). */
export function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

/** A link to the server's Dask dashboard, or nothing. */
export function dashboardLink(row: ServerRow, testid: string): Child {
  const href = safeUrl(row.dashboard);
  if (!href) return null;
  return h("a", { href, target: "_blank", rel: "noopener noreferrer", "data-testid": testid,
    title: href, class: "pl-dashboard" }, "dashboard ↗");
}

export function statusBadge(row: ServerRow, testid: string): HTMLSpanElement {
  const status = row.status ?? "unknown";
  return h("span", { class: `pl-badge pl-server-${status}`, "data-testid": testid }, status);
}

export function fitBadge(row: ServerRow, testid: string): Child {
  if (!row.fit?.status) return null;
  return h("span", { class: `pl-badge pl-fit-${row.fit.status.replace(/ /g, "-")}`, "data-testid": testid,
    title: row.fit.summary ?? "" }, row.fit.status);
}
