"""Reading recordings: newline-delimited JSON, gzip or not, of SDK telemetry bodies or bare
samples. This is the field format (what a phone uploaded, one batch a line) that
``doorproof analyze``, the accuracy report and the tests all read."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from functions.core.wire.body import GZIP_MAGIC


class RecordingError(ValueError):
    """A recording that cannot be read; the message names the file and line."""


@contextmanager
def open_text(path: str | Path) -> Iterator[TextIO]:
    """A recording's text, gunzipped when its bytes are gzip (sniffed, not taken from the
    file name)."""
    path = Path(path)
    with path.open("rb") as probe:
        compressed = probe.read(2) == GZIP_MAGIC
    opener = gzip.open if compressed else open
    with opener(path, "rt", encoding="utf-8") as text:
        yield text


def iter_samples(path: str | Path) -> Iterator[dict[str, Any]]:
    """Every sample of a recording in file order. A line is either a telemetry body
    (``{"sessionId": …, "events": [...]}``) or one bare sample (``{"ts": …}``)."""
    with open_text(path) as lines:
        for number, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                raise RecordingError(f"{path}:{number}: not JSON ({exc.msg})") from exc
            if isinstance(item, dict) and isinstance(item.get("events"), list):
                yield from (s for s in item["events"] if isinstance(s, dict))
            elif isinstance(item, dict) and "ts" in item:
                yield item
            else:
                raise RecordingError(
                    f"{path}:{number}: neither a telemetry body with 'events' nor a sample"
                )


def load_samples(path: str | Path) -> list[dict[str, Any]]:
    """All samples of a recording (see ``iter_samples``)."""
    return list(iter_samples(path))
