// The case file's timeline: every event on one time axis, in three lanes (how the courier
// moved; stairs, lift and escalator; the entry moment), each bar labelled in words.
import type { InsightEvent } from "../api";
import { s } from "../dom";
import { describe, end, look } from "./events";
import { clock, linear, ticks } from "./scale";

const W = 960;
const LANE_H = 34;
const LEFT = 96;
const RIGHT = 16;
const TOP = 8;
const LANES = [
  ["movement", "Moving"],
  ["vertical", "Up / down"],
  ["moment", "Entry"],
] as const;

export function timeline(events: InsightEvent[], duration: number): SVGElement {
  const total = Math.max(duration, ...events.map(end), 1);
  const x = linear(0, total, LEFT, W - RIGHT);
  const height = TOP + LANES.length * LANE_H + 28;
  const svg = s("svg", {
    viewBox: `0 0 ${W} ${height}`,
    class: "chart timeline",
    role: "img",
    "aria-label": `Timeline of ${events.length} events over ${clock(total)}`,
  });
  LANES.forEach(([lane, name], i) => {
    const y = TOP + i * LANE_H;
    svg.append(
      s("text", { x: LEFT - 8, y: y + LANE_H / 2 + 4, "text-anchor": "end", class: "lane" }, name),
      s("line", { x1: LEFT, x2: W - RIGHT, y1: y + LANE_H, y2: y + LANE_H, class: "grid" }),
    );
    for (const e of events.filter((ev) => look(ev).lane === lane)) {
      const { fill } = look(e);
      const text = describe(e);
      const x0 = x(e.tStart);
      const group = s("g", { class: `event event-${e.type.toLowerCase()}`, "data-type": e.type });
      group.append(s("title", {}, `${text}: ${clock(e.tStart)}–${clock(end(e))}, confidence ${Math.round(e.confidence * 100)}%`));
      if (lane === "moment") {
        group.append(
          s("line", { x1: x0, x2: x0, y1: TOP, y2: y + LANE_H, stroke: fill, "stroke-width": 2, "stroke-dasharray": "4 3" }),
          s("circle", { cx: x0, cy: y + LANE_H / 2, r: 6, fill }),
          s("text", { x: x0 + 10, y: y + LANE_H / 2 + 4, class: "label-dark" }, text),
        );
      } else {
        const width = Math.max(x(end(e)) - x0, 3);
        group.append(s("rect", { x: x0, y: y + 4, width, height: LANE_H - 8, rx: 3, fill }));
        // Labels that do not fit inside the bar go beside it (vertical moves are short).
        const fits = text.length * 7 + 8 < width;
        group.append(
          s(
            "text",
            { x: fits ? x0 + 4 : x0 + width + 4, y: y + LANE_H / 2 + 4, class: fits ? "label-light" : "label-dark" },
            text,
          ),
        );
      }
      svg.append(group);
    }
  });
  const axisY = TOP + LANES.length * LANE_H;
  for (const t of ticks(0, total)) {
    svg.append(
      s("line", { x1: x(t), x2: x(t), y1: axisY, y2: axisY + 5, class: "axis" }),
      s("text", { x: x(t), y: axisY + 18, "text-anchor": "middle", class: "tick" }, clock(t)),
    );
  }
  return svg;
}
