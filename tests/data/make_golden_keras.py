"""Write the Keras 3 golden files that tests/test_saving_interop.py loads into strata.

Run from the repository root with Keras 3 on the JAX backend (a test-only dependency):

    KERAS_BACKEND=jax python tests/data/make_golden_keras.py

Every model is built by a function of the library (``keras`` here, ``strata`` in the tests), so
both sides run the same code. Together they cover every layer family strata has that Keras runs
without TensorFlow:

- ``sequential_lstm``: Sequential [LSTM, Dense with an L2 regularizer, Dense, Activation]; Adam.
  Also saved as ``.weights.h5`` and legacy ``.h5``.
- ``functional_zoo``: dict inputs, two outputs, a shared Dense, every merging layer, an LSTM
  returning its states, Flatten, Reshape, Dropout, Activation, nested Sequential and functional
  models; SGD with Nesterov momentum.
- ``subclassed``: a registered subclassed model (``Golden>TwoTower``); RMSprop.
- ``conv_vision``: 1-D/2-D/3-D convolutions (plain, separable, depthwise, transposed), pooling,
  padding, cropping, upsampling, batch/group normalization, rescaling, spatial dropout, Gaussian
  noise, activity regularization; Adam.
- ``sequence_attention``: Embedding, multi-head and dot-product attention, layer and unit
  normalization, bidirectional GRU, TimeDistributed, SimpleRNN, RNN over stacked GRU/LSTM cells,
  ConvLSTM1D, RepeatVector, Permute, Dot, alpha and Gaussian dropout, and a Lambda around a
  registered function (``Golden>halve``); Adam with AMSGrad.

Each model is trained briefly (``shuffle=False``) and saved; ``<name>.npz`` holds its inputs
and Keras's predictions (for ``sequential_lstm`` also a batch with the loss and predictions after
one more `train_on_batch` on the reloaded model). Model files are stored gzipped: HDF5 pads
heavily, and the tests unpack them byte for byte. Rerun this only to refresh the files.
"""

import gzip
import os
import shutil
import tempfile

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")


def sequential_lstm(lib):
    model = lib.Sequential(
        [
            lib.Input((5, 3)),
            lib.layers.LSTM(6),
            lib.layers.Dense(8, activation="relu", kernel_regularizer=lib.regularizers.L2(0.01)),
            lib.layers.Dense(3),
            lib.layers.Activation("softmax"),
        ],
        name="seq_lstm",
    )
    model.compile(lib.optimizers.Adam(0.01), "categorical_crossentropy", metrics=["accuracy"])
    return model


def functional_zoo(lib):
    L = lib.layers
    a, b = lib.Input((6,), name="a"), lib.Input((6,), name="b")
    s = lib.Input((4, 3), name="seq")
    shared = L.Dense(5, activation="relu", name="shared")
    ha, hb = shared(a), shared(b)
    merges = (L.Add, L.Subtract, L.Multiply, L.Average, L.Maximum, L.Minimum)
    merged = [cls(name=cls.__name__.lower())([ha, hb]) for cls in merges]
    inner_seq = lib.Sequential(
        [lib.Input((5,)), L.Dense(4, activation="tanh"), L.Dropout(0.3)], name="inner_seq"
    )
    x_in = lib.Input((4,), name="inner_in")
    inner_fn = lib.Model(x_in, L.Dense(3, activation="sigmoid")(x_in), name="inner_fn")
    sequence, h, c = L.LSTM(4, return_sequences=True, return_state=True, name="lstm")(s)
    flat = L.Flatten(name="flatten")(sequence)
    reshaped = L.Reshape((4, 4), name="reshape")(L.Dense(16, name="to16")(flat))
    cat = L.Concatenate(name="cat")(
        [*merged, inner_fn(inner_seq(ha)), h, c, L.Flatten(name="flatten_1")(reshaped)]
    )
    probs = L.Dense(3, activation="softmax", name="probs")(cat)
    value = L.Dense(1, name="value")(L.Activation("gelu", name="gelu")(cat))
    model = lib.Model({"a": a, "b": b, "seq": s}, [probs, value], name="zoo")
    model.compile(
        lib.optimizers.SGD(0.05, momentum=0.9, nesterov=True), ["categorical_crossentropy", "mse"]
    )
    return model


def two_tower_class(lib):
    """Two Dense towers over the same input, concatenated, then a linear head."""

    @lib.saving.register_keras_serializable(package="Golden")
    class TwoTower(lib.Model):
        def __init__(self, hidden=6, **kwargs):
            super().__init__(**kwargs)
            self.hidden = hidden
            self.left = lib.layers.Dense(hidden, activation="relu")
            self.right = lib.layers.Dense(hidden, activation="tanh")
            self.merge = lib.layers.Concatenate()
            self.head = lib.layers.Dense(2)

        def call(self, x):
            return self.head(self.merge([self.left(x), self.right(x)]))

    return TwoTower


def subclassed(lib):
    model = two_tower_class(lib)(hidden=6, name="two_tower")
    model.compile(lib.optimizers.RMSprop(0.01), "mse")
    return model


def conv_vision(lib):
    L = lib.layers
    image = lib.Input((8, 8, 3), name="image")
    x = L.Rescaling(0.25, offset=-0.5, name="rescale")(image)
    x = L.Conv2D(4, 3, padding="same", activation="relu", name="conv")(x)
    x = L.BatchNormalization(name="bn")(x)
    x = L.MaxPooling2D(name="max_pool")(x)
    x = L.SeparableConv2D(4, 2, padding="same", name="separable")(x)
    x = L.DepthwiseConv2D(2, padding="same", name="depthwise")(x)
    x = L.ZeroPadding2D(1, name="pad")(x)
    x = L.Cropping2D(1, name="crop")(x)
    x = L.Conv2DTranspose(3, 2, strides=2, name="deconv")(x)
    x = L.AveragePooling2D(2, name="avg_pool")(x)
    x = L.UpSampling2D(name="upsample")(x)
    x = L.SpatialDropout2D(0.2, name="spatial_dropout")(x)
    x = L.GroupNormalization(groups=3, name="group_norm")(x)
    x = L.GlobalAveragePooling2D(name="gap")(x)
    signal = lib.Input((6, 2), name="signal")
    y = L.Conv1D(3, 2, name="conv1d")(signal)
    y = L.SeparableConv1D(3, 2, name="separable1d")(y)
    y = L.Conv1DTranspose(2, 2, name="deconv1d")(y)
    y = L.GlobalMaxPooling1D(name="gmp")(L.MaxPooling1D(2, name="max_pool1d")(y))
    volume = lib.Input((4, 4, 4, 1), name="volume")
    z = L.Conv3D(2, 2, name="conv3d")(volume)
    z = L.GlobalAveragePooling3D(name="gap3d")(L.AveragePooling3D(1, name="avg_pool3d")(z))
    h = L.Concatenate(name="cat")([x, y, z])
    h = L.GaussianNoise(0.1, name="noise")(h)
    h = L.ActivityRegularization(l2=0.01, name="act_reg")(h)
    out = L.Dense(3, activation="softmax", name="out")(h)
    model = lib.Model([image, signal, volume], out, name="vision")
    model.compile(lib.optimizers.Adam(0.01), "categorical_crossentropy")
    return model


def halve_function(lib):
    @lib.saving.register_keras_serializable(package="Golden")
    def halve(x):
        return x * 0.5

    return halve


def sequence_attention(lib):
    L = lib.layers
    tokens = lib.Input((6,), dtype="int32", name="tokens")
    e = L.Embedding(20, 8, name="embed")(tokens)
    a = L.MultiHeadAttention(2, 4, name="mha")(e, e)
    a = L.LayerNormalization(name="ln")(L.Add(name="residual")([e, a]))
    b = L.Bidirectional(L.GRU(4, return_sequences=True), name="bigru")(a)
    t = L.TimeDistributed(L.Dense(4), name="td")(b)
    s = L.SimpleRNN(4, return_sequences=True, name="srnn")(t)
    att = L.Attention(name="attention")([s, t])
    stacked = L.RNN(L.StackedRNNCells([L.GRUCell(3), L.LSTMCell(3)]), name="stacked")(att)
    frames = lib.Input((3, 5, 2), name="frames")
    c = L.Flatten(name="flat")(L.ConvLSTM1D(2, 2, name="conv_lstm")(frames))
    pooled = L.GlobalAveragePooling1D(name="gap")(att)
    turned = L.Permute((2, 1), name="permute")(L.RepeatVector(2, name="repeat")(pooled))
    pf = L.Flatten(name="flat2")(turned)
    d = L.Dot(axes=1, normalize=True, name="cosine")([pf, c])
    u = L.UnitNormalization(name="unit")(L.Concatenate(name="cat")([stacked, pf, c, d]))
    u = L.GaussianDropout(0.1, name="gdrop")(L.AlphaDropout(0.1, name="alpha")(u))
    u = L.Lambda(halve_function(lib), name="halve")(u)
    out = L.Dense(2, name="out")(u)
    model = lib.Model({"tokens": tokens, "frames": frames}, out, name="sequences")
    model.compile(lib.optimizers.Adam(0.01, amsgrad=True), "mse")
    return model


MODELS = {
    "sequential_lstm": sequential_lstm,
    "functional_zoo": functional_zoo,
    "subclassed": subclassed,
    "conv_vision": conv_vision,
    "sequence_attention": sequence_attention,
}


def make_data(name, rng, n=16):
    """Inputs and targets for model `name` (float32; token ids int32)."""

    def normal(*shape):
        return rng.normal(size=(n, *shape)).astype("float32")

    def one_hot(classes):
        return np.eye(classes, dtype="float32")[rng.integers(0, classes, n)]

    if name == "sequential_lstm":
        return normal(5, 3), one_hot(3)
    if name == "functional_zoo":
        return {"a": normal(6), "b": normal(6), "seq": normal(4, 3)}, [one_hot(3), normal(1)]
    if name == "subclassed":
        return normal(5), normal(2)
    if name == "conv_vision":
        return [
            rng.uniform(0, 4, (n, 8, 8, 3)).astype("float32"),
            normal(6, 2),
            normal(4, 4, 4, 1),
        ], one_hot(3)
    tokens = rng.integers(0, 20, (n, 6)).astype("int32")
    return {"tokens": tokens, "frames": normal(3, 5, 2)}, normal(2)


def flatten_inputs(x) -> dict:
    if isinstance(x, dict):
        return dict(x)
    if isinstance(x, list):
        return {str(i): v for i, v in enumerate(x)}
    return {"x": x}


def main():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    import keras

    os.makedirs(OUT, exist_ok=True)
    work = tempfile.mkdtemp()
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    for name, build in MODELS.items():
        model = build(keras)
        x, y = make_data(name, rng)
        model.fit(
            x,
            y,
            batch_size=8,
            epochs=2 if name == "sequential_lstm" else 1,
            shuffle=False,
            verbose=0,
        )
        path = os.path.join(work, f"{name}.keras")
        model.save(path)
        predictions = model.predict(x, verbose=0)
        if not isinstance(predictions, list):
            predictions = [predictions]
        arrays = {f"x_{k}": v for k, v in flatten_inputs(x).items()}
        arrays.update({f"y_{i}": p for i, p in enumerate(predictions)})
        arrays["iterations"] = np.asarray(int(model.optimizer.iterations))
        if name == "sequential_lstm":
            model.save_weights(os.path.join(work, f"{name}.weights.h5"))
            model.save(os.path.join(work, f"{name}.h5"))
            reloaded = keras.saving.load_model(path)
            arrays["train_y"] = y[:8]
            arrays["next_loss"] = np.asarray(reloaded.train_on_batch(x[:8], y[:8])[0])
            arrays["next_y"] = reloaded.predict(x, verbose=0)
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
