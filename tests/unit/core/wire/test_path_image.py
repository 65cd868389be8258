import struct
import zlib

import numpy as np

from functions.core.wire.path_image import (
    DOOR_MARK,
    END_DOT,
    ENTRY_MARK,
    LEGEND_PX,
    LIFT_MARK,
    SIZE_PX,
    STAIRS_MARK,
    START_DOT,
    _shape,
    nice_metres,
    render_path,
)


def _decode(png: bytes | None) -> np.ndarray:
    """A minimal PNG reader for what ``encode_png`` writes (RGB, filter 0)."""
    assert png is not None
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, data = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + data)
        chunks[kind] = data
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert (depth, colour) == (8, 2)
    raw = np.frombuffer(zlib.decompress(chunks[b"IDAT"]), dtype=np.uint8)
    rows = raw.reshape(height, width * 3 + 1)
    assert np.all(rows[:, 0] == 0)
    return rows[:, 1:].reshape(height, width, 3)


def _has(image: np.ndarray, colour) -> bool:
    return bool(np.all(image == np.array(colour, dtype=np.uint8), axis=2).any())


def test_missing_fixes_are_skipped_and_no_fix_means_no_image():
    assert render_path([]) is None
    assert render_path([[0.0, float("nan"), float("nan")]]) is None
    one = render_path([[0.0, float("nan"), 1.0], [1.0, 52.5, 13.4]], address=(52.5001, 13.4001))
    assert _decode(one).shape == (SIZE_PX + LEGEND_PX, SIZE_PX, 3)


def test_a_path_is_drawn_west_to_east_with_start_and_end_dots():
    path = [[float(i), 52.529, 13.401 + i * 1e-5] for i in range(100)]
    image = _decode(render_path(path, size=256))

    assert image.shape == (256 + LEGEND_PX, 256, 3)
    map_area = image[:256]
    assert _has(map_area, START_DOT) and _has(map_area, END_DOT)
    green_x = np.argwhere(np.all(map_area == START_DOT, axis=2))[:, 1].mean()
    red_x = np.argwhere(np.all(map_area == END_DOT, axis=2))[:, 1].mean()
    assert green_x < red_x  # east is right


def test_entry_door_lift_and_stairs_are_marked_where_they_happened() -> None:
    # West to east over ~200 m: entry at t=50, lift at t=60, stairs at t=80, door at t=90.
    path = [[float(i), 52.529, 13.401 + i * 3e-5] for i in range(100)]
    events = [
        {"type": "GATE", "tStart": 50.0},
        {"type": "ELEVATOR", "tStart": 60.0, "metadata": {"floors": 4, "direction": "up"}},
        {"type": "STAIRS", "tStart": 80.0, "metadata": {"floors": 1, "direction": "up"}},
        {"type": "STOPPED", "tStart": 90.0, "metadata": {"atDoor": True}},
        {"type": "STOPPED", "tStart": 10.0, "metadata": {"atDoor": False}},
    ]
    image = _decode(render_path(path, events=events))[:SIZE_PX]

    def left_x(colour) -> int:
        """The mark's left edge (its label, in the same colour, is to its right)."""
        found = np.argwhere(np.all(image == np.array(colour, dtype=np.uint8), axis=2))
        return int(found[:, 1].min())

    for colour in (ENTRY_MARK, LIFT_MARK, STAIRS_MARK, DOOR_MARK):
        assert _has(image, colour), colour
    # In the order they happened, west to east (labels sit to the right of their mark).
    assert left_x(ENTRY_MARK) < left_x(LIFT_MARK) < left_x(STAIRS_MARK) < left_x(DOOR_MARK)


def test_lift_and_stairs_are_different_shapes_and_the_legend_names_them() -> None:
    lift = _shape("square", 6).sum()
    stairs = _shape("triangle", 6).sum()
    assert lift != stairs
    image = _decode(render_path([[0.0, 52.5, 13.4], [1.0, 52.5001, 13.4001]]))
    legend = image[SIZE_PX:]
    for colour in (START_DOT, END_DOT, ENTRY_MARK, DOOR_MARK, LIFT_MARK, STAIRS_MARK):
        assert _has(legend, colour), colour


def test_the_scale_bar_is_a_round_length() -> None:
    assert nice_metres(240.0) == 50.0
    assert nice_metres(60.0) == 10.0
    assert nice_metres(9000.0) == 2000.0
