"""Exporting models for serving without strata (public names only, each imported on first use)."""

from strata._lazy import lazy_names

_WHERE = {"ExportArchive": "strata.export.export_archive"}

__all__ = ["ExportArchive"]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
