// Axes shared by the charts: a linear scale and "nice" tick steps.

export function linear(d0: number, d1: number, r0: number, r1: number): (v: number) => number {
  const span = d1 - d0 || 1;
  return (v) => r0 + ((v - d0) / span) * (r1 - r0);
}

export function ticks(d0: number, d1: number, count = 6): number[] {
  const span = Math.max(d1 - d0, 1e-9);
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let v = Math.ceil(d0 / step) * step; v <= d1 + 1e-9; v += step) out.push(Number(v.toFixed(6)));
  return out;
}

export function clock(sec: number): string {
  const m = Math.floor(sec / 60);
  const s = Math.round(sec - m * 60);
  return m ? `${m}:${String(s).padStart(2, "0")}` : `${s}s`;
}
