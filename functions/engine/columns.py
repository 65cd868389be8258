"""Which wire field fills which ``Telemetry`` column: the engine's columns and the Firehose
record format (``functions.core.wire.records``) both follow these tables.

Plain data, no numpy: the telemetry Lambda encodes records with them and must not import numpy
on a cold start.
"""

from __future__ import annotations

VECTOR_COLUMNS: dict[str, tuple[str, str, int]] = {
    # column: (wire object, wire field, width)
    "accel": ("imu", "accel", 3),
    "gyro": ("imu", "gyro", 3),
    "gravity": ("imu", "gravity", 3),
    "attitude": ("imu", "attitude", 4),
}
SCALAR_COLUMNS: dict[str, tuple[str, str]] = {
    "pressure_hpa": ("barometer", "pressureHpa"),
    "rel_alt_m": ("barometer", "relativeAltitudeM"),
    "lat": ("position", "lat"),
    "lng": ("position", "lng"),
    "accuracy_m": ("position", "accuracyM"),
    "altitude_m": ("position", "altitudeM"),
    "speed_mps": ("position", "speedMps"),
    "bearing_deg": ("position", "bearingDeg"),
    "mag_x": ("magnetometer", "x"),
    "mag_y": ("magnetometer", "y"),
    "mag_z": ("magnetometer", "z"),
    "screen_on": ("context", "screenOn"),
    "app_foreground": ("context", "appForeground"),
    "battery_level": ("context", "batteryLevel"),
    "charging": ("context", "charging"),
}
TEXT_COLUMNS: dict[str, tuple[str, str]] = {
    "network": ("context", "network"),
    "motion_activity": ("context", "motionActivity"),
    "position_source": ("position", "source"),
}
