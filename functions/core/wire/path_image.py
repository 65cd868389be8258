"""The path image of a case file: the GPS track as a PNG, drawn with numpy, encoded with zlib.

Why not matplotlib/Pillow: the processor runs with the numpy layer only, and a track needs no
more than lines, marks and a few words (a 5x7 bitmap font below). It carries the dashboard's
legend and marks (``dashboard/src/charts/track.ts``): the track coloured blue (start) to
orange (end), the start a green dot, the end a red dot, the delivery address a dark ring, the
entry (GATE) an orange diamond, the door stop a dark red square, each lift ride a violet
square and each stair climb a green triangle labelled with its floors ("lift +4",
"stairs -1"), a scale bar, north, and a legend band under the map. North is up; the scale is
equal in both axes (local equirectangular projection, fine at the scale of a delivery).
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

SIZE_PX = 512
MARGIN_PX = 28
LEGEND_PX = 64
"""The band under the map that holds the legend (the image is SIZE x SIZE + LEGEND)."""
MIN_SPAN_M = 60.0
"""Never zoom in further than this across the image: a courier standing still is a dot."""
LINE_RADIUS_PX = 1
TEXT_SCALE = 2
BACKGROUND = (248, 248, 245)
LEGEND_BACKGROUND = (255, 255, 255)
INK = (15, 23, 42)
START_COLOUR = np.array([37, 99, 235], dtype=float)
END_COLOUR = np.array([234, 88, 12], dtype=float)
START_DOT = (22, 163, 74)
END_DOT = (220, 38, 38)
ADDRESS_RING = (31, 41, 55)
ENTRY_MARK = (194, 65, 12)
DOOR_MARK = (127, 29, 29)
LIFT_MARK = (109, 40, 217)
STAIRS_MARK = (21, 128, 61)
ESCALATOR_MARK = (14, 116, 144)
METRES_PER_DEGREE_LAT = 110_540.0
METRES_PER_DEGREE_LNG = 111_320.0
VERTICAL = {"ELEVATOR": ("lift", LIFT_MARK), "STAIRS": ("stairs", STAIRS_MARK)}
VERTICAL |= {"ESCALATOR": ("escalator", ESCALATOR_MARK)}

_GLYPHS = {
    "a": (".....", ".....", ".###.", "....#", ".####", "#...#", ".####"),
    "c": (".....", ".....", ".###.", "#....", "#....", "#...#", ".###."),
    "d": ("....#", "....#", ".##.#", "#..##", "#...#", "#...#", ".####"),
    "e": (".....", ".....", ".###.", "#...#", "#####", "#....", ".###."),
    "f": ("..##.", ".#..#", ".#...", "###..", ".#...", ".#...", ".#..."),
    "i": ("..#..", ".....", ".##..", "..#..", "..#..", "..#..", ".###."),
    "k": ("#....", "#....", "#..#.", "#.#..", "##...", "#.#..", "#..#."),
    "l": (".##..", "..#..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "m": (".....", ".....", "##.#.", "#.#.#", "#.#.#", "#...#", "#...#"),
    "n": (".....", ".....", "#.##.", "##..#", "#...#", "#...#", "#...#"),
    "o": (".....", ".....", ".###.", "#...#", "#...#", "#...#", ".###."),
    "p": (".....", ".....", "####.", "#...#", "####.", "#....", "#...."),
    "r": (".....", ".....", "#.##.", "##..#", "#....", "#....", "#...."),
    "s": (".....", ".....", ".####", "#....", ".###.", "....#", "####."),
    "t": (".#...", ".#...", "###..", ".#...", ".#...", ".#..#", "..##."),
    "u": (".....", ".....", "#...#", "#...#", "#...#", "#..##", ".##.#"),
    "y": (".....", ".....", "#...#", "#...#", ".####", "....#", ".###."),
    "N": ("#...#", "##..#", "#.#.#", "#..##", "#...#", "#...#", "#...#"),
    "0": (".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###."),
    "1": ("..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."),
    "2": (".###.", "#...#", "....#", "...#.", "..#..", ".#...", "#####"),
    "3": ("#####", "...#.", "..#..", "...#.", "....#", "#...#", ".###."),
    "4": ("...#.", "..##.", ".#.#.", "#..#.", "#####", "...#.", "...#."),
    "5": ("#####", "#....", "####.", "....#", "....#", "#...#", ".###."),
    "6": ("..##.", ".#...", "#....", "####.", "#...#", "#...#", ".###."),
    "7": ("#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."),
    "8": (".###.", "#...#", "#...#", ".###.", "#...#", "#...#", ".###."),
    "9": (".###.", "#...#", "#...#", ".####", "....#", "...#.", ".##.."),
    "+": (".....", "..#..", "..#..", "#####", "..#..", "..#..", "....."),
    "-": (".....", ".....", ".....", "#####", ".....", ".....", "....."),
    ".": (".....", ".....", ".....", ".....", ".....", ".##..", ".##.."),
    ">": (".....", "#....", ".#...", "..#..", ".#...", "#....", "....."),
}
GLYPH_W, GLYPH_H = 5, 7


def encode_png(rgb: np.ndarray) -> bytes:
    """An (h, w, 3) uint8 array as a PNG (8-bit RGB, filter 0 on every row)."""
    height, width, _ = rgb.shape
    raw = np.zeros((height, width * 3 + 1), dtype=np.uint8)
    raw[:, 1:] = rgb.reshape(height, width * 3)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw.tobytes(), 6))
        + chunk(b"IEND", b"")
    )


def _stamp(canvas: np.ndarray, xs: np.ndarray, ys: np.ndarray, colours: np.ndarray, r: int) -> None:
    """Paint a disc of radius ``r`` at each (x, y) with its colour (later points on top)."""
    height, width, _ = canvas.shape
    for dy in range(-r, r + 1):
        for dx in range(-r, r + 1):
            if dx * dx + dy * dy > r * r + r:
                continue
            px, py = xs + dx, ys + dy
            inside = (px >= 0) & (px < width) & (py >= 0) & (py < height)
            canvas[py[inside], px[inside]] = colours[inside]


def _solid(colour: tuple[int, int, int], n: int) -> np.ndarray:
    return np.tile(np.array(colour, dtype=np.uint8), (n, 1))


def _ring(canvas: np.ndarray, x: int, y: int, radius: int, colour: tuple[int, int, int]) -> None:
    angles = np.linspace(0, 2 * math.pi, 8 * radius, endpoint=False)
    xs = np.rint(x + radius * np.cos(angles)).astype(int)
    ys = np.rint(y + radius * np.sin(angles)).astype(int)
    _stamp(canvas, xs, ys, _solid(colour, xs.size), 1)


def _fill(
    canvas: np.ndarray, mask: np.ndarray, x: int, y: int, colour: tuple[int, int, int]
) -> None:
    """Paint ``mask`` (a boolean array) centred on (x, y)."""
    h, w = mask.shape
    ys, xs = np.nonzero(mask)
    xs, ys = xs + x - w // 2, ys + y - h // 2
    inside = (xs >= 0) & (xs < canvas.shape[1]) & (ys >= 0) & (ys < canvas.shape[0])
    canvas[ys[inside], xs[inside]] = colour


def _shape(kind: str, r: int) -> np.ndarray:
    """A filled mark of half-size ``r``: square, diamond, triangle (pointing up) or disc."""
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    if kind == "square":
        return np.ones_like(xx, dtype=bool)
    if kind == "diamond":
        return np.abs(xx) + np.abs(yy) <= r
    if kind == "triangle":
        return (yy >= -r) & (np.abs(xx) <= (yy + r) / 2)
    return np.asarray(xx * xx + yy * yy <= r * r + r)


def _mark(canvas: np.ndarray, kind: str, x: int, y: int, colour: tuple[int, int, int]) -> None:
    """A mark with a white outline, so it stands out on the track."""
    _fill(canvas, _shape(kind, 8), x, y, (255, 255, 255))
    _fill(canvas, _shape(kind, 6), x, y, colour)


def _text(canvas: np.ndarray, x: int, y: int, text: str, colour: tuple[int, int, int]) -> int:
    """Write ``text`` with its top-left at (x, y); returns the x after it. Unknown characters
    are blanks."""
    for char in text:
        rows = _GLYPHS.get(char)
        if rows is not None:
            bits = np.array([[c == "#" for c in row] for row in rows])
            _fill(
                canvas,
                np.kron(bits, np.ones((TEXT_SCALE, TEXT_SCALE), dtype=bool)).astype(bool),
                x + GLYPH_W * TEXT_SCALE // 2,
                y + GLYPH_H * TEXT_SCALE // 2,
                colour,
            )
        x += (GLYPH_W + 1) * TEXT_SCALE
    return x


def nice_metres(span_m: float) -> float:
    """A round length (1, 2 or 5 x 10^k m) of at most a quarter of ``span_m``."""
    target = span_m / 4
    magnitude = 10 ** math.floor(math.log10(target))
    return max(m * magnitude for m in (1, 2, 5) if m * magnitude <= target)


def _scale_bar(canvas: np.ndarray, size: int, px_per_m: float, span_m: float) -> None:
    metres = nice_metres(span_m)
    length = round(metres * px_per_m)
    x0, y = 12, size - 14
    canvas[y - 1 : y + 2, x0 : x0 + length] = INK
    canvas[y - 5 : y + 2, x0 : x0 + 2] = INK
    canvas[y - 5 : y + 2, x0 + length - 2 : x0 + length] = INK
    label = f"{metres / 1000:g} km" if metres >= 1000 else f"{metres:g} m"
    _text(canvas, x0, y - 22, label, INK)


def _north(canvas: np.ndarray, size: int) -> None:
    arrow = _shape("triangle", 7)
    _fill(canvas, arrow, size - 20, 18, INK)
    _text(canvas, size - 25, 30, "N", INK)


def _legend(canvas: np.ndarray, size: int) -> None:
    top = size
    canvas[top:, :] = LEGEND_BACKGROUND
    canvas[top, :] = (203, 213, 225)
    row1, row2 = top + 20, top + 46
    gradient = np.linspace(0.0, 1.0, 40)[:, None]
    swatch = (START_COLOUR * (1 - gradient) + END_COLOUR * gradient).astype(np.uint8)
    canvas[row1 - 2 : row1 + 2, 12:52] = swatch[None, :, :]
    _text(canvas, 58, row1 - 7, "track start > end", INK)
    x = 300
    for kind, colour, label in (("disc", START_DOT, "start"), ("disc", END_DOT, "end")):
        _fill(canvas, _shape(kind, 6), x, row1, colour)
        x = _text(canvas, x + 12, row1 - 7, label, INK) + 14
    x = 12
    _ring(canvas, x + 6, row2, 7, ADDRESS_RING)
    x = _text(canvas, x + 18, row2 - 7, "address", INK) + 14
    for kind, colour, label in (
        ("diamond", ENTRY_MARK, "entry"),
        ("square", DOOR_MARK, "door"),
        ("square", LIFT_MARK, "lift"),
        ("triangle", STAIRS_MARK, "stairs"),
    ):
        _mark(canvas, kind, x + 6, row2, colour)
        x = _text(canvas, x + 18, row2 - 7, label, INK) + 14


def _at(path: np.ndarray, t: float) -> tuple[float, float] | None:
    """The fix nearest in time to ``t`` (lat, lng)."""
    if path.shape[0] == 0 or not math.isfinite(t):
        return None
    row = path[int(np.argmin(np.abs(path[:, 0] - t)))]
    return float(row[1]), float(row[2])


def render_path(
    path: Sequence[Sequence[float]],
    address: tuple[float, float] | None = None,
    events: Sequence[Mapping[str, Any]] = (),
    size: int = SIZE_PX,
) -> bytes | None:
    """The PNG for ``path`` ([[tSec, lat, lng], …]) with the marks of ``events`` (the
    insights' events, same time base), or None when it has no valid fix."""
    points = np.asarray([p[:3] for p in path], dtype=float).reshape(-1, 3)
    points = points[np.isfinite(points).all(axis=1)]
    if points.shape[0] == 0:
        return None
    lat, lng = points[:, 1], points[:, 2]
    lat0, lng0 = float(np.mean(lat)), float(np.mean(lng))
    scale_x = METRES_PER_DEGREE_LNG * math.cos(math.radians(lat0))

    def local(la: float, ln: float) -> tuple[float, float]:
        return (ln - lng0) * scale_x, (la - lat0) * METRES_PER_DEGREE_LAT

    east, north = (lng - lng0) * scale_x, (lat - lat0) * METRES_PER_DEGREE_LAT
    address_xy = None
    if address is not None and all(math.isfinite(v) for v in address):
        address_xy = local(*address)
    all_e = np.append(east, [] if address_xy is None else [address_xy[0]])
    all_n = np.append(north, [] if address_xy is None else [address_xy[1]])
    span = max(float(np.ptp(all_e)), float(np.ptp(all_n)), MIN_SPAN_M)
    px_per_m = (size - 2 * MARGIN_PX) / span
    centre_e = (all_e.max() + all_e.min()) / 2
    centre_n = (all_n.max() + all_n.min()) / 2

    def to_px(e: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = size / 2 + (e - centre_e) * px_per_m
        y = size / 2 - (n - centre_n) * px_per_m
        return x, y

    def point_px(la: float, ln: float) -> tuple[int, int]:
        x, y = to_px(*(np.array([v]) for v in local(la, ln)))
        return round(float(x[0])), round(float(y[0]))

    canvas = np.empty((size + LEGEND_PX, size, 3), dtype=np.uint8)
    canvas[:] = BACKGROUND
    x, y = to_px(east, north)
    # Sample every segment at about one point per pixel of its length.
    steps = np.maximum(np.ceil(np.hypot(np.diff(x), np.diff(y))).astype(int), 1)
    segment = np.repeat(np.arange(steps.size), steps)
    offsets = np.arange(segment.size) - np.repeat(np.cumsum(steps) - steps, steps)
    fraction = offsets / steps[segment] if steps.size else np.zeros(0)
    line_x = np.append(x[segment] + np.diff(x)[segment] * fraction, x[-1])
    line_y = np.append(y[segment] + np.diff(y)[segment] * fraction, y[-1])
    progress = np.linspace(0.0, 1.0, line_x.size)[:, None]
    colours = (START_COLOUR * (1 - progress) + END_COLOUR * progress).astype(np.uint8)
    _stamp(
        canvas[:size],
        np.rint(line_x).astype(int),
        np.rint(line_y).astype(int),
        colours,
        LINE_RADIUS_PX,
    )
    for index, colour in ((0, START_DOT), (-1, END_DOT)):
        dot = np.array(colour, dtype=np.uint8)[None, :]
        _stamp(
            canvas[:size], np.rint(x[[index]]).astype(int), np.rint(y[[index]]).astype(int), dot, 5
        )
    if address_xy is not None:
        ax, ay = to_px(np.array([address_xy[0]]), np.array([address_xy[1]]))
        _ring(canvas[:size], round(float(ax[0])), round(float(ay[0])), 9, ADDRESS_RING)
    _event_marks(canvas[:size], points, events, point_px)
    _scale_bar(canvas, size, px_per_m, span)
    _north(canvas, size)
    _legend(canvas, size)
    return encode_png(canvas)


def _event_marks(
    canvas: np.ndarray,
    points: np.ndarray,
    events: Sequence[Mapping[str, Any]],
    point_px: Any,
) -> None:
    """Entry, door, and each vertical move where it happened, labelled with its floors;
    labels at the same place stack downwards instead of overwriting each other."""
    labels_at: dict[tuple[int, int], int] = {}
    for event in events:
        kind, t = str(event.get("type", "")), float(event.get("tStart", math.nan))
        where = _at(points, t)
        if where is None:
            continue
        px, py = point_px(*where)
        metadata = event.get("metadata") or {}
        if kind == "GATE":
            _mark(canvas, "diamond", px, py, ENTRY_MARK)
        elif kind == "STOPPED" and metadata.get("atDoor"):
            _mark(canvas, "square", px, py, DOOR_MARK)
        elif kind in VERTICAL:
            name, colour = VERTICAL[kind]
            _mark(canvas, "square" if kind == "ELEVATOR" else "triangle", px, py, colour)
            floors = int(metadata.get("floors", 0))
            sign = "-" if metadata.get("direction") == "down" else "+"
            place = (px // 24, py // 24)
            row = labels_at.get(place, 0)
            labels_at[place] = row + 1
            _text(canvas, px + 12, py - 7 + row * 18, f"{name} {sign}{floors}", colour)
