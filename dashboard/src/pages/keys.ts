// API keys: admins create (the key is shown once, with a copy button) and revoke; everyone
// sees the list with each key's last use.
import { api, type ApiKey, type Project } from "../api";
import { fmtTime, h, replace } from "../dom";
import type { Page } from "./page";

interface Created extends ApiKey {
  key: string;
}

export const keysPage: Page = async (root, me) => {
  const [{ keys }, { projects }] = await Promise.all([
    api<{ keys: ApiKey[] }>("GET", "/v1/keys"),
    api<{ projects: Project[] }>("GET", "/v1/projects"),
  ]);
  const admin = me.role === "admin";
  const note = h("p", { class: "status", role: "status", "aria-live": "polite" });
  const shown = h("div", { id: "new-key" });

  const tbody = h("tbody");
  const row = (k: ApiKey): HTMLElement => {
    const revoke = admin && !k.revokedAt ? h("button", { type: "button", class: "danger small", "aria-label": `Revoke key ${k.display}` }, "Revoke") : null;
    revoke?.addEventListener("click", async () => {
      if (!confirm(`Revoke ${k.display}? Apps using it stop working within a minute.`)) return;
      await api("DELETE", `/v1/keys/${k.keyId}`);
      await refresh();
      note.textContent = `Revoked ${k.display}.`;
    });
    return h(
      "tr",
      { "data-key": k.keyId, class: k.revokedAt ? "revoked" : "" },
      h("td", {}, k.name ?? "—"),
      h("td", { class: "mono" }, k.display),
      h("td", {}, k.kind),
      h("td", {}, `${k.projectId} / ${k.environment}`),
      h("td", {}, fmtTime(k.createdAt), k.createdBy ? h("span", { class: "muted" }, ` by ${k.createdBy}`) : null),
      h("td", {}, k.lastUsedAt ? fmtTime(k.lastUsedAt) : "never"),
      h("td", {}, k.revokedAt ? `revoked ${fmtTime(k.revokedAt)}` : "active"),
      h("td", {}, revoke),
    );
  };
  const refresh = async (): Promise<void> => {
    const list = await api<{ keys: ApiKey[] }>("GET", "/v1/keys");
    tbody.replaceChildren(...list.keys.map(row));
  };
  tbody.append(...keys.map(row));

  let form: HTMLElement = h("p", { class: "muted" }, "Only admins can create or revoke keys.");
  if (admin) {
    const create = h(
      "form",
      { class: "filters", "aria-label": "Create a key" },
      h("div", { class: "field" }, h("label", { for: "k-name" }, "Name"), h("input", { id: "k-name", name: "name", required: true, maxlength: 80, placeholder: "e.g. iOS app" })),
      h("div", { class: "field" }, h("label", { for: "k-project" }, "Project"), h("select", { id: "k-project", name: "projectId" }, projects.map((p) => h("option", { value: p.projectId, selected: p.projectId === me.projectId }, p.name)))),
      h("div", { class: "field" }, h("label", { for: "k-env" }, "Environment"), h("select", { id: "k-env", name: "environment" }, ["sandbox", "live"].map((e) => h("option", { value: e, selected: e === me.environment }, e)))),
      h(
        "div",
        { class: "field" },
        h("label", { for: "k-kind" }, "Kind"),
        h("select", { id: "k-kind", name: "kind" }, h("option", { value: "secret" }, "secret (your backend)"), h("option", { value: "publishable" }, "publishable (the phone app)")),
      ),
      h("div", { class: "field actions" }, h("button", { type: "submit" }, "Create key")),
    );
    create.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const data = Object.fromEntries(new FormData(create as HTMLFormElement)) as Record<string, string>;
      try {
        const made = await api<Created>("POST", "/v1/keys", data);
        const copy = h("button", { type: "button" }, "Copy");
        const box = h("output", { class: "secret mono", "aria-label": "The new key" }, made.key);
        copy.addEventListener("click", async () => {
          try {
            await navigator.clipboard.writeText(made.key);
            copy.textContent = "Copied";
          } catch {
            getSelection()?.selectAllChildren(box);
            copy.textContent = "Press Ctrl+C";
          }
        });
        replace(
          shown,
          h(
            "div",
            { class: "card created", role: "alert" },
            h("h2", {}, `New ${made.kind} key “${made.name ?? ""}”`),
            h("p", {}, "This is the only time the key is shown: copy it now and keep it secret."),
            h("div", { class: "copy" }, box, copy),
          ),
        );
        await refresh();
        note.textContent = "Key created.";
      } catch (err) {
        note.textContent = (err as Error).message;
      }
    });
    form = create;
  }

  replace(
    root,
    h("h1", {}, "API keys"),
    form,
    shown,
    note,
    h(
      "table",
      { class: "list" },
      h("caption", { class: "visually-hidden" }, "The organisation's keys"),
      h("thead", {}, h("tr", {}, ["Name", "Key", "Kind", "Project / environment", "Created", "Last used", "Status", ""].map((c) => h("th", { scope: "col" }, c)))),
      tbody,
    ),
  );
};
