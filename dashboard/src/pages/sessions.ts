// Sessions: the API's filters (kept in the URL, so a filtered list can be shared), cursor
// paging, and a live refresh while any listed session is still recording.
import { api, loadConfig, type Session } from "../api";
import { fmtTime, h, replace } from "../dom";
import type { Page } from "./page";

const FILTERS = [
  ["deliveryId", "Delivery id"],
  ["externalRiderId", "Rider id"],
] as const;
const STATUSES = ["", "recording", "completed", "failed"];
const TYPES = ["", "drop", "pickup", "transit"];
const LIVE_MS = 5000;

interface SessionList {
  sessions: Session[];
  nextCursor?: string | null;
}

interface Offered {
  filters: Set<string>;
  reasonCodes: string[];
}

/** What the API's OpenAPI document says: the query parameters GET /v1/sessions takes (a
 * filter the server does not offer is shown disabled instead of being sent and refused) and
 * the reason codes (one list, the server's). */
let offered: Promise<Offered> | null = null;
function offeredFilters(): Promise<Offered> {
  offered ??= loadConfig()
    .then((cfg) => fetch(`${cfg.apiUrl}/v1/openapi.json`))
    .then((r) => r.json())
    .then((doc) => ({
      filters: new Set<string>((doc.paths?.["/v1/sessions"]?.get?.parameters ?? []).map((p: { name: string }) => p.name)),
      reasonCodes: doc.components?.schemas?.InsightsDocument?.properties?.reasonCodes?.items?.enum ?? [],
    }))
    .catch(() => ({ filters: new Set<string>(), reasonCodes: [] }));
  return offered;
}

function field(name: string, label: string, control: HTMLElement): HTMLElement {
  control.id = `f-${name}`;
  control.setAttribute("name", name);
  return h("div", { class: "field" }, h("label", { for: `f-${name}` }, label), control);
}

function select(values: string[], current: string, disabled = false): HTMLSelectElement {
  return h("select", { disabled }, values.map((v) => h("option", { value: v, selected: v === current }, v || "any")));
}

function localInput(iso: string | null): HTMLInputElement {
  const value = iso ? new Date(iso).toISOString().slice(0, 16) : "";
  return h("input", { type: "datetime-local", value });
}

export const sessionsPage: Page = async (root, _me, url, navigate) => {
  const q = url.searchParams;
  const { filters: supported, reasonCodes } = await offeredFilters();
  const reasonSupported = supported.has("reasonCode");
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter sessions" },
    FILTERS.map(([name, label]) => field(name, label, h("input", { type: "search", value: q.get(name) ?? "", autocomplete: "off" }))),
    field("status", "Status", select(STATUSES, q.get("status") ?? "")),
    field("sessionType", "Type", select(TYPES, q.get("sessionType") ?? "")),
    field("createdAfter", "Created after (UTC)", localInput(q.get("createdAfter"))),
    field("createdBefore", "Created before (UTC)", localInput(q.get("createdBefore"))),
    field("reasonCode", reasonSupported ? "Reason code" : "Reason code (not offered by this API)", select(["", ...reasonCodes], q.get("reasonCode") ?? "", !reasonSupported)),
    h("div", { class: "field actions" }, h("button", { type: "submit" }, "Apply"), h("a", { href: "/", class: "button secondary" }, "Clear")),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const next = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      const text = String(value).trim();
      if (!text) continue;
      next.set(name, name.startsWith("created") ? new Date(`${text}Z`).toISOString() : text);
    }
    navigate(`/?${next}`);
  });

  const status = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const body = h("tbody");
  const more = h("button", { type: "button", class: "secondary", hidden: true }, "Load more");
  const table = h(
    "table",
    { class: "list" },
    h("caption", { class: "visually-hidden" }, "Sessions, newest first"),
    h("thead", {}, h("tr", {}, ["Delivery", "Rider", "Type", "Status", "Insights", "Created", "Samples"].map((c) => h("th", { scope: "col" }, c)))),
    body,
  );
  replace(root, h("h1", {}, "Sessions"), form, status, table, more);

  const query = new URLSearchParams();
  for (const [name, value] of q) if (name !== "reasonCode" || reasonSupported) query.set(name, value);
  let cursor: string | null = null;

  function row(sn: Session): HTMLElement {
    return h(
      "tr",
      { "data-session": sn.sessionId },
      h("td", {}, h("a", { href: `/sessions/${encodeURIComponent(sn.sessionId)}` }, sn.deliveryId)),
      h("td", {}, sn.externalRiderId ?? "—"),
      h("td", {}, sn.sessionType),
      h("td", {}, h("span", { class: `badge ${sn.status}` }, sn.status)),
      h("td", {}, sn.insightsStatus),
      h("td", {}, fmtTime(sn.createdAt)),
      h("td", { class: "num" }, sn.acceptedSamplesTotal.toLocaleString()),
    );
  }

  async function load(append: boolean): Promise<SessionList> {
    const page = new URLSearchParams(query);
    page.set("limit", "25");
    if (append && cursor) page.set("cursor", cursor);
    const list = await api<SessionList>("GET", `/v1/sessions?${page}`);
    if (!append) body.replaceChildren();
    body.append(...list.sessions.map(row));
    cursor = list.nextCursor ?? null;
    more.hidden = !cursor;
    const shown = body.children.length;
    status.textContent = shown ? `${shown} session${shown === 1 ? "" : "s"}` : "No sessions match these filters.";
    return list;
  }

  more.addEventListener("click", () => void load(true));
  const first = await load(false);
  // Live refresh: re-read the first page while something listed is still recording.
  let live = first.sessions.some((sn) => sn.status === "recording");
  const timer = window.setInterval(async () => {
    if (!live || !root.isConnected || body.children.length > 25) return;
    const list = await load(false);
    live = list.sessions.some((sn) => sn.status === "recording");
    status.textContent += live ? ` · live, updated ${new Date().toLocaleTimeString()}` : "";
  }, LIVE_MS);
  return () => window.clearInterval(timer);
};
