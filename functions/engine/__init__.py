"""The insight engine: pure numpy functions from one session's telemetry to its PoD case file."""
