// A session's case file, at its own URL: what happened (timeline, elevation, track), what the
// engine concluded (scores, reason codes with their evidence in words), how good the data
// was, the PoD photo, and (admins) reprocess and delete.
import { ApiError, api, type InsightEvent, type Insights, type Me, type Session } from "../api";
import { elevation } from "../charts/elevation";
import { describe, end } from "../charts/events";
import { clock } from "../charts/scale";
import { timeline } from "../charts/timeline";
import { track } from "../charts/track";
import { fmtSeconds, fmtTime, h, replace } from "../dom";
import type { Page } from "./page";

const DEFAULT_STOREY_M = 3.0;
const REFRESH_MS = 3000;

const REASONS: Record<string, string> = {
  FULL_ATTEMPT: "A full delivery attempt: the courier reached the door and stopped there.",
  DELIVERED_TO_RIGHT_DOORSTEP: "Delivered at the right doorstep: the door stop is at the address.",
  NO_ATTEMPT: "No delivery attempt was made.",
  PARTIAL_ATTEMPT: "A partial attempt: the courier set out but did not reach the door.",
  POSSIBLE_LOBBY_HANDOFF: "Possibly handed over in the lobby rather than at the door.",
  POSSIBLE_WRONG_ADDRESS: "Possibly delivered to the wrong address.",
  POSSIBLE_NO_ATTEMPT: "Possibly no real attempt (the evidence is weak or contradictory).",
  SESSION_TIMEOUT: "The session was never stopped; it ended by timeout.",
  INSUFFICIENT_DATA: "Too little telemetry to judge.",
  TELEMETRY_STREAM_INTERRUPTED: "Telemetry stopped arriving part-way through.",
};

function words(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/\bM\b$/, "(m)").replace(/\bSec\b/, "(s)").toLowerCase();
}

function value(v: unknown): string {
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toFixed(2);
  if (typeof v === "boolean") return v ? "yes" : "no";
  if (v === null || v === undefined) return "—";
  if (Array.isArray(v)) return v.map(value).join(", ");
  if (typeof v === "object") return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${words(k)} ${value(x)}`).join("; ");
  return String(v);
}

function facts(entries: [string, unknown][]): HTMLElement {
  return h("dl", { class: "facts" }, entries.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, value(v))]));
}

function score(name: string, v: unknown): HTMLElement {
  const n = typeof v === "number" ? v : 0;
  return h(
    "div",
    { class: "score" },
    h("label", { for: `score-${name}` }, words(name)),
    h("meter", { id: `score-${name}`, min: 0, max: 1, value: n, low: 0.34, high: 0.66, optimum: name === "visibilityScore" ? 1 : 0 }),
    h("span", { class: "num" }, n.toFixed(2)),
  );
}

/** The building's storey height when it is the building's own (learned from its earlier
 * sessions); null when the engine counted on its default. */
function storeyHeight(ins: Insights): number | null {
  return ins.building && ins.building.source !== "default" ? ins.building.storeyHeightM : null;
}

function eventsTable(events: InsightEvent[]): HTMLElement {
  return h(
    "table",
    { class: "list compact" },
    h("caption", {}, "Events"),
    h("thead", {}, h("tr", {}, ["What", "From", "To", "Confidence"].map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      events.map((e) =>
        h("tr", {}, h("td", {}, describe(e)), h("td", {}, clock(e.tStart)), h("td", {}, clock(end(e))), h("td", { class: "num" }, `${Math.round(e.confidence * 100)}%`)),
      ),
    ),
  );
}

function section(title: string, ...content: (Node | string | null)[]): HTMLElement {
  const id = `s-${title.toLowerCase().replace(/[^a-z]+/g, "-")}`;
  return h("section", { "aria-labelledby": id, class: "card" }, h("h2", { id }, title), ...content);
}

function adminActions(me: Me, sn: Session, note: HTMLElement, navigate: (to: string) => void, awaitVersion: (from: number) => void): HTMLElement | null {
  if (me.role !== "admin") return null;
  const reprocess = h("button", { type: "button", disabled: sn.status === "recording" }, "Reprocess");
  const remove = h("button", { type: "button", class: "danger" }, "Delete session");
  reprocess.addEventListener("click", async () => {
    try {
      const asked = await api<{ fromVersion: number }>("POST", `/v1/sessions/${encodeURIComponent(sn.sessionId)}/reprocess`);
      reprocess.disabled = true;
      note.textContent = "Recomputation queued; this page refreshes when it is done.";
      awaitVersion(asked.fromVersion);
    } catch (err) {
      note.textContent = (err as Error).message;
    }
  });
  remove.addEventListener("click", async () => {
    if (!confirm(`Erase session ${sn.deliveryId} with its telemetry, insights and photo? This cannot be undone.`)) return;
    try {
      await api("DELETE", `/v1/sessions/${encodeURIComponent(sn.sessionId)}`);
      navigate("/");
    } catch (err) {
      note.textContent = (err as Error).message;
    }
  });
  return h("div", { class: "actions" }, reprocess, remove);
}

export const sessionPage: Page = async (root, me, _url, navigate, params) => {
  const id = params.sessionId;
  let sn: Session;
  try {
    sn = await api<Session>("GET", `/v1/sessions/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      replace(root, h("h1", {}, "Session not found"), h("p", {}, `No session ${id} in this project and environment.`));
      return;
    }
    throw err;
  }
  const ins = await api<Insights>("GET", `/v1/sessions/${encodeURIComponent(id)}/insights`);
  const note = h("p", { class: "status", role: "status", "aria-live": "polite" });
  // After a reprocess: re-read the insights until a newer version is committed, then show it.
  let poll = 0;
  const awaitVersion = (from: number): void => {
    const check = async (): Promise<void> => {
      const now = await api<Insights>("GET", `/v1/sessions/${encodeURIComponent(id)}/insights`).catch(() => null);
      if (now && now.version > from) navigate(location.pathname);
      else poll = window.setTimeout(check, REFRESH_MS);
    };
    poll = window.setTimeout(check, REFRESH_MS);
  };
  const stopPolling = (): void => window.clearTimeout(poll);
  const address = sn.address?.rawAddress ?? [sn.address?.line1, sn.address?.city].filter(Boolean).join(", ");
  const header = h(
    "header",
    { class: "case" },
    h("p", { class: "crumbs" }, h("a", { href: "/" }, "Sessions"), " / ", sn.deliveryId),
    h("h1", {}, `Delivery ${sn.deliveryId}`),
    facts([
      ["Session", sn.sessionId],
      ["Status", `${sn.status}${sn.endReason ? ` (${sn.endReason})` : ""}`],
      ["Type", sn.sessionType],
      ["Rider", sn.externalRiderId ?? "—"],
      ["Address", address || "—"],
      ["Started", fmtTime(sn.createdAt)],
      ["Ended", fmtTime(sn.endedAt)],
      ["Insights", `${ins.status} (version ${ins.version}${ins.engineVersion ? `, engine ${ins.engineVersion}` : ""})`],
    ]),
    h("p", {}, h("a", { href: `/sessions/${encodeURIComponent(id)}/debug` }, "Integration debugger: batches and errors")),
    adminActions(me, sn, note, navigate, awaitVersion),
    note,
  );
  if (ins.status !== "ready") {
    const message = ins.status === "failed" ? `Computing the insights failed: ${ins.errorMessage ?? "no reason given"}` : "The insights are being computed; this page refreshes by itself.";
    replace(root, header, section("Insights", h("p", {}, message)));
    if (ins.status === "processing") {
      const timer = window.setTimeout(() => root.isConnected && navigate(location.pathname), REFRESH_MS);
      return () => window.clearTimeout(timer);
    }
    return stopPolling; // a failed computation can be reprocessed
  }
  const summary = ins.summary ?? {};
  const duration = Number(summary.totalDurationSec ?? 0);
  const events = ins.events ?? [];
  const storey = storeyHeight(ins);
  const quality = ins.dataQuality ?? {};
  const gaps = (quality.gaps as { tStart: number; durationSec: number }[] | undefined) ?? [];
  const sensors = (quality.sensors as Record<string, unknown> | undefined) ?? {};
  const addressAt: [number, number] | null = sn.address?.lat != null && sn.address?.lng != null ? [sn.address.lat, sn.address.lng] : null;

  replace(
    root,
    header,
    section(
      "Verdict",
      h("div", { class: "scores" }, ["fraudScore", "frictionScore", "visibilityScore"].map((k) => score(k, summary[k]))),
      facts([
        ["Right doorstep", summary.rightDoorstep],
        ["Suspicious", summary.suspiciousBehavior],
        ["Floors climbed", summary.floorsClimbed],
        ["Lift used", summary.elevatorUsed],
        ["Duration", fmtSeconds(duration)],
        ["Entrance to door", fmtSeconds(ins.metrics?.timeFromEntranceToDoorSec)],
        ["Time at door", fmtSeconds(ins.metrics?.timeAtDoorSec)],
      ]),
    ),
    section(
      "Reason codes",
      ins.reasonCodes.length
        ? h(
            "ul",
            { class: "reasons" },
            ins.reasonCodes.map((code) => {
              const evidence = ins.evidence?.[code] ?? {};
              const { rule, ...figures } = evidence as Record<string, unknown>;
              return h(
                "li",
                {},
                h("strong", {}, code),
                h("p", {}, REASONS[code] ?? ""),
                rule ? h("p", { class: "rule" }, `Rule: ${String(rule)}`) : null,
                Object.keys(figures).length ? facts(Object.entries(figures).map(([k, v]) => [words(k), v])) : null,
              );
            }),
          )
        : h("p", {}, "No reason codes."),
    ),
    section("Timeline", timeline(events, duration), eventsTable(events)),
    section(
      "Elevation",
      ins.elevation?.length
        ? elevation(ins.elevation, events, duration, storey ?? DEFAULT_STOREY_M, storey !== null)
        : h("p", {}, "No barometer heights in this case file (no pressure readings, or computed before profiles were kept: reprocess)."),
    ),
    section(
      "Track",
      h(
        "div",
        { class: "pair" },
        ins.path?.length ? track(ins.path, events, { address: addressAt }) : h("p", {}, "No GPS track in this case file."),
        ins.pathImageUrl ? h("figure", {}, h("img", { src: ins.pathImageUrl, alt: "The path image the API serves for this session", width: 480, height: 480 }), h("figcaption", {}, "Path image (pathImageUrl)")) : null,
      ),
    ),
    section(
      "Data quality",
      facts([
        ["Samples", quality.samples],
        ["IMU rate", quality.rateHz != null ? `${value(quality.rateHz)} Hz` : null],
        ["Covered", `${fmtSeconds(Number(quality.coveredSec ?? 0))} of ${fmtSeconds(Number(quality.durationSec ?? 0))}`],
        ["Gaps", gaps.length ? gaps.map((g) => `${fmtSeconds(g.durationSec)} at ${clock(g.tStart)}`).join(", ") : "none"],
        ["Longest gap", fmtSeconds(Number(quality.longestGapSec ?? 0))],
        ["Sensors", Object.entries(sensors).filter(([, on]) => on).map(([k]) => k).join(", ") || "—"],
        ["GPS fixes", quality.gpsFixes],
        ["GPS accuracy (median)", quality.medianAccuracyM != null ? `${value(quality.medianAccuracyM)} m` : null],
        ["GPS coverage", typeof quality.gpsCoverage === "number" ? `${Math.round(quality.gpsCoverage * 100)}%` : null],
      ]),
    ),
    section(
      "Proof-of-delivery photo",
      ins.pod?.url ? h("img", { src: ins.pod.url, alt: `Proof-of-delivery photo of delivery ${sn.deliveryId}`, class: "pod" }) : h("p", {}, "No photo was uploaded."),
    ),
  );
  return stopPolling;
};
