"""Saving and loading models (public names only)."""
