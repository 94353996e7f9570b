"""The checks of `layer_harness.check_layer` for layers with non-trainable state (moving
statistics, adapted means) or several positional inputs (attention): gradients are taken with
respect to the trainable weights and the inputs, with the non-trainable weights held fixed,
as Keras's `stateless_call` takes them."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import strata
from strata.state.scope import StateScope


def _as_list(x):
    return list(x) if isinstance(x, list | tuple) else [x]


def _call(layer, inputs, style):
    if style == "single":
        return layer(inputs[0])
    if style == "list":
        return layer(list(inputs))
    return layer(*inputs)


def check_stateful_layer(
    make_strata,
    make_keras,
    input_shapes,
    keras,
    *,
    style="single",
    seed=0,
    atol=1e-5,
    grad_atol=1e-4,
    data=None,
):
    """Symbolic, eager, compiled and `fit` paths of a layer, with outputs and gradients equal to
    Keras 3's for the same weights.

    Args:
        make_strata / make_keras: zero-argument factories for the same layer in both libraries.
        input_shapes: a list of sample shapes (without the batch axis).
        style: how the layer takes its inputs: ``"single"`` (one array), ``"list"``
            (``layer([a, b])``) or ``"positional"`` (``layer(a, b)``).
        data: optional input arrays (batch of 3 drawn from a normal distribution otherwise).
    """
    rng = np.random.default_rng(seed)
    if data is None:
        data = [rng.normal(size=(3, *s)).astype("float32") for s in input_shapes]

    layer = make_strata()
    symbolic_in = [strata.Input(shape=s) for s in input_shapes]
    symbolic_out = _call(layer, symbolic_in, style)
    model = strata.Model(symbolic_in if len(symbolic_in) > 1 else symbolic_in[0], symbolic_out)

    k_layer = make_keras()
    k_in = [keras.Input(shape=s) for s in input_shapes]
    k_out = _call(k_layer, k_in, style)
    k_model = keras.Model(k_in if len(k_in) > 1 else k_in[0], k_out)
    assert len(layer.weights) == len(k_layer.weights)
    if layer.weights:
        layer.set_weights(k_layer.get_weights())
    for out, k in zip(_as_list(symbolic_out), _as_list(k_out)):
        assert tuple(out.shape) == tuple(k.shape), (out.shape, k.shape)

    feed = data if len(data) > 1 else data[0]
    eager = _as_list(_call(layer, data, style))
    predicted = _as_list(model.predict(feed, verbose=0))
    expected = _as_list(k_model.predict(feed, verbose=0))
    for e, p, k in zip(eager, predicted, expected):
        np.testing.assert_allclose(np.asarray(e), k, atol=atol, rtol=1e-5)
        np.testing.assert_allclose(p, k, atol=atol, rtol=1e-5)

    # Gradients with respect to the trainable weights and the inputs (training=False).
    trainable = layer.trainable_weights
    fixed = [(v, v.value) for v in layer.non_trainable_weights]

    def strata_loss(weights, inputs):
        with StateScope(list(zip(trainable, weights)) + fixed):
            outs = _as_list(_call(layer, inputs, style))
        return sum(jnp.sum(jnp.sin(o)) for o in outs)

    def keras_loss(weights, inputs):
        non_trainable = [v.value for v in k_layer.non_trainable_variables]
        if style == "positional":
            outs, _ = k_layer.stateless_call(weights, non_trainable, *inputs)
        else:
            arg = list(inputs) if style == "list" else inputs[0]
            outs, _ = k_layer.stateless_call(weights, non_trainable, arg)
        return sum(jnp.sum(jnp.sin(o)) for o in _as_list(outs))

    arrays = [jnp.asarray(d) for d in data]
    # Compiled as a whole: op-by-op differentiation compiles every primitive separately.
    grads = jax.jit(jax.grad(strata_loss, argnums=(0, 1)))([v.value for v in trainable], arrays)
    k_grads = jax.jit(jax.grad(keras_loss, argnums=(0, 1)))(
        [v.value for v in k_layer.trainable_variables], arrays
    )
    for g, kg in zip(jax.tree_util.tree_leaves(grads), jax.tree_util.tree_leaves(k_grads)):
        np.testing.assert_allclose(g, kg, atol=grad_atol, rtol=1e-4)

    # One training step through fit runs and keeps shapes.
    model.compile("sgd", "mse")
    targets = predicted[0] if len(predicted) == 1 else predicted
    model.fit(feed, targets, epochs=1, verbose=0)
    assert [w.shape for w in model.get_weights()] == [w.shape for w in k_layer.get_weights()]

    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return layer, k_layer
