"""Keras's layer extension points, compared with Keras 3: `add_variable`/`add_weight` (string
initializers, regularizers, constraints), `path` and `name_scope`, `input_spec`,
`get_build_config`/`build_from_config`, `save_own_variables`/`load_own_variables` in `.keras`
files both ways, `Variable` and `StatelessScope`."""

import numpy as np
import pytest

import strata

X = np.random.default_rng(0).normal(size=(12, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32")).astype("float32")


def _message(fn):
    with pytest.raises(Exception) as info:
        fn()
    return type(info.value), str(info.value)


# ---- add_variable / add_weight ---------------------------------------------------------------
def scaler_class(lib):
    class Scaler(lib.layers.Layer):
        def __init__(self, units=1, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_variable((input_shape[-1], self.units), "ones", name="w")
            self.b = self.add_weight(
                shape=(self.units,),
                initializer="zeros",
                regularizer="l2",
                constraint="non_neg",
                name="b",
            )

        def call(self, x):
            return lib.ops.matmul(x, self.w) + self.b

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return Scaler


def fit_scaler(lib):
    inputs = lib.Input((3,))
    model = lib.Model(inputs, scaler_class(lib)(name="scaler")(inputs))
    model.compile(lib.optimizers.SGD(0.05), "mse")
    history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return model, history.history["loss"]


def test_custom_layer_with_string_weight_arguments_trains_like_keras(keras):
    ours, our_loss = fit_scaler(strata)
    theirs, their_loss = fit_scaler(keras)
    np.testing.assert_allclose(our_loss, their_loss, rtol=1e-5, atol=1e-6)
    for mine, other in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, other, rtol=1e-5, atol=1e-6)
    layer = ours.get_layer("scaler")
    assert type(layer.b.regularizer).__name__ == "L2"
    assert type(layer.b.constraint).__name__ == "NonNeg"
    assert (layer.w.path, layer.b.path) == ("scaler/w", "scaler/b")
    np.testing.assert_allclose(
        float(layer.losses[0]), float(theirs.get_layer("scaler").losses[0]), rtol=1e-5
    )


@pytest.mark.parametrize("lib_name", ["strata", "keras"])
def test_add_weight_defaults_follow_keras(lib_name, keras):
    lib = strata if lib_name == "strata" else keras
    layer = lib.layers.Layer(name="holder")
    counts = layer.add_weight(shape=(2,), dtype="int32", name="counts")
    plain = layer.add_weight((3,), name="plain")
    scalar = layer.add_weight(name="scalar", autocast=False, aggregation="mean")
    assert np.asarray(counts.numpy()).tolist() == [0, 0]
    assert plain.shape == (3,) and scalar.shape == ()
    assert scalar.aggregation == "mean"
    if lib is strata:
        assert scalar.autocast is False


ADD_WEIGHT_ERRORS = [
    (
        lambda layer: layer.add_weight("kernel"),
        ValueError,
        r"`name` must be passed as a keyword argument",
    ),
    (
        lambda layer: layer.add_weight((2,), shape=(2,)),
        ValueError,
        r"`shape` was passed both positionally and as a keyword argument",
    ),
    (
        lambda layer: layer.add_weight((2,), "ones", "float32", True),
        TypeError,
        r"add_weight\(\) takes at most 3 positional arguments but 4 were given",
    ),
    (
        lambda layer: layer.add_weight(shape=(2,), aggregation="bogus"),
        ValueError,
        r"Invalid value for argument `aggregation`.*Received: aggregation=bogus",
    ),
]


@pytest.mark.parametrize("call, error, message", ADD_WEIGHT_ERRORS)
def test_add_weight_rejects_bad_arguments_as_keras_does(call, error, message, keras):
    with pytest.raises(error, match=message):
        call(strata.layers.Layer())
    with pytest.raises(error, match=message):
        call(keras.layers.Layer())


@pytest.mark.parametrize("kind", ["initializer", "regularizer", "constraint"])
def test_add_weight_rejects_unknown_names(kind, keras):
    # Keras says "Could not interpret ..."; strata lists the names it knows.
    with pytest.raises(ValueError, match=rf"Unknown {kind}: 'bogus'. Valid names: "):
        strata.layers.Layer().add_weight(shape=(2,), **{kind: "bogus"})
    with pytest.raises(ValueError, match=rf"Could not interpret {kind} identifier"):
        keras.layers.Layer().add_weight(shape=(2,), **{kind: "bogus"})


def test_add_weight_rejects_overwrite_with_gradient():
    with pytest.raises(ValueError, match=r"`overwrite_with_gradient=True`.*not supported"):
        strata.layers.Layer().add_weight(shape=(2,), overwrite_with_gradient=True)


def test_base_layer_takes_kerass_autocast_and_rejects_an_activity_regularizer():
    assert strata.layers.Layer(autocast=False).autocast is False
    with pytest.raises(ValueError, match=r"does not apply `activity_regularizer`"):
        strata.layers.Layer(activity_regularizer="l2")


# ---- path and name_scope ------------------------------------------------------------------
@pytest.mark.parametrize("lib_name", ["strata", "keras"])
def test_paths_follow_name_scope_as_in_keras(lib_name, keras):
    lib = strata if lib_name == "strata" else keras
    outside = lib.layers.Dense(2, name="plain")
    assert outside.path is None  # not built yet
    outside.build((None, 3))
    with lib.name_scope("outer"):
        variable = lib.Variable(np.ones(2), name="w")
        layer = lib.layers.Dense(2, name="inner_dense")
        layer(np.ones((1, 3), "float32"))
        with lib.name_scope("deeper"):
            nested = lib.Variable(1.0, name="x")
    assert (outside.path, outside.kernel.path) == ("plain", "plain/kernel")
    assert variable.path == "outer/w"
    assert (layer.path, layer.kernel.path) == ("outer/inner_dense", "outer/inner_dense/kernel")
    assert nested.path == "outer/deeper/x"


@pytest.mark.parametrize("name", [3, "a/b", ""])
def test_name_scope_rejects_bad_names(name):
    with pytest.raises(ValueError, match=r"Argument `name` must be a string"):
        strata.name_scope(name)


# ---- input_spec ---------------------------------------------------------------------------
SPECS = [
    (dict(ndim=2, axes={-1: 3}), np.ones((2, 3, 1), "float32")),
    (dict(ndim=2, axes={-1: 3}), np.ones((2, 4), "float32")),
    (dict(min_ndim=3), np.ones((2, 4), "float32")),
    (dict(max_ndim=1), np.ones((2, 4), "float32")),
    (dict(shape=(None, 5)), np.ones((2, 4), "float32")),
    (dict(dtype="int32"), np.ones((2, 4), "float32")),
]


def spec_layer(lib, spec):
    class Checked(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.input_spec = lib.layers.InputSpec(**spec)

        def call(self, x):
            return x

    return Checked(name="checked")


@pytest.mark.parametrize("spec, data", SPECS)
def test_input_spec_errors_are_keras_errors(spec, data, keras):
    ours = _message(lambda: spec_layer(strata, spec)(data))
    theirs = _message(lambda: spec_layer(keras, spec)(data))
    assert ours == theirs


def test_input_spec_checks_symbolic_inputs_and_input_counts(keras):
    spec = dict(ndim=2, axes={-1: 3})
    ours = _message(lambda: spec_layer(strata, spec)(strata.Input((5,))))
    theirs = _message(lambda: spec_layer(keras, spec)(keras.Input((5,))))
    assert ours == theirs
    layer = spec_layer(strata, spec)
    layer.input_spec = [strata.layers.InputSpec(ndim=2), strata.layers.InputSpec(ndim=3)]
    with pytest.raises(
        ValueError, match=r'Layer "checked" expects 2 input\(s\), but it received 1'
    ):
        layer([np.ones((2, 3), "float32")])
    assert spec_layer(strata, spec)(np.ones((2, 3), "float32")).shape == (2, 3)


def test_input_spec_rejects_an_axis_beyond_ndim(keras):
    ours = _message(lambda: strata.layers.InputSpec(ndim=2, axes={3: 1}))
    theirs = _message(lambda: keras.layers.InputSpec(ndim=2, axes={3: 1}))
    assert ours == theirs == (ValueError, "Axis 3 is greater than the maximum allowed value: 1")


def test_input_spec_config_matches_keras(keras):
    ours = strata.layers.InputSpec(shape=(None, 3)).get_config()
    theirs = keras.layers.InputSpec(shape=(None, 3)).get_config()
    assert ours == theirs


# ---- build config and own variables, through .keras files both ways -----------------------------
def custom_saving_classes(lib):
    """A layer that saves its kernel transposed under its own keys, and one with its own
    build config; both registered under the same names in strata and Keras."""

    @lib.saving.register_keras_serializable(package="ExtPoints")
    class Transposed(lib.layers.Layer):
        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], 2), name="kernel")

        def call(self, x):
            return lib.ops.matmul(x, self.kernel)

        def save_own_variables(self, store):
            store["kernel_t"] = np.asarray(self.kernel.numpy()).T
            store["marker"] = np.array([7.0], "float32")

        def load_own_variables(self, store):
            assert float(np.asarray(store["marker"])[0]) == 7.0
            self.kernel.assign(np.asarray(store["kernel_t"]).T)

    @lib.saving.register_keras_serializable(package="ExtPoints")
    class Widened(lib.layers.Layer):
        def build(self, input_shape):
            self.width = input_shape[-1]
            self.kernel = self.add_weight(shape=(input_shape[-1], 1), name="kernel")

        def call(self, x):
            return lib.ops.matmul(x, self.kernel)

        def get_build_config(self):
            return {"width": self.width}

        def build_from_config(self, config):
            self.build((None, config["width"]))

    return Transposed, Widened


def saved_model(lib, path):
    transposed, widened = custom_saving_classes(lib)
    inputs = lib.Input((3,))
    hidden = transposed(name="transposed")(inputs)
    model = lib.Model(inputs, widened(name="widened")(hidden))
    model.save(path)
    return model


@pytest.mark.parametrize("writer", ["strata", "keras"])
def test_own_variables_and_build_config_overrides_round_trip(writer, keras, tmp_path):
    libs = {"strata": strata, "keras": keras}
    reader = "keras" if writer == "strata" else "strata"
    path = str(tmp_path / "custom.keras")
    original = saved_model(libs[writer], path)
    custom_saving_classes(libs[reader])
    loaded = libs[reader].saving.load_model(path)
    np.testing.assert_allclose(
        np.asarray(loaded.predict(X, verbose=0)),
        np.asarray(original.predict(X, verbose=0)),
        rtol=1e-6,
    )
    widened = loaded.get_layer("widened")
    assert widened.get_build_config() == {"width": 2}


def test_load_own_variables_checks_the_count_like_keras(keras):
    ours = strata.layers.Dense(2, name="dd")
    ours.build((None, 3))
    theirs = keras.layers.Dense(2, name="dd")
    theirs.build((None, 3))
    store = {"0": np.ones((3, 2), "float32")}
    assert _message(lambda: ours.load_own_variables(store)) == _message(
        lambda: theirs.load_own_variables(store)
    )


@pytest.mark.parametrize("lib_name", ["strata", "keras"])
def test_save_own_variables_default_and_build_config(lib_name, keras):
    lib = strata if lib_name == "strata" else keras
    layer = lib.layers.Dense(2)
    assert layer.get_build_config() is None
    layer.build((None, 3))
    store = {}
    layer.save_own_variables(store)
    assert sorted(store) == ["0", "1"]
    assert [np.asarray(v).shape for v in store.values()] == [(3, 2), (2,)]
    assert layer.get_build_config() == {"input_shape": (None, 3)}
    fresh = lib.layers.Dense(2)
    fresh.build_from_config(layer.get_build_config())
    fresh.load_own_variables(store)
    np.testing.assert_allclose(np.asarray(fresh.kernel.numpy()), np.asarray(layer.kernel.numpy()))


# ---- Variable and StatelessScope ----------------------------------------------------------
@pytest.mark.parametrize("lib_name", ["strata", "keras"])
def test_variable_takes_keras_arguments(lib_name, keras):
    lib = strata if lib_name == "strata" else keras
    variable = lib.Variable("ones", shape=(2,), trainable=False, name="v")
    assert np.asarray(variable.numpy()).tolist() == [1.0, 1.0]
    assert (variable.trainable, variable.name, variable.path) == (False, "v", "v")
    with pytest.raises(ValueError, match=r"the `shape` argument should be specified"):
        lib.Variable("ones")


def run_stateless_scope(lib):
    a = lib.Variable(np.zeros(2, "float32"), name="a")
    b = lib.Variable(3.0, name="b")
    with lib.StatelessScope(state_mapping=[(a, np.ones(2, "float32"))]) as scope:
        read = (np.asarray(a.value).tolist(), float(b.value))
        a.assign(a.value + 1)
        b.assign(5.0)
        reread = (np.asarray(a.value).tolist(), float(b.value))
    collected = (
        np.asarray(scope.get_current_value(a)).tolist(),
        float(scope.get_current_value(b)),
    )
    return read, reread, collected, np.asarray(a.numpy()).tolist(), float(b.numpy())


def test_stateless_scope_matches_keras(keras):
    assert run_stateless_scope(strata) == run_stateless_scope(keras)


def test_stateless_scope_collects_layer_losses():
    layer = strata.layers.Dense(1, kernel_regularizer="l2", kernel_initializer="ones")
    layer.build((None, 2))
    with strata.StatelessScope(state_mapping=[(layer.kernel, np.full((2, 1), 2.0))]) as scope:
        layer(np.ones((1, 2), "float32"))
    np.testing.assert_allclose(float(scope.losses[0]), 0.01 * 8.0, rtol=1e-6)
    np.testing.assert_allclose(layer.kernel.numpy(), np.ones((2, 1)))


def test_stateless_scope_rejects_bad_mappings(keras):
    variable = strata.Variable(np.zeros(2), name="a")
    with pytest.raises(ValueError, match=r"all keys in argument `mapping` must be Variable"):
        strata.StatelessScope(state_mapping=[(1, 2)])
    with pytest.raises(ValueError, match=r"Invalid variable value in StatelessScope"):
        strata.StatelessScope(state_mapping=[(variable, np.ones(3))])


def test_top_level_base_classes():
    from strata.initializers import Initializer
    from strata.layers.layer import Layer
    from strata.losses.classes import Loss
    from strata.metrics.base import Metric
    from strata.optimizers.base import Optimizer
    from strata.regularizers import Regularizer

    assert strata.Layer is Layer and strata.layers.Layer is Layer
    assert strata.Loss is Loss and strata.Metric is Metric and strata.Optimizer is Optimizer
    assert strata.Initializer is Initializer and strata.Regularizer is Regularizer
    assert isinstance(strata.Variable(1.0), strata.Variable)


@pytest.mark.parametrize("argument", ["aggregation", "synchronization"])
def test_variable_checks_kerass_hints(argument, keras):
    for lib in (strata, keras):
        with pytest.raises(ValueError, match=rf"Invalid value for argument `{argument}`"):
            lib.Variable(1.0, **{argument: "bogus"})
    assert strata.Variable(1.0, aggregation="sum").aggregation == "sum"


def test_name_scope_rejects_unknown_options():
    with pytest.raises(ValueError, match=r"unsupported argument\(s\) \['override_parent'\]"):
        strata.name_scope("a", override_parent="b")
