"""Models (public names only, each imported on first use)."""

from strata._lazy import lazy_names

_WHERE = {
    "Functional": "strata.models.functional",
    "Model": "strata.models.model",
    "Sequential": "strata.models.sequential",
    "clone_model": "strata.saving.cloning",
    "load_model": "strata.saving.api",
    "model_from_json": "strata.saving.api",
    "save_model": "strata.saving.api",
}

__all__ = [
    "Model",
    "Sequential",
    "Functional",
    "clone_model",
    "load_model",
    "model_from_json",
    "save_model",
]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
