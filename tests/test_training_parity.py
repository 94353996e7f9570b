"""Training with strata gives Keras 3's numbers: same weights + same data -> same curves."""

import numpy as np
import pytest

import strata

SEED_X = [1, 2, 3, 4, 5, 6, 7, 8, 9]
SEED_Y = [11, 22, 33, 44, 53, 66, 77, 87, 95]


def _copy_weights(keras_model, strata_model):
    strata_model.set_weights([np.asarray(w) for w in keras_model.get_weights()])


def _assert_histories_close(strata_hist, keras_hist, rtol=1e-4, atol=1e-5):
    assert list(strata_hist) == list(keras_hist)
    for key in keras_hist:
        np.testing.assert_allclose(
            strata_hist[key], keras_hist[key], rtol=rtol, atol=atol, err_msg=key
        )


def test_seed_linear_regression_matches_keras_at_every_epoch(keras):
    k_in = keras.Input(shape=(1,))
    k_model = keras.Model(k_in, keras.layers.Dense(1, activation="linear")(k_in))
    k_model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.01), loss="mse", metrics=["mse"])

    inputs = strata.Input(shape=(1,))
    model = strata.Model(inputs, strata.layers.Dense(1, activation="linear")(inputs))
    with pytest.warns(DeprecationWarning, match="lr"):
        sgd = strata.optimizers.SGD(lr=0.01)
    model.compile(optimizer=sgd, loss="mse", metrics=["mse"])
    _copy_weights(k_model, model)

    k_hist = k_model.fit(
        np.array(SEED_X, "float32"), np.array(SEED_Y, "float32"), epochs=300, verbose=0
    )
    hist = model.fit(SEED_X, SEED_Y, epochs=300, verbose=0)
    assert len(hist.history["loss"]) == 300
    _assert_histories_close(hist.history, k_hist.history)
    assert hist.history["loss"][-1] < 2.0
    np.testing.assert_allclose(
        model.predict([9.5], verbose=0), k_model.predict(np.array([9.5]), verbose=0), rtol=1e-4
    )


def _mlp(lib, n_in=20, n_out=3):
    inputs = lib.Input(shape=(n_in,), name="features")
    x = lib.layers.Dense(16, activation="relu", name="hidden")(inputs)
    x = lib.layers.Dense(n_out, activation="softmax", name="probs")(x)
    return lib.Model(inputs, x, name="mlp")


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "sgd"])
def test_classifier_with_partial_batches_shuffle_and_validation_matches_keras(
    keras, rng, optimizer
):
    x = rng.normal(size=(103, 20)).astype("float32")
    y = rng.integers(0, 3, size=(103,))
    k_model, model = _mlp(keras), _mlp(strata)
    _copy_weights(k_model, model)
    k_model.compile(
        optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    np.random.seed(7)
    k_hist = k_model.fit(x, y, batch_size=16, epochs=4, validation_split=0.2, verbose=0)
    np.random.seed(7)
    hist = model.fit(x, y, batch_size=16, epochs=4, validation_split=0.2, verbose=0)
    _assert_histories_close(hist.history, k_hist.history)
    for w, kw in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(w, kw, atol=1e-5)
    np.testing.assert_allclose(
        model.evaluate(x, y, verbose=0), k_model.evaluate(x, y, verbose=0), rtol=1e-5
    )
    np.testing.assert_allclose(
        model.predict(x, verbose=0), k_model.predict(x, verbose=0), atol=1e-6
    )


def test_sample_weight_and_class_weight_match_keras(keras, rng):
    x = rng.normal(size=(50, 20)).astype("float32")
    y = rng.integers(0, 3, size=(50,))
    weights = rng.uniform(0.1, 2.0, size=(50,)).astype("float32")
    for kwargs in ({"sample_weight": weights}, {"class_weight": {0: 0.5, 1: 2.0, 2: 1.0}}):
        k_model, model = _mlp(keras), _mlp(strata)
        _copy_weights(k_model, model)
        k_model.compile("adam", "sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
        model.compile("adam", "sparse_categorical_crossentropy", weighted_metrics=["accuracy"])
        k_hist = k_model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, **kwargs)
        hist = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0, **kwargs)
        _assert_histories_close(hist.history, k_hist.history)


def _two_headed(lib):
    a = lib.Input(shape=(6,), name="in_a")
    b = lib.Input(shape=(4,), name="in_b")
    shared = lib.layers.Dense(8, activation="tanh", name="shared")
    merged = lib.layers.concatenate([shared(a), lib.layers.Dense(8, name="side")(b)], name="merge")
    bin_out = lib.layers.Dense(1, activation="sigmoid", name="bin_out")(merged)
    cat_out = lib.layers.Dense(3, activation="softmax", name="cat_out")(merged)
    return lib.Model([a, b], [bin_out, cat_out], name="two_headed")


def test_multi_input_multi_output_logs_and_values_match_keras(keras, rng):
    xa = rng.normal(size=(40, 6)).astype("float32")
    xb = rng.normal(size=(40, 4)).astype("float32")
    y_bin = rng.integers(0, 2, size=(40, 1)).astype("float32")
    y_cat = np.eye(3, dtype="float32")[rng.integers(0, 3, size=40)]
    k_model, model = _two_headed(keras), _two_headed(strata)
    assert [layer.name for layer in model.layers] == [layer.name for layer in k_model.layers]
    _copy_weights(k_model, model)
    config = dict(
        optimizer="adam",
        loss={"bin_out": "binary_crossentropy", "cat_out": "categorical_crossentropy"},
        loss_weights={"bin_out": 1.0, "cat_out": 0.5},
        metrics={"bin_out": ["accuracy"], "cat_out": ["accuracy", "mae"]},
    )
    k_model.compile(**config)
    model.compile(**config)
    k_hist = k_model.fit(
        {"in_a": xa, "in_b": xb},
        {"bin_out": y_bin, "cat_out": y_cat},
        batch_size=16,
        epochs=3,
        shuffle=False,
        validation_data=([xa, xb], [y_bin, y_cat]),
        verbose=0,
    )
    hist = model.fit(
        {"in_a": xa, "in_b": xb},
        {"bin_out": y_bin, "cat_out": y_cat},
        batch_size=16,
        epochs=3,
        shuffle=False,
        validation_data=([xa, xb], [y_bin, y_cat]),
        verbose=0,
    )
    _assert_histories_close(hist.history, k_hist.history)
    np.testing.assert_allclose(
        model.evaluate([xa, xb], [y_bin, y_cat], verbose=0),
        k_model.evaluate([xa, xb], [y_bin, y_cat], verbose=0),
        rtol=1e-5,
    )
    k_pred, pred = k_model.predict([xa, xb], verbose=0), model.predict([xa, xb], verbose=0)
    assert isinstance(pred, list) and len(pred) == 2
    for p, kp in zip(pred, k_pred):
        np.testing.assert_allclose(p, kp, atol=1e-6)


def test_on_batch_methods_match_keras(keras, rng):
    x = rng.normal(size=(10, 20)).astype("float32")
    y = rng.integers(0, 3, size=(10,))
    k_model, model = _mlp(keras), _mlp(strata)
    _copy_weights(k_model, model)
    k_model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    for _ in range(3):
        np.testing.assert_allclose(
            model.train_on_batch(x, y), k_model.train_on_batch(x, y), rtol=1e-5
        )
    np.testing.assert_allclose(model.test_on_batch(x, y), k_model.test_on_batch(x, y), rtol=1e-5)
    np.testing.assert_allclose(model.predict_on_batch(x), k_model.predict_on_batch(x), atol=1e-6)
