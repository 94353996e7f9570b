"""Models (public names only)."""

from strata.models.functional import Functional
from strata.models.model import Model
from strata.models.sequential import Sequential

__all__ = ["Model", "Sequential", "Functional"]
