"""The path image of a case file: the GPS track as a PNG, drawn with numpy, encoded with zlib.

Why not matplotlib/Pillow: the processor runs with the numpy layer only, and a track needs no
more than lines and dots. The track is coloured from blue (start) to orange (end) so the
direction of travel reads at a glance; the start is a green dot, the end a red dot, and the
delivery address (when known) a dark ring. North is up; the scale is equal in both axes
(local equirectangular projection, fine at the scale of a delivery).
"""

from __future__ import annotations

import math
import struct
import zlib
from collections.abc import Sequence

import numpy as np

SIZE_PX = 512
MARGIN_PX = 24
MIN_SPAN_M = 60.0
"""Never zoom in further than this across the image: a courier standing still is a dot."""
LINE_RADIUS_PX = 1
BACKGROUND = (248, 248, 245)
START_COLOUR = np.array([37, 99, 235], dtype=float)
END_COLOUR = np.array([234, 88, 12], dtype=float)
START_DOT = (22, 163, 74)
END_DOT = (220, 38, 38)
ADDRESS_RING = (31, 41, 55)
METRES_PER_DEGREE_LAT = 110_540.0
METRES_PER_DEGREE_LNG = 111_320.0


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


def _ring(canvas: np.ndarray, x: int, y: int, radius: int, colour: tuple[int, int, int]) -> None:
    angles = np.linspace(0, 2 * math.pi, 8 * radius, endpoint=False)
    xs = np.rint(x + radius * np.cos(angles)).astype(int)
    ys = np.rint(y + radius * np.sin(angles)).astype(int)
    _stamp(canvas, xs, ys, np.tile(np.array(colour, dtype=np.uint8), (xs.size, 1)), 1)


def render_path(
    path: Sequence[Sequence[float]],
    address: tuple[float, float] | None = None,
    size: int = SIZE_PX,
) -> bytes | None:
    """The PNG for ``path`` ([[tSec, lat, lng], …]), or None when it has no valid fix."""
    points = np.asarray([p[:3] for p in path], dtype=float).reshape(-1, 3)
    points = points[np.isfinite(points).all(axis=1)]
    if points.shape[0] == 0:
        return None
    lat, lng = points[:, 1], points[:, 2]
    lat0 = float(np.mean(lat))
    scale_x = METRES_PER_DEGREE_LNG * math.cos(math.radians(lat0))
    east, north = (lng - lng.mean()) * scale_x, (lat - lat0) * METRES_PER_DEGREE_LAT
    address_xy = None
    if address is not None and all(math.isfinite(v) for v in address):
        address_xy = (
            (address[1] - lng.mean()) * scale_x,
            (address[0] - lat0) * METRES_PER_DEGREE_LAT,
        )
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

    canvas = np.empty((size, size, 3), dtype=np.uint8)
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
        canvas,
        np.rint(line_x).astype(int),
        np.rint(line_y).astype(int),
        colours,
        LINE_RADIUS_PX,
    )
    for index, colour in ((0, START_DOT), (-1, END_DOT)):
        dot = np.array(colour, dtype=np.uint8)[None, :]
        _stamp(canvas, np.rint(x[[index]]).astype(int), np.rint(y[[index]]).astype(int), dot, 5)
    if address_xy is not None:
        ax, ay = to_px(np.array([address_xy[0]]), np.array([address_xy[1]]))
        _ring(canvas, round(float(ax[0])), round(float(ay[0])), 9, ADDRESS_RING)
    return encode_png(canvas)
