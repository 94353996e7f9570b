"""A shared check for layers: symbolic, eager, compiled, differentiable, trainable, reconfigurable,
and equal to Keras 3 for the same weights."""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

import strata
from strata.state.scope import StateScope


def _as_list(x):
    return list(x) if isinstance(x, list | tuple) else [x]


def check_layer(make_strata, make_keras, input_shapes, keras, *, seed=0, atol=1e-5, grad_atol=1e-4):
    """Run the layer through every path and compare with Keras.

    Args:
        make_strata / make_keras: zero-argument factories for the same layer in both libraries.
        input_shapes: one sample shape (tuple, without batch) or a list of them.
        keras: the Keras module (fixture).
    """
    rng = np.random.default_rng(seed)
    shapes = input_shapes if isinstance(input_shapes, list) else [input_shapes]
    multi = isinstance(input_shapes, list)
    data = [rng.normal(size=(3, *s)).astype("float32") for s in shapes]

    # Symbolic call: shape inference.
    layer = make_strata()
    symbolic_in = [strata.Input(shape=s) for s in shapes]
    symbolic_out = layer(symbolic_in if multi else symbolic_in[0])
    model = strata.Model(symbolic_in if multi else symbolic_in[0], symbolic_out)

    # Keras with the same weights.
    k_layer = make_keras()
    k_in = [keras.Input(shape=s) for s in shapes]
    k_model = keras.Model(k_in if multi else k_in[0], k_layer(k_in if multi else k_in[0]))
    if layer.weights:
        layer.set_weights(k_layer.get_weights())
    for out, k_out in zip(
        _as_list(symbolic_out),
        _as_list(k_model.outputs if len(k_model.outputs) > 1 else k_model.output),
    ):
        assert tuple(out.shape) == tuple(k_out.shape), (out.shape, k_out.shape)

    # Eager call, compiled predict, and Keras agree.
    feed = data if multi else data[0]
    eager = _as_list(layer(feed))
    predicted = _as_list(model.predict(feed, verbose=0))
    expected = _as_list(k_model.predict(feed, verbose=0))
    for e, p, k in zip(eager, predicted, expected):
        np.testing.assert_allclose(np.asarray(e), k, atol=atol, rtol=1e-5)
        np.testing.assert_allclose(p, k, atol=atol, rtol=1e-5)

    # Gradients with respect to weights and inputs agree with Keras (JAX backend).
    if layer.weights:

        def strata_loss(weights, inputs):
            with StateScope(list(zip(layer.weights, weights))):
                outs = _as_list(layer(inputs if multi else inputs[0]))
            return sum(jnp.sum(jnp.sin(o)) for o in outs)

        def keras_loss(weights, inputs):
            non_trainable = [v.value for v in k_layer.non_trainable_variables]
            outs, _ = k_layer.stateless_call(weights, non_trainable, inputs if multi else inputs[0])
            return sum(jnp.sum(jnp.sin(o)) for o in _as_list(outs))

        grads = jax.grad(strata_loss)(
            [w.value for w in layer.weights], [jnp.asarray(d) for d in data]
        )
        k_grads = jax.grad(keras_loss)(
            [jnp.asarray(w) for w in k_layer.get_weights()], [jnp.asarray(d) for d in data]
        )
        for g, kg in zip(grads, k_grads):
            np.testing.assert_allclose(g, kg, atol=grad_atol, rtol=1e-4)

    # One training step through fit runs and keeps shapes.
    outputs = _as_list(predicted)
    model.compile("sgd", "mse")
    targets = outputs[0] if len(outputs) == 1 else outputs
    model.fit(feed, targets, epochs=1, verbose=0)
    assert [w.shape for w in model.get_weights()] == [w.shape for w in k_layer.get_weights()]

    # Configuration round trip.
    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    return layer
