"""Bad input gets a clear error that names what is wrong, never a raw JAX traceback."""

import numpy as np
import pytest

import strata
from strata import layers


def _model(n_in=2, name="m"):
    inputs = strata.Input(shape=(n_in,), name="in_a")
    return strata.Model(inputs, layers.Dense(1, name="out")(inputs), name=name)


def _two_input_model():
    a, b = strata.Input(shape=(2,), name="in_a"), strata.Input(shape=(3,), name="in_b")
    return strata.Model([a, b], layers.Dense(1)(layers.concatenate([a, b])), name="two")


def test_fit_before_compile():
    with pytest.raises(ValueError, match=r"You must call `compile\(\)` before using `fit\(\)`"):
        _model().fit(np.ones((2, 2)), np.ones(2))
    with pytest.raises(ValueError, match="compile"):
        _model().evaluate(np.ones((2, 2)), np.ones(2))


@pytest.mark.parametrize(
    "factory, pattern",
    [
        (
            lambda: strata.optimizers.get("adamm"),
            r"Unknown optimizer: 'adamm'.*'adam'.*Valid names",
        ),
        (
            lambda: strata.losses.get("msee"),
            r"Unknown loss: 'msee'.*Valid names:.*mean_squared_error",
        ),
        (lambda: strata.metrics.get("accurracy"), r"Unknown metric: 'accurracy'.*Valid names"),
        (lambda: layers.Dense(2, activation="rleu"), r"Unknown activation: 'rleu'.*'relu'"),
        (lambda: layers.Dense(2, kernel_initializer="glorot"), r"Unknown initializer: 'glorot'"),
    ],
)
def test_unknown_identifiers_list_valid_names(factory, pattern):
    with pytest.raises(ValueError, match=pattern):
        factory()


def test_unknown_compile_strings_fail_at_compile():
    model = _model()
    with pytest.raises(ValueError, match="Unknown loss"):
        model.compile("adam", loss="cross_entropy_typo")
    with pytest.raises(ValueError, match="Unknown metric"):
        model.compile("adam", loss="mse", metrics=["maee"])
    with pytest.raises(ValueError, match="Unknown optimizer"):
        model.compile("nope", loss="mse")


def test_x_and_y_of_different_lengths():
    model = _model()
    model.compile("sgd", "mse")
    with pytest.raises(
        ValueError, match=r"(?s)Data cardinality is ambiguous.*'x' sizes: 9.*'y' sizes: 8"
    ):
        model.fit(np.ones((9, 2)), np.ones(8), verbose=0)


def test_wrong_number_of_inputs_and_dict_keys():
    model = _two_input_model()
    model.compile("sgd", "mse")
    y = np.ones(4)
    with pytest.raises(ValueError, match=r"expects 2 inputs \['in_a', 'in_b'\].*received 3"):
        model.fit([np.ones((4, 2)), np.ones((4, 3)), np.ones((4, 3))], y, verbose=0)
    with pytest.raises(ValueError, match="received a single array"):
        model.fit(np.ones((4, 2)), y, verbose=0)
    with pytest.raises(ValueError, match=r"Unknown key\(s\) \['typo'\] match no input"):
        model.fit({"in_a": np.ones((4, 2)), "in_b": np.ones((4, 3)), "typo": y}, y, verbose=0)
    with pytest.raises(ValueError, match=r"Missing data for \['in_b'\]"):
        model.predict({"in_a": np.ones((4, 2))}, verbose=0)


def test_wrong_number_of_targets():
    a = strata.Input(shape=(2,))
    model = strata.Model(a, [layers.Dense(1, name="o1")(a), layers.Dense(1, name="o2")(a)])
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=r"2 output\(s\) \['o1', 'o2'\].*holds 3 arrays"):
        model.fit(np.ones((4, 2)), [np.ones(4)] * 3, verbose=0)
    with pytest.raises(ValueError, match=r"has unknown key\(s\) \['o3'\]"):
        model.fit(np.ones((4, 2)), {"o1": np.ones(4), "o3": np.ones(4)}, verbose=0)


def test_input_shape_mismatch_in_data():
    model = _model(name="shapes")
    model.compile("sgd", "mse")
    with pytest.raises(
        ValueError, match=r"Input 'in_a' of model 'shapes' expects shape \(None, 2\).*\(4, 3\)"
    ):
        model.fit(np.ones((4, 3)), np.ones(4), verbose=0)


def test_non_numeric_and_ragged_data():
    model = _model()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="`x` must be numeric.*dtype <U"):
        model.fit(np.array([["a", "b"]]), np.ones(1), verbose=0)
    with pytest.raises(ValueError, match="`x` is ragged"):
        model.fit([[1, 2], [3]], [1, 2], verbose=0)
    with pytest.raises(ValueError, match=r"`y(\[0\])?` could not be converted"):
        model.fit(np.ones((2, 2)), [None, 1], verbose=0)


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"batch_size": 0}, r"`batch_size` must be a positive int; received batch_size=0"),
        ({"batch_size": 2.5}, r"`batch_size` must be a positive int"),
        ({"epochs": -1}, r"`epochs` must be a non-negative int; received epochs=-1"),
        ({"verbose": 3}, r"`verbose` must be"),
        ({"validation_split": 1.5}, r"`validation_split` must be in \[0, 1\)"),
        ({"validation_data": (np.ones((2, 2)),)}, r"`validation_data` must be a tuple"),
        (
            {"class_weight": {0: 1.0}, "sample_weight": np.ones(4)},
            r"cannot use `class_weight` and `sample_weight`",
        ),
    ],
)
def test_bad_fit_arguments(kwargs, pattern):
    model = _model()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match=pattern):
        model.fit(np.ones((4, 2)), np.ones(4), verbose=kwargs.pop("verbose", 0), **kwargs)


def test_validation_split_too_small():
    model = _model()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="not sufficient to split"):
        model.fit(np.ones((1, 2)), np.ones(1), validation_split=0.5, verbose=0)


def test_bad_layer_arguments():
    with pytest.raises(ValueError, match=r"invalid value for `units`.*units=3.0"):
        layers.Dense(3.0)
    with pytest.raises(ValueError, match=r"`rate` must be a float in \[0, 1\)"):
        layers.Dropout(1.5)
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        layers.Dense(2, unitz=3)
    with pytest.raises(ValueError, match=r"`shape` must be a non-negative int or None|every entry"):
        strata.Input(shape=(-1,))
    with pytest.raises(ValueError, match="rank >= 2"):
        layers.Dense(2)(np.ones(3))


def test_bad_compile_arguments():
    model = _model()
    with pytest.raises(ValueError, match="`steps_per_execution` must be a positive int"):
        model.compile("sgd", "mse", steps_per_execution=0)
    a = strata.Input(shape=(2,))
    two = strata.Model(a, [layers.Dense(1, name="p")(a), layers.Dense(1, name="q")(a)])
    two.compile("sgd", loss={"p": "mse", "nope": "mse"})
    with pytest.raises(
        ValueError, match=r"`loss` has key\(s\) \['nope'\] that name no model output"
    ):
        two.fit(np.ones((2, 2)), [np.ones(2), np.ones(2)], verbose=0)
