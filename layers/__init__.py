"""Lambda layers: one folder of pinned requirements per layer, and their Docker-free builder."""
