"""Utilities (public names only)."""

from strata.utils.seed import set_random_seed

__all__ = ["set_random_seed"]
