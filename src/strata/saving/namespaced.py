"""The `serialize`/`deserialize` pair of each public namespace (``strata.layers``,
``strata.losses`` ...), in Keras 3's format, on top of the registry-based machinery in
`serialization` (so a config can only name built-ins and registered objects).

Example:
    >>> import strata
    >>> config = serialize(strata.initializers.Ones())
    >>> config["class_name"], config["module"]
    ('Ones', 'keras.initializers')
    >>> type(deserialize(config, kind="initializers")).__name__
    'Ones'
"""

from __future__ import annotations


def serialize(obj):
    """Keras's ``{"module", "class_name", "config", "registered_name"}`` dict for `obj` (a
    built-in function as Keras's function reference)."""
    from strata.layers.layer import Layer
    from strata.saving.serialization import serialize_keras_object

    config = serialize_keras_object(obj)
    if isinstance(obj, Layer) and isinstance(config, dict) and "build_config" in config:
        # Keras returns the layer's build config as it is (shapes as tuples).
        config["build_config"] = obj.get_build_config()
    return config


def deserialize(config, custom_objects=None, *, kind: str, get=None):
    """The object `config` describes, resolved through the registry as a `kind` object.

    A string is looked up with the namespace's `get` where it has one (``"relu"``,
    ``"mean_squared_error"``), as Keras does.
    """
    from strata.saving.serialization import deserialize_keras_object

    if isinstance(config, str) and get is not None:
        return get(config)
    if not isinstance(config, dict):
        raise ValueError(
            f"Could not deserialize {config!r} as one of strata.{kind}: expected a dict with "
            "'class_name' and 'config' (as `serialize` returns)."
        )
    return deserialize_keras_object(config, custom_objects=custom_objects, kind=kind)


# ---- the functions each namespace exports as `serialize` / `deserialize` -----------------------
# Each keeps Keras's parameter names, so keyword calls written for Keras work.
def serialize_layer(layer):
    """A layer's Keras config dict (``strata.layers.serialize``).

    Example:
        >>> import strata
        >>> serialize_layer(strata.layers.Dense(2))["class_name"]
        'Dense'
    """
    return serialize(layer)


def deserialize_layer(config, custom_objects=None):
    """The layer a Keras config dict describes (``strata.layers.deserialize``).

    Example:
        >>> import strata
        >>> deserialize_layer(serialize_layer(strata.layers.Dense(2))).units
        2
    """
    from strata.layers.layer import Layer

    obj = deserialize(config, custom_objects, kind="layers")
    if not isinstance(obj, Layer):
        raise ValueError(
            "`strata.layers.deserialize` was passed a `config` object that is not a layer. "
            f"Received: {config!r}"
        )
    return obj


def serialize_loss(loss):
    """A loss's Keras config (``strata.losses.serialize``)."""
    return serialize(loss)


def deserialize_loss(name, custom_objects=None):
    """A loss from a Keras config or a name (``strata.losses.deserialize``).

    Example:
        >>> import strata
        >>> deserialize_loss(serialize_loss(strata.losses.Huber(delta=2.0))).get_config()["delta"]
        2.0
    """
    from strata import losses

    return deserialize(name, custom_objects, kind="losses", get=losses.get)


def serialize_metric(metric):
    """A metric's Keras config (``strata.metrics.serialize``)."""
    return serialize(metric)


def deserialize_metric(config, custom_objects=None):
    """A metric from a Keras config or a name (``strata.metrics.deserialize``).

    Example:
        >>> import strata
        >>> deserialize_metric(serialize_metric(strata.metrics.Accuracy())).name
        'accuracy'
    """
    from strata import metrics

    return deserialize(config, custom_objects, kind="metrics", get=metrics.get)


def serialize_optimizer(optimizer):
    """An optimizer's Keras config (``strata.optimizers.serialize``)."""
    return serialize(optimizer)


def deserialize_optimizer(config, custom_objects=None):
    """An optimizer from a Keras config or a name (``strata.optimizers.deserialize``).

    Example:
        >>> import strata
        >>> deserialize_optimizer({"class_name": "SGD", "config": {"momentum": 0.5}}).momentum
        0.5
    """
    from strata import optimizers

    return deserialize(config, custom_objects, kind="optimizers", get=optimizers.get)


def deserialize_activation(config, custom_objects=None):
    """An activation function from its name or Keras config (``strata.activations.deserialize``).

    Example:
        >>> deserialize_activation("relu").__name__
        'relu'
    """
    from strata import activations

    return deserialize(config, custom_objects, kind="activations", get=activations.get)


def deserialize_initializer(config, custom_objects=None):
    """An initializer from its Keras config or name (``strata.initializers.deserialize``).

    Example:
        >>> type(deserialize_initializer("ones")).__name__
        'Ones'
    """
    from strata import initializers

    return deserialize(config, custom_objects, kind="initializers", get=initializers.get)


def serialize_regularizer(regularizer):
    """A regularizer's Keras config (``strata.regularizers.serialize``)."""
    return serialize(regularizer)


def deserialize_regularizer(config, custom_objects=None):
    """A regularizer from its Keras config or name (``strata.regularizers.deserialize``).

    Example:
        >>> type(deserialize_regularizer("l2")).__name__
        'L2'
    """
    from strata import regularizers

    return deserialize(config, custom_objects, kind="regularizers", get=regularizers.get)


def deserialize_constraint(config, custom_objects=None):
    """A constraint from its Keras config or name (``strata.constraints.deserialize``).

    Example:
        >>> type(deserialize_constraint("non_neg")).__name__
        'NonNeg'
    """
    from strata import constraints

    return deserialize(config, custom_objects, kind="constraints", get=constraints.get)
