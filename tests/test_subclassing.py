"""Writing your own layers and models, following keras.io's guides ("Making new layers and
models via subclassing", "Customizing what happens in fit() with JAX"), against Keras 3."""

import jax
import numpy as np
import pytest

import strata
from strata import ops

RNG = np.random.default_rng(0)
X = RNG.normal(size=(32, 3)).astype("float32")
Y = (X @ np.array([[1.0], [-2.0], [0.5]], "float32") + 0.3).astype("float32")


# ---- (a) a custom layer: weights, an activity loss, a counter, a nested layer ---------------------
class ActivityDense(strata.layers.Layer):
    """Dense layer with a learned output scale, an L2 activity penalty and a call counter."""

    def __init__(self, units, rate=0.05, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.rate = rate
        self.inner = strata.layers.Dense(units, kernel_initializer="ones")

    def build(self, input_shape):
        self.scale = self.add_weight((self.units,), initializer="ones", name="scale")
        self.calls = self.add_weight((), initializer="zeros", trainable=False, name="calls")

    def call(self, inputs):
        outputs = self.inner(inputs) * self.scale
        self.add_loss(self.rate * ops.mean(ops.sum(ops.square(outputs), axis=-1)))
        self.calls.assign(self.calls + 1.0)
        return outputs


def test_custom_layer_in_a_functional_model_trains_with_its_added_loss():
    layer = ActivityDense(2)
    inputs = strata.Input((3,))
    outputs = layer(inputs)
    assert outputs.shape == (None, 2)  # inferred: no compute_output_shape
    model = strata.Model(inputs, outputs)
    assert {w.path for w in model.trainable_weights} == {
        "activity_dense/scale",
        f"{layer.inner.name}/kernel",
        f"{layer.inner.name}/bias",
    }
    assert [w.path for w in model.non_trainable_weights] == ["activity_dense/calls"]

    # With a zero learning rate the weights stay put, so the epoch's loss is the mean over the
    # batches of (mse + activity penalty), computable by hand.
    model.compile(strata.optimizers.SGD(0.0), "mse")
    targets = np.zeros((32, 2), "float32")
    history = model.fit(X, targets, batch_size=8, epochs=1, shuffle=False, verbose=0)
    out = X.sum(axis=1, keepdims=True) * np.ones((1, 2), "float32")
    per_batch = [np.mean(b**2) + 0.05 * np.mean(np.sum(b**2, axis=-1)) for b in np.split(out, 4)]
    assert history.history["loss"][0] == pytest.approx(np.mean(per_batch), rel=1e-5)
    assert float(layer.calls.numpy()) == 4.0  # advanced inside the compiled steps

    model.compile(strata.optimizers.SGD(0.05), "mse")
    history = model.fit(X, targets, batch_size=8, epochs=3, verbose=0)
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert float(layer.calls.numpy()) == 16.0
    assert model.count_params() == 2 + 3 * 2 + 2 + 1  # the counter counts too, as in Keras


def test_custom_layer_added_loss_matches_keras(keras):
    class KerasActivityDense(keras.layers.Layer):
        def __init__(self, units, rate=0.05, **kwargs):
            super().__init__(**kwargs)
            self.units, self.rate = units, rate
            self.inner = keras.layers.Dense(units, kernel_initializer="ones")

        def build(self, input_shape):
            self.scale = self.add_weight((self.units,), initializer="ones", name="scale")

        def call(self, inputs):
            outputs = self.inner(inputs) * self.scale
            self.add_loss(self.rate * keras.ops.mean(keras.ops.sum(outputs**2, axis=-1)))
            return outputs

    k_inputs = keras.Input((3,))
    k_model = keras.Model(k_inputs, KerasActivityDense(2)(k_inputs))
    k_model.compile(keras.optimizers.SGD(0.05), "mse")
    inputs = strata.Input((3,))
    model = strata.Model(inputs, ActivityDense(2)(inputs))
    model.compile(strata.optimizers.SGD(0.05), "mse")
    targets = np.zeros((32, 2), "float32")
    ours = model.fit(X, targets, batch_size=8, epochs=2, shuffle=False, verbose=0)
    theirs = k_model.fit(X, targets, batch_size=8, epochs=2, shuffle=False, verbose=0)
    np.testing.assert_allclose(ours.history["loss"], theirs.history["loss"], rtol=1e-5)


# ---- (b) a subclassed model ---------------------------------------------------------------------
def make_mlp(lib):
    class MLP(lib.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.hidden = lib.layers.Dense(8, activation="relu")
            self.dropout = lib.layers.Dropout(0.0)
            self.head = lib.layers.Dense(1)

        def call(self, inputs, training=False):
            return self.head(self.dropout(self.hidden(inputs), training=training))

    return MLP(name="mlp")


def test_subclassed_model_trains_evaluates_predicts_and_summarizes(keras):
    k_model = make_mlp(keras)
    k_model(X[:1])
    model = make_mlp(strata)
    model(X[:1])
    model.set_weights(k_model.get_weights())
    for m, lib in ((model, strata), (k_model, keras)):
        m.compile(lib.optimizers.SGD(0.05), "mse", metrics=["mae"])
    ours = model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    theirs = k_model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    for key in ("loss", "mae"):
        np.testing.assert_allclose(ours.history[key], theirs.history[key], rtol=1e-5)
    np.testing.assert_allclose(
        model.evaluate(X, Y, verbose=0), k_model.evaluate(X, Y, verbose=0), rtol=1e-5
    )
    np.testing.assert_allclose(
        model.predict(X, verbose=0), k_model.predict(X, verbose=0), atol=1e-5
    )
    lines = []
    model.summary(print_fn=lambda line, *args, **kwargs: lines.append(line))
    text = "\n".join(lines)
    assert "mlp" in text and "Trainable params: 41" in text


# ---- (c) a custom train_step / test_step in the stateless JAX style -----------------------------
class CustomStep(strata.Model):
    """The guide's lower-level example: own loss and metrics, compiled with an optimizer only."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = strata.layers.Dense(1)
        self.loss_tracker = strata.metrics.Mean(name="loss")
        self.mae_metric = strata.metrics.MeanAbsoluteError(name="mae")
        self.loss_fn = strata.losses.MeanSquaredError()

    def call(self, inputs, training=False):
        return self.dense(inputs)

    @property
    def metrics(self):
        return [self.loss_tracker, self.mae_metric]

    def compute_loss_and_updates(self, trainable, non_trainable, x, y, training=False):
        y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x, training=training)
        return self.loss_fn(y, y_pred), (y_pred, non_trainable)

    def _logs(self, metrics_state, loss, y, y_pred):
        loss_state = self.loss_tracker.update(metrics_state[0], loss)
        mae_state = self.mae_metric.update(metrics_state[1], y, y_pred)
        logs = {
            "loss": self.loss_tracker.result_of(loss_state),
            "mae": self.mae_metric.result_of(mae_state),
        }
        return logs, [loss_state, mae_state]

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_state, metrics_state = state
        x, y = data
        grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
        (loss, (y_pred, non_trainable)), grads = grad_fn(
            trainable, non_trainable, x, y, training=True
        )
        trainable, optimizer_state = self.optimizer.step(grads, optimizer_state, trainable)
        logs, metrics_state = self._logs(metrics_state, loss, y, y_pred)
        return logs, (trainable, non_trainable, optimizer_state, metrics_state)

    def test_step(self, state, data):
        trainable, non_trainable, metrics_state = state
        x, y = data
        loss, (y_pred, non_trainable) = self.compute_loss_and_updates(
            trainable, non_trainable, x, y
        )
        logs, metrics_state = self._logs(metrics_state, loss, y, y_pred)
        return logs, (trainable, non_trainable, metrics_state)


def make_keras_custom_step(keras):
    class KerasCustomStep(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = keras.layers.Dense(1)
            self.loss_tracker = keras.metrics.Mean(name="loss")
            self.mae_metric = keras.metrics.MeanAbsoluteError(name="mae")
            self.loss_fn = keras.losses.MeanSquaredError()

        def call(self, inputs, training=False):
            return self.dense(inputs)

        @property
        def metrics(self):
            return [self.loss_tracker, self.mae_metric]

        def compute_loss_and_updates(self, trainable, non_trainable, x, y, training=False):
            y_pred, non_trainable = self.stateless_call(
                trainable, non_trainable, x, training=training
            )
            return self.loss_fn(y, y_pred), (y_pred, non_trainable)

        def _logs(self, metrics_state, loss, y, y_pred):
            loss_vars = self.loss_tracker.stateless_update_state(metrics_state[:2], loss)
            mae_vars = self.mae_metric.stateless_update_state(metrics_state[2:], y, y_pred)
            logs = {
                "loss": self.loss_tracker.stateless_result(loss_vars),
                "mae": self.mae_metric.stateless_result(mae_vars),
            }
            return logs, loss_vars + mae_vars

        def train_step(self, state, data):
            trainable, non_trainable, optimizer_vars, metrics_vars = state
            x, y = data
            grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable)), grads = grad_fn(
                trainable, non_trainable, x, y, training=True
            )
            trainable, optimizer_vars = self.optimizer.stateless_apply(
                optimizer_vars, grads, trainable
            )
            logs, metrics_vars = self._logs(metrics_vars, loss, y, y_pred)
            return logs, (trainable, non_trainable, optimizer_vars, metrics_vars)

        def test_step(self, state, data):
            trainable, non_trainable, metrics_vars = state
            x, y = data
            loss, (y_pred, non_trainable) = self.compute_loss_and_updates(
                trainable, non_trainable, x, y
            )
            logs, metrics_vars = self._logs(metrics_vars, loss, y, y_pred)
            return logs, (trainable, non_trainable, metrics_vars)

    return KerasCustomStep()


def test_custom_train_and_test_steps_match_keras(keras):
    k_model = make_keras_custom_step(keras)
    k_model(X[:1])
    model = CustomStep()
    model(X[:1])
    model.set_weights(k_model.get_weights())
    k_model.compile(keras.optimizers.SGD(0.1))
    model.compile(strata.optimizers.SGD(0.1))
    theirs = k_model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    ours = model.fit(X, Y, batch_size=8, epochs=3, shuffle=False, verbose=0)
    assert sorted(ours.history) == ["loss", "mae"]
    for key in ("loss", "mae"):
        np.testing.assert_allclose(ours.history[key], theirs.history[key], rtol=1e-5)
    assert ours.history["loss"][-1] < ours.history["loss"][0]
    for a, b in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    ours_eval = model.evaluate(X, Y, verbose=0, return_dict=True)
    theirs_eval = k_model.evaluate(X, Y, verbose=0, return_dict=True)
    for key in ("loss", "mae"):
        assert ours_eval[key] == pytest.approx(float(theirs_eval[key]), rel=1e-5)
    np.testing.assert_allclose(
        model.predict(X, verbose=0), k_model.predict(X, verbose=0), atol=1e-6
    )
    assert model.trace_counts["train"] == 1


class CompiledLossStep(strata.Model):
    """A custom step built on the default helpers: compiled loss, constraints, dropout keys."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = strata.layers.Dense(2, kernel_constraint="non_neg")
        self.dropout = strata.layers.Dropout(0.5)
        self.seen = []

    def call(self, inputs, training=False):
        return self.dropout(self.dense(inputs), training=training)

    def train_step(self, state, data):
        trainable, non_trainable, optimizer_state, metrics_state = state
        x, y = data
        grad_fn = jax.value_and_grad(self.compute_loss_and_updates, has_aux=True)
        (loss, (y_pred, non_trainable, metrics_state)), grads = grad_fn(
            trainable, non_trainable, metrics_state, x, y, None, training=True
        )
        trainable, optimizer_state = self.optimizer.step(grads, optimizer_state, trainable)
        return {"loss": loss}, (trainable, non_trainable, optimizer_state, metrics_state)


def test_default_helpers_compiled_loss_constraints_and_padding():
    model = CompiledLossStep()
    model.compile(strata.optimizers.SGD(0.5), "mse")
    targets = -np.ones((30, 2), "float32")  # pushes the kernel negative: the constraint holds it
    history = model.fit(X[:30], targets, batch_size=8, epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert model.dense.kernel.numpy().min() >= 0.0
    # compute_loss weights the 6 padding rows of the last batch by zero.
    trainable = [v.value for v in model.trainable_variables]
    y_pred, _ = model.stateless_call(trainable, [], X[24:30])
    with strata.state.scope.StateScope(sample_mask=np.ones(6, "float32")):
        expected = float(model.compute_loss(X[24:30], targets[24:30], y_pred))
    padded_x = np.concatenate([X[24:30], np.zeros((2, 3), "float32")])
    padded_y = np.concatenate([targets[24:30], 100 * np.ones((2, 2), "float32")])
    y_pred, _ = model.stateless_call(trainable, [], padded_x)
    mask = np.array([1, 1, 1, 1, 1, 1, 0, 0], "float32")
    with strata.state.scope.StateScope(sample_mask=mask):
        assert float(model.compute_loss(padded_x, padded_y, y_pred)) == pytest.approx(expected)


def test_custom_step_errors():
    class BadStep(strata.Model):
        def __init__(self):
            super().__init__()
            self.dense = strata.layers.Dense(1)

        def call(self, inputs):
            return self.dense(inputs)

        def train_step(self, state, data):
            return {"loss": 0.0}, state[:2]

    model = BadStep()
    model.compile("sgd", "mse")
    with pytest.raises(ValueError, match="must return a state of 4 entries, as it received; got 2"):
        model.fit(X, Y, verbose=0)
    with pytest.raises(
        ValueError, match=r"`trainable_variables` holds 0 values, but the model has 2"
    ):
        model.stateless_call([], [], X)
