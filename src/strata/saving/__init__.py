"""Saving and loading models (public names only, each imported on first use)."""

from strata._lazy import lazy_names

_WHERE = {
    "CustomObjectScope": "strata.saving.registry",
    "clone_model": "strata.saving.cloning",
    "custom_object_scope": "strata.saving.registry",
    "deserialize_keras_object": "strata.saving.serialization",
    "get_custom_objects": "strata.saving.registry",
    "get_registered_name": "strata.saving.registry",
    "get_registered_object": "strata.saving.registry",
    "load_model": "strata.saving.api",
    "load_weights": "strata.saving.api",
    "model_from_json": "strata.saving.api",
    "register_keras_serializable": "strata.saving.registry",
    "save_model": "strata.saving.api",
    "save_weights": "strata.saving.api",
    "serialize_keras_object": "strata.saving.serialization",
}

__all__ = [
    "CustomObjectScope",
    "clone_model",
    "custom_object_scope",
    "deserialize_keras_object",
    "get_custom_objects",
    "get_registered_name",
    "get_registered_object",
    "load_model",
    "load_weights",
    "model_from_json",
    "register_keras_serializable",
    "save_model",
    "save_weights",
    "serialize_keras_object",
]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
