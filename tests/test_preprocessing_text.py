"""Text and categorical preprocessing: Hashing, StringLookup, IntegerLookup, TextVectorization
and CategoryEncoding.

Keras's Hashing and lookup layers need TensorFlow, which is not installed here, so their
expected outputs are the ones Keras documents (the examples in its docstrings) and values
computed by hand from the documented rules; FarmHash/SipHash values are checked against the
published reference values. CategoryEncoding runs without TensorFlow and is compared with Keras
directly.
"""

import math

import numpy as np
import pytest

import strata
from strata import layers
from strata.layers.preprocessing.hash_functions import fingerprint64, hash_bucket, siphash64

DOCS = [["a", "c", "d"], ["d", "z", "b"]]
VOCAB = ["a", "b", "c", "d"]


# ---- hashes -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text, expected",
    [
        (b"", 0x9AE16A3B2F90404F),
        (b"a", 0xB3454265B6DF75E3),
        (b"abcd", 0x1A5502DE4A1F8101),
        (b"hello world!", 0x3F87E91E111FCF64),
        (b"x" * 20, 0x7241CE1F8EF74DC4),
        (b"y" * 40, 0x03D596369A03CFDE),
        (
            b"The quick brown fox jumps over the lazy dog, again and again and again." * 3,
            0x3E6333BCD14890F2,
        ),
    ],
)
def test_fingerprint64_matches_farmhash(text, expected):
    # Reference values from Google's FarmHash (Fingerprint64), one per code path by length.
    assert fingerprint64(text) == expected


def test_siphash_matches_the_reference_vector():
    key = (0x0706050403020100, 0x0F0E0D0C0B0A0908)
    assert siphash64(key, bytes(range(15))) == 0xA129CA6149BE45E5
    assert siphash64(key, b"") == 0x726FDB47DD0E0E31


def test_tensorflow_bucket_example():
    # tf.strings.to_hash_bucket_fast(["Hello", "TensorFlow", "2.x"], 3) in TensorFlow's docs.
    assert hash_bucket(["Hello", "TensorFlow", "2.x"], 3).tolist() == [0, 2, 2]


# ---- Hashing ------------------------------------------------------------------------------------
LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]


@pytest.mark.parametrize(
    "kwargs, inputs, expected",
    [
        ({"num_bins": 3}, LETTERS, [1, 0, 1, 1, 2]),
        ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]], [1, 1, 0, 2, 2]),
        ({"num_bins": 3, "salt": [133, 137]}, LETTERS, [1, 2, 1, 0, 2]),
        ({"num_bins": 3, "salt": 133}, LETTERS, [0, 0, 2, 1, 0]),
    ],
)
def test_hashing_matches_keras_documented_outputs(kwargs, inputs, expected):
    out = layers.Hashing(**kwargs)(inputs)
    assert out.shape == (5, 1) and out.dtype == np.int64
    assert out.ravel().tolist() == expected


def test_hashing_integers_hash_their_decimal_text():
    ints = np.array([[1], [22], [333]])
    np.testing.assert_array_equal(
        layers.Hashing(7)(ints), layers.Hashing(7)(np.array([["1"], ["22"], ["333"]]))
    )
    # Floats are truncated to integers first; bytes are decoded as UTF-8.
    np.testing.assert_array_equal(layers.Hashing(7)(ints + 0.5), layers.Hashing(7)(ints))
    np.testing.assert_array_equal(layers.Hashing(5)([b"A", b"B"]), layers.Hashing(5)(["A", "B"]))


def test_hashing_encoded_outputs_and_config():
    layer = layers.Hashing(num_bins=3, output_mode="multi_hot", name="h")
    assert layer(np.array([["A", "B"], ["C", "C"]])).tolist() == [[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]
    one_hot = layers.Hashing(num_bins=3, output_mode="one_hot")(LETTERS)
    assert one_hot.shape == (5, 3) and one_hot.argmax(-1).tolist() == [1, 0, 1, 1, 2]
    config = layers.Hashing(num_bins=3, salt=133).get_config()
    assert config["salt"] == [133, 133] and config["num_bins"] == 3
    assert layers.Hashing.from_config(config)(LETTERS).ravel().tolist() == [0, 0, 2, 1, 0]


# ---- StringLookup -------------------------------------------------------------------------------
def test_string_lookup_matches_keras_documented_outputs():
    assert layers.StringLookup(vocabulary=VOCAB)(DOCS).tolist() == [[1, 3, 4], [4, 0, 2]]
    adapted = layers.StringLookup()
    adapted.adapt(DOCS)
    assert adapted.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert adapted(DOCS).tolist() == [[5, 3, 1], [1, 2, 4]]
    two_oov = layers.StringLookup(vocabulary=VOCAB, num_oov_indices=2)
    assert two_oov([["a", "c", "d"], ["m", "z", "b"]]).tolist() == [[2, 4, 5], [0, 1, 3]]
    one_hot = layers.StringLookup(vocabulary=VOCAB, output_mode="one_hot")
    assert one_hot(["a", "b", "c", "d", "z"]).tolist() == np.eye(5)[[1, 2, 3, 4, 0]].tolist()
    data = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    multi = layers.StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(data)
    assert multi.tolist() == [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]]
    count = layers.StringLookup(vocabulary=VOCAB, output_mode="count")(data)
    assert count.tolist() == [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]]


def test_string_lookup_tf_idf_and_invert_match_keras_documented_outputs():
    data = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(
        layer(data), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]], atol=1e-6
    )
    layer.set_vocabulary(["[UNK]", *VOCAB], idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(
        layer(data), [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]], atol=1e-6
    )
    inverse = layers.StringLookup(vocabulary=VOCAB, invert=True)
    assert inverse([[1, 3, 4], [4, 0, 2]]).tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    forward = layers.StringLookup(vocabulary=VOCAB)
    assert inverse(forward(DOCS)).tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]


def test_string_lookup_adapt_tf_idf_weights_by_hand():
    layer = layers.StringLookup(output_mode="tf_idf")
    layer.adapt([["a", "a", "b"], ["b", "c", "c"], ["a", "d", "d"]])
    # Counts: a 3, b 2, c 2, d 2 -> ties by token, highest first.
    assert layer.get_vocabulary() == ["[UNK]", "a", "d", "c", "b"]
    idf = {t: math.log(1 + 3 / (1 + n)) for t, n in {"a": 2, "d": 1, "c": 1, "b": 2}.items()}
    oov = np.mean(list(idf.values()))
    out = layer([["a", "a", "z"]])
    np.testing.assert_allclose(out, [[oov, 2 * idf["a"], 0, 0, 0]], rtol=1e-6)


def test_string_lookup_mask_token_max_tokens_and_padding():
    layer = layers.StringLookup(mask_token="", max_tokens=4)
    layer.adapt([["x", "x", "y", "z", ""], ["y", "x", "w", "", ""]])
    assert layer.get_vocabulary() == ["", "[UNK]", "x", "y"]
    assert layer([["x", "", "w"]]).tolist() == [[2, 0, 1]]
    multi = layers.StringLookup(
        vocabulary=["x", "y"],
        mask_token="",
        output_mode="multi_hot",
        max_tokens=5,
        pad_to_max_tokens=True,
    )
    assert multi([["x", "", "q"]]).tolist() == [[1.0, 1.0, 0.0, 0.0, 0.0]]
    assert layers.StringLookup(vocabulary=VOCAB)([b"a", b"d"]).tolist() == [1, 4]


def test_string_lookup_config_holds_the_vocabulary():
    layer = layers.StringLookup(num_oov_indices=2, name="lookup")
    layer.adapt(DOCS)
    config = layer.get_config()
    assert config["vocabulary"] == ["[UNK]", "[UNK]", "d", "z", "c", "b", "a"]
    assert config["vocabulary_size"] == 7 and config["encoding"] == "utf-8"
    clone = layers.StringLookup.from_config(config)
    assert clone.get_vocabulary() == layer.get_vocabulary()
    np.testing.assert_array_equal(clone(DOCS), layer(DOCS))
    saved = layers.StringLookup(vocabulary=VOCAB).get_config()
    assert saved["vocabulary"] == VOCAB and saved["invert"] is False


def test_string_lookup_errors():
    with pytest.raises(ValueError, match="does not read vocabulary files.*pass the list"):
        layers.StringLookup(vocabulary="vocab.txt")
    with pytest.raises(ValueError, match=r"num_oov_indices=0.*out-of-vocabulary values \['z'\]"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(DOCS)
    with pytest.raises(ValueError, match="`invert=True` needs output_mode='int'"):
        layers.StringLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match=r"repeats \['a'\]"):
        layers.StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match="more than max_tokens=3"):
        layers.StringLookup(vocabulary=VOCAB, max_tokens=3)
    with pytest.raises(ValueError, match="vocabulary must be set before the layer is called"):
        layers.StringLookup(output_mode="multi_hot")(DOCS)
    with pytest.raises(ValueError, match="cannot adapt a layer whose vocabulary was set"):
        layers.StringLookup(vocabulary=VOCAB).adapt(DOCS)
    with pytest.raises(TypeError, match="runs on the host .* cannot be part of a compiled model"):
        layers.StringLookup(vocabulary=VOCAB)(strata.Input((3,)))
    with pytest.raises(TypeError, match="expects strings; received an array of dtype int"):
        layers.StringLookup(vocabulary=VOCAB)(np.array([1, 2]))


# ---- IntegerLookup ------------------------------------------------------------------------------
def test_integer_lookup_matches_keras_documented_outputs():
    data = np.array([[12, 1138, 42], [42, 1000, 36]])
    layer = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42])
    assert layer(data).tolist() == [[1, 3, 4], [4, 0, 2]]
    adapted = layers.IntegerLookup()
    adapted.adapt(data)
    assert adapted.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    assert adapted(data).tolist() == [[5, 2, 1], [1, 3, 4]]
    two_oov = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], num_oov_indices=2)
    assert two_oov(np.array([[12, 1138, 42], [37, 1000, 36]])).tolist() == [[2, 4, 5], [1, 0, 3]]
    inverse = layers.IntegerLookup(vocabulary=[12, 36, 1138, 42], invert=True)
    assert inverse(np.array([[1, 3, 4], [4, 0, 2]])).tolist() == [[12, 1138, 42], [42, -1, 36]]


def test_integer_lookup_farmhash_oov_and_config():
    layer = layers.IntegerLookup(vocabulary=[5], num_oov_indices=3, oov_method="farmhash")
    expected = (hash_bucket(np.array(["7", "123456"]), 3) + 0).tolist()
    assert layer(np.array([7, 123456])).tolist() == expected
    config = layers.IntegerLookup(vocabulary=[3, 1], mask_token=0).get_config()
    assert config["vocabulary"] == [3, 1] and config["mask_token"] == 0
    assert config["oov_method"] == "floormod" and config["vocabulary_dtype"] == "int64"
    assert layers.IntegerLookup.from_config(config)(np.array([0, 3, 9])).tolist() == [0, 2, 1]
    with pytest.raises(ValueError, match="`salt` only applies with oov_method='farmhash'"):
        layers.IntegerLookup(salt=3)
    with pytest.raises(TypeError, match="expects integer ids"):
        layers.IntegerLookup(vocabulary=[1])(["a"])


# ---- TextVectorization --------------------------------------------------------------------------
def test_text_vectorization_matches_keras_documented_outputs():
    layer = layers.TextVectorization(max_tokens=5000, output_mode="int", output_sequence_length=4)
    layer.adapt(["foo bar", "bar baz", "baz bada boom"])
    assert layer.get_vocabulary() == ["", "[UNK]", "baz", "bar", "foo", "boom", "bada"]
    out = layer([["foo qux bar"], ["qux baz"]])
    assert out.dtype == np.int64 and out.tolist() == [[4, 1, 3, 0], [1, 2, 0, 0]]
    given = layers.TextVectorization(vocabulary=["earth", "wind", "and", "fire"])
    assert given.get_vocabulary() == ["", "[UNK]", "earth", "wind", "and", "fire"]


def test_text_vectorization_standardize_split_and_ngrams():
    layer = layers.TextVectorization(ngrams=2, vocabulary=["the", "cat", "the cat"])
    # ASCII lowercasing and punctuation stripping, as TensorFlow does; É stays upper case.
    assert layer._tokenize(np.array(["The CAT, sat!", "Élan"])) == [
        ["the", "cat", "sat", "the cat", "cat sat"],
        ["Élan"],
    ]
    assert layer(["The cat."]).tolist() == [[2, 3, 4]]
    characters = layers.TextVectorization(split="character", standardize=None)
    characters.adapt(["aab", "b"])
    assert characters.get_vocabulary() == ["", "[UNK]", "b", "a"]
    assert characters(["ba", "c"]).tolist() == [[2, 3], [1, 0]]
    cut = layers.TextVectorization(vocabulary=["a"], output_sequence_length=2)
    assert cut(["a a a", ""]).tolist() == [[2, 2], [0, 0]]


def test_text_vectorization_custom_callables_and_encoded_modes():
    def shout(texts):
        return np.char.upper(texts)

    def on_commas(texts):
        return [t.split(",") for t in texts]

    layer = layers.TextVectorization(standardize=shout, split=on_commas, vocabulary=["A", "B C"])
    assert layer(["a,b c,d"]).tolist() == [[2, 3, 1]]
    counts = layers.TextVectorization(output_mode="count", vocabulary=["x", "y"])
    assert counts(["x y x", "z"]).tolist() == [[0, 2, 1], [1, 0, 0]]
    tf_idf = layers.TextVectorization(output_mode="tf_idf")
    tf_idf.adapt(["x y", "x", "z"])
    idf_x = math.log(1 + 3 / (1 + 2))
    assert tf_idf.get_vocabulary() == ["[UNK]", "x", "z", "y"]
    np.testing.assert_allclose(tf_idf(["x x"])[0, 1], 2 * idf_x, rtol=1e-6)


def test_text_vectorization_config_round_trip():
    layer = layers.TextVectorization(max_tokens=10, ngrams=(1, 2), output_sequence_length=3)
    layer.adapt(["red fish", "blue fish"])
    config = layer.get_config()
    assert config["vocabulary_size"] == layer.vocabulary_size() == 7
    assert config["ngrams"] == [1, 2] and config["standardize"] == "lower_and_strip_punctuation"
    clone = layers.TextVectorization.from_config(config)
    np.testing.assert_array_equal(clone(["red fish"]), layer(["red fish"]))


def test_text_vectorization_feeds_a_trained_model():
    texts = np.array(["good fun", "bad dull", "good good", "dull bad bad", "fun"] * 8)
    labels = np.array([1, 0, 1, 0, 1] * 8, "float32")[:, None]
    vectorize = layers.TextVectorization(output_mode="multi_hot")
    vectorize.adapt(texts)
    features = vectorize(texts)
    assert features.shape == (40, vectorize.vocabulary_size())
    inputs = strata.Input((features.shape[1],))
    model = strata.Model(inputs, layers.Dense(1, activation="sigmoid")(inputs))
    model.compile(strata.optimizers.Adam(0.1), "binary_crossentropy", metrics=["accuracy"])
    model.fit(features, labels, epochs=30, batch_size=8, verbose=0)
    assert model.evaluate(features, labels, verbose=0)[1] == 1.0


def test_text_vectorization_errors():
    with pytest.raises(
        ValueError, match="`output_sequence_length` only applies to output_mode='int'"
    ):
        layers.TextVectorization(output_mode="count", output_sequence_length=3)
    with pytest.raises(ValueError, match="`standardize` must be None, one of"):
        layers.TextVectorization(standardize="upper")
    with pytest.raises(ValueError, match="does not read vocabulary files"):
        layers.TextVectorization(vocabulary="/tmp/vocab.txt")
    with pytest.raises(
        ValueError, match=r"rank 2 with a last axis of size 1; received shape \(1, 2\)"
    ):
        layers.TextVectorization(vocabulary=["a"])([["a", "b"]])
    with pytest.raises(ValueError, match="`ngrams` must be None, a positive int"):
        layers.TextVectorization(ngrams=0)


# ---- CategoryEncoding (runs in Keras without TensorFlow) ----------------------------------------
@pytest.mark.parametrize(
    "mode, ids",
    [
        ("one_hot", [3, 2, 0, 1]),
        ("one_hot", [[3], [2]]),
        ("one_hot", [[3, 1], [2, 0]]),
        ("multi_hot", [[0, 1], [0, 0], [1, 2], [3, 1]]),
        ("multi_hot", [3, 2, 3]),
        ("count", [[0, 1, 1], [3, 3, 3]]),
        ("multi_hot", [[0, 5], [-1, 2]]),
    ],
)
def test_category_encoding_matches_keras(keras, mode, ids):
    ids = np.array(ids)
    expected = keras.layers.CategoryEncoding(4, output_mode=mode)(ids)
    np.testing.assert_array_equal(layers.CategoryEncoding(4, output_mode=mode)(ids), expected)


def test_category_encoding_count_weights_symbolic_shapes_and_config(keras):
    ids = np.array([[0, 1, 1], [3, 3, 3]])
    weights = np.array([[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]], "float32")
    ours = layers.CategoryEncoding(4, "count")(ids, count_weights=weights)
    theirs = keras.layers.CategoryEncoding(4, "count")(ids, count_weights=weights)
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    for mode, shape in (("multi_hot", (3,)), ("one_hot", (3,)), ("one_hot", (1,))):
        out = layers.CategoryEncoding(5, mode)(strata.Input(shape, dtype="int32"))
        k_out = keras.layers.CategoryEncoding(5, mode)(keras.Input(shape, dtype="int32"))
        assert out.shape == tuple(k_out.shape)
    config = layers.CategoryEncoding(3, name="enc").get_config()
    k_config = keras.layers.CategoryEncoding(3, name="enc").get_config()
    assert config == k_config


def test_category_encoding_inside_a_compiled_model():
    inputs = strata.Input((2,), dtype="int32")
    encoded = layers.CategoryEncoding(4, output_mode="multi_hot")(inputs)
    model = strata.Model(inputs, layers.Dense(1, kernel_initializer="ones")(encoded))
    np.testing.assert_allclose(model.predict(np.array([[0, 1], [2, 2]]), verbose=0), [[2], [1]])


def test_category_encoding_errors():
    with pytest.raises(ValueError, match="`num_tokens` must be set.*use `IntegerLookup`"):
        layers.CategoryEncoding()
    with pytest.raises(ValueError, match="`output_mode` must be one of"):
        layers.CategoryEncoding(3, output_mode="tf_idf")
    with pytest.raises(ValueError, match=r"rank 1 or 2.*received shape \(1, 2, 2\)"):
        layers.CategoryEncoding(3)(np.zeros((1, 2, 2), "int32"))
    with pytest.raises(ValueError, match="`count_weights` applies only to output_mode='count'"):
        layers.CategoryEncoding(3)(np.zeros((1, 2), "int32"), count_weights=np.ones((1, 2)))
