"""Masks on symbolic tensors (`_keras_mask`) and masks reaching a custom layer, against Keras 3."""

import numpy as np
import pytest

import strata

IDS = np.array([[1, 2, 0, 0], [3, 0, 4, 0]], dtype="int32")


def _masked_sum_layer(lib):
    """A custom layer that zeroes masked steps: its output shows which mask it received."""

    class MaskedSum(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.supports_masking = True

        def call(self, inputs, mask=None):
            if mask is None:
                return inputs * -1.0  # visibly different: the mask did not arrive
            return inputs * lib.ops.expand_dims(lib.ops.cast(mask, inputs.dtype), -1)

    return MaskedSum


def _weights(lib, embedding, dense):
    rng = np.random.default_rng(0)
    embedding.set_weights([rng.normal(size=(5, 3)).astype("float32")])
    dense.set_weights([rng.normal(size=(3, 2)).astype("float32"), np.zeros(2, "float32")])


def _functional(lib):
    ids = lib.Input((4,), dtype="int32")
    embedding = lib.layers.Embedding(5, 3, mask_zero=True)
    dense = lib.layers.Dense(2)
    outputs = _masked_sum_layer(lib)()(dense(embedding(ids)))
    model = lib.Model(ids, outputs)
    _weights(lib, embedding, dense)
    return model


def _subclassed(lib):
    class Net(lib.Model):
        def __init__(self):
            super().__init__()
            self.embedding = lib.layers.Embedding(5, 3, mask_zero=True)
            self.dense = lib.layers.Dense(2)
            self.masked = _masked_sum_layer(lib)()

        def call(self, inputs):
            return self.masked(self.dense(self.embedding(inputs)))

    model = Net()
    model(IDS)
    _weights(lib, model.embedding, model.dense)
    return model


@pytest.mark.parametrize("make", [_functional, _subclassed], ids=["functional", "subclassed"])
def test_a_custom_layer_receives_the_embedding_mask_as_in_keras(keras, make):
    ours = np.asarray(make(strata)(IDS))
    theirs = np.asarray(make(keras)(IDS))
    np.testing.assert_allclose(ours, theirs, atol=1e-6)
    assert np.all(ours[IDS == 0] == 0.0)


def test_eager_calls_carry_the_mask_as_in_keras(keras):
    results = []
    for lib in (strata, keras):
        embedding = lib.layers.Embedding(5, 3, mask_zero=True)
        dense = lib.layers.Dense(2)
        embedding.build((None, 4))
        dense.build((None, 4, 3))
        _weights(lib, embedding, dense)
        results.append(np.asarray(_masked_sum_layer(lib)()(dense(embedding(IDS)))))
    np.testing.assert_allclose(results[0], results[1], atol=1e-6)


def test_symbolic_tensors_carry_keras_masks(keras):
    found = []
    for lib in (strata, keras):
        ids = lib.Input((4,), dtype="int32")
        embedded = lib.layers.Embedding(5, 3, mask_zero=True)(ids)
        dense = lib.layers.Dense(2)(embedded)
        mask = embedded._keras_mask
        found.append(
            (
                tuple(mask.shape),
                mask.dtype,
                type(mask._keras_history.operation).__name__,
                dense._keras_mask is mask,  # passed through unchanged
                getattr(embedded * 2.0, "_keras_mask", None) is None,  # ops carry none
                getattr(ids, "_keras_mask", None) is None,
            )
        )
    assert found[0] == found[1] == ((None, 4), "bool", "NotEqual", True, True, True)


def test_a_layer_without_mask_support_drops_the_symbolic_mask():
    ids = strata.Input((4,), dtype="int32")
    embedded = strata.layers.Embedding(5, 3, mask_zero=True)(ids)
    assert getattr(strata.layers.Flatten()(embedded), "_keras_mask", None) is None


def test_a_layer_with_an_array_compute_mask_still_gives_a_symbolic_mask():
    class HalfMask(strata.layers.Layer):
        produces_mask = True

        def call(self, inputs):
            return inputs

        def compute_mask(self, inputs, mask=None):
            import jax.numpy as jnp

            return jnp.asarray(inputs)[..., 0] > 0.5

    x = strata.Input((4, 2))
    y = HalfMask()(x)
    assert y._keras_mask.shape == (None, 4)
    assert y._keras_mask.dtype == "bool"
    model = strata.Model(x, y._keras_mask)
    data = np.array([[[1.0, 0], [0.0, 0], [0.7, 0], [0.2, 0]]], "float32")
    assert model.predict(data, verbose=0).tolist() == [[True, False, True, False]]


def test_an_explicit_symbolic_mask_argument_is_used(keras):
    results = []
    for lib in (strata, keras):
        ids = lib.Input((4,), dtype="int32")
        embedding = lib.layers.Embedding(5, 3)
        dense = lib.layers.Dense(2)
        hidden = dense(embedding(ids))
        outputs = _masked_sum_layer(lib)()(hidden, mask=ids > 1)
        model = lib.Model(ids, outputs)
        _weights(lib, embedding, dense)
        results.append(np.asarray(model.predict(IDS, verbose=0)))
    np.testing.assert_allclose(results[0], results[1], atol=1e-6)


def test_masked_model_files_round_trip_with_keras(keras, tmp_path):
    model = _functional(strata)
    model.save(tmp_path / "masked.keras")
    custom = {"MaskedSum": _masked_sum_layer(keras)}
    theirs = keras.saving.load_model(tmp_path / "masked.keras", custom_objects=custom)
    np.testing.assert_allclose(theirs.predict(IDS, verbose=0), model.predict(IDS, verbose=0), 1e-6)
    keras_model = _functional(keras)
    keras_model.save(tmp_path / "keras_masked.keras")
    ours = strata.saving.load_model(
        tmp_path / "keras_masked.keras", custom_objects={"MaskedSum": _masked_sum_layer(strata)}
    )
    np.testing.assert_allclose(
        ours.predict(IDS, verbose=0), keras_model.predict(IDS, verbose=0), 1e-6
    )
