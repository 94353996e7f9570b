"""Models (public names only)."""

from strata.models.functional import Functional
from strata.models.model import Model
from strata.models.sequential import Sequential
from strata.saving.api import load_model, model_from_json, save_model
from strata.saving.cloning import clone_model

__all__ = [
    "Model",
    "Sequential",
    "Functional",
    "clone_model",
    "load_model",
    "model_from_json",
    "save_model",
]
