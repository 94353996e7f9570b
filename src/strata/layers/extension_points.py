"""The methods Keras documents for extending a layer: `add_variable`, `path`, `input_spec`,
`get_build_config`/`build_from_config` and `save_own_variables`/`load_own_variables`.

`Layer` inherits them; saving and loading call them, so a custom layer's override is honoured
as Keras honours it.

Example:
    >>> import numpy as np
    >>> import strata
    >>> class Scale(strata.layers.Layer):
    ...     def build(self, input_shape):
    ...         self.w = self.add_variable((input_shape[-1],), "ones", name="w")
    ...     def call(self, x):
    ...         return x * self.w
    >>> layer = Scale(name="scale")
    >>> layer(np.ones((1, 2))).tolist(), layer.path, layer.w.path
    ([[1.0, 1.0]], 'scale', 'scale/w')
    >>> layer.get_build_config()
    {'input_shape': (1, 2)}
"""

from __future__ import annotations

import numpy as np

_AGGREGATIONS = (None, "none", "mean", "sum", "only_first_replica")


class LayerExtensionPoints:
    """Keras's extension methods of `Layer` (mixed into it)."""

    #: An `InputSpec` (or a list of them) the inputs are checked against at each call.
    input_spec = None

    def add_variable(
        self,
        shape,
        initializer,
        dtype=None,
        trainable=True,
        autocast=True,
        regularizer=None,
        constraint=None,
        name=None,
    ):
        """Create a weight owned by this layer; `add_weight` with Keras's `add_variable`
        signature (`shape` and `initializer` required)."""
        return self.add_weight(
            shape=shape,
            initializer=initializer,
            dtype=dtype,
            trainable=trainable,
            autocast=autocast,
            regularizer=regularizer,
            constraint=constraint,
            name=name,
        )

    @property
    def path(self):
        """The layer's path (the active `name_scope`s and its name) once built, else None."""
        if not self.built:
            return None
        return self.__dict__.get("_path", self.name)

    def get_build_config(self):
        """What `build_from_config` needs to recreate the weights (``{"input_shape": ...}``),
        or None for a layer that was never built; saved as the layer's ``build_config``."""
        from strata.saving.serialization import default_build_config

        return default_build_config(self)

    def build_from_config(self, config) -> None:
        """Create the weights from `get_build_config`'s dict (called when a file is loaded)."""
        from strata.saving.serialization import default_build_from_config

        default_build_from_config(self, config)

    def _saved_variables(self) -> list:
        own = self._own_variables
        return [v for v in own if v.trainable] + [v for v in own if not v.trainable]

    def save_own_variables(self, store) -> None:
        """Put this layer's own weights (not its sublayers') into `store`, under ``"0"``,
        ``"1"`` ...; the weights file calls it for every layer."""
        for i, variable in enumerate(self._saved_variables()):
            store[str(i)] = variable.numpy()

    def load_own_variables(self, store) -> None:
        """Assign this layer's own weights from `store` (what `save_own_variables` wrote)."""
        variables = self._saved_variables()
        if len(store.keys()) != len(variables):
            if not variables and not self.built:
                raise ValueError(
                    f"Layer '{self.name}' was never built and thus it doesn't have any "
                    f"variables. However the weights file lists {len(store.keys())} variables "
                    "for this layer. Build the layer (call it on an input) before loading."
                )
            raise ValueError(
                f"Layer '{self.name}' expected {len(variables)} variables, but received "
                f"{len(store.keys())} variables during loading. Expected: "
                f"{[v.name for v in variables]}"
            )
        values = [np.asarray(store[str(i)]) for i in range(len(variables))]
        for variable, value in zip(variables, values):
            if tuple(value.shape) != variable.shape:
                raise ValueError(
                    f"Layer '{self.name}': weight '{variable.path}' has shape {variable.shape}, "
                    f"but the stored value has shape {tuple(value.shape)}."
                )
        for variable, value in zip(variables, values):
            variable.assign(value.astype(variable.dtype))


def weight_args(args, shape, initializer, dtype):
    """`add_weight`'s legacy positional ``(shape, initializer, dtype)``, checked as Keras does."""
    if not args:
        return (() if shape is None else shape), initializer, dtype
    if len(args) > 3:
        raise TypeError(
            f"add_weight() takes at most 3 positional arguments but {len(args)} were given."
        )
    if isinstance(args[0], str):
        raise ValueError(
            "`name` must be passed as a keyword argument. "
            f"Received: add_weight('{args[0]}', ...). Use: add_weight(shape=..., name='{args[0]}')."
        )
    given = {"shape": shape, "initializer": initializer, "dtype": dtype}
    for key, value in zip(given, args):
        if given[key] is not None:
            raise ValueError(f"`{key}` was passed both positionally and as a keyword argument.")
        given[key] = value
    return given["shape"], given["initializer"], given["dtype"]


def check_base_options(owner: str, activity_regularizer) -> None:
    """Reject a base-`Layer` `activity_regularizer`, which strata's base class cannot apply
    (Keras writes ``None`` for it into custom layers' configs, so None is accepted)."""
    if activity_regularizer is not None:
        raise ValueError(
            f"{owner}: the base `Layer` does not apply `activity_regularizer` in strata; "
            f"received activity_regularizer={activity_regularizer!r}. Add the penalty in `call` "
            "with `self.add_loss(...)` instead."
        )


def check_weight_options(aggregation, overwrite_with_gradient) -> None:
    """Reject `add_weight` options strata cannot honour."""
    if aggregation not in _AGGREGATIONS:
        raise ValueError(
            "Invalid value for argument `aggregation`. Expected one of `None`, `'none'`, "
            f"`'mean'`, `'sum'`, `'only_first_replica'`. Received: aggregation={aggregation}"
        )
    if overwrite_with_gradient:
        raise ValueError(
            "add_weight: `overwrite_with_gradient=True` (used by Keras for float8 training) is "
            "not supported by strata; pass overwrite_with_gradient=False."
        )
