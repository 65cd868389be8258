// The integration debugger: a session's batches as the server saw them, and the last error
// answers given to each of the organisation's keys.
import { api, type ApiKey, type Batch, type ErrorAnswer } from "../api";
import { fmtTime, h, replace } from "../dom";
import type { Page } from "./page";

const OUTCOME: Record<Batch["outcome"], string> = {
  accepted: "accepted",
  rejected: "rejected (no valid sample: answered 422)",
  pending: "pending (failed half-way; a retry goes through)",
};

export const debugPage: Page = async (root, _me, _url, _navigate, params) => {
  const id = params.sessionId;
  const { batches } = await api<{ batches: Batch[] }>("GET", `/v1/sessions/${encodeURIComponent(id)}/batches`);
  const { keys } = await api<{ keys: ApiKey[] }>("GET", "/v1/keys");
  const answered = await Promise.all(
    keys.filter((k) => !k.revokedAt).map(async (k) => [k, (await api<{ errors: ErrorAnswer[] }>("GET", `/v1/keys/${k.keyId}/errors`)).errors] as const),
  );
  const batchTable = h(
    "table",
    { class: "list" },
    h("caption", {}, `Batches of session ${id}, in arrival order`),
    h("thead", {}, h("tr", {}, ["Received", "Outcome", "Samples kept", "Rejected", "Why", "Retries", "Late"].map((c) => h("th", { scope: "col" }, c)))),
    h(
      "tbody",
      {},
      batches.map((b) =>
        h(
          "tr",
          { class: `outcome-${b.outcome}` },
          h("td", {}, fmtTime(b.receivedAt)),
          h("td", {}, h("span", { class: `badge ${b.outcome}` }, OUTCOME[b.outcome])),
          h("td", { class: "num" }, b.samples),
          h("td", { class: "num" }, b.rejected),
          h("td", {}, b.rejections.length ? h("ul", { class: "plain" }, b.rejections.map((r) => h("li", {}, `sample ${r.index}: ${r.reason}`))) : "—"),
          h("td", { class: "num" }, b.duplicates ? `${b.duplicates} (answered duplicate)` : "0"),
          h("td", {}, b.late ? "yes (after the stop)" : "no"),
        ),
      ),
    ),
  );
  const errors = answered.map(([k, list]) =>
    h(
      "section",
      { class: "card", "aria-label": `Errors answered to ${k.display}` },
      h("h3", {}, `${k.name ?? k.kind} key ${k.display}`, h("span", { class: "muted" }, ` · ${k.projectId} / ${k.environment}`)),
      list.length
        ? h(
            "table",
            { class: "list compact" },
            h("thead", {}, h("tr", {}, ["When", "Route", "Status", "Code", "Message", "Request id"].map((c) => h("th", { scope: "col" }, c)))),
            h("tbody", {}, list.map((e) => h("tr", {}, h("td", {}, fmtTime(e.at)), h("td", {}, e.route), h("td", { class: "num" }, e.status), h("td", {}, e.code), h("td", {}, e.message), h("td", { class: "mono" }, e.requestId)))),
          )
        : h("p", {}, "No errors answered in the last 14 days."),
    ),
  );
  replace(
    root,
    h("p", { class: "crumbs" }, h("a", { href: "/" }, "Sessions"), " / ", h("a", { href: `/sessions/${encodeURIComponent(id)}` }, id), " / debugger"),
    h("h1", {}, "Integration debugger"),
    h("section", { class: "card" }, h("h2", {}, "Batches"), batches.length ? batchTable : h("p", {}, "No telemetry batch has reached the server for this session.")),
    h("section", { class: "card" }, h("h2", {}, "Last errors answered to each key"), ...errors),
  );
};
