"""Keras's metric and optimizer extension points, compared with Keras 3: metrics written with
`add_variable` inside `fit`, the stateless metric API, `Optimizer.variables`/`add_variable`/
`assign*`, `stateless_apply` step for step, and optimizers written with `update_step`."""

import jax
import numpy as np
import pytest

import strata

RNG = np.random.default_rng(0)
X = RNG.normal(size=(16, 3)).astype("float32")
Y_BINARY = (X.sum(1, keepdims=True) > 0).astype("float32")
Y_REGRESSION = (X @ np.array([[1.0], [-1.0], [0.5]], "float32")).astype("float32")


def both(keras):
    return {"strata": strata, "keras": keras}


def close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a), np.asarray(b), rtol=tol, atol=tol)


# ---- metrics ----------------------------------------------------------------------------------
def hit_rate_class(lib):
    ops = lib.ops

    class HitRate(lib.metrics.Metric):
        def __init__(self, name="hit_rate", **kwargs):
            super().__init__(name=name, **kwargs)
            self.hits = self.add_variable(shape=(), initializer="zeros", name="hits")
            self.seen = self.add_weight(shape=(), initializer="zeros", name="seen")

        def update_state(self, y_true, y_pred, sample_weight=None):
            hit = ops.cast(ops.logical_and(y_true > 0.5, y_pred > 0.5), "float32")
            self.hits.assign_add(ops.sum(hit))
            self.seen.assign_add(ops.cast(ops.shape(y_true)[0], "float32"))

        def result(self):
            return self.hits / ops.maximum(self.seen, 1.0)

    return HitRate


def fit_with_custom_metric(lib):
    inputs = lib.Input((3,))
    outputs = lib.layers.Dense(1, activation="sigmoid", kernel_initializer="ones")(inputs)
    model = lib.Model(inputs, outputs)
    model.compile(lib.optimizers.SGD(0.1), "binary_crossentropy", metrics=[hit_rate_class(lib)()])
    history = model.fit(X, Y_BINARY, batch_size=4, epochs=2, shuffle=False, verbose=0)
    evaluated = model.evaluate(X, Y_BINARY, batch_size=4, verbose=0, return_dict=True)
    return history.history, evaluated


def test_metric_written_with_add_variable_works_in_fit_like_keras(keras):
    ours, theirs = (fit_with_custom_metric(lib) for lib in both(keras).values())
    assert sorted(ours[0]) == sorted(theirs[0]) == ["hit_rate", "loss"]
    for key in ours[0]:
        close(ours[0][key], theirs[0][key])
    for key in theirs[1]:
        close(ours[1][key], theirs[1][key])


def stateless_metric_run(lib):
    metric = hit_rate_class(lib)()
    y_true = np.array([1.0, 0.0, 1.0, 1.0], "float32")
    y_pred = np.array([0.9, 0.9, 0.2, 0.7], "float32")
    start = metric.stateless_reset_state()
    state = metric.stateless_update_state(start, y_true, y_pred)
    state = jax.jit(metric.stateless_update_state)(state, y_true, y_pred)
    result = metric.stateless_result(state)
    metric.update_state(y_true, y_pred)  # the stateful form on its own variables
    mean = lib.metrics.Mean()
    mean_state = mean.stateless_update_state(
        mean.stateless_reset_state(), np.array([1.0, 3.0, 8.0])
    )
    return (
        [float(v) for v in start],
        [float(v) for v in state],
        float(result),
        float(metric.result()),
        [v.path for v in metric.variables],
        [float(v) for v in mean_state],
        float(mean.stateless_result(mean_state)),
        float(mean.result()),
    )


def test_stateless_metric_api_matches_keras(keras):
    assert stateless_metric_run(strata) == stateless_metric_run(keras)


def test_metric_reset_state_zeroes_variables_like_keras(keras):
    for lib in both(keras).values():
        metric = hit_rate_class(lib)()
        metric.update_state(np.ones(2, "float32"), np.ones(2, "float32"))
        assert float(metric.result()) == 1.0
        metric.reset_state()
        assert [float(np.asarray(v.numpy())) for v in metric.variables] == [0.0, 0.0]


def test_stateless_metric_api_rejects_a_wrong_variable_count(keras):
    for lib in both(keras).values():
        metric = lib.metrics.Mean()
        with pytest.raises(ValueError, match=r"must be a list of tensors corresponding 1:1 to"):
            metric.stateless_update_state([0.0], np.ones(2))


def test_metric_add_variable_rejects_a_bad_aggregation():
    metric = strata.metrics.Mean()
    with pytest.raises(ValueError, match=r"Invalid value for argument `aggregation`"):
        metric.add_variable((), "zeros", aggregation="bogus")


def test_metric_without_either_form_says_what_to_define():
    class Empty(strata.metrics.Metric):
        pass

    with pytest.raises(NotImplementedError, match=r"either `init`/`update`/`result_of` or"):
        Empty().result()


# ---- optimizers -------------------------------------------------------------------------------
OPTIMIZERS = [
    ("Adam", {}),
    ("SGD", {"momentum": 0.9}),
    ("Nadam", {}),
    ("RMSprop", {"momentum": 0.5}),
    ("AdamW", {"weight_decay": 0.1, "clipnorm": 0.5}),
]


def stateless_apply_run(lib, cls, kwargs):
    w = lib.Variable(np.array([1.0, -2.0, 3.0], "float32"), name="w")
    b = lib.Variable(np.array([0.5], "float32"), name="b")
    optimizer = getattr(lib.optimizers, cls)(learning_rate=0.1, **kwargs)
    optimizer.build([w, b])
    optimizer_values = [v.value for v in optimizer.variables]
    trainable = [w.value, b.value]
    apply = jax.jit(optimizer.stateless_apply)
    for step in range(3):
        grads = [trainable[0] * 0.3 + step, trainable[1] - 1.0]
        trainable, optimizer_values = apply(optimizer_values, grads, trainable)
    before = (w.numpy().tolist(), int(optimizer.iterations))
    for variable, value in zip(optimizer.variables, optimizer_values):
        variable.assign(value)
    return (
        [np.asarray(t) for t in trainable],
        [np.asarray(v) for v in optimizer_values],
        before,
        int(optimizer.iterations),
        [v.path.rsplit("/", 1)[-1] for v in optimizer.variables],
    )


@pytest.mark.parametrize("cls, kwargs", OPTIMIZERS)
def test_stateless_apply_matches_keras_step_for_step(cls, kwargs, keras):
    ours = stateless_apply_run(strata, cls, kwargs)
    theirs = stateless_apply_run(keras, cls, kwargs)
    for mine, other in zip(ours[0] + ours[1], theirs[0] + theirs[1]):
        close(mine, other, 1e-6)
    # stateless_apply changes nothing; assigning the values afterwards does.
    assert ours[2:4] == theirs[2:4]
    names = ours[4]
    if cls == "Nadam":
        # Keras leaves Nadam's `u_product` variable unnamed ("variable"); strata names it.
        assert (names[-1], theirs[4][-1]) == ("u_product", "variable")
        names = names[:-1] + ["variable"]
    assert names == theirs[4]


def optimizer_variable_run(lib):
    w = lib.Variable(np.ones(2, "float32"), name="w")
    optimizer = lib.optimizers.Adam(name="adam")
    paths = [[v.path for v in optimizer.variables]]
    optimizer.build([w])
    extra = optimizer.add_variable((3,), name="extra")
    slot = optimizer.add_variable_from_reference(w, "foo", initializer="ones")
    optimizer.assign(extra, np.ones(3, "float32"))
    optimizer.assign_add(extra, np.ones(3, "float32"))
    optimizer.assign_sub(extra, np.full(3, 0.5, "float32"))
    optimizer.apply([np.full(2, 0.5, "float32")], [w])
    paths.append([v.path for v in optimizer.variables])
    return (
        paths,
        np.asarray(extra.numpy()).tolist(),
        (slot.path, tuple(slot.shape), np.asarray(slot.numpy()).tolist()),
        int(optimizer.iterations),
        np.asarray(w.numpy()).tolist(),
    )


def test_optimizer_variables_add_variable_and_assign_match_keras(keras):
    ours, theirs = optimizer_variable_run(strata), optimizer_variable_run(keras)
    assert ours[:4] == theirs[:4]
    close(ours[4], theirs[4], 1e-6)


def momentum_class(lib):
    class Momentum(lib.optimizers.Optimizer):
        def __init__(self, learning_rate=0.1, beta=0.9, **kwargs):
            super().__init__(learning_rate=learning_rate, **kwargs)
            self.beta = beta

        def build(self, var_list):
            super().build(var_list)
            self.moments = [self.add_variable_from_reference(v, "m") for v in var_list]
            self.count = self.add_variable((), name="count")

        def update_step(self, gradient, variable, learning_rate):
            index = [id(v) for v in self._trainable_or_built()].index(id(variable))
            moment = self.moments[index]
            self.assign(moment, self.beta * moment + gradient)
            self.assign_add(self.count, 1.0)
            step = lib.ops.cast(self.iterations + 1, variable.dtype)
            self.assign_sub(variable, learning_rate * moment / step)

        def _trainable_or_built(self):
            return getattr(self, "_trainable_variables", None) or self._variables

    return Momentum


def fit_with_custom_optimizer(lib):
    inputs = lib.Input((3,))
    dense = lib.layers.Dense(1, kernel_initializer="ones", name="dense")
    model = lib.Model(inputs, dense(inputs))
    optimizer = momentum_class(lib)()
    model.compile(optimizer, "mse")
    history = model.fit(X, Y_REGRESSION, batch_size=4, epochs=2, shuffle=False, verbose=0)
    return (
        history.history["loss"],
        model.get_weights(),
        [v.path for v in optimizer.variables],
        [np.asarray(v) for v in optimizer.variables],
    )


def test_optimizer_written_with_update_step_trains_like_keras(keras):
    ours, theirs = fit_with_custom_optimizer(strata), fit_with_custom_optimizer(keras)
    close(ours[0], theirs[0])
    for mine, other in zip(ours[1], theirs[1]):
        close(mine, other)
    assert ours[2] == theirs[2]
    for mine, other in zip(ours[3], theirs[3]):
        close(mine, other)


STATELESS_APPLY_ERRORS = [
    (False, lambda opt, w: opt.stateless_apply([], [], []), r"must be built"),
    (True, lambda opt, w: opt.stateless_apply([1.0], [w.value], [w.value]), r"Received list"),
    (
        True,
        lambda opt, w: opt.stateless_apply(
            [v.value for v in opt.variables], [w.value], [w.value, w.value]
        ),
        r"Received len\(trainable_variables\) == 2 whereas the optimizer was built with 1",
    ),
]


@pytest.mark.parametrize("build, call, message", STATELESS_APPLY_ERRORS)
def test_stateless_apply_rejects_bad_arguments_like_keras(build, call, message, keras):
    for lib in both(keras).values():
        w = lib.Variable(np.ones(2, "float32"), name="w")
        optimizer = lib.optimizers.Adam()
        if build:
            optimizer.build([w])
        with pytest.raises(ValueError, match=message):
            call(optimizer, w)


def test_optimizer_add_variable_rejects_unsupported_arguments():
    optimizer = strata.optimizers.SGD()
    with pytest.raises(ValueError, match=r"invalid `aggregation`.*aggregation='bogus'"):
        optimizer.add_variable((2,), aggregation="bogus")
    with pytest.raises(ValueError, match=r"`layout` is not supported"):
        optimizer.add_variable((2,), layout="anything")


def test_optimizer_without_rule_or_update_step_says_what_to_define():
    class Empty(strata.optimizers.Optimizer):
        pass

    w = strata.Variable(np.ones(2, "float32"))
    with pytest.raises(NotImplementedError, match=r"defines neither `rule`"):
        Empty().apply([np.ones(2, "float32")], [w])


def registered_momentum(lib):
    base = momentum_class(lib)

    @lib.saving.register_keras_serializable(package="ExtPointsOpt")
    class SavedMomentum(base):
        def get_config(self):
            return {**super().get_config(), "beta": self.beta}

    return SavedMomentum


@pytest.mark.parametrize(
    "writer, reader", [("strata", "strata"), ("strata", "keras"), ("keras", "strata")]
)
def test_update_step_optimizer_state_is_saved_and_loaded(writer, reader, keras, tmp_path):
    libs = both(keras)
    lib = libs[writer]
    inputs = lib.Input((3,))
    dense = lib.layers.Dense(1, kernel_initializer="ones", name="dense")
    model = lib.Model(inputs, dense(inputs))
    model.compile(registered_momentum(lib)(beta=0.8), "mse")
    model.fit(X, Y_REGRESSION, batch_size=4, epochs=1, shuffle=False, verbose=0)
    path = str(tmp_path / "momentum.keras")
    model.save(path)
    registered_momentum(libs[reader])
    loaded = libs[reader].saving.load_model(path)
    assert loaded.optimizer.beta == 0.8
    assert [v.path for v in loaded.optimizer.variables] == [
        v.path for v in model.optimizer.variables
    ]
    for mine, other in zip(model.optimizer.variables, loaded.optimizer.variables):
        close(np.asarray(mine), np.asarray(other), 1e-6)


def iterations_run(lib):
    w = lib.Variable(np.ones(2, "float32"), name="w")
    optimizer = lib.optimizers.SGD(learning_rate=0.1)
    optimizer.apply([np.ones(2, "float32")], [w])
    optimizer.apply([np.ones(2, "float32")], [w])
    first = (int(optimizer.iterations), optimizer.iterations.numpy().item())
    optimizer.iterations.assign(7)
    return first, int(optimizer.iterations), int(np.asarray(optimizer.iterations.value))


def test_iterations_answers_kerass_variable_methods(keras):
    assert iterations_run(strata) == iterations_run(keras) == ((2, 2), 7, 7)
