"""Screens of the lmviz app."""
