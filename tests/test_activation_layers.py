"""`ReLU`, `LeakyReLU`, `PReLU`, `ELU` and `Softmax` layers against Keras 3."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from tests.layer_harness import check_layer

import strata
from strata import layers

CASES = [
    ("ReLU", {}),
    ("ReLU", {"max_value": 1.0}),
    ("ReLU", {"negative_slope": 0.1, "threshold": 0.5}),
    ("ReLU", {"max_value": 2.0, "negative_slope": 0.2, "threshold": 0.3}),
    ("LeakyReLU", {}),
    ("LeakyReLU", {"negative_slope": 0.05}),
    ("ELU", {}),
    ("ELU", {"alpha": 0.5}),
    ("Softmax", {}),
    ("Softmax", {"axis": 1}),
    ("Softmax", {"axis": [1, 2]}),
    ("PReLU", {"alpha_initializer": "random_normal"}),
    ("PReLU", {"alpha_initializer": "random_normal", "shared_axes": [1]}),
    ("PReLU", {"alpha_initializer": "ones", "alpha_constraint": "non_neg", "shared_axes": 2}),
]


@pytest.mark.parametrize(("kind", "kwargs"), CASES, ids=[f"{k}-{kw}" for k, kw in CASES])
def test_activation_layers_match_keras(kind, kwargs, keras):
    check_layer(
        lambda: getattr(layers, kind)(**kwargs),
        lambda: getattr(keras.layers, kind)(**kwargs),
        (4, 5),
        keras,
    )


def test_prelu_weights_train_and_regularize(keras):
    def make(lib):
        model = lib.Sequential(
            [
                lib.Input((3,)),
                lib.layers.PReLU(alpha_regularizer="l2", name="act"),
                lib.layers.Dense(1, name="out"),
            ]
        )
        model.compile(lib.optimizers.SGD(0.1), "mse")
        return model

    rng = np.random.default_rng(0)
    x = -np.abs(rng.normal(size=(16, 3))).astype("float32")
    alpha, kernel = np.full((3,), 0.25, "float32"), rng.normal(size=(3, 1)).astype("float32")
    weights = [alpha, kernel, np.zeros((1,), "float32")]
    theirs, ours = make(keras), make(strata)
    theirs.set_weights(weights)
    ours.set_weights(weights)
    y = np.ones((16, 1), "float32")
    their_loss = theirs.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    our_loss = ours.fit(x, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    # The loss includes the alpha penalty (0.01 * sum(alpha**2)); alpha moves as in Keras.
    np.testing.assert_allclose(our_loss.history["loss"], their_loss.history["loss"], rtol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert np.abs(ours.get_layer("act").get_weights()[0] - weights[0]).max() > 1e-3
    assert len(ours.losses) == 1
    np.testing.assert_allclose(
        float(ours.losses[0]), 0.01 * np.sum(ours.get_layer("act").get_weights()[0] ** 2), 1e-5
    )


def test_masked_softmax_matches_keras(keras):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    for mask in (rng.random((2, 3, 4)) > 0.3, (rng.random((2, 1, 4)) > 0.3).astype("float32")):
        expected = np.asarray(keras.layers.Softmax()(x, mask=mask))
        np.testing.assert_allclose(layers.Softmax()(x, mask=mask), expected, atol=1e-6)


@settings(max_examples=25, deadline=None)
@given(
    x=arrays(np.float32, (3, 4), elements=st.floats(-50, 50, width=32)),
    max_value=st.one_of(st.none(), st.floats(0, 10)),
    slope=st.floats(0, 1),
    threshold=st.floats(0, 5),
)
def test_relu_follows_its_formula(x, max_value, slope, threshold):
    out = np.asarray(layers.ReLU(max_value, slope, threshold)(x))
    expected = np.where(x > threshold, x, slope * (x - threshold) if slope else 0.0)
    if max_value is not None:
        expected = np.minimum(expected, max_value)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


def test_legacy_alpha_and_bad_arguments():
    with pytest.warns(DeprecationWarning, match="`alpha` is deprecated"):
        leaky = layers.LeakyReLU(alpha=0.2)
    assert leaky.negative_slope == 0.2
    with pytest.raises(ValueError, match=r"ReLU: `max_value` must be a float >= 0 or None.*-1"):
        layers.ReLU(max_value=-1)
    with pytest.raises(ValueError, match=r"LeakyReLU: `negative_slope` must be a float >= 0"):
        layers.LeakyReLU(negative_slope=None)
    with pytest.raises(ValueError, match=r"'sm' \(Softmax\): the mask must broadcast"):
        layers.Softmax(name="sm")(np.ones((2, 3)), mask=np.ones((2, 4), bool))
    with pytest.raises(ValueError, match=r"'s2' \(Softmax\): `axis` must be an int or a list"):
        layers.Softmax(axis="last", name="s2")
    with pytest.raises(ValueError, match=r"ELU: `alpha` must be a float; received alpha='1'"):
        layers.ELU(alpha="1")
    with pytest.raises(ValueError, match=r"`epsilon` must be a number >= 0.0; received epsilon=-1"):
        layers.RMSNormalization(epsilon=-1)
    with pytest.raises(ValueError, match=r"'pr' \(PReLU\): `shared_axes` entries must be"):
        layers.PReLU(shared_axes=[3], name="pr")(np.ones((2, 3)))
