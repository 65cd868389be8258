// The GPS track on a local plane (north up, equal scale), with the delivery address, the
// entry (GATE) and the door stop marked, start and end, a scale bar and a legend.
import type { InsightEvent } from "../api";
import { s } from "../dom";
import { DOOR_FILL, isDoor } from "./events";

const SIZE = 480;
const MARGIN = 28;
const M_PER_DEG_LAT = 110_540;
const M_PER_DEG_LNG = 111_320;

export interface Marks {
  address?: [number, number] | null;
}

function at(path: number[][], t: number): number[] | null {
  if (!path.length) return null;
  let best = path[0];
  for (const p of path) if (Math.abs(p[0] - t) < Math.abs(best[0] - t)) best = p;
  return best;
}

function niceMetres(span: number): number {
  const target = span / 4;
  const mag = 10 ** Math.floor(Math.log10(target));
  return [1, 2, 5, 10].map((m) => m * mag).filter((v) => v <= target).pop() ?? mag;
}

export function track(path: number[][], events: InsightEvent[], marks: Marks): SVGElement {
  const lat0 = path.reduce((a, p) => a + p[1], 0) / path.length;
  const lng0 = path.reduce((a, p) => a + p[2], 0) / path.length;
  const kx = M_PER_DEG_LNG * Math.cos((lat0 * Math.PI) / 180);
  const toXY = (lat: number, lng: number): [number, number] => [(lng - lng0) * kx, (lat - lat0) * M_PER_DEG_LAT];
  const pts = path.map((p) => toXY(p[1], p[2]));
  const all = marks.address ? [...pts, toXY(...marks.address)] : pts;
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const span = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys), 60);
  const k = (SIZE - 2 * MARGIN) / span;
  const cx = (Math.max(...xs) + Math.min(...xs)) / 2;
  const cy = (Math.max(...ys) + Math.min(...ys)) / 2;
  const px = ([e, n]: [number, number]): [number, number] => [SIZE / 2 + (e - cx) * k, SIZE / 2 - (n - cy) * k];

  const svg = s("svg", {
    viewBox: `0 0 ${SIZE} ${SIZE + 64}`,
    class: "chart track",
    role: "img",
    "aria-label": `Track of ${path.length} GPS fixes over ${Math.round(span)} m, with the address, entry and door marked`,
  });
  svg.append(s("rect", { x: 0, y: 0, width: SIZE, height: SIZE, class: "plot" }));
  const d = pts.map((p, i) => `${i ? "L" : "M"}${px(p).map((v) => v.toFixed(1)).join(",")}`).join("");
  svg.append(s("path", { d, fill: "none", stroke: "#1d4ed8", "stroke-width": 2.5, "stroke-linejoin": "round" }));
  const [sx, sy] = px(pts[0]);
  const [ex, ey] = px(pts[pts.length - 1]);
  svg.append(
    s("circle", { cx: sx, cy: sy, r: 6, fill: "#15803d", class: "mark-start" }, s("title", {}, "start")),
    s("circle", { cx: ex, cy: ey, r: 6, fill: "#0f172a", class: "mark-end" }, s("title", {}, "end")),
  );
  if (marks.address) {
    const [ax, ay] = px(toXY(...marks.address));
    svg.append(
      s("circle", { cx: ax, cy: ay, r: 11, fill: "none", stroke: "#0f172a", "stroke-width": 3, class: "mark-address" }, s("title", {}, "delivery address")),
    );
  }
  const gate = events.find((e) => e.type === "GATE");
  const gp = gate ? at(path, gate.tStart) : null;
  if (gp) {
    const [gx, gy] = px(toXY(gp[1], gp[2]));
    svg.append(s("path", { d: `M${gx},${gy - 8}L${gx + 8},${gy}L${gx},${gy + 8}L${gx - 8},${gy}Z`, fill: "#c2410c", class: "mark-entry" }, s("title", {}, "entry")));
  }
  const door = events.find(isDoor);
  const dp = door ? at(path, door.tStart) : null;
  if (dp) {
    const [dx, dy] = px(toXY(dp[1], dp[2]));
    svg.append(s("rect", { x: dx - 6, y: dy - 6, width: 12, height: 12, fill: DOOR_FILL, class: "mark-door" }, s("title", {}, "door stop")));
  }
  // North arrow and scale bar.
  svg.append(
    s("path", { d: `M${SIZE - 20},12L${SIZE - 14},28L${SIZE - 26},28Z`, fill: "#0f172a" }),
    s("text", { x: SIZE - 20, y: 42, "text-anchor": "middle", class: "tick" }, "N"),
  );
  const metres = niceMetres(span);
  const bar = metres * k;
  svg.append(
    s("line", { x1: 12, x2: 12 + bar, y1: SIZE - 14, y2: SIZE - 14, stroke: "#0f172a", "stroke-width": 3 }),
    s("text", { x: 12, y: SIZE - 20, class: "tick" }, metres >= 1000 ? `${metres / 1000} km` : `${metres} m`),
  );
  // Legend under the plot.
  const items: [string, SVGElement][] = [
    ["start", s("circle", { r: 6, fill: "#15803d" })],
    ["end", s("circle", { r: 6, fill: "#0f172a" })],
    ["address", s("circle", { r: 7, fill: "none", stroke: "#0f172a", "stroke-width": 3 })],
    ["entry", s("path", { d: "M0,-7L7,0L0,7L-7,0Z", fill: "#c2410c" })],
    ["door", s("rect", { x: -6, y: -6, width: 12, height: 12, fill: DOOR_FILL })],
  ];
  items.forEach(([name, icon], i) => {
    const gx = 20 + i * 92;
    const g = s("g", { transform: `translate(${gx},${SIZE + 24})` }, icon, s("text", { x: 12, y: 5, class: "tick" }, name));
    svg.append(g);
  });
  return svg;
}
