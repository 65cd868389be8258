"""The engine's version, in a module of its own so the API can name it without importing
numpy (reprocess checks a requested version against it)."""

ENGINE_VERSION = "2026.12.11"
"""Bump whenever the output for the same input can change (reprocessing compares it)."""
