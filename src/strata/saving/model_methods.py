"""Saving-related methods of `Model`: save, save_weights, load_weights, to_json, configs.

A subclassed model gets a config without writing `get_config`, as in Keras: the arguments its
constructor was called with are recorded when they are plain values (numbers, strings, lists,
dicts of those), and `from_config` calls the constructor with them again.
"""

from __future__ import annotations

import functools
import inspect
import json


def _plain(value) -> bool:
    if value is None or isinstance(value, bool | int | float | str):
        return True
    if isinstance(value, list | tuple):
        return all(_plain(v) for v in value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    return False


def _capture_arguments(signature: inspect.Signature, args, kwargs):
    """The constructor's arguments by name when all are plain values, else None."""
    try:
        bound = signature.bind_partial(None, *args, **kwargs)
    except TypeError:
        return None
    captured = {}
    for position, (name, value) in enumerate(bound.arguments.items()):
        if position == 0:
            continue  # self
        kind = signature.parameters[name].kind
        if kind is inspect.Parameter.VAR_POSITIONAL:
            if value:
                return None
        elif kind is inspect.Parameter.VAR_KEYWORD:
            captured.update(value)
        else:
            captured[name] = value
    return captured if _plain(captured) else None


class SavingMixin:
    """Mixed into `Model`: Keras's saving methods, backed by `strata.saving`."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None or cls.__module__.startswith("strata."):
            return
        signature = inspect.signature(init)

        @functools.wraps(init)
        def recording_init(self, *args, **kw):
            # Only the outermost constructor records (a subclass's super().__init__ does not).
            if "_auto_config" not in self.__dict__:
                object.__setattr__(self, "_auto_config", _capture_arguments(signature, args, kw))
            init(self, *args, **kw)

        cls.__init__ = recording_init

    # ---- configs -----------------------------------------------------------------------------
    def get_config(self) -> dict:
        """The model's config: the graph for functional/Sequential models; for a subclassed
        model, the plain-valued constructor arguments (override `get_config` otherwise)."""
        from strata.mixed_precision.serialized import dtype_policy
        from strata.models.functional import Functional
        from strata.models.sequential import Sequential
        from strata.saving import model_config

        if isinstance(self, Sequential):
            return model_config.sequential_config(self)
        if isinstance(self, Functional):
            return model_config.functional_config(self)
        captured = self.__dict__.get("_auto_config", {})
        if captured is None:
            raise NotImplementedError(
                f"Model '{self.name}' ({type(self).__name__}) was constructed with arguments that "
                "are not plain values (numbers, strings, lists, dicts), so strata cannot record "
                "them. Define `get_config()` (and `from_config()` if needed) on "
                f"{type(self).__name__}."
            )
        return {**captured, "trainable": self.trainable, "dtype": dtype_policy(self.dtype)}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """Rebuild a model from `get_config()`'s output (names resolved via the registry)."""
        from strata.saving import safety

        ctx = safety.make_context(custom_objects)
        entry = {"class_name": cls.__name__, "config": config}
        safety.check_config(config, ctx, where=f"{cls.__name__} config")
        with safety.active_context(ctx):
            return _from_config(cls, entry, ctx)

    def get_compile_config(self) -> dict:
        """The `compile` arguments as Keras saves them (``{}`` if never compiled)."""
        from strata.saving.model_config import compile_config

        return compile_config(self)

    def compile_from_config(self, config) -> None:
        """Compile with the settings `get_compile_config` returned."""
        from strata.saving import model_config, safety

        ctx = safety.make_context()
        safety.check_config(config, ctx, where="compile_config")
        with safety.active_context(ctx):
            model_config.compile_from_config(self, config, ctx)

    def to_json(self, **kwargs) -> str:
        """The model's config as a JSON string (load it with `strata.models.model_from_json`)."""
        from strata.saving.serialization import serialize_object

        config = serialize_object(self)
        config.pop("compile_config", None)
        return json.dumps(config, **kwargs)

    # ---- files ---------------------------------------------------------------------------------
    def save(self, filepath, overwrite=True, zipped=None, **kwargs) -> None:
        """Save to ``.keras`` (Keras 3's format) or legacy ``.h5``; see `strata.saving.save_model`."""
        from strata.saving.api import save_model

        save_model(self, filepath, overwrite=overwrite, zipped=zipped, **kwargs)

    def save_weights(self, filepath, overwrite=True, max_shard_size=None) -> None:
        """Save weights (and optimizer state) to ``*.weights.h5``."""
        from strata.saving.api import save_weights

        save_weights(self, filepath, overwrite=overwrite, max_shard_size=max_shard_size)

    def load_weights(self, filepath, skip_mismatch=False, **kwargs) -> None:
        """Load weights from ``.weights.h5``, ``.keras`` or legacy ``.h5`` into this model."""
        from strata.saving.api import load_weights

        load_weights(self, filepath, skip_mismatch=skip_mismatch, **kwargs)


def _from_config(cls, entry: dict, ctx):
    from strata.mixed_precision.serialized import dtype_from_policy
    from strata.models.functional import Functional
    from strata.models.model import Model

    config = entry["config"]
    if issubclass(cls, Functional) or (cls is Model and "layers" in config):
        from strata.saving.serialization import instantiate

        return instantiate(cls, entry, ctx)
    config = dict(config)
    if "dtype" in config:
        config["dtype"] = dtype_from_policy(config["dtype"])
    try:
        return cls(**config)
    except TypeError as err:
        raise TypeError(
            f"Unable to rebuild {cls.__name__} from its config: {err}. Its constructor must "
            "accept the keys `get_config()` returns; define `get_config()`/`from_config()` on "
            f"{cls.__name__} to control this."
        ) from err
