"""Losses match Keras 3: per-sample formulas, class reductions, weights, masks, names and errors."""

import inspect
import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strata import losses
from strata.losses.reduction import reduce_values

REDUCTIONS = ["sum_over_batch_size", "sum", "none", None, "mean", "mean_with_sample_weight"]
N = 8


@pytest.fixture(scope="module")
def K():
    import keras

    assert keras.backend.backend() == "jax"
    return keras


def assert_close(actual, expected, tol=1e-5):
    """float32 agreement: |a - e| <= tol, relative to |e| once |e| > 1."""
    actual = np.asarray(actual, np.float64)
    expected = np.asarray(expected, np.float64)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    bound = tol * np.maximum(1.0, np.abs(expected))
    diff = np.abs(actual - expected)
    assert not np.any(np.isnan(expected)), "the test data should give finite losses"
    assert np.all(diff <= bound), f"max diff {diff.max()} (expected {expected}, got {actual})"


# ---- data --------------------------------------------------------------------------------------
def _probabilities(rng, shape):
    p = rng.uniform(0.0, 1.0, shape)
    p.flat[:3] = [0.0, 1.0, 1e-9]  # exercise the clipping at 1e-7 and 1 - 1e-7
    return p


def make_data(kind, rng, shape=(N, 4)):
    """(y_true, y_pred) float32 arrays for one kind of loss."""
    if kind == "regression":
        y_true, y_pred = rng.normal(size=shape) * 2.0, rng.normal(size=shape) * 2.0
    elif kind == "large":
        y_true, y_pred = rng.normal(size=shape) * 30.0, rng.normal(size=shape) * 30.0
    elif kind == "positive":
        y_true, y_pred = rng.uniform(0, 3, shape), rng.uniform(-0.5, 3, shape)
    elif kind == "rates":
        y_true, y_pred = rng.poisson(2.0, shape), rng.uniform(0.01, 3, shape)
    elif kind == "binary":
        y_true, y_pred = rng.integers(0, 2, shape), _probabilities(rng, shape)
    elif kind == "binary_logits":
        y_true, y_pred = rng.integers(0, 2, shape), rng.normal(size=shape) * 3.0
    elif kind == "soft_binary":
        y_true, y_pred = rng.uniform(0, 1, shape), _probabilities(rng, shape)
    elif kind in ("categorical", "categorical_logits", "distribution"):
        classes = shape[-1]
        y_true = np.eye(classes)[rng.integers(0, classes, shape[:-1])]
        if kind == "categorical_logits":
            y_pred = rng.normal(size=shape) * 3.0
        else:
            y_pred = rng.uniform(0, 1, shape)  # not normalized: the loss renormalizes
            y_pred.flat[0] = 0.0
        if kind == "distribution":
            y_true = rng.dirichlet(np.ones(classes), shape[:-1])
            y_pred = y_pred / y_pred.sum(-1, keepdims=True)
    elif kind in ("sparse", "sparse_logits"):
        classes = shape[-1]
        y_true = rng.integers(0, classes, shape[:-1])
        y_pred = (
            rng.normal(size=shape) * 3.0 if kind == "sparse_logits" else rng.uniform(0, 1, shape)
        )
    elif kind == "signed":
        y_true, y_pred = rng.choice([-1.0, 1.0], shape), rng.normal(size=shape)
    elif kind == "zero_one":
        y_true, y_pred = rng.integers(0, 2, shape), rng.normal(size=shape)
    elif kind == "mixed_signs":
        y_true, y_pred = rng.choice([-1.0, 0.0, 1.0], shape), rng.normal(size=shape)
    elif kind == "cosine":
        y_true, y_pred = rng.normal(size=shape), rng.normal(size=shape)
        y_true[0] = 0.0  # a zero vector gives 0
        y_pred[1] = 1e-9  # below Keras's 1/epsilon cap on the inverse norm
    else:
        raise ValueError(kind)
    return np.asarray(y_true, np.float32), np.asarray(y_pred, np.float32)


# (function name, class name, kwargs, data kind)
CASES = [
    ("mean_squared_error", "MeanSquaredError", {}, "regression"),
    ("mean_absolute_error", "MeanAbsoluteError", {}, "regression"),
    ("mean_absolute_percentage_error", "MeanAbsolutePercentageError", {}, "regression"),
    ("mean_squared_logarithmic_error", "MeanSquaredLogarithmicError", {}, "positive"),
    ("huber", "Huber", {}, "regression"),
    ("huber", "Huber", {"delta": 0.5}, "regression"),
    ("huber", "Huber", {"delta": 2.5}, "large"),
    ("log_cosh", "LogCosh", {}, "regression"),
    ("log_cosh", "LogCosh", {}, "large"),
    ("binary_crossentropy", "BinaryCrossentropy", {}, "binary"),
    ("binary_crossentropy", "BinaryCrossentropy", {}, "soft_binary"),
    ("binary_crossentropy", "BinaryCrossentropy", {"label_smoothing": 0.1}, "binary"),
    ("binary_crossentropy", "BinaryCrossentropy", {"from_logits": True}, "binary_logits"),
    (
        "binary_crossentropy",
        "BinaryCrossentropy",
        {"from_logits": True, "label_smoothing": 0.2},
        "binary_logits",
    ),
    ("categorical_crossentropy", "CategoricalCrossentropy", {}, "categorical"),
    (
        "categorical_crossentropy",
        "CategoricalCrossentropy",
        {"label_smoothing": 0.1},
        "categorical",
    ),
    (
        "categorical_crossentropy",
        "CategoricalCrossentropy",
        {"from_logits": True},
        "categorical_logits",
    ),
    (
        "categorical_crossentropy",
        "CategoricalCrossentropy",
        {"from_logits": True, "label_smoothing": 0.3},
        "categorical_logits",
    ),
    ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy", {}, "sparse"),
    (
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
        {"from_logits": True},
        "sparse_logits",
    ),
    (
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
        {"ignore_class": 1},
        "sparse",
    ),
    (
        "sparse_categorical_crossentropy",
        "SparseCategoricalCrossentropy",
        {"from_logits": True, "ignore_class": 0},
        "sparse_logits",
    ),
    ("hinge", "Hinge", {}, "signed"),
    ("hinge", "Hinge", {}, "zero_one"),
    ("hinge", "Hinge", {}, "mixed_signs"),
    ("squared_hinge", "SquaredHinge", {}, "signed"),
    ("squared_hinge", "SquaredHinge", {}, "zero_one"),
    ("squared_hinge", "SquaredHinge", {}, "mixed_signs"),
    ("categorical_hinge", "CategoricalHinge", {}, "categorical_logits"),
    ("kl_divergence", "KLDivergence", {}, "distribution"),
    ("poisson", "Poisson", {}, "rates"),
    ("cosine_similarity", "CosineSimilarity", {}, "cosine"),
    ("cosine_similarity", "CosineSimilarity", {"axis": 0}, "cosine"),
]
IDS = [f"{fn}-{kind}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for fn, _, kw, kind in CASES]

# Keras's function forms of these do not align (N,) with (N, 1) (they broadcast to (N, N) or
# raise); strata's do, so rank mismatches are compared through the class forms only.
KERAS_FUNCTION_ALIGNS = {
    "mean_squared_error",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error",
    "huber",
    "log_cosh",
    "cosine_similarity",
}
RANK_KINDS = {
    "regression",
    "large",
    "positive",
    "rates",
    "binary",
    "binary_logits",
    "signed",
    "zero_one",
}


@pytest.mark.parametrize("fn_name, cls_name, kwargs, kind", CASES, ids=IDS)
def test_function_matches_keras(K, fn_name, cls_name, kwargs, kind):
    rng = np.random.default_rng(1)
    shapes = [(N, 5)] if kind.startswith(("sparse", "categorical", "distribution")) else [(N, 4)]
    shapes.append((N, 3, 5))  # per-sample values of shape (N, 3)
    for shape in shapes:
        if kwargs.get("axis") == 0 and len(shape) == 3:
            continue
        y_true, y_pred = make_data(kind, rng, shape)
        expected = getattr(K.losses, fn_name)(y_true, y_pred, **kwargs)
        actual = getattr(losses, fn_name)(y_true, y_pred, **kwargs)
        assert_close(actual, expected)


@pytest.mark.parametrize("fn_name, cls_name, kwargs, kind", CASES, ids=IDS)
def test_class_matches_keras_for_every_reduction_and_weight(K, fn_name, cls_name, kwargs, kind):
    rng = np.random.default_rng(2)
    shape = (N, 5) if kind.startswith(("sparse", "categorical", "distribution")) else (N, 4)
    y_true, y_pred = make_data(kind, rng, shape)
    weights = [
        None,
        rng.uniform(0, 2, N).astype(np.float32),
        rng.uniform(0, 2, (N, 1)).astype(np.float32),
    ]
    if kwargs.get("axis") == 0:
        weights = [None]  # the values are per feature, not per sample
    for reduction in REDUCTIONS:
        ours = getattr(losses, cls_name)(reduction=reduction, **kwargs)
        theirs = getattr(K.losses, cls_name)(reduction=reduction, **kwargs)
        for sample_weight in weights:
            assert_close(
                ours(y_true, y_pred, sample_weight=sample_weight),
                theirs(y_true, y_pred, sample_weight=sample_weight),
            )


@pytest.mark.parametrize(
    "fn_name, cls_name, kwargs, kind",
    [c for c in CASES if c[3] in RANK_KINDS],
    ids=[i for c, i in zip(CASES, IDS) if c[3] in RANK_KINDS],
)
def test_rank_one_targets_against_column_outputs(K, fn_name, cls_name, kwargs, kind):
    """y_true of shape (N,) against an output of shape (N, 1), and the reverse."""
    rng = np.random.default_rng(3)
    y_true, y_pred = make_data(kind, rng, (N, 1))
    sample_weight = rng.uniform(0, 2, N).astype(np.float32)
    pairs = [(y_true[:, 0], y_pred), (y_true, y_pred[:, 0])]
    for t, p in pairs:
        for reduction in ("sum_over_batch_size", "none", "mean_with_sample_weight"):
            ours = getattr(losses, cls_name)(reduction=reduction, **kwargs)
            theirs = getattr(K.losses, cls_name)(reduction=reduction, **kwargs)
            assert_close(ours(t, p), theirs(t, p))
            assert_close(ours(t, p, sample_weight), theirs(t, p, sample_weight))
        if fn_name in KERAS_FUNCTION_ALIGNS:
            fn_ours, fn_theirs = getattr(losses, fn_name), getattr(K.losses, fn_name)
            assert_close(fn_ours(t, p, **kwargs), fn_theirs(t, p, **kwargs))


def test_sparse_targets_with_trailing_axis_and_sequences(K):
    rng = np.random.default_rng(4)
    labels, scores = make_data("sparse", rng, (N, 3, 5))
    weights = [None, rng.uniform(0, 2, (N, 3)).astype(np.float32), np.ones((N, 1), np.float32)]
    for kwargs in ({}, {"ignore_class": 2}, {"ignore_class": 2, "from_logits": True}):
        for reduction in REDUCTIONS:
            ours = losses.SparseCategoricalCrossentropy(reduction=reduction, **kwargs)
            theirs = K.losses.SparseCategoricalCrossentropy(reduction=reduction, **kwargs)
            for sample_weight in weights:
                assert_close(
                    ours(labels, scores, sample_weight), theirs(labels, scores, sample_weight)
                )
    labels, scores = make_data("sparse", rng, (N, 5))
    column = labels[:, None]
    assert_close(
        losses.sparse_categorical_crossentropy(column, scores),
        K.losses.sparse_categorical_crossentropy(column, scores),
    )
    assert_close(
        losses.SparseCategoricalCrossentropy(ignore_class=0)(column, scores),
        K.losses.SparseCategoricalCrossentropy(ignore_class=0)(column, scores),
    )


def test_sequence_values_with_weights_per_sample_and_per_step(K):
    rng = np.random.default_rng(5)
    y_true, y_pred = make_data("regression", rng, (N, 3, 2))
    for sample_weight in (None, rng.uniform(0, 1, (N, 1)), rng.uniform(0, 1, (N, 3))):
        for reduction in REDUCTIONS:
            ours = losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight)
            theirs = K.losses.MeanSquaredError(reduction=reduction)(y_true, y_pred, sample_weight)
            assert_close(ours, theirs)


def test_integer_and_float64_inputs_are_cast_to_the_loss_dtype(K):
    y_true = np.array([[1, 0, 1]])
    y_pred = np.array([[0.8, 0.3, 0.6]], np.float64)
    assert losses.BinaryCrossentropy()(y_true, y_pred).dtype == jnp.float32
    assert_close(
        losses.BinaryCrossentropy()(y_true, y_pred), K.losses.BinaryCrossentropy()(y_true, y_pred)
    )
    assert_close(
        losses.mean_squared_error(y_true, y_pred), K.losses.mean_squared_error(y_true, y_pred)
    )


def test_categorical_crossentropy_on_a_single_unit_warns_like_keras(K):
    y_true, y_pred = np.ones((4, 1), np.float32), np.full((4, 1), 0.3, np.float32)
    with pytest.warns(
        SyntaxWarning, match=r"y_pred.shape=\(4, 1\). Consider using 'binary_crossentropy'"
    ):
        ours = losses.categorical_crossentropy(y_true, y_pred)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)
        assert_close(ours, K.losses.categorical_crossentropy(y_true, y_pred))


# ---- the padding mask ---------------------------------------------------------------------------
@settings(max_examples=25, deadline=None)
@given(
    real=st.integers(1, 9),
    padding=st.integers(0, 4),
    steps=st.sampled_from([None, 1, 3]),
    weight_kind=st.sampled_from(["none", "sample", "column", "full"]),
    reduction=st.sampled_from(REDUCTIONS),
    seed=st.integers(0, 2**16),
)
def test_masked_padding_equals_the_unpadded_loss(
    real, padding, steps, weight_kind, reduction, seed
):
    rng = np.random.default_rng(seed)
    total = real + padding
    shape = (total,) if steps is None else (total, steps)
    values = rng.uniform(0, 5, shape).astype(np.float32)
    weight = {
        "none": None,
        "sample": rng.uniform(0, 2, total),
        "column": rng.uniform(0, 2, (total, 1)),
        "full": rng.uniform(0, 2, shape),
    }[weight_kind]
    if weight is not None:
        weight = weight.astype(np.float32)
    mask = np.arange(total) < real
    # The padded rows hold junk that must not leak into the result.
    values[real:] = 1e6
    padded = reduce_values(values, weight, reduction or "none", mask=mask.astype(np.float32))
    unpadded = reduce_values(
        values[:real], None if weight is None else weight[:real], reduction or "none"
    )
    if reduction in (None, "none"):
        np.testing.assert_allclose(np.asarray(padded)[:real], unpadded, rtol=1e-6)
        assert not np.any(np.asarray(padded)[real:])
    else:
        np.testing.assert_allclose(padded, unpadded, rtol=1e-5)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_loss_call_with_a_padding_mask_and_ignore_class(K, reduction):
    rng = np.random.default_rng(6)
    labels, scores = make_data("sparse", rng, (10, 4))
    weight = rng.uniform(0, 2, 10).astype(np.float32)
    mask = (np.arange(10) < 7).astype(np.float32)
    ours = losses.SparseCategoricalCrossentropy(ignore_class=1, reduction=reduction)
    theirs = K.losses.SparseCategoricalCrossentropy(ignore_class=1, reduction=reduction)
    padded = ours(labels, scores, weight, mask=mask)
    expected = theirs(labels[:7], scores[:7], weight[:7])
    if reduction in (None, "none"):
        padded = np.asarray(padded)[:7]
    assert_close(padded, expected)


def test_reduce_values_edge_cases():
    assert float(reduce_values(jnp.zeros((0,)))) == 0.0
    zero_weights = jnp.zeros(3)
    assert float(reduce_values(jnp.ones(3), zero_weights, "mean_with_sample_weight")) == 0.0
    # A negative total weight is divided by, not clamped (as Keras's divide_no_nan).
    assert (
        float(reduce_values(jnp.ones(2), jnp.array([-1.0, -1.0]), "mean_with_sample_weight")) == 1.0
    )
    assert float(reduce_values(jnp.asarray(3.0), jnp.asarray(2.0), "sum_over_batch_size")) == 6.0


def test_gradients_are_finite_at_zero_vectors_and_ignored_labels():
    grad = jax.grad(lambda p: losses.cosine_similarity(jnp.zeros((1, 3)), p).sum())(
        jnp.zeros((1, 3))
    )
    assert np.all(np.isfinite(grad))
    loss = losses.SparseCategoricalCrossentropy(ignore_class=0)
    grad = jax.grad(lambda p: loss(jnp.array([0, 1]), p))(jnp.full((2, 3), 1 / 3))
    assert np.all(np.isfinite(grad)) and not np.any(grad[0])


# ---- names, signatures, configs, errors ---------------------------------------------------------
CLASS_NAMES = sorted({c[1] for c in CASES})


@pytest.mark.parametrize("cls_name", CLASS_NAMES)
def test_constructor_signature_name_and_config_match_keras(K, cls_name):
    ours, theirs = getattr(losses, cls_name), getattr(K.losses, cls_name)
    assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters)
    assert ours().name == theirs().name
    # Keras leaves some options (Huber's delta, axis) out of its config; strata keeps them all.
    config = ours().get_config()
    assert theirs().get_config().items() <= config.items()
    rebuilt = ours.from_config(ours(reduction="sum", name="x").get_config())
    assert (rebuilt.name, rebuilt.reduction) == ("x", "sum")


def test_positional_arguments_follow_keras_order():
    huber = losses.Huber(2.0, "sum")
    assert (huber.fn_kwargs, huber.reduction) == ({"delta": 2.0}, "sum")
    sparse = losses.SparseCategoricalCrossentropy(True, 3, "none", 1)
    assert sparse.fn_kwargs == {"from_logits": True, "ignore_class": 3, "axis": 1}
    assert sparse.reduction == "none"


def test_get_resolves_keras_names(K):
    from keras.src.losses import ALL_OBJECTS_DICT

    for name in {**losses.FUNCTIONS, **losses.CLASSES}:
        assert name in ALL_OBJECTS_DICT, f"strata accepts {name!r}, Keras 3 does not"
        loss = losses.get(name)
        assert isinstance(loss, losses.Loss)
    y_true, y_pred = make_data("binary", np.random.default_rng(7))
    for name in ("bce", "BCE", "mse", "kld", "BinaryCrossentropy", "binary_crossentropy"):
        # Keras's get gives a function for a function name; compile wraps it to a mean.
        expected = K.losses.get(name)(y_true, y_pred)
        if not isinstance(K.losses.get(name), K.losses.Loss):
            expected = np.mean(expected)
        assert_close(losses.get(name)(y_true, y_pred), expected)
    assert losses.get(None) is None
    assert losses.get("Huber").name == "huber_loss"
    config = {"class_name": "Huber", "config": {"delta": 3.0, "reduction": "sum"}}
    assert losses.get(config).fn_kwargs == {"delta": 3.0}
    custom = losses.get(lambda t, p: jnp.abs(t - p))
    assert float(custom(jnp.array([1.0, 3.0]), jnp.zeros(2))) == 2.0


def test_unknown_loss_name_lists_valid_names():
    with pytest.raises(
        ValueError, match=r"Unknown loss: 'msee'\. Did you mean 'mse'.*Valid names: .*huber"
    ):
        losses.get("msee")
    with pytest.raises(ValueError, match="Unknown loss: 'huber_loss'"):
        losses.get("huber_loss")  # a tf.keras 2 name that Keras 3 rejects too
    with pytest.raises(ValueError, match="Could not interpret loss identifier: 3"):
        losses.get(3)


def test_invalid_reduction_is_rejected():
    with pytest.raises(
        ValueError, match=r"Loss 'mean_squared_error': invalid `reduction` 'avg'; expected one of"
    ):
        losses.MeanSquaredError(reduction="avg")
    with pytest.raises(ValueError, match="invalid `reduction` 'auto'"):
        losses.LossFunctionWrapper(losses.mae, reduction="auto")


def test_bad_arguments_and_shapes_are_rejected():
    with pytest.raises(TypeError, match="delt"):
        losses.Huber(delt=1.0)
    with pytest.raises(
        ValueError,
        match=r"categorical_crossentropy: .*y_true.shape=\(8,\), y_pred.shape=\(8, 3\).*sparse_categorical",
    ):
        losses.categorical_crossentropy(np.zeros(8), np.ones((8, 3)))
    with pytest.raises(
        ValueError, match=r"sparse_categorical_crossentropy: .*y_true.shape=\(8, 3\)"
    ):
        losses.sparse_categorical_crossentropy(np.zeros((8, 3)), np.ones((8, 3)))
