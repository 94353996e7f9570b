"""tf.keras 2's `keras.preprocessing`: Tokenizer, ImageDataGenerator, pad_sequences.

Expected values are derived by hand from tf.keras 2's documented rules; the parity with tf_keras
itself is in test_tf_keras2_compat.py.
"""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import strata
from strata import _deprecation
from strata.preprocessing import image, sequence, text


@pytest.fixture(autouse=True)
def fresh_warnings():
    _deprecation.forget()
    yield
    _deprecation.forget()


def quietly(fn, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return fn(*args, **kwargs)


def test_pad_sequences_is_the_utils_function():
    assert sequence.pad_sequences is strata.utils.pad_sequences


# ---- Tokenizer ---------------------------------------------------------------------------------
TEXTS = ["The cat sat on the mat.", "The dog ate my homework!", "cat cat dog"]


def test_tokenizer_indices_sequences_and_matrices():
    with pytest.warns(DeprecationWarning, match="TextVectorization"):
        tokenizer = text.Tokenizer(num_words=4, oov_token="<unk>")
    tokenizer.fit_on_texts(TEXTS)
    # Counts: cat 3, the 3, dog 2, then once each in order of first sight; the oov token is 1.
    assert list(tokenizer.word_index)[:5] == ["<unk>", "the", "cat", "dog", "sat"]
    assert tokenizer.texts_to_sequences(["the dog sat"]) == [[2, 1, 1]]
    assert tokenizer.sequences_to_texts([[2, 3, 4, 9]]) == ["the cat <unk> <unk>"]
    counts = tokenizer.texts_to_matrix(["the the cat"], mode="count")
    np.testing.assert_array_equal(counts, [[0, 0, 2, 1]])
    np.testing.assert_array_equal(tokenizer.texts_to_matrix(["the cat"]), [[0, 0, 1, 1]])
    np.testing.assert_allclose(
        tokenizer.texts_to_matrix(["the the cat"], mode="freq"), [[0, 0, 2 / 3, 1 / 3]]
    )
    tfidf = tokenizer.texts_to_matrix(["the the"], mode="tfidf")
    # "the" appears in 2 of 3 documents: (1 + log 2) * log(1 + 3 / 3).
    assert tfidf[0, 2] == pytest.approx((1 + np.log(2)) * np.log(2))


def test_tokenizer_json_round_trip():
    tokenizer = quietly(text.Tokenizer, char_level=True)
    tokenizer.fit_on_texts(TEXTS)
    restored = text.tokenizer_from_json(tokenizer.to_json())
    assert restored.word_index == tokenizer.word_index
    assert restored.texts_to_sequences(TEXTS) == tokenizer.texts_to_sequences(TEXTS)
    assert restored.get_config() == tokenizer.get_config()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.text(alphabet="ab c,.", max_size=12), min_size=1, max_size=6))
def test_tokenizer_sequences_round_trip_to_words(texts):
    tokenizer = quietly(text.Tokenizer)
    tokenizer.fit_on_texts(texts)
    words = [" ".join(text.text_to_word_sequence(t)) for t in texts]
    assert tokenizer.sequences_to_texts(tokenizer.texts_to_sequences(texts)) == words


def test_tokenizer_bad_input():
    with pytest.raises(ValueError, match="`num_words` must be a positive int or None"):
        quietly(text.Tokenizer, num_words=0)
    with pytest.raises(TypeError, match=r"unrecognized keyword argument\(s\) \['nb_words'\]"):
        quietly(text.Tokenizer, nb_words=3)
    tokenizer = quietly(text.Tokenizer)
    with pytest.raises(ValueError, match="specify a dimension"):
        tokenizer.texts_to_matrix(["a"])
    tokenizer.fit_on_texts(["a"])
    with pytest.raises(ValueError, match="unknown vectorization mode 'onehot'"):
        tokenizer.texts_to_matrix(["a"], mode="onehot")
    with pytest.raises(ValueError, match="tokenizer_from_json: not a Tokenizer's JSON"):
        text.tokenizer_from_json('{"config": {}}')


# ---- ImageDataGenerator ------------------------------------------------------------------------
def test_flow_rescales_normalizes_and_keeps_order(rng):
    x = rng.uniform(0, 255, size=(6, 4, 5, 3)).astype("float32")
    with pytest.warns(DeprecationWarning, match="image_dataset_from_directory"):
        generator = image.ImageDataGenerator(
            rescale=1 / 255, featurewise_center=True, featurewise_std_normalization=True
        )
    generator.fit(x)
    scaled = x / 255
    mean = scaled.mean(axis=(0, 1, 2))
    std = (scaled - mean).std(axis=(0, 1, 2))
    flow = generator.flow(x, np.arange(6), batch_size=4, shuffle=False)
    assert len(flow) == 2
    batch, labels = flow[1]
    np.testing.assert_allclose(batch, (scaled[4:] - mean) / (std + 1e-6), rtol=1e-4, atol=1e-5)
    assert labels.tolist() == [4, 5]


def test_flow_with_a_seed_is_repeatable_and_flips_are_exact(rng):
    x = rng.uniform(0, 1, size=(5, 3, 4, 2)).astype("float32")
    generator = quietly(image.ImageDataGenerator, horizontal_flip=True, rotation_range=15)
    first = generator.flow(x, batch_size=5, seed=7)[0]
    again = generator.flow(x, batch_size=5, seed=7)[0]
    np.testing.assert_array_equal(first, again)
    flipper = quietly(image.ImageDataGenerator, horizontal_flip=True)
    flipped = flipper.apply_transform(x[0], {"flip_horizontal": True})
    np.testing.assert_array_equal(flipped, x[0][:, ::-1])


def test_flow_streams_into_fit(rng):
    x = rng.uniform(0, 255, size=(8, 4, 4, 1)).astype("float32")
    y = rng.normal(size=(8, 1)).astype("float32")
    model = strata.Sequential(
        [strata.Input((4, 4, 1)), strata.layers.Flatten(), strata.layers.Dense(1)]
    )
    model.compile(loss="mse", optimizer=strata.optimizers.SGD(0.01))
    generator = quietly(image.ImageDataGenerator, rescale=1 / 255)
    history = model.fit(generator.flow(x, y, batch_size=4, shuffle=False), epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    reference = strata.models.clone_model(model)
    reference.set_weights(model.get_weights())
    reference.compile(loss="mse", optimizer="sgd")
    np.testing.assert_allclose(
        model.evaluate(generator.flow(x, y, batch_size=4, shuffle=False), verbose=0),
        reference.evaluate(x / 255, y, batch_size=4, verbose=0),
        rtol=1e-5,
    )


def test_flow_from_directory_and_dataframe(tmp_path, rng, capsys):
    pil = pytest.importorskip("PIL.Image", reason="optional dependency pillow: strata[image]")
    import pandas as pd

    rows = []
    for name in ("dogs", "cats"):
        (tmp_path / name).mkdir()
        for i in range(3):
            pixels = rng.integers(0, 255, size=(6, 5, 3), dtype=np.uint8)
            pil.fromarray(pixels).save(tmp_path / name / f"{i}.png")
            rows.append((f"{name}/{i}.png", name))
    (tmp_path / "cats" / "notes.txt").write_text("not an image")
    generator = quietly(image.ImageDataGenerator, rescale=1 / 255, validation_split=1 / 3)
    training = generator.flow_from_directory(
        str(tmp_path), target_size=(6, 5), batch_size=4, shuffle=False, subset="training"
    )
    assert capsys.readouterr().out == "Found 4 images belonging to 2 classes.\n"
    assert training.class_indices == {"cats": 0, "dogs": 1}
    assert training.filenames == ["cats/1.png", "cats/2.png", "dogs/1.png", "dogs/2.png"]
    batch, labels = training[0]
    expected = np.asarray(pil.open(tmp_path / "cats" / "1.png"), dtype="float32") / 255
    np.testing.assert_allclose(batch[0], expected, rtol=1e-6)
    np.testing.assert_array_equal(labels, [[1, 0], [1, 0], [0, 1], [0, 1]])

    frame = pd.DataFrame(rows, columns=["filename", "class"])
    flow = generator.flow_from_dataframe(
        frame,
        str(tmp_path),
        target_size=(3, 3),
        color_mode="grayscale",
        class_mode="sparse",
        batch_size=6,
        shuffle=False,
    )
    assert capsys.readouterr().out == (
        "Found 6 validated image filenames belonging to 2 classes.\n"
    )
    batch, labels = flow[0]
    assert batch.shape == (6, 3, 3, 1) and labels.tolist() == [1, 1, 1, 0, 0, 0]


def test_image_data_generator_bad_input(tmp_path):
    make = image.ImageDataGenerator
    with pytest.raises(ValueError, match=r"`zoom_range` must be a float or a pair"):
        quietly(make, zoom_range=[0.5, 1.0, 2.0])
    with pytest.raises(ValueError, match="`fill_mode` must be one of"):
        quietly(make, fill_mode="mirror")
    with pytest.raises(ValueError, match="`data_format` must be 'channels_last'"):
        quietly(make, data_format="NHWC")
    with pytest.raises(ValueError, match="`validation_split` must be strictly between 0 and 1"):
        quietly(make, validation_split=1.5)
    generator = quietly(make)
    with pytest.raises(ValueError, match=r"`x` must be a rank-4 array .* shape \(2, 3\)"):
        generator.flow(np.ones((2, 3)))
    with pytest.raises(ValueError, match="`x` and `y` must have the same length"):
        generator.flow(np.ones((2, 3, 3, 1)), np.ones(3))
    with pytest.raises(ValueError, match="`save_to_dir` is not supported"):
        generator.flow(np.ones((2, 3, 3, 1)), save_to_dir=str(tmp_path))
    with pytest.raises(ValueError, match="needs `validation_split` set"):
        generator.flow(np.ones((2, 3, 3, 1)), subset="validation")
    with pytest.raises(ValueError, match="`batch_size` must be a positive int"):
        generator.flow(np.ones((2, 3, 3, 1)), batch_size=0)
    with pytest.raises(ValueError, match="is not a directory"):
        generator.flow_from_directory(str(tmp_path / "missing"))
    with pytest.raises(ValueError, match="`class_mode` must be one of"):
        generator.flow_from_directory(str(tmp_path), class_mode="onehot")
    with pytest.raises(ValueError, match="`weight_col` is not supported"):
        generator.flow_from_dataframe(None, weight_col="w")
    with pytest.raises(ValueError, match=r"`x` must be a rank-4 array"):
        generator.fit(np.ones((3, 3)))
