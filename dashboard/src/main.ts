// The dashboard: sign-in, then a small client-side router over the pages. Every page has
// its own URL (a case file at /sessions/{sessionId} can be shared).
import { ApiError, api, choose, environment, loadConfig, type Me, project, type Project } from "./api";
import { finishSignIn, signOut, startSignIn, token } from "./auth";
import { h, replace } from "./dom";
import { debugPage } from "./pages/debug";
import { keysPage } from "./pages/keys";
import type { Page } from "./pages/page";
import { sessionPage } from "./pages/session";
import { sessionsPage } from "./pages/sessions";
import "./style.css";

const ROUTES: [RegExp, Page, string][] = [
  [/^\/$/, sessionsPage, "Sessions"],
  [/^\/sessions\/(?<sessionId>[^/]+)\/debug$/, debugPage, "Integration debugger"],
  [/^\/sessions\/(?<sessionId>[^/]+)$/, sessionPage, "Case file"],
  [/^\/keys$/, keysPage, "API keys"],
];

const main = document.getElementById("main") as HTMLElement;
const nav = document.getElementById("nav") as HTMLElement;
const who = document.getElementById("who") as HTMLElement;
let cleanup: (() => void) | void;
let me: Me | null = null;

function navigate(to: string): void {
  history.pushState(null, "", to);
  void render();
}

function signedOut(message: string): void {
  nav.replaceChildren();
  who.replaceChildren();
  void loadConfig().then((cfg) => {
    const action =
      cfg.auth.kind === "cognito"
        ? h("button", { type: "button", onclick: () => void startSignIn(cfg) }, "Sign in")
        : h("p", {}, "Open the one-time sign-in link that ", h("code", {}, "doorproof local"), " printed (the line starting with ", h("code", {}, "dashboard:"), ").");
    replace(main, h("section", { class: "card signin" }, h("h1", {}, "Sign in to Doorproof"), h("p", {}, message), action));
  });
}

async function header(projects: Project[]): Promise<void> {
  if (!me) return;
  const links = [
    ["/", "Sessions"],
    ["/keys", "API keys"],
  ].map(([href, label]) => h("a", { href, "aria-current": location.pathname === href ? "page" : undefined }, label));
  const picker = h(
    "select",
    { id: "project", "aria-label": "Project and environment" },
    projects.flatMap((p) =>
      p.environments.map((env) => h("option", { value: `${p.projectId}|${env}`, selected: p.projectId === project() && env === environment() }, `${p.name} · ${env}`)),
    ),
  );
  picker.addEventListener("change", () => {
    const [projectId, env] = picker.value.split("|");
    choose(projectId, env);
    navigate("/");
  });
  const out = h("button", { type: "button", class: "secondary small" }, "Sign out");
  out.addEventListener("click", () => {
    signOut();
    signedOut("You signed out.");
  });
  replace(nav, ...links, picker);
  replace(who, h("span", {}, me.username), h("span", { class: `badge ${me.role}` }, me.role), out);
}

let renders = 0;

/** Show the page of the current URL. A click can start a render while another still waits
 * for the API: only the newest one is shown (``aria-busy`` on main until it is), an older
 * one is dropped with its timers. */
async function render(): Promise<void> {
  const generation = ++renders;
  const current = (): boolean => generation === renders;
  main.setAttribute("aria-busy", "true");
  cleanup?.();
  cleanup = undefined;
  try {
    await show(current);
  } finally {
    if (current()) main.removeAttribute("aria-busy");
  }
}

async function show(current: () => boolean): Promise<void> {
  const url = new URL(location.href);
  const cfg = await loadConfig();
  if (url.pathname === "/signin" || url.pathname === "/callback") {
    try {
      await finishSignIn(cfg, url);
      history.replaceState(null, "", "/");
      return render();
    } catch (err) {
      history.replaceState(null, "", "/");
      return signedOut((err as Error).message);
    }
  }
  if (!token()) return signedOut("You are signed out.");
  try {
    const { projects } = await api<{ projects: Project[] }>("GET", "/v1/projects");
    if (!projects.some((p) => p.projectId === project()) && projects.length) choose(projects[0].projectId, environment());
    me = await api<Me>("GET", "/v1/me");
    if (!current()) return;
    await header(projects);
    for (const [pattern, page, title] of ROUTES) {
      const match = pattern.exec(url.pathname);
      if (!match) continue;
      document.title = `${title} · Doorproof`;
      replace(main, h("p", { class: "status" }, "Loading…"));
      const params = Object.fromEntries(Object.entries(match.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      const view = h("div", { class: "view" });
      const done = await page(view, me, url, navigate, params);
      if (!current()) return done?.();
      replace(main, view);
      cleanup = done;
      return;
    }
    replace(main, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "/" }, "Back to the sessions")));
  } catch (err) {
    if (!current()) return;
    if (err instanceof ApiError && err.status === 401) return signedOut(err.message);
    replace(main, h("h1", {}, "Something went wrong"), h("p", { role: "alert" }, (err as Error).message));
  }
}

// Same-origin links navigate inside the app (keyboard and mouse alike: a click event).
document.addEventListener("click", (ev) => {
  const link = (ev.target as Element).closest("a");
  if (!link || link.target || ev.metaKey || ev.ctrlKey || ev.shiftKey || link.origin !== location.origin) return;
  ev.preventDefault();
  if (link.getAttribute("href")?.startsWith("#")) {
    // In-page (the skip link): move the focus there, the page stays as it is.
    document.querySelector<HTMLElement>(link.hash)?.focus();
    return;
  }
  navigate(link.pathname + link.search);
});
window.addEventListener("popstate", () => void render());
void render();
