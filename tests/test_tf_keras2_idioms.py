"""tf.keras 2 idioms run on strata with a one-time DeprecationWarning (issue 16).

Expected values come from tf.keras 2's documented behaviour (hand-derived here); the same
programs are compared against tf_keras itself in test_tf_keras2_compat.py when it is installed.
"""

import os
import warnings

import jax
import numpy as np
import pytest

import strata
from strata import _deprecation
from strata import backend as K


@pytest.fixture(autouse=True)
def fresh_warnings():
    """Every test sees each one-time warning afresh."""
    _deprecation.forget()
    yield
    _deprecation.forget()


def quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return fn(*args, **kwargs)


def small_model(units=1):
    model = strata.Sequential([strata.Input((3,)), strata.layers.Dense(units)])
    model.compile(loss="mse", optimizer=strata.optimizers.SGD(0.1))
    return model


# ---- one-time warnings -------------------------------------------------------------------------
def test_each_idiom_warns_once_naming_the_modern_spelling():
    with pytest.warns(DeprecationWarning, match=r"use `strata.optimizers.Adam`"):
        strata.optimizers.legacy.Adam()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        strata.optimizers.legacy.Adam()  # the second time is quiet


# ---- strata.backend ----------------------------------------------------------------------------
def test_backend_settings_match_keras_3(keras):
    assert K.floatx() == keras.backend.floatx() == "float32"
    assert K.epsilon() == keras.backend.epsilon()
    assert K.image_data_format() == keras.backend.image_data_format()
    assert K.backend() == keras.backend.backend()
    for dtype in ("float16", "int8", "uint32", "bool", np.float64, None):
        assert K.standardize_dtype(dtype) == keras.backend.standardize_dtype(dtype)
        if dtype is not None:
            assert K.is_float_dtype(dtype) == keras.backend.is_float_dtype(dtype)
            assert K.is_int_dtype(dtype) == keras.backend.is_int_dtype(dtype)
    assert K.result_type("int32", "float16") == keras.backend.result_type("int32", "float16")
    assert K.is_keras_tensor(strata.Input((2,))) and not K.is_keras_tensor(np.ones(2))


def test_set_floatx_makes_new_layers_use_it():
    K.set_floatx("float16")
    try:
        layer = strata.layers.Dense(2)
        layer.build((None, 3))
        assert K.floatx() == "float16" and layer.kernel.dtype == "float16"
    finally:
        K.set_floatx("float32")
    assert K.floatx() == "float32"


def test_set_epsilon_reaches_the_losses():
    y_true, y_pred = np.array([[1.0]]), np.array([[0.0]])
    default = float(strata.losses.binary_crossentropy(y_true, y_pred)[0])
    K.set_epsilon(1e-3)
    try:
        assert float(strata.losses.binary_crossentropy(y_true, y_pred)[0]) == pytest.approx(
            -np.log(1e-3), rel=1e-4
        )
    finally:
        K.set_epsilon(1e-7)
    assert float(strata.losses.binary_crossentropy(y_true, y_pred)[0]) == default


def test_clear_session_and_get_uid():
    K.clear_session()
    assert [K.get_uid("x"), K.get_uid("x"), K.get_uid("y")] == [1, 2, 1]
    assert strata.layers.Dense(1).name == "dense"
    K.clear_session()
    assert K.get_uid("x") == 1


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        (lambda x, y: K.sum(x, axis=1), lambda x, y: x.sum(axis=1)),
        (lambda x, y: K.mean(x, axis=-1, keepdims=True), lambda x, y: x.mean(-1, keepdims=True)),
        (lambda x, y: K.max(x), lambda x, y: x.max()),
        (lambda x, y: K.std(x, axis=0), lambda x, y: x.std(axis=0)),
        (lambda x, y: K.square(x), np.square),
        (lambda x, y: K.sqrt(K.abs(x)), lambda x, y: np.sqrt(np.abs(x))),
        (lambda x, y: K.exp(x), lambda x, y: np.exp(x)),
        (lambda x, y: K.log(K.abs(x) + 1), lambda x, y: np.log(np.abs(x) + 1)),
        (lambda x, y: K.maximum(x, y), np.maximum),
        (lambda x, y: K.minimum(x, y), np.minimum),
        (lambda x, y: K.concatenate([x, y]), lambda x, y: np.concatenate([x, y], -1)),
        (lambda x, y: K.stack([x, y], axis=1), lambda x, y: np.stack([x, y], 1)),
        (lambda x, y: K.dot(x, y.T), lambda x, y: x @ y.T),
        (lambda x, y: K.cast(x > 0, "float32"), lambda x, y: (x > 0).astype("float32")),
        (lambda x, y: K.reshape(x, (-1,)), lambda x, y: x.reshape(-1)),
        (lambda x, y: K.expand_dims(x), lambda x, y: x[..., None]),
        (lambda x, y: K.clip(x, -0.5, 0.5), lambda x, y: np.clip(x, -0.5, 0.5)),
        (lambda x, y: K.softmax(x), lambda x, y: np.exp(x) / np.exp(x).sum(-1, keepdims=True)),
        (
            lambda x, y: K.relu(x, alpha=0.1, max_value=0.5),
            lambda x, y: np.minimum(np.where(x > 0, x, 0.1 * x), 0.5),
        ),
        (lambda x, y: K.sigmoid(x), lambda x, y: 1 / (1 + np.exp(-x))),
        (lambda x, y: K.tanh(x), lambda x, y: np.tanh(x)),
        (lambda x, y: K.ones_like(x), lambda x, y: np.ones_like(x)),
        (lambda x, y: K.zeros_like(x), lambda x, y: np.zeros_like(x)),
        (lambda x, y: K.batch_flatten(x[:, :, None]), lambda x, y: x),
        (lambda x, y: K.permute_dimensions(x, (1, 0)), lambda x, y: x.T),
        (lambda x, y: K.repeat_elements(x, 2, 1), lambda x, y: np.repeat(x, 2, 1)),
        (lambda x, y: K.pow(x, 2), lambda x, y: x**2),
        (
            lambda x, y: K.l2_normalize(x, axis=1),
            lambda x, y: x / np.sqrt(np.maximum((x**2).sum(1, keepdims=True), 1e-12)),
        ),
    ],
)
def test_backend_math_on_arrays(call, expected, rng):
    x = rng.normal(size=(4, 3)).astype("float32")
    y = rng.normal(size=(4, 3)).astype("float32")
    np.testing.assert_allclose(np.asarray(call(x, y)), expected(x, y), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(
    ("x_shape", "y_shape", "axes", "einsum"),
    [
        ((4, 3), (4, 3), None, "bi,bi->b"),
        ((4, 2, 3), (4, 3, 5), None, "bij,bjk->bik"),
        ((4, 2, 3), (4, 3), None, "bij,bj->bi"),
        ((4, 3, 2), (4, 3, 5), (1, 1), "bji,bjk->bik"),
    ],
)
def test_batch_dot_follows_tf_keras_2(x_shape, y_shape, axes, einsum, rng):
    x, y = rng.normal(size=x_shape), rng.normal(size=y_shape)
    expected = np.einsum(einsum, x, y)
    if expected.ndim == 1:  # tf.keras 2 returns (batch, 1) for a rank-1 result
        expected = expected[:, None]
    np.testing.assert_allclose(K.batch_dot(x, y, axes=axes), expected, rtol=1e-5)


def test_get_value_and_set_value_on_variables_and_learning_rates():
    layer = strata.layers.Dense(2)
    layer.build((None, 3))
    K.set_value(layer.bias, np.array([1.0, 2.0]))
    np.testing.assert_array_equal(K.get_value(layer.bias), [1.0, 2.0])
    model = small_model()
    K.set_value(model.optimizer.lr, 0.5)
    assert model.optimizer.learning_rate == 0.5 and K.get_value(model.optimizer.lr) == 0.5
    model.fit(np.ones((4, 3)), np.ones((4, 1)), verbose=0)
    K.set_value(model.optimizer.learning_rate, 0.25)
    assert K.get_value(model.optimizer.lr) == 0.25
    assert model.optimizer.get_config()["learning_rate"] == 0.25
    assert type(model.optimizer.get_config()["learning_rate"]) is float


def test_backend_bad_input():
    with pytest.raises(TypeError, match=r"set_value: 0.5 \(a float\) is not a variable"):
        K.set_value(0.5, 1.0)
    with pytest.raises(ValueError, match="Unknown `floatx` value: int8"):
        K.set_floatx("int8")
    with pytest.raises(ValueError, match=r"set_epsilon: expected a float in \[0, 1\)"):
        K.set_epsilon(-1.0)
    with pytest.raises(ValueError, match="Pass data_format='channels_first' to the layers"):
        K.set_image_data_format("channels_first")
    with pytest.raises(ValueError, match="batch_dot: cannot contract the batch axis"):
        K.batch_dot(np.ones((2, 3)), np.ones((2, 3)), axes=0)
    with pytest.raises(ValueError, match="batch_dot: both inputs need a batch axis"):
        K.batch_dot(np.ones(3), np.ones((2, 3)))
    with pytest.raises(ValueError, match="Invalid dtype: nonsense"):
        K.standardize_dtype("nonsense")


def test_backend_math_on_symbolic_tensors_builds_a_functional_graph(rng):
    inputs = strata.Input((4, 3))
    pooled = K.l2_normalize(K.sum(inputs, axis=1), axis=-1)
    outputs = K.concatenate([pooled, K.square(pooled)])
    model = strata.Model(inputs, outputs)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    summed = x.sum(1)
    normalized = summed / np.sqrt(np.maximum((summed**2).sum(-1, keepdims=True), 1e-12))
    expected = np.concatenate([normalized, normalized**2], -1)
    np.testing.assert_allclose(model.predict(x, verbose=0), expected, rtol=1e-5)


# ---- optimizers.legacy -------------------------------------------------------------------------
def test_legacy_optimizer_decay_is_tf_keras_2_time_decay():
    model = strata.Sequential([strata.Input((1,)), strata.layers.Dense(1, use_bias=False)])
    model.layers[0].kernel.assign(np.zeros((1, 1)))
    optimizer = quietly(strata.optimizers.legacy.SGD, learning_rate=0.1, decay=0.5)
    model.compile(loss="mse", optimizer=optimizer)
    model.fit(np.ones((1, 1)), np.ones((1, 1)), epochs=3, batch_size=1, shuffle=False, verbose=0)
    # w <- w - lr_t * 2 (w - 1), lr_t = 0.1 / (1 + 0.5 t)
    w = 0.0
    for t in range(3):
        w -= 0.1 / (1 + 0.5 * t) * 2 * (w - 1)
    assert float(model.layers[0].kernel.numpy()[0, 0]) == pytest.approx(w, rel=1e-6)


def test_legacy_optimizers_are_the_modern_classes_and_check_decay():
    for name in strata.optimizers.legacy.__all__:
        if name != "Optimizer":
            assert type(quietly(getattr(strata.optimizers.legacy, name))).__name__ == name
    with pytest.raises(ValueError, match=r"legacy.SGD: `decay` must be a float >= 0"):
        strata.optimizers.legacy.SGD(decay=-1.0)
    schedule = strata.optimizers.schedules.ExponentialDecay(0.1, 10, 0.5)
    with pytest.raises(ValueError, match="cannot be combined with a learning-rate schedule"):
        strata.optimizers.legacy.Adam(learning_rate=schedule, decay=0.1)


# ---- layers.experimental ------------------------------------------------------------------------
def test_experimental_layer_names_are_the_strata_layers():
    with pytest.warns(DeprecationWarning, match=r"use `strata.layers.Normalization`"):
        cls = strata.layers.experimental.preprocessing.Normalization
    assert cls is strata.layers.Normalization
    with pytest.warns(DeprecationWarning, match=r"use `strata.layers.BatchNormalization`"):
        assert strata.layers.experimental.SyncBatchNormalization is strata.layers.BatchNormalization
    preprocessing = strata.layers.experimental.preprocessing
    for name in preprocessing.__all__:
        assert quietly(getattr, preprocessing, name) is getattr(strata.layers, name)
    assert sorted(dir(strata.layers.experimental)) == sorted(strata.layers.experimental.__all__)
    with pytest.raises(AttributeError, match="has no attribute 'Dense'"):
        _ = strata.layers.experimental.Dense


# ---- fit_generator & co., utils.Sequence -------------------------------------------------------
class Batches(strata.utils.Sequence):
    def __init__(self, x, y, batch_size):
        super().__init__()
        self.x, self.y, self.batch_size = x, y, batch_size

    def __len__(self):
        return len(self.x) // self.batch_size

    def __getitem__(self, index):
        rows = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[rows], self.y[rows]


def test_generator_methods_are_fit_evaluate_predict(rng):
    assert strata.utils.Sequence is strata.utils.PyDataset
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    legacy, modern = small_model(), small_model()
    modern.set_weights(legacy.get_weights())
    with pytest.warns(DeprecationWarning, match="use `Model.fit`"):
        old = legacy.fit_generator(Batches(x, y, 4), epochs=2, verbose=0, workers=2, shuffle=False)
    new = modern.fit(Batches(x, y, 4), epochs=2, verbose=0, shuffle=False)
    assert old.history == new.history
    with pytest.warns(DeprecationWarning, match="use `Model.evaluate`"):
        assert legacy.evaluate_generator(Batches(x, y, 4)) == modern.evaluate(
            Batches(x, y, 4), verbose=0
        )
    stream = ((x[i : i + 4], y[i : i + 4]) for i in (0, 4))
    with pytest.warns(DeprecationWarning, match="use `Model.predict`"):
        predicted = legacy.predict_generator(Batches(x, y, 4), steps=2)
    np.testing.assert_allclose(predicted, modern.predict(x, verbose=0), rtol=1e-6)
    with pytest.raises(ValueError, match="workers=2 and use_multiprocessing=False need a"):
        legacy.fit_generator(stream, steps_per_epoch=2, workers=2)
    with pytest.raises(ValueError, match="`workers` must be an int >= 1"):
        legacy.fit_generator(Batches(x, y, 4), workers=0)


# ---- folder paths ------------------------------------------------------------------------------
def test_save_and_load_a_folder_path(tmp_path, rng):
    model = small_model(2)
    folder = tmp_path / "path_to_my_model"
    with pytest.warns(DeprecationWarning, match="it is not a TensorFlow SavedModel"):
        model.save(folder)
    assert os.listdir(folder) == ["model.keras"]
    with pytest.warns(DeprecationWarning, match="strata reads the `.keras` model"):
        loaded = strata.models.load_model(str(folder))
    x = rng.normal(size=(3, 3))
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0))
    assert loaded.optimizer.get_config()["learning_rate"] == pytest.approx(0.1)


def test_model_checkpoint_with_folder_paths(tmp_path):
    model = small_model()
    with pytest.warns(DeprecationWarning, match="SavedModel spelling"):
        checkpoint = strata.callbacks.ModelCheckpoint(str(tmp_path / "ckpt" / "m_{epoch}"))
    by_loss = strata.callbacks.ModelCheckpoint(str(tmp_path / "ckpt" / "c-loss={loss:.2f}"))
    history = model.fit(
        np.ones((4, 3)), np.ones((4, 1)), epochs=2, verbose=0, callbacks=[checkpoint, by_loss]
    )
    by_loss_names = [f"c-loss={loss:.2f}" for loss in history.history["loss"]]
    assert sorted(os.listdir(tmp_path / "ckpt")) == sorted(["m_1", "m_2", *by_loss_names])
    assert os.listdir(tmp_path / "ckpt" / "m_2") == ["model.keras"]
    loaded = quietly(strata.models.load_model, str(tmp_path / "ckpt" / "m_2"))
    np.testing.assert_allclose(loaded.get_weights()[0], model.get_weights()[0])


def test_load_model_folder_bad_input(tmp_path):
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("hi")
    with pytest.raises(ValueError, match=r"without a strata/Keras model: .* found: notes.txt"):
        strata.models.load_model(str(tmp_path / "other"))
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "saved_model.pb").write_bytes(b"")
    with pytest.raises(ValueError, match="is a TensorFlow SavedModel .* cannot load"):
        strata.models.load_model(str(tmp_path / "tf"))


# ---- add_metric --------------------------------------------------------------------------------
class Logged(strata.layers.Layer):
    def call(self, x):
        self.add_metric(strata.ops.mean(x), name="mean_act")
        self.add_metric(x[:, 0] * 2.0, name="first_doubled", aggregation="mean")
        return x


def test_add_metric_is_logged_as_a_mean(rng):
    inputs = strata.Input((3,))
    with pytest.warns(DeprecationWarning, match="add_metric` is tf.keras 2's API"):
        outputs = strata.layers.Dense(1)(Logged()(inputs))
    model = strata.Model(inputs, outputs)
    model.compile(loss="mse", optimizer=strata.optimizers.SGD(0.0))
    x, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    history = model.fit(
        x, y, batch_size=5, epochs=2, shuffle=False, verbose=0, validation_data=(x, y)
    )
    # A scalar counts once per batch; a per-sample value once per sample (tf.keras 2's Mean).
    batch_means = [x[:5].mean(), x[5:].mean()]
    assert history.history["mean_act"] == pytest.approx([np.mean(batch_means)] * 2, rel=1e-5)
    assert history.history["val_first_doubled"] == pytest.approx([2 * x[:, 0].mean()] * 2)
    logs = model.evaluate(x, y, batch_size=3, verbose=0, return_dict=True)
    assert logs["first_doubled"] == pytest.approx(2 * x[:, 0].mean(), rel=1e-5)
    assert set(logs) == {"loss", "mean_act", "first_doubled"}


def test_add_metric_bad_input():
    layer = strata.layers.Dense(1)
    with pytest.raises(ValueError, match="Layer 'dense.*add_metric needs a name"):
        quietly(layer.add_metric, 1.0)
    with pytest.raises(ValueError, match="only aggregation='mean'.*received aggregation='sum'"):
        quietly(layer.add_metric, 1.0, name="m", aggregation="sum")
    with pytest.raises(TypeError, match=r"not a metric object \(Mean\)"):
        quietly(layer.add_metric, strata.metrics.Mean(), name="m")

    class Clash(strata.layers.Layer):
        def call(self, x):
            self.add_metric(strata.ops.mean(x), name="loss")
            return x

    inputs = strata.Input((3,))
    model = strata.Model(inputs, quietly(Clash(), inputs))
    model.compile(loss="mse", optimizer="sgd")
    with pytest.raises(ValueError, match="the name 'loss' is already a loss or compiled metric"):
        model.fit(np.ones((2, 3)), np.ones((2, 3)), verbose=0)


# ---- calling conventions -----------------------------------------------------------------------
def test_first_call_argument_by_keyword_matches_keras(keras, rng):
    class Endpoint(strata.layers.Layer):
        def call(self, logits, targets=None):
            return logits - targets

    class KerasEndpoint(keras.layers.Layer):
        def call(self, logits, targets=None):
            return logits - targets

    x, t = rng.normal(size=(2, 3)), rng.normal(size=(2, 3))
    ours = Endpoint()(logits=x, targets=t)
    theirs = KerasEndpoint()(logits=x, targets=t)
    np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-6)
    symbolic = strata.layers.Dense(2)(inputs=strata.Input((3,)))
    assert symbolic.shape == (None, 2)
    with pytest.raises(TypeError, match="Layer 'endpoint_1' was called without inputs"):
        Endpoint()(targets=t)


def test_numpy_on_eager_outputs():
    model = small_model(2)
    out = model(np.ones((2, 3)))
    assert isinstance(out.numpy(), np.ndarray)
    np.testing.assert_array_equal(out.numpy(), np.asarray(out))
    assert isinstance(strata.layers.Dense(2)(np.ones((1, 3))).numpy(), np.ndarray)


def test_tensorflow_ops_in_call_get_a_clear_error():
    # A stand-in for TensorFlow: a function defined in a module named `tensorflow...` that
    # converts its argument to NumPy, as TensorFlow ops do with JAX arrays.
    namespace = {"__name__": "tensorflow.python.ops.fake", "np": np}
    exec("def relu(x):\n    return np.maximum(np.asarray(x), 0)", namespace)
    fake_relu = namespace["relu"]

    class UsesTensorFlow(strata.layers.Layer):
        def call(self, x):
            return fake_relu(x)

    pattern = (
        r"Layer 'uses_tensor_flow' \(UsesTensorFlow\) calls TensorFlow in its `call` \(at .*"
        r"return fake_relu\(x\)\)\. strata runs layers on JAX arrays.*`strata.ops`"
    )
    with pytest.raises(TypeError, match=pattern):
        UsesTensorFlow(name="uses_tensor_flow")(strata.Input((3,)))
    with pytest.raises(TypeError, match="calls TensorFlow in its `call`"):
        jax.jit(lambda v: UsesTensorFlow()(v))(np.ones((2, 3)))


# ---- RandomFourierFeatures (tf.keras 2's experimental layer) -----------------------------------
def test_random_fourier_features_formula_and_training(rng):
    layer = strata.layers.experimental.RandomFourierFeatures(5, scale=2.0)
    x = rng.normal(size=(3, 4)).astype("float32")
    out = np.asarray(layer(x))
    kernel, bias = layer.unscaled_kernel.numpy(), layer.bias.numpy()
    np.testing.assert_allclose(out, np.cos(x @ (kernel / 2.0) + bias), rtol=1e-5, atol=1e-6)
    assert layer.trainable_weights == [] and 0 <= bias.min() and bias.max() <= 2 * np.pi
    default = strata.layers.experimental.RandomFourierFeatures(5)
    default.build((None, 8))
    assert float(default.kernel_scale.numpy()[0]) == pytest.approx(2.0)  # sqrt(8 / 2)
    inputs = strata.Input((4,))
    features = strata.layers.experimental.RandomFourierFeatures(6, trainable=True)(inputs)
    model = strata.Model(inputs, strata.layers.Dense(1)(features))
    model.compile(loss="mse", optimizer="sgd")
    model.fit(x, np.ones((3, 1)), verbose=0)
    assert [w.name for w in model.trainable_weights][0] == "kernel_scale"


def test_random_fourier_features_bad_input():
    make = strata.layers.experimental.RandomFourierFeatures
    with pytest.raises(ValueError, match="`output_dim` must be a positive int"):
        make(0)
    with pytest.raises(ValueError, match="unsupported kernel_initializer='cauchy'"):
        make(2, kernel_initializer="cauchy")
    with pytest.raises(ValueError, match="`scale` must be a positive float"):
        make(2, scale=0.0)
    with pytest.raises(ValueError, match=r"expected inputs of shape \(batch, input_dim\)"):
        make(2)(np.ones((2, 3, 4)))


def test_set_value_on_the_learning_rate_inside_fit(rng):
    class StopLearning(strata.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                K.set_value(self.model.optimizer.lr, 0.0)

    model = small_model()
    x, y = rng.normal(size=(8, 3)), rng.normal(size=(8, 1))
    losses = model.fit(x, y, epochs=3, shuffle=False, verbose=0, callbacks=[StopLearning()])
    first, second, third = losses.history["loss"]
    assert first != second and second == third
    assert model.optimizer.learning_rate == 0.0
