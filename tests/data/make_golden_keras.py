"""Write the Keras 3 golden files that tests/test_saving_interop.py loads into strata.

Run from the repository root with Keras 3 on the JAX backend (a test-only dependency):

    KERAS_BACKEND=jax python tests/data/make_golden_keras.py

It writes, into tests/data/golden/:
- ``sequential_lstm.keras``, ``.weights.h5`` and legacy ``.h5``: Sequential [LSTM, Dense with an
  L2 regularizer, Dense, Activation], compiled with Adam, trained two epochs.
- ``functional_zoo.keras``: dict inputs, two outputs, a shared Dense, every merging layer, an
  LSTM returning its states, Flatten, Reshape, Dropout, Activation, a nested Sequential and a
  nested functional model; SGD with Nesterov momentum, trained one epoch.
- ``subclassed.keras``: a registered subclassed model (``Golden>TwoTower``), RMSprop.
- ``<name>.npz``: the inputs and Keras's predictions; for ``sequential_lstm`` also a training
  batch with the loss and predictions after one more `train_on_batch` on the loaded model.

Model files are stored gzipped (``*.keras.gz`` ...): HDF5 pads heavily, and the tests unpack
them byte for byte. The files are committed; rerun this only to refresh them.
"""

import gzip
import os
import shutil
import tempfile

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")

# Keras is imported in `main` only, so collecting this file (doctests) stays cheap.
keras = layers = None


def two_tower_class():
    """Two Dense towers over the same input, concatenated, then a linear head."""

    @keras.saving.register_keras_serializable(package="Golden")
    class TwoTower(keras.Model):
        def __init__(self, hidden=6, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.left = layers.Dense(hidden, activation="relu")
            self.right = layers.Dense(hidden, activation="tanh")
            self.merge = layers.Concatenate()
            self.head = layers.Dense(2)

        def call(self, x):
            return self.head(self.merge([self.left(x), self.right(x)]))

    return TwoTower


def sequential_lstm(rng):
    model = keras.Sequential(
        [
            keras.Input((5, 3)),
            layers.LSTM(6),
            layers.Dense(8, activation="relu", kernel_regularizer=keras.regularizers.L2(0.01)),
            layers.Dense(3),
            layers.Activation("softmax"),
        ],
        name="seq_lstm",
    )
    model.compile(keras.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
    x = rng.normal(size=(32, 5, 3)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 32)]
    model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    return model, {"x": x}, {"y": y}


def functional_zoo(rng):
    a = keras.Input((6,), name="a")
    b = keras.Input((6,), name="b")
    s = keras.Input((4, 3), name="seq")
    shared = layers.Dense(5, activation="relu", name="shared")
    ha, hb = shared(a), shared(b)
    merged = [
        layers.Add(name="add")([ha, hb]),
        layers.Subtract(name="subtract")([ha, hb]),
        layers.Multiply(name="multiply")([ha, hb]),
        layers.Average(name="average")([ha, hb]),
        layers.Maximum(name="maximum")([ha, hb]),
        layers.Minimum(name="minimum")([ha, hb]),
    ]
    inner_seq = keras.Sequential(
        [keras.Input((5,)), layers.Dense(4, activation="tanh"), layers.Dropout(0.3)],
        name="inner_seq",
    )
    x_in = keras.Input((4,), name="inner_in")
    inner_fn = keras.Model(x_in, layers.Dense(3, activation="sigmoid")(x_in), name="inner_fn")
    sequence, h, c = layers.LSTM(4, return_sequences=True, return_state=True, name="lstm")(s)
    flat = layers.Flatten(name="flatten")(sequence)
    reshaped = layers.Reshape((4, 4), name="reshape")(layers.Dense(16, name="to16")(flat))
    cat = layers.Concatenate(name="cat")(
        [*merged, inner_fn(inner_seq(ha)), h, c, layers.Flatten(name="flatten_1")(reshaped)]
    )
    probs = layers.Dense(3, activation="softmax", name="probs")(cat)
    value = layers.Dense(1, name="value")(layers.Activation("gelu", name="gelu")(cat))
    model = keras.Model({"a": a, "b": b, "seq": s}, [probs, value], name="zoo")
    model.compile(
        keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True),
        ["categorical_crossentropy", "mse"],
    )
    x = {
        "a": rng.normal(size=(16, 6)).astype("float32"),
        "b": rng.normal(size=(16, 6)).astype("float32"),
        "seq": rng.normal(size=(16, 4, 3)).astype("float32"),
    }
    y = [np.eye(3, dtype="float32")[rng.integers(0, 3, 16)], rng.normal(size=(16, 1))]
    model.fit(x, y, batch_size=8, epochs=1, shuffle=False, verbose=0)
    return model, x, {}


def subclassed(rng):
    model = two_tower_class()(hidden=6, name="two_tower")
    model.compile(keras.optimizers.RMSprop(0.01), "mse")
    x = rng.normal(size=(16, 5)).astype("float32")
    model.fit(x, rng.normal(size=(16, 2)), batch_size=8, epochs=1, shuffle=False, verbose=0)
    return model, {"x": x}, {}


def main():
    global keras, layers
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras
    from keras import layers

    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    for build in (sequential_lstm, functional_zoo, subclassed):
        name = build.__name__
        model, inputs, extra = build(rng)
        path = os.path.join(work, f"{name}.keras")
        model.save(path)
        x = inputs["x"] if list(inputs) == ["x"] else inputs
        predictions = model.predict(x, verbose=0)
        if not isinstance(predictions, list):
            predictions = [predictions]
        arrays = {f"x_{k}": v for k, v in inputs.items()}
        arrays.update({f"y_{i}": p for i, p in enumerate(predictions)})
        if name == "sequential_lstm":
            model.save_weights(os.path.join(work, f"{name}.weights.h5"))
            model.save(os.path.join(work, f"{name}.h5"))
            reloaded = keras.saving.load_model(path)
            arrays["train_y"] = extra["y"][:8]
            arrays["next_loss"] = np.asarray(
                reloaded.train_on_batch(inputs["x"][:8], extra["y"][:8])[0]
            )
            arrays["next_y"] = reloaded.predict(inputs["x"], verbose=0)
            arrays["iterations"] = np.asarray(int(model.optimizer.iterations))
        np.savez(os.path.join(OUT, f"{name}.npz"), **arrays)
    for file_name in sorted(os.listdir(work)):
        with open(os.path.join(work, file_name), "rb") as src:
            with gzip.GzipFile(os.path.join(OUT, f"{file_name}.gz"), "wb", mtime=0) as dst:
                shutil.copyfileobj(src, dst)
    shutil.rmtree(work)
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print(f"wrote {len(os.listdir(OUT))} files, {total} bytes, into {OUT}")


if __name__ == "__main__":
    main()
