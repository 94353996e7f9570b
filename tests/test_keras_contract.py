"""The loop's promises, compared with Keras 3: hook order, count and arguments; `steps`
arguments; eager steps; `add_loss`-only models; the step methods a subclass calls with `super()`;
callbacks from other packages; batches given as lists (torch `DataLoader`)."""

import os
import warnings

os.environ.setdefault("KERAS_BACKEND", "jax")

import keras
import numpy as np
import pytest

import strata

HOOKS_WITH_INDEX = (
    "on_epoch_begin",
    "on_epoch_end",
    "on_train_batch_begin",
    "on_train_batch_end",
    "on_test_batch_begin",
    "on_test_batch_end",
    "on_predict_batch_begin",
    "on_predict_batch_end",
)
HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)


def recorder(base):
    """A callback class (on `base`) recording (hook, index, logs keys or outputs shape)."""

    def record_logs(hook):
        def method(self, logs=None):
            self.events.append((hook, _describe(logs)))

        return method

    def record_indexed(hook):
        def method(self, index, logs=None):
            self.events.append((hook, index, _describe(logs)))

        return method

    namespace = {name: record_logs(name) for name in HOOKS}
    namespace.update({name: record_indexed(name) for name in HOOKS_WITH_INDEX})

    def __init__(self):
        base.__init__(self)
        self.events = []

    namespace["__init__"] = __init__
    return type("Recorder", (base,), namespace)


def _describe(logs):
    if logs is None:
        return None
    if "outputs" in logs:
        return ("outputs", tuple(np.shape(logs["outputs"])))
    return tuple(sorted(logs))


def _pair(seed=0, units=1):
    """The same small regression model in Keras and strata, with the same weights."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(3, units)).astype("float32"), np.zeros(units, "float32")]
    models = []
    for lib in (keras, strata):
        inputs = lib.Input((3,))
        model = lib.Model(inputs, lib.layers.Dense(units)(inputs))
        model.set_weights(weights)
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        models.append(model)
    return models


def _data(n=10):
    rng = np.random.default_rng(1)
    return rng.normal(size=(n, 3)).astype("float32"), rng.normal(size=(n, 1)).astype("float32")


def _run_both(action):
    """`action(lib, model, Recorder)` on Keras and on strata; the recorded events of each."""
    events = []
    for lib, model in zip((keras, strata), _pair()):
        callback = recorder(lib.callbacks.Callback)()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = action(model, callback)
        events.append((callback.events, result))
    return events


@pytest.mark.parametrize(
    "kwargs",
    [
        {"batch_size": 4, "epochs": 2},
        {"batch_size": 4, "epochs": 2, "validation_split": 0.4, "validation_batch_size": 2},
        {"batch_size": 4, "epochs": 3, "steps_per_epoch": 2},
        {"batch_size": 4, "epochs": 2, "steps_per_epoch": 5},
        {"batch_size": 4, "epochs": 4, "steps_per_epoch": 1},
        {
            "batch_size": 4,
            "epochs": 2,
            "validation_steps": 1,
            "validation_freq": 2,
            "validation_split": 0.5,
        },
        {"batch_size": 3, "epochs": 3, "validation_freq": [1, 3], "validation_split": 0.3},
    ],
)
def test_fit_hooks_steps_and_history_match_keras(kwargs):
    x, y = _data()

    def fit(model, callback):
        history = model.fit(x, y, shuffle=False, callbacks=[callback], verbose=0, **kwargs)
        return history.history, history.params

    (keras_events, (keras_history, keras_params)), (ours, (history, params)) = _run_both(fit)
    assert ours == keras_events
    assert params == keras_params
    assert history.keys() == keras_history.keys()
    for key in history:
        np.testing.assert_allclose(history[key], keras_history[key], rtol=1e-5, atol=1e-6)


def test_validation_data_fires_test_hooks_inside_fit_as_keras():
    x, y = _data()

    def fit(model, callback):
        model.fit(
            x,
            y,
            batch_size=4,
            epochs=1,
            validation_data=(x[:6], y[:6]),
            validation_batch_size=4,
            callbacks=[callback],
            verbose=0,
        )

    (keras_events, _), (ours, _) = _run_both(fit)
    assert ours == keras_events
    assert ("on_test_batch_begin", 1, ()) in ours


@pytest.mark.parametrize("steps", [None, 2, 5])
def test_evaluate_steps_and_hooks_match_keras(steps):
    x, y = _data()

    def evaluate(model, callback):
        return model.evaluate(x, y, batch_size=4, steps=steps, callbacks=[callback], verbose=0)

    (keras_events, keras_result), (ours, result) = _run_both(evaluate)
    assert ours == keras_events
    np.testing.assert_allclose(result, keras_result, rtol=1e-5)


@pytest.mark.parametrize("steps", [None, 2])
def test_predict_steps_and_outputs_per_batch_match_keras(steps):
    x, _ = _data()

    def predict(model, callback):
        return model.predict(x, batch_size=4, steps=steps, callbacks=[callback], verbose=0)

    (keras_events, keras_out), (ours, out) = _run_both(predict)
    assert ours == keras_events
    assert out.shape == keras_out.shape
    np.testing.assert_allclose(out, keras_out, rtol=1e-5, atol=1e-6)


def test_generator_with_steps_per_epoch_continues_across_epochs_as_keras():
    x, y = _data(12)

    def batches():
        i = 0
        while True:
            yield x[i % 12 : i % 12 + 2], y[i % 12 : i % 12 + 2]
            i += 2

    def fit(model, callback):
        history = model.fit(batches(), epochs=2, steps_per_epoch=3, callbacks=[callback], verbose=0)
        return history.history["loss"]

    (keras_events, keras_loss), (ours, loss) = _run_both(fit)
    assert ours == keras_events
    np.testing.assert_allclose(loss, keras_loss, rtol=1e-5)


def test_a_keras_callback_subclass_works_and_sees_every_batch():
    """A callback written for Keras (another package's base class) runs in strata's fit."""
    x, y = _data()
    _, model = _pair()
    seen = []

    class KerasStyle(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.append((batch, sorted(logs)))

    model.fit(x, y, batch_size=4, epochs=1, callbacks=[KerasStyle()], verbose=0)
    assert seen == [(0, ["loss", "mae"]), (1, ["loss", "mae"]), (2, ["loss", "mae"])]


def test_epoch_only_callbacks_keep_fused_execution_invisible():
    x, y = _data(64)
    _, model = _pair()
    ends = []

    class EpochOnly(strata.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            ends.append((epoch, logs))

    model.fit(x, y, batch_size=4, epochs=2, callbacks=[EpochOnly()], verbose=0)
    assert [e for e, _ in ends] == [0, 1]
    assert all(isinstance(logs, dict) and set(logs) == {"loss", "mae"} for _, logs in ends)
    assert model.trace_counts["train"] == 1


def test_callbacks_that_are_not_callbacks_are_refused():
    x, y = _data()
    _, model = _pair()
    with pytest.raises(TypeError, match="callbacks.*received object"):
        model.fit(x, y, callbacks=[object()], verbose=0)


# ---- eager execution --------------------------------------------------------------------------
class Spy(strata.layers.Layer):
    """Records the type of what `call` receives."""

    seen = []

    def call(self, inputs):
        Spy.seen.append(np.asarray(inputs).shape if not _is_tracer(inputs) else "tracer")
        return inputs


def _is_tracer(value):
    import jax

    return isinstance(value, jax.core.Tracer)


@pytest.mark.parametrize("settings", [{"run_eagerly": True}, {"jit_compile": False}])
def test_eager_steps_give_concrete_arrays_and_the_same_numbers(settings):
    x, y = _data(10)
    results = []
    for eager in (False, True):
        strata.utils.set_random_seed(3)
        inputs = strata.Input((3,))
        model = strata.Model(inputs, strata.layers.Dense(1)(Spy()(inputs)))
        model.compile(optimizer="sgd", loss="mse", **(settings if eager else {}))
        Spy.seen = []
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        Spy.seen = []
        evaluated = model.evaluate(x, y, batch_size=4, verbose=0)
        concrete = list(Spy.seen)
        predicted = model.predict(x, batch_size=4, verbose=0)
        results.append((history.history["loss"], evaluated, predicted, concrete))
    (loss, evaluated, predicted, traced), (eager_loss, eager_eval, eager_pred, concrete) = results
    np.testing.assert_allclose(eager_loss, loss, rtol=1e-5)
    np.testing.assert_allclose(eager_eval, evaluated, rtol=1e-5)
    np.testing.assert_allclose(eager_pred, predicted, rtol=1e-5)
    assert concrete == [(4, 3), (4, 3), (4, 3)]  # every batch, as arrays (padded last batch)
    assert model.run_eagerly is settings.get("run_eagerly", False)
    assert model.jit_compile is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"run_eagerly": "yes"}, "run_eagerly.*bool"),
        ({"jit_compile": "xla"}, "jit_compile.*'auto', True or False"),
        ({"auto_scale_loss": 1}, "auto_scale_loss.*bool"),
        ({"steps_per_execution": 0}, "steps_per_execution"),
    ],
)
def test_compile_rejects_bad_execution_arguments(kwargs, message):
    _, model = _pair()
    with pytest.raises(ValueError, match=message):
        model.compile(loss="mse", **kwargs)


@pytest.mark.parametrize(
    ("method", "kwargs", "message"),
    [
        ("fit", {"steps_per_epoch": 0}, "fit: `steps_per_epoch` must be a positive int"),
        ("fit", {"validation_steps": 1.5}, "fit: `validation_steps` must be a positive int"),
        ("fit", {"validation_freq": "epoch"}, "`validation_freq` must be a positive int"),
        ("fit", {"validation_batch_size": -1}, "`validation_batch_size` must be a positive"),
        ("evaluate", {"steps": 0}, "evaluate: `steps` must be a positive int"),
        ("predict", {"steps": "all"}, "predict: `steps` must be a positive int"),
    ],
)
def test_steps_arguments_are_checked(method, kwargs, message):
    x, y = _data()
    _, model = _pair()
    args = (x,) if method == "predict" else (x, y)
    with pytest.raises(ValueError, match=message):
        getattr(model, method)(*args, verbose=0, **kwargs)


def test_mixed_float16_wraps_the_optimizer_in_loss_scaling_as_keras():
    from strata.mixed_precision import LossScaleOptimizer

    for auto, expected in ((True, True), (False, False)):
        strata.mixed_precision.set_global_policy("mixed_float16")
        try:
            inputs = strata.Input((3,))
            model = strata.Model(inputs, strata.layers.Dense(1)(inputs))
        finally:
            strata.mixed_precision.set_global_policy("float32")
        model.compile(optimizer="sgd", loss="mse", auto_scale_loss=auto)
        assert isinstance(model.optimizer, LossScaleOptimizer) is expected
        if expected:
            history = model.fit(np.ones((4, 3)), np.ones((4, 1)), epochs=2, verbose=0)
            assert np.all(np.isfinite(history.history["loss"]))
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        inputs = keras.Input((3,))
        keras_model = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    finally:
        keras.mixed_precision.set_global_policy("float32")
    keras_model.compile(optimizer="sgd", loss="mse")
    assert type(keras_model.optimizer).__name__ == "LossScaleOptimizer"
    assert keras_model.optimizer.name == "loss_scale_optimizer"


# ---- add_loss-only models ---------------------------------------------------------------------
def _add_loss_model(lib):
    class Reconstruction(lib.layers.Layer):
        def call(self, inputs):
            original, rebuilt = inputs
            self.add_loss(lib.ops.mean((original - rebuilt) ** 2))
            return rebuilt

    features = lib.Input((3,), name="features")
    hidden = lib.layers.Dense(2, name="encode")(features)
    rebuilt = lib.layers.Dense(3, name="decode")(hidden)
    outputs = Reconstruction()([features, rebuilt])
    return lib.Model({"features": features}, outputs)


def test_add_loss_only_model_compiles_without_loss_and_fits_on_x_alone():
    x, _ = _data(16)
    losses, weights = [], None
    for lib in (keras, strata):
        model = _add_loss_model(lib)
        if weights is None:
            weights = model.get_weights()
        model.set_weights(weights)
        model.compile(optimizer="sgd")
        history = model.fit({"features": x}, batch_size=8, epochs=2, shuffle=False, verbose=0)
        losses.append(history.history["loss"])
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-5)


# ---- step methods on the base class ----------------------------------------------------------
def test_super_train_step_from_a_subclass_is_the_builtin_step():
    x, y = _data(12)
    calls = []

    class Plain(strata.Model):
        def __init__(self):
            super().__init__()
            self.dense = strata.layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

    class Counting(Plain):
        def train_step(self, state, data):
            calls.append("train")
            return super().train_step(state, data)

        def test_step(self, state, data):
            calls.append("test")
            return super().test_step(state, data)

        def predict_step(self, state, data):
            calls.append("predict")
            return super().predict_step(state, data)

    results = []
    for cls in (Plain, Counting):
        strata.utils.set_random_seed(0)
        model = cls()
        model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
        history = model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        evaluated = model.evaluate(x, y, verbose=0)
        predicted = model.predict(x, batch_size=4, verbose=0)
        results.append((history.history, evaluated, predicted))
    assert set(calls) == {"train", "test", "predict"}
    assert results[1][0].keys() == results[0][0].keys()
    for key in results[0][0]:
        np.testing.assert_allclose(results[1][0][key], results[0][0][key], rtol=1e-6)
    np.testing.assert_allclose(results[1][1], results[0][1], rtol=1e-6)
    np.testing.assert_allclose(results[1][2], results[0][2], rtol=1e-6)


def test_metrics_results_compute_metrics_and_reset_as_keras():
    x, y = _data(8)
    keras_model, model = _pair()
    for m in (keras_model, model):
        m.evaluate(x, y, verbose=0)
    ours, theirs = model.get_metrics_result(), keras_model.get_metrics_result()
    assert ours.keys() == theirs.keys()
    for key in ours:
        np.testing.assert_allclose(ours[key], float(theirs[key]), rtol=1e-5)
    model.reset_metrics()
    assert model.compute_metrics(None, y, np.zeros_like(y))["mae"] == pytest.approx(
        float(np.mean(np.abs(y))), rel=1e-6
    )


def test_stateless_compute_loss_matches_compute_loss():
    x, y = _data(4)
    _, model = _pair()
    model.evaluate(x, y, verbose=0)
    prediction = model.predict(x, verbose=0)
    loss, (trainable, non_trainable, metrics) = model.stateless_compute_loss(
        [v.value for v in model.trainable_variables], [], [], x=x, y=y, y_pred=prediction
    )
    assert float(loss) == pytest.approx(float(np.mean((prediction - y) ** 2)), rel=1e-5)
    assert len(trainable) == 2 and non_trainable == [] and metrics == []


def test_default_train_step_outside_fit_says_where_it_runs():
    _, model = strata.Model, _pair()[1]
    model._steps = None
    with pytest.raises(ValueError, match="default step runs inside fit/evaluate"):
        model.train_step(([], [], None, {}), (np.zeros((1, 3)),))


# ---- data sources -----------------------------------------------------------------------------
def test_torch_dataloader_trains_like_arrays():
    torch = pytest.importorskip("torch", reason="optional dependency torch: not installed")
    x, y = _data(12)
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=4
    )
    keras_model, model = _pair()
    ours = model.fit(loader, epochs=2, verbose=0).history["loss"]
    theirs = keras_model.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(ours, theirs.history["loss"], rtol=1e-5)


def test_a_generator_of_lists_for_a_one_input_model_is_a_clear_error():
    """Keras refuses list batches from a generator; strata reads them as x and says why not."""
    x, y = _data(8)
    _, model = _pair()
    with pytest.raises(ValueError, match="expects 1 input .* but received 2 arrays"):
        model.fit(iter([[x[:4], y[:4]]]), epochs=1, verbose=0)


def test_two_arrays_for_a_one_input_model_is_a_clear_error():
    x, y = _data()
    _, model = _pair()
    with pytest.raises(ValueError, match=r"expects 1 input \['input_layer.*'\], but received 2"):
        model.fit([x, x], y, verbose=0)


# ---- a Model subclass built from a graph ----------------------------------------------------
class CountingModel(strata.Model):
    """The Keras guide's pattern: a subclass with its own `train_step`, built as
    ``CountingModel(inputs, outputs)``."""

    def train_step(self, state, data):
        self.steps_seen = getattr(self, "steps_seen", 0) + 1
        return super().train_step(state, data)


def test_a_subclass_called_with_inputs_and_outputs_is_functional_and_saves_both_ways(tmp_path):
    x, y = _data(8)
    inputs = strata.Input((3,))
    model = CountingModel(inputs, strata.layers.Dense(1)(inputs))
    assert isinstance(model, CountingModel) and isinstance(model, strata.models.Functional)
    assert [type(layer).__name__ for layer in model.layers] == ["InputLayer", "Dense"]
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=4, epochs=1, verbose=0)
    traced = model.steps_seen
    model.fit(x, y, batch_size=4, epochs=2, verbose=0)
    assert model.steps_seen == traced  # the subclass's step is traced, not run per batch
    path = str(tmp_path / "counting.keras")
    model.save(path)
    expected = model.predict(x, verbose=0)
    restored = strata.saving.load_model(path, custom_objects={"CountingModel": CountingModel})
    assert isinstance(restored, CountingModel)
    np.testing.assert_allclose(restored.predict(x, verbose=0), expected, rtol=1e-6)
    keras_class = type("CountingModel", (keras.Model,), {})
    in_keras = keras.saving.load_model(path, custom_objects={"CountingModel": keras_class})
    np.testing.assert_allclose(in_keras.predict(x, verbose=0), expected, rtol=1e-5)


def test_run_eagerly_is_saved_in_the_compile_config_as_keras(tmp_path):
    _, model = _pair()
    model.compile(optimizer="sgd", loss="mse", run_eagerly=True)
    path = str(tmp_path / "eager.keras")
    model.save(path)
    assert strata.saving.load_model(path).run_eagerly is True
    assert keras.saving.load_model(path).run_eagerly is True


def _recording_dataset(base):
    class Numbers(base):
        def __init__(self):
            super().__init__()
            self.read = []

        def __len__(self):
            return 5

        def __getitem__(self, index):
            self.read.append(index)
            x = np.full((2, 3), index, "float32")
            return x, x[:, :1]

    return Numbers


@pytest.mark.parametrize(("steps_per_epoch", "epochs"), [(None, 2), (2, 3), (3, 2), (7, 1)])
def test_pydataset_order_and_steps_match_keras(steps_per_epoch, epochs):
    """Keras reads a PyDataset's batches in a new random order per pass (Python's `random`)
    and, with `steps_per_epoch`, continues the pass in the next epoch."""
    runs = []
    for lib, model in zip((keras, strata), _pair()):
        lib.utils.set_random_seed(5)
        dataset = _recording_dataset(lib.utils.PyDataset)()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            history = model.fit(dataset, epochs=epochs, steps_per_epoch=steps_per_epoch, verbose=0)
        runs.append((dataset.read, history.history["loss"], history.params))
    (keras_read, keras_loss, keras_params), (read, loss, params) = runs
    assert params == keras_params
    # Both read one batch up front (Keras to build, strata to learn the shapes), maybe another
    # index: compare the reads of the epochs.
    assert read[1:] == keras_read[1:]
    np.testing.assert_allclose(loss, keras_loss, rtol=1e-5)


def test_grain_datasets_train_as_in_keras():
    """Keras 3 takes grain datasets on every backend."""
    grain = pytest.importorskip("grain", reason="optional dependency grain: not installed")
    x, y = _data(12)
    runs = []
    for model in _pair():
        dataset = grain.MapDataset.source(list(zip(x, y))).batch(4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras warns that a MapDataset "ran out of data"
            history = model.fit(dataset, epochs=2, verbose=0, shuffle=False)
            runs.append((history.history["loss"], model.evaluate(dataset, verbose=0)))
    np.testing.assert_allclose(runs[1][0], runs[0][0], rtol=1e-5)
    np.testing.assert_allclose(runs[1][1], runs[0][1], rtol=1e-5)


def test_tf_data_datasets_train_as_in_keras():
    tf = pytest.importorskip("tensorflow", reason="optional dependency tensorflow: not installed")
    x, y = _data(12)
    runs = []
    for model in _pair():
        dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(4)
        history = model.fit(dataset, epochs=2, verbose=0, shuffle=False)
        evaluated = model.evaluate(dataset, verbose=0)
        predicted = model.predict(tf.data.Dataset.from_tensor_slices(x).batch(4), verbose=0)
        runs.append((history.history["loss"], evaluated, predicted))
    for ours, theirs in zip(runs[1], runs[0]):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
