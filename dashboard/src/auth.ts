// Sign-in. Keys are never typed into the browser: a person signs in and the API is called with
// their Cognito access token. In AWS, Cognito's managed login (authorization code + PKCE);
// locally, the one-time link `doorproof local` prints (/signin?code=…), exchanged once.

export interface LocalAuth {
  kind: "local";
  signInUrl: string;
}
export interface CognitoAuth {
  kind: "cognito";
  domain: string; // https://<prefix>.auth.<region>.amazoncognito.com
  clientId: string;
}
export interface Config {
  apiUrl: string;
  auth: LocalAuth | CognitoAuth;
}

interface Token {
  accessToken: string;
  expiresAt: number;
}

const TOKEN = "doorproof.token";
const VERIFIER = "doorproof.pkce";
const SCOPES = "openid aws.cognito.signin.user.admin";

export function token(): string | null {
  const raw = sessionStorage.getItem(TOKEN);
  if (!raw) return null;
  const saved = JSON.parse(raw) as Token;
  if (Date.now() >= saved.expiresAt) {
    sessionStorage.removeItem(TOKEN);
    return null;
  }
  return saved.accessToken;
}

function keep(accessToken: string, expiresIn: number): void {
  const saved: Token = { accessToken, expiresAt: Date.now() + (expiresIn - 30) * 1000 };
  sessionStorage.setItem(TOKEN, JSON.stringify(saved));
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN);
}

function redirectUri(): string {
  return `${location.origin}/callback`;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Cognito: send the browser to the managed login page (PKCE: the verifier stays here). */
export async function startSignIn(config: Config): Promise<void> {
  if (config.auth.kind !== "cognito") return;
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(VERIFIER, JSON.stringify({ verifier, state }));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  const query = new URLSearchParams({
    response_type: "code",
    client_id: config.auth.clientId,
    redirect_uri: redirectUri(),
    scope: SCOPES,
    state,
    code_challenge: base64url(digest),
    code_challenge_method: "S256",
  });
  location.assign(`${config.auth.domain}/oauth2/authorize?${query}`);
}

/** Finish a sign-in on /signin (local) or /callback (Cognito); throws with a reason. */
export async function finishSignIn(config: Config, url: URL): Promise<void> {
  const code = url.searchParams.get("code");
  if (!code) throw new Error("This sign-in link has no code.");
  let answer: Response;
  if (config.auth.kind === "local") {
    answer = await fetch(config.auth.signInUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ code }),
    });
  } else {
    const pending = JSON.parse(sessionStorage.getItem(VERIFIER) ?? "{}") as { verifier?: string; state?: string };
    sessionStorage.removeItem(VERIFIER);
    if (!pending.verifier || pending.state !== url.searchParams.get("state")) {
      throw new Error("This sign-in was not started here; sign in again.");
    }
    answer = await fetch(`${config.auth.domain}/oauth2/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: config.auth.clientId,
        code,
        redirect_uri: redirectUri(),
        code_verifier: pending.verifier,
      }),
    });
  }
  const body = (await answer.json().catch(() => ({}))) as Record<string, unknown>;
  if (!answer.ok) {
    const error = body.error as { message?: string } | string | undefined;
    throw new Error(typeof error === "object" && error?.message ? error.message : `Sign-in failed (${answer.status}).`);
  }
  keep(String(body.accessToken ?? body.access_token), Number(body.expiresIn ?? body.expires_in ?? 3600));
}
