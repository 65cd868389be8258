import struct
import zlib

import numpy as np

from functions.core.path_image import END_DOT, START_DOT, render_path


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


def test_a_path_is_drawn_west_to_east_with_start_and_end_dots():
    path = [[float(i), 52.529, 13.401 + i * 1e-5] for i in range(100)]
    image = _decode(render_path(path, size=256))

    assert image.shape == (256, 256, 3)
    assert _has(image, START_DOT) and _has(image, END_DOT)
    green_x = np.argwhere(np.all(image == START_DOT, axis=2))[:, 1].mean()
    red_x = np.argwhere(np.all(image == END_DOT, axis=2))[:, 1].mean()
    assert green_x < red_x  # east is right


def test_missing_fixes_are_skipped_and_no_fix_means_no_image():
    assert render_path([]) is None
    assert render_path([[0.0, float("nan"), float("nan")]]) is None
    one = render_path([[0.0, float("nan"), 1.0], [1.0, 52.5, 13.4]], address=(52.5001, 13.4001))
    assert _decode(one).shape == (512, 512, 3)
