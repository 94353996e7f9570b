"""`clone_model`: the same architecture with new layers (and freshly initialized weights)."""

from __future__ import annotations

import jax


def _clone_layer(layer):
    from strata.saving.serialization import object_config

    return type(layer).from_config(object_config(layer))


def clone_model(
    model, input_tensors=None, clone_function=None, call_function=None, recursive=False
):
    """A copy of `model`'s architecture built from new layers, as Keras's `clone_model`.

    Weights are not copied: each cloned layer starts from its initializer (copy them with
    ``clone.set_weights(model.get_weights())``).

    Args:
        model: a functional, Sequential or subclassed model (a subclassed model is rebuilt
            from its config).
        input_tensors: optional new inputs (from `strata.Input`) replacing the model's, in
            ``model.inputs`` order.
        clone_function: ``layer -> new layer`` (default: ``type(layer).from_config(config)``).
        call_function: ``(layer, *args, **kwargs) -> outputs``, to change how each layer is
            called in a functional model.
        recursive: also clone the layers inside nested functional/Sequential models.

    Example:
        >>> import strata
        >>> x = strata.Input(shape=(3,))
        >>> model = strata.Model(x, strata.layers.Dense(2)(x))
        >>> clone = clone_model(model)
        >>> clone.count_params(), clone.layers[1] is model.layers[1]
        (8, False)
    """
    from strata.layers.input_layer import InputLayer
    from strata.models.functional import Functional
    from strata.models.sequential import Sequential
    from strata.saving import model_config, safety

    clone_function = clone_function or _clone_layer

    def clone(layer):
        if recursive and isinstance(layer, Functional):
            return clone_model(
                layer, clone_function=clone_function, call_function=call_function, recursive=True
            )
        return clone_function(layer)

    if isinstance(model, Sequential):
        layers = [clone(layer) for layer in model.layers]
        if input_tensors is not None:
            first = jax.tree_util.tree_leaves(input_tensors)[0]
            layers.insert(0, first.history.layer)
        elif model._stack and isinstance(model._stack[0], InputLayer):
            layers.insert(0, _clone_layer(model._stack[0]))
        return Sequential(layers, name=model.name, trainable=model.trainable)
    if isinstance(model, Functional):
        config = model_config.functional_config(model)
        by_name = {layer.name: layer for layer in model.operations}
        inputs = None
        if input_tensors is not None:
            given = jax.tree_util.tree_leaves(input_tensors)
            if len(given) != len(model.inputs):
                raise ValueError(
                    f"clone_model: model '{model.name}' has {len(model.inputs)} input(s); "
                    f"`input_tensors` holds {len(given)}."
                )
            inputs = {t.history.layer.name: g for t, g in zip(model.inputs, given)}

        def make_layer(entry):
            original = by_name[entry["name"]]
            if isinstance(original, InputLayer):
                return _clone_layer(original)
            return clone(original)

        ctx = safety.make_context()
        return model_config.functional_from_config(
            type(model),
            config,
            ctx,
            make_layer=make_layer,
            inputs=inputs,
            call_function=call_function,
        )
    if input_tensors is not None or call_function is not None:
        raise ValueError(
            "clone_model: `input_tensors` and `call_function` only apply to functional and "
            "Sequential models."
        )
    return type(model).from_config(model.get_config())
