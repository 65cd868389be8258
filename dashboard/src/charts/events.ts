// How each insight event is named and drawn, shared by the timeline, the elevation profile
// and the track (one vocabulary: the engine's event types).
import type { InsightEvent } from "../api";

export interface Look {
  label: string;
  fill: string;
  lane: "movement" | "vertical" | "moment";
}

const LOOKS: Record<string, Look> = {
  DRIVING: { label: "Driving", fill: "#475569", lane: "movement" },
  WALKING: { label: "Walking", fill: "#1d4ed8", lane: "movement" },
  STOPPED: { label: "Stop", fill: "#92400e", lane: "movement" },
  STAIRS: { label: "Stairs", fill: "#15803d", lane: "vertical" },
  ELEVATOR: { label: "Lift", fill: "#6d28d9", lane: "vertical" },
  ESCALATOR: { label: "Escalator", fill: "#0e7490", lane: "vertical" },
  GATE: { label: "Entry", fill: "#c2410c", lane: "moment" },
};

export const DOOR_FILL = "#b91c1c";

export function isDoor(e: InsightEvent): boolean {
  return e.type === "STOPPED" && e.metadata?.atDoor === true;
}

export function look(e: InsightEvent): Look {
  const base = LOOKS[e.type] ?? { label: e.type, fill: "#334155", lane: "movement" as const };
  return isDoor(e) ? { ...base, label: "Door stop", fill: DOOR_FILL } : base;
}

/** "Lift ↑ 4 floors (12.1 m)", "Stairs ↓ 1 floor", "Walking", "Entry" … */
export function describe(e: InsightEvent): string {
  const { label, lane } = look(e);
  if (lane !== "vertical" || !e.metadata) return label;
  const floors = Number(e.metadata.floors ?? 0);
  const arrow = e.metadata.direction === "down" ? "↓" : "↑";
  const height = typeof e.metadata.heightM === "number" ? ` (${Math.abs(e.metadata.heightM).toFixed(1)} m)` : "";
  return `${label} ${arrow} ${floors} floor${floors === 1 ? "" : "s"}${height}`;
}

export function end(e: InsightEvent): number {
  return e.tEnd ?? e.tStart;
}
