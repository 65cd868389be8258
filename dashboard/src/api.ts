// The Doorproof API as the dashboard calls it: the person's token, and the project and
// environment being looked at (headers Doorproof-Project / Doorproof-Environment).
import { type Config, signOut, token } from "./auth";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let config: Config | null = null;

export async function loadConfig(): Promise<Config> {
  if (!config) {
    const answer = await fetch("/config.json", { cache: "no-store" });
    config = (await answer.json()) as Config;
  }
  return config;
}

const PROJECT = "doorproof.project";
const ENVIRONMENT = "doorproof.environment";

export function project(): string {
  return localStorage.getItem(PROJECT) ?? "";
}
export function environment(): string {
  return localStorage.getItem(ENVIRONMENT) ?? "sandbox";
}
export function choose(projectId: string, env: string): void {
  localStorage.setItem(PROJECT, projectId);
  localStorage.setItem(ENVIRONMENT, env);
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const cfg = await loadConfig();
  const bearer = token();
  if (!bearer) throw new ApiError(401, "SIGNED_OUT", "You are signed out.");
  const headers: Record<string, string> = {
    authorization: `Bearer ${bearer}`,
    "doorproof-project": project(),
    "doorproof-environment": environment(),
  };
  if (body !== undefined) headers["content-type"] = "application/json";
  const answer = await fetch(`${cfg.apiUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (answer.status === 204) return undefined as T;
  const text = await answer.text();
  const data = text ? JSON.parse(text) : {};
  if (!answer.ok) {
    const error = (data.error ?? {}) as { code?: string; message?: string };
    if (answer.status === 401) signOut();
    throw new ApiError(answer.status, error.code ?? "ERROR", error.message ?? data.message ?? answer.statusText);
  }
  return data as T;
}

// --- shapes (as in the OpenAPI document, GET /v1/openapi.json) --------------------------

export interface Me {
  username: string;
  organizationId: string;
  role: "viewer" | "admin";
  projectId: string;
  environment: string;
}
export interface Project {
  projectId: string;
  name: string;
  environments: string[];
}
export interface Session {
  sessionId: string;
  deliveryId: string;
  sessionType: string;
  status: string;
  externalRiderId?: string | null;
  address?: { line1?: string | null; city?: string | null; rawAddress?: string | null; lat?: number | null; lng?: number | null } | null;
  createdAt: string;
  endedAt?: string | null;
  endReason?: string | null;
  lastTelemetryAt?: string | null;
  acceptedSamplesTotal: number;
  acceptedBatchesTotal: number;
  rejectedSamplesTotal: number;
  insightsStatus: string;
  insightsVersion: number;
}
export interface InsightEvent {
  type: string;
  tStart: number;
  tEnd?: number | null;
  confidence: number;
  metadata?: Record<string, unknown> | null;
}
export interface Insights {
  sessionId: string;
  deliveryId: string;
  status: "processing" | "ready" | "failed";
  summary?: Record<string, number | boolean | null> | null;
  reasonCodes: string[];
  events: InsightEvent[];
  metrics?: Record<string, number | null> | null;
  pod?: { type: string; url: string } | null;
  pathImageUrl?: string | null;
  errorMessage?: string | null;
  engineVersion?: string | null;
  version: number;
  evidence: Record<string, Record<string, unknown>>;
  dataQuality: Record<string, unknown>;
  path?: number[][] | null;
  elevation?: number[][] | null;
  building?: BuildingUse | null;
}
/** The storey model the floors were counted on (``default``: 3.0 m, nothing learned yet). */
export interface BuildingUse {
  buildingId?: string | null;
  storeyHeightM: number;
  lobbyHeightM: number;
  source: "default" | "address" | "learned";
  sessionsSeen: number;
}
export interface Batch {
  batchId: string;
  outcome: "accepted" | "rejected" | "pending";
  receivedAt: string;
  samples: number;
  rejected: number;
  rejections: { index: number; reason: string }[];
  duplicates: number;
  late: boolean;
}
export interface ApiKey {
  keyId: string;
  display: string;
  kind: string;
  projectId: string;
  environment: string;
  name?: string | null;
  createdAt: string;
  createdBy?: string | null;
  lastUsedAt?: string | null;
  revokedAt?: string | null;
}
export interface ErrorAnswer {
  at: string;
  route: string;
  status: number;
  code: string;
  message: string;
  requestId: string;
}
