"""Which building an address is in, and how its country numbers floors.

Numpy-free on purpose (unlike the rest of the engine): the API's handlers (erasing a session
forgets what it taught its building) use it without loading numpy.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Mapping
from typing import Any

GROUND_FLOOR_ONE = frozenset(
    {
        *("US", "CA", "PR", "MX"),
        *("RU", "UA", "BY", "KZ", "UZ", "KG", "TJ", "TM", "AM", "AZ", "GE", "MD"),
        *("CN", "TW", "JP", "KR", "KP", "MN", "VN", "TH", "PH", "ID"),
    }
)
"""Countries whose ground floor is numbered 1 (North America, the former USSR, East and
South-East Asia); elsewhere (most of Europe, the UK, Australia, India…) it is 0."""


_ABBREVIATIONS = {
    "st": "street",
    "str": "strasse",
    "straße": "strasse",
    "rd": "road",
    "ave": "avenue",
    "av": "avenue",
    "blvd": "boulevard",
    "dr": "drive",
    "ln": "lane",
    "pl": "place",
    "sq": "square",
    "hwy": "highway",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
}
_UNIT = re.compile(
    r"\b(?:apt|apartment|unit|suite|ste|flat|wohnung|app|floor|fl|level|lvl|etage|étage|"
    r"stock|piso|planta|piano|storey)\b\.?\s*#?\s*-?\w{0,5}|#\s*\w+|\b\d{1,3}\s*(?:st|nd|rd|th)"
    r"\s+floor\b",
    re.I,
)
CELL_DEG = 0.0005
"""Coordinate cell for addresses without text: 0.0005° (~55 m north-south): a building and
its forecourt, rarely two buildings' geocodes."""


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = _UNIT.sub(" ", text)
    words = re.findall(r"[^\W_]+", text)
    return " ".join(_ABBREVIATIONS.get(w, w) for w in words)


def building_key(address: Mapping[str, Any] | None) -> str | None:
    """What identifies the building an address is in: its street line (line1, else
    rawAddress, with unit and floor words removed), postal code and country, normalised; else
    its coordinates rounded to a ``CELL_DEG`` cell. None when the address has neither."""
    if not isinstance(address, Mapping):
        return None
    street = address.get("line1") or address.get("rawAddress")
    if isinstance(street, str) and _normalise(street):
        parts = [address.get("country"), address.get("postalCode"), street]
        if not address.get("postalCode") and isinstance(address.get("city"), str):
            parts[1] = address.get("city")
        return "text:" + "|".join(_normalise(p) if isinstance(p, str) else "" for p in parts)
    lat, lng = address.get("lat"), address.get("lng")
    if isinstance(lat, int | float) and isinstance(lng, int | float) and (lat or lng):
        return f"cell:{math.floor(lat / CELL_DEG)}:{math.floor(lng / CELL_DEG)}"
    return None


def building_id(address: Mapping[str, Any] | None) -> str | None:
    """``bld_`` + 20 hex digits of the SHA-256 of ``building_key``: stable, and no address in
    the id."""
    key = building_key(address)
    if key is None:
        return None
    return "bld_" + hashlib.sha256(key.encode()).hexdigest()[:20]


def ground_floor(country: Any) -> int | None:
    """The ground floor's number in ``country`` (ISO 3166 alpha-2): 1 or 0; None unknown."""
    if not isinstance(country, str) or len(country.strip()) != 2:
        return None
    return 1 if country.strip().upper() in GROUND_FLOOR_ONE else 0
