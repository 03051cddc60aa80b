"""Widgets of the lmviz app, one per file."""
