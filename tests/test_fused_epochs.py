"""Tiny models run many epochs per compiled call; the results must equal the per-epoch loop."""

import numpy as np
import pytest

import strata
from strata import layers
from strata.engine import feeds, fused_epochs


def _model(seed, dropout=0.0):
    strata.utils.set_random_seed(seed)
    inputs = strata.Input(shape=(3,))
    x = layers.Dense(4, activation="tanh")(inputs)
    if dropout:
        x = layers.Dropout(dropout)(x)
    model = strata.Model(inputs, layers.Dense(1)(x))
    model.compile(strata.optimizers.SGD(0.05), "mse", metrics=["mae"])
    return model


def _fit(model, x, y, callbacks, **kwargs):
    np.random.seed(5)
    strata.utils.set_random_seed(9)
    return model.fit(x, y, verbose=0, callbacks=callbacks, **kwargs)


@pytest.mark.parametrize("shuffle", [True, False, "batch"])
def test_fused_epochs_equal_the_epoch_by_epoch_loop(shuffle):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(11, 3)).astype("float32")  # 11 = 2 * 4 + 3: a padded last batch
    y = x.sum(axis=1, keepdims=True)
    fused, looped = _model(1, dropout=0.2), _model(1, dropout=0.2)
    got = _fit(fused, x, y, None, epochs=25, batch_size=4, shuffle=shuffle)
    # Any callback makes fit go epoch by epoch.
    expected = _fit(
        looped, x, y, [strata.callbacks.Callback()], epochs=25, batch_size=4, shuffle=shuffle
    )
    assert got.epoch == expected.epoch == list(range(25))
    assert got.params == expected.params
    for key in ("loss", "mae"):
        np.testing.assert_allclose(got.history[key], expected.history[key], rtol=1e-6)
    for a, b in zip(fused.get_weights(), looped.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    assert int(fused.optimizer.iterations) == int(looped.optimizer.iterations) == 75


def test_several_calls_share_one_trace_and_respect_initial_epoch(monkeypatch):
    x = np.linspace(-1, 1, 24, dtype="float32").reshape(8, 3)
    y = x[:, :1] * 2.0
    model = _model(2)
    # Force 4 epochs per call: 10 epochs are calls of 4, 4 and 2 (the last one padded).
    flops_per_epoch = 6.0 * model.count_params() * 8
    monkeypatch.setattr(fused_epochs, "CALL_FLOPS", 4 * flops_per_epoch)
    history = _fit(model, x, y, None, epochs=12, initial_epoch=2, batch_size=8)
    assert history.epoch == list(range(2, 12))
    assert model.trace_counts["train"] == 1
    losses = history.history["loss"]
    assert len(losses) == 10 and losses[-1] < losses[0]
    reference = _model(2)
    expected = _fit(
        reference, x, y, [strata.callbacks.Callback()], epochs=12, initial_epoch=2, batch_size=8
    )
    np.testing.assert_allclose(losses, expected.history["loss"], rtol=1e-6)


def test_epochs_per_call_policy():
    x = np.zeros((8, 3), "float32")
    model = _model(0)
    model.fit(x, x[:, :1], epochs=1, verbose=0)
    steps = model._step_functions()
    feed = feeds.ArrayFeed(x, [x[:, :1]], [None], 8)
    assert fused_epochs.epochs_per_call(model, feed, steps, quiet=True, epochs=300) == 300
    assert fused_epochs.epochs_per_call(model, feed, steps, quiet=False, epochs=300) == 1
    assert fused_epochs.epochs_per_call(model, feed, steps, quiet=True, epochs=1) == 1
    big = feeds.ArrayFeed(np.zeros((10_000, 3), "float32"), [np.zeros((10_000, 1))], [None], 32)
    assert fused_epochs.epochs_per_call(model, big, steps, quiet=True, epochs=300) == 1
