// Height over time (from the barometer, relative to the start) with a line at every floor,
// spaced by the building's storey height when the insights carry one, and the vertical moves
// shaded behind the curve.
import type { InsightEvent } from "../api";
import { h, s } from "../dom";
import { describe, end, look } from "./events";
import { clock, linear, ticks } from "./scale";

const W = 960;
const H = 240;
const LEFT = 96;
const RIGHT = 16;
const TOP = 12;
const BOTTOM = 28;

/** The chart and a caption saying what the floor lines are. */
export function elevation(
  series: number[][],
  events: InsightEvent[],
  duration: number,
  storeyM: number,
  storeyKnown: boolean,
): HTMLElement {
  return h(
    "figure",
    { class: "elevation-figure" },
    chart(series, events, duration, storeyM),
    h(
      "figcaption",
      {},
      `Height above the start (barometer). Floor lines every ${storeyM.toFixed(1)} m: `,
      storeyKnown ? "this building's storey height." : "a typical storey (the building's own is not known yet).",
    ),
  );
}

function chart(series: number[][], events: InsightEvent[], duration: number, storeyM: number): SVGElement {
  const total = Math.max(duration, ...series.map((p) => p[0]), 1);
  const heights = series.map((p) => p[1]);
  const lo = Math.min(0, ...heights) - storeyM * 0.5;
  const hi = Math.max(storeyM, ...heights) + storeyM * 0.5;
  const x = linear(0, total, LEFT, W - RIGHT);
  const y = linear(lo, hi, H - BOTTOM, TOP);
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${H}`,
    class: "chart elevation",
    role: "img",
    "aria-label": `Elevation profile: from ${lo.toFixed(0)} to ${hi.toFixed(0)} m, floor lines every ${storeyM.toFixed(1)} m`,
  });
  for (const e of events.filter((ev) => look(ev).lane === "vertical")) {
    const band = s("rect", {
      x: x(e.tStart),
      y: TOP,
      width: Math.max(x(end(e)) - x(e.tStart), 2),
      height: H - TOP - BOTTOM,
      fill: look(e).fill,
      "fill-opacity": 0.16,
      class: "band",
    });
    band.append(s("title", {}, describe(e)));
    svg.append(band, s("text", { x: x(e.tStart) + 3, y: TOP + 12, class: "label-dark small" }, describe(e)));
  }
  for (let floor = Math.ceil(lo / storeyM); floor * storeyM <= hi; floor++) {
    const fy = y(floor * storeyM);
    svg.append(
      s("line", { x1: LEFT, x2: W - RIGHT, y1: fy, y2: fy, class: floor === 0 ? "floor ground" : "floor" }),
      s("text", { x: LEFT - 8, y: fy + 4, "text-anchor": "end", class: "tick" }, floor === 0 ? "start" : `${floor > 0 ? "+" : ""}${floor} fl`),
    );
  }
  if (series.length > 1) {
    const d = series.map((p, i) => `${i ? "L" : "M"}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`).join("");
    svg.append(s("path", { d, class: "height", fill: "none", stroke: "#0f172a", "stroke-width": 2 }));
  }
  for (const t of ticks(0, total)) {
    svg.append(s("text", { x: x(t), y: H - 8, "text-anchor": "middle", class: "tick" }, clock(t)));
  }
  return svg;
}
