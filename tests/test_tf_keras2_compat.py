"""Small tf.keras 2-era programs, run on strata and on tf_keras (tf.keras 2), compared.

Each program is written once against a ``keras`` module argument, in the style of tf.keras 2's
guides, and runs unchanged on both; losses, logs, shapes and files are compared. tf_keras pulls
in TensorFlow, so this module is skipped where it is not installed (``pip install
strata[tfkeras2]``).
"""

import os
import warnings

import numpy as np
import pytest

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    tf_keras = pytest.importorskip(
        "tf_keras", reason="optional dependency tf_keras: pip install strata[tfkeras2]"
    )
    import tensorflow as tf

import strata  # noqa: E402
from strata import _deprecation  # noqa: E402
from strata.preprocessing import image as strata_image  # noqa: E402
from strata.preprocessing import text as strata_text  # noqa: E402


@pytest.fixture(autouse=True)
def quiet_deprecations():
    """Both libraries warn about these idioms; this module compares what they do."""
    _deprecation.forget()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        yield
    _deprecation.forget()


# ---- programs ----------------------------------------------------------------------------------
def mlp_with_add_metric(keras, reduce_mean):
    class ActivationStats(keras.layers.Layer):
        def call(self, x):
            self.add_metric(reduce_mean(x), name="mean_activation", aggregation="mean")
            return x

    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(8, activation="relu")(inputs)
    hidden = ActivationStats()(hidden)
    outputs = keras.layers.Dense(1)(hidden)
    return keras.Model(inputs, outputs)


def make_sequence(keras, x, y, batch_size):
    class Batches(keras.utils.Sequence):
        def __len__(self):
            return len(x) // batch_size

        def __getitem__(self, i):
            rows = slice(i * batch_size, (i + 1) * batch_size)
            return x[rows], y[rows]

    return Batches()


def test_fit_generator_legacy_sgd_and_add_metric_match(rng):
    x = rng.normal(size=(24, 4)).astype("float32")
    y = rng.normal(size=(24, 1)).astype("float32")
    initial = mlp_with_add_metric(tf_keras, tf.reduce_mean).get_weights()
    results = {}
    for keras, mean in ((tf_keras, tf.reduce_mean), (strata, strata.ops.mean)):
        model = mlp_with_add_metric(keras, mean)
        model.set_weights(initial)
        optimizer = keras.optimizers.legacy.SGD(learning_rate=0.05, momentum=0.9, decay=0.1)
        model.compile(loss="mse", optimizer=optimizer)
        history = model.fit_generator(
            make_sequence(keras, x, y, 6), epochs=3, verbose=0, shuffle=False
        )
        evaluated = model.evaluate_generator(make_sequence(keras, x, y, 6))
        predicted = model.predict_generator(make_sequence(keras, x, y, 6))
        results[keras.__name__] = (history.history, evaluated, predicted)
    (h_tf, e_tf, p_tf), (h_st, e_st, p_st) = results["tf_keras"], results["strata"]
    assert sorted(h_tf) == sorted(h_st) == ["loss", "mean_activation"]
    for key in h_tf:
        np.testing.assert_allclose(h_st[key], h_tf[key], rtol=1e-4)
    np.testing.assert_allclose(e_st, e_tf, rtol=1e-4)
    assert p_st.shape == p_tf.shape == (24, 1)
    np.testing.assert_allclose(p_st, p_tf, rtol=1e-4, atol=1e-5)


def test_set_value_on_the_learning_rate_matches(rng):
    x = rng.normal(size=(8, 3)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    initial = tf_keras.Sequential([tf_keras.Input((3,)), tf_keras.layers.Dense(1)]).get_weights()
    losses = {}
    for keras in (tf_keras, strata):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.set_weights(initial)
        model.compile(loss="mse", optimizer=keras.optimizers.SGD(learning_rate=0.1))
        keras.backend.set_value(model.optimizer.lr, 0.01)
        assert keras.backend.get_value(model.optimizer.lr) == pytest.approx(0.01)
        losses[keras.__name__] = model.fit(x, y, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(losses["strata"]["loss"], losses["tf_keras"]["loss"], rtol=1e-5)


@pytest.mark.parametrize(
    "call",
    [
        lambda K, x, y: K.sum(x, axis=1),
        lambda K, x, y: K.mean(x, axis=-1, keepdims=True),
        lambda K, x, y: K.square(x) + K.sqrt(K.abs(y)),
        lambda K, x, y: K.exp(x) - K.log(K.abs(y) + 1.0),
        lambda K, x, y: K.maximum(x, y) * K.minimum(x, y),
        lambda K, x, y: K.concatenate([x, y], axis=-1),
        lambda K, x, y: K.dot(x, K.transpose(y)),
        lambda K, x, y: K.batch_dot(x, y, axes=1),
        lambda K, x, y: K.batch_dot(K.reshape(x, (4, 3, 1)), K.reshape(y, (4, 1, 3))),
        lambda K, x, y: K.l2_normalize(x, axis=-1),
        lambda K, x, y: K.clip(K.cast(x, "float32"), -0.3, 0.3),
        lambda K, x, y: K.expand_dims(K.softmax(x), 1),
        lambda K, x, y: K.stack([K.relu(x), K.sigmoid(y), K.tanh(x)], axis=1),
        lambda K, x, y: K.permute_dimensions(K.reshape(x, (4, 3, 1)), (0, 2, 1)),
        lambda K, x, y: K.repeat_elements(x, 2, axis=1),
        lambda K, x, y: K.batch_flatten(K.reshape(x, (4, 3, 1))),
        lambda K, x, y: K.ones_like(x) - K.zeros_like(y),
    ],
)
def test_backend_helpers_match_tf_keras(call, rng):
    x = rng.normal(size=(4, 3)).astype("float32")
    y = rng.normal(size=(4, 3)).astype("float32")
    theirs = np.asarray(call(tf_keras.backend, tf.constant(x), tf.constant(y)))
    ours = np.asarray(call(strata.backend, x, y))
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_backend_settings_match_tf_keras():
    for name in ("floatx", "epsilon", "image_data_format"):
        assert getattr(strata.backend, name)() == getattr(tf_keras.backend, name)()
    assert strata.backend.int_shape(strata.Input((3, 4))) == tf_keras.backend.int_shape(
        tf_keras.Input((3, 4))
    )


def test_saving_to_a_folder_round_trips_like_tf_keras(tmp_path, rng):
    x = rng.normal(size=(5, 3)).astype("float32")
    for keras in (tf_keras, strata):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
        model.compile(loss="mse", optimizer="adam")
        folder = str(tmp_path / keras.__name__ / "path_to_my_model")
        model.save(folder)
        assert os.path.isdir(folder)
        loaded = keras.models.load_model(folder)
        np.testing.assert_allclose(
            loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-6
        )
    assert "saved_model.pb" in os.listdir(tmp_path / "tf_keras" / "path_to_my_model")
    assert os.listdir(tmp_path / "strata" / "path_to_my_model") == ["model.keras"]


def test_model_checkpoint_folder_names_match_tf_keras(tmp_path, rng):
    x = rng.normal(size=(8, 3)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    for keras in (tf_keras, strata):
        model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
        model.compile(loss="mse", optimizer="sgd")
        pattern = str(tmp_path / keras.__name__ / "mymodel_{epoch}")
        model.fit(x, y, epochs=2, verbose=0, callbacks=[keras.callbacks.ModelCheckpoint(pattern)])
    assert sorted(os.listdir(tmp_path / "strata")) == sorted(os.listdir(tmp_path / "tf_keras"))


def test_keyword_inputs_and_numpy_match_tf_keras(rng):
    x = rng.normal(size=(2, 3)).astype("float32")
    theirs = tf_keras.layers.Dense(2)
    theirs_out = theirs(inputs=x)
    ours = strata.layers.Dense(2)
    ours.build((None, 3))
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(inputs=x).numpy(), theirs_out.numpy(), rtol=1e-6)


def test_tensorflow_ops_in_a_layer_get_the_strata_error():
    class UsesTF(strata.layers.Layer):
        def call(self, x):
            return tf.concat([tf.nn.relu(x), x], axis=-1)

    with pytest.raises(TypeError, match=r"calls TensorFlow in its `call` .*`strata.ops`"):
        UsesTF()(strata.Input((3,)))


# ---- preprocessing -----------------------------------------------------------------------------
TEXTS = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "cat cat dog",
    "",
    "Ünïcode wörds, the END",
]


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"num_words": 4},
        {"oov_token": "<OOV>"},
        {"num_words": 5, "oov_token": "<OOV>"},
        {"char_level": True},
        {"lower": False, "split": ","},
    ],
)
def test_tokenizer_matches_tf_keras(settings):
    ours, theirs = (
        strata_text.Tokenizer(**settings),
        tf_keras.preprocessing.text.Tokenizer(**settings),
    )
    ours.fit_on_texts(TEXTS)
    theirs.fit_on_texts(TEXTS)
    queries = TEXTS + ["unknown words and the cat"]
    assert ours.word_index == theirs.word_index
    assert ours.texts_to_sequences(queries) == theirs.texts_to_sequences(queries)
    sequences = theirs.texts_to_sequences(queries)
    assert ours.sequences_to_texts(sequences) == theirs.sequences_to_texts(sequences)
    for mode in ("binary", "count", "freq", "tfidf"):
        np.testing.assert_allclose(
            ours.texts_to_matrix(queries, mode=mode), theirs.texts_to_matrix(queries, mode=mode)
        )
    assert ours.to_json() == theirs.to_json()
    restored = strata_text.tokenizer_from_json(theirs.to_json())
    assert restored.texts_to_sequences(queries) == theirs.texts_to_sequences(queries)


@pytest.mark.parametrize(
    "settings",
    [
        {"rescale": 1 / 255},
        {"featurewise_center": True, "featurewise_std_normalization": True},
        {"samplewise_center": True, "samplewise_std_normalization": True},
        {"zca_whitening": True},
        {
            "rotation_range": 30,
            "width_shift_range": 0.2,
            "height_shift_range": 2,
            "shear_range": 10,
            "zoom_range": 0.2,
            "horizontal_flip": True,
            "vertical_flip": True,
            "channel_shift_range": 20.0,
            "fill_mode": "reflect",
        },
        {"brightness_range": (0.5, 1.5)},
        {"rotation_range": 20, "data_format": "channels_first"},
    ],
)
def test_image_data_generator_flow_matches_tf_keras(settings, rng):
    x = rng.uniform(0, 255, size=(10, 8, 6, 3)).astype("float32")
    if settings.get("data_format") == "channels_first":
        x = np.moveaxis(x, -1, 1)
    y = np.arange(10)
    ours = strata_image.ImageDataGenerator(**settings)
    theirs = tf_keras.preprocessing.image.ImageDataGenerator(**settings)
    ours.fit(x)
    theirs.fit(x)
    by_index = ours.flow(x, y, batch_size=4, seed=3), theirs.flow(x, y, batch_size=4, seed=3)
    for i in range(3):
        (a, a_labels), (b, b_labels) = by_index[0][i], by_index[1][i]
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)
        np.testing.assert_array_equal(a_labels, b_labels)
    by_next = ours.flow(x, y, batch_size=4, seed=5), theirs.flow(x, y, batch_size=4, seed=5)
    for _ in range(4):
        (a, a_labels), (b, b_labels) = next(by_next[0]), next(by_next[1])
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)
        np.testing.assert_array_equal(a_labels, b_labels)


def test_flow_from_directory_and_dataframe_match_tf_keras(tmp_path, rng, capsys):
    import pandas as pd
    from PIL import Image

    rows = []
    for name in ("dogs", "cats"):
        (tmp_path / name / "sub").mkdir(parents=True)
        for i in range(5):
            path = os.path.join(name, "sub" if i == 4 else "", f"{i}.png")
            pixels = rng.integers(0, 255, size=(9 + i, 7, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(tmp_path / path)
            rows.append((path, name))
    frame = pd.DataFrame(rows + [("missing.png", "cats")], columns=["filename", "class"])
    outputs = []
    for module in (strata_image, tf_keras.preprocessing.image):
        generator = module.ImageDataGenerator(
            rescale=1 / 255, rotation_range=10, validation_split=0.4
        )
        flows = [
            generator.flow_from_directory(
                str(tmp_path), target_size=(6, 5), batch_size=3, seed=1, subset="training"
            ),
            generator.flow_from_dataframe(
                frame,
                str(tmp_path),
                target_size=(6, 5),
                batch_size=3,
                seed=1,
                class_mode="binary",
                color_mode="grayscale",
            ),
        ]
        printed = capsys.readouterr().out
        batches = [[flow[i] for i in range(2)] for flow in flows]
        outputs.append((printed, [f.filenames for f in flows], flows[0].class_indices, batches))
    (p_ours, f_ours, c_ours, b_ours), (p_theirs, f_theirs, c_theirs, b_theirs) = outputs
    assert p_ours == p_theirs
    assert f_ours == f_theirs and c_ours == c_theirs
    for ours, theirs in zip(b_ours, b_theirs):
        for (x_ours, y_ours), (x_theirs, y_theirs) in zip(ours, theirs):
            np.testing.assert_allclose(x_ours, x_theirs, rtol=1e-5, atol=1e-5)
            np.testing.assert_array_equal(y_ours, y_theirs)


@pytest.mark.parametrize("kernel", ["gaussian", "laplacian"])
def test_random_fourier_features_match_tf_keras(kernel, rng):
    x = rng.normal(size=(4, 3)).astype("float32")
    theirs = tf_keras.layers.experimental.RandomFourierFeatures(6, kernel_initializer=kernel)
    expected = theirs(x).numpy()
    ours = strata.layers.experimental.RandomFourierFeatures(6, kernel_initializer=kernel)
    ours.build((None, 3))
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours(x).numpy(), expected, rtol=1e-5, atol=1e-6)
    assert [w.name.split(":")[0].split("/")[-1] for w in theirs.weights] == [
        w.name for w in ours.weights
    ]
