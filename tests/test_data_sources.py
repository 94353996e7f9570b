"""fit/evaluate/predict on generators, iterables and PyDataset: same numbers as arrays."""

import warnings

import numpy as np
import pytest

import strata
from strata import layers
from strata.utils import PyDataset


def _data(n=48, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 3)).astype("float32")
    y = (x @ np.array([1.0, -2.0, 0.5], "float32"))[:, None]
    return x, y


def _model():
    strata.utils.set_random_seed(1)
    inputs = strata.Input(shape=(3,), name="x")
    model = strata.Model(inputs, layers.Dense(1, name="out")(layers.Dense(4, name="h")(inputs)))
    model.compile("adam", "mse", metrics=["mae"])
    return model


def _batches(x, y, size):
    for start in range(0, len(x), size):
        yield x[start : start + size], y[start : start + size]


class Batches(PyDataset):
    def __init__(self, x, y, size, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.size = x, y, size
        self.epochs_ended = 0

    def __len__(self):
        return -(-len(self.x) // self.size)

    def __getitem__(self, i):
        return self.x[i * self.size : (i + 1) * self.size], self.y[
            i * self.size : (i + 1) * self.size
        ]

    def on_epoch_end(self):
        self.epochs_ended += 1


def _reference(x, y, epochs=3):
    model = _model()
    history = model.fit(x, y, batch_size=10, epochs=epochs, shuffle=False, verbose=0)
    return history.history, model.get_weights()


def _assert_same(history, weights, reference):
    ref_history, ref_weights = reference
    for key in ref_history:
        np.testing.assert_allclose(history[key], ref_history[key], rtol=1e-6, err_msg=key)
    for a, b in zip(weights, ref_weights):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_generator_with_steps_per_epoch_equals_arrays():
    x, y = _data()
    reference = _reference(x, y)

    def forever():
        while True:
            yield from _batches(x, y, 10)

    model = _model()
    history = model.fit(forever(), steps_per_epoch=5, epochs=3, verbose=0)
    _assert_same(history.history, model.get_weights(), reference)
    assert history.params["steps"] == 5
    assert model.trace_counts["train"] == 1  # the partial last batch is padded, not recompiled


@pytest.mark.parametrize("workers", [1, 3])
def test_pydataset_equals_arrays_and_calls_on_epoch_end(workers):
    x, y = _data()
    reference = _reference(x, y)
    dataset = Batches(x, y, 10, workers=workers, max_queue_size=2)
    model = _model()
    # Unshuffled, a PyDataset's batches come in index order (fit shuffles them by default).
    history = model.fit(dataset, epochs=3, shuffle=False, verbose=0)
    _assert_same(history.history, model.get_weights(), reference)
    assert dataset.epochs_ended == 3


def test_reiterable_source_without_steps_runs_each_epoch_to_its_end():
    x, y = _data()
    reference = _reference(x, y)

    class Reiterable:
        def __iter__(self):
            return _batches(x, y, 10)

    model = _model()
    history = model.fit(Reiterable(), epochs=3, verbose=0)
    _assert_same(history.history, model.get_weights(), reference)
    assert history.params["steps"] == 5


def test_validation_evaluate_and_predict_on_generators():
    x, y = _data()
    model = _model()
    history = model.fit(Batches(x, y, 10), validation_data=_batches(x, y, 16), epochs=1, verbose=0)
    arrays = model.evaluate(x, y, verbose=0, return_dict=True)
    assert history.history["val_loss"][0] == pytest.approx(arrays["loss"], rel=1e-6)
    streamed = model.evaluate(Batches(x, y, 7), verbose=0, return_dict=True)
    for key in arrays:
        assert streamed[key] == pytest.approx(arrays[key], rel=1e-6)
    predicted = model.predict((xb for xb, _ in _batches(x, y, 9)), verbose=0)
    # Batches of 9 and of 32 may round one product differently (XLA picks kernels by shape).
    np.testing.assert_allclose(predicted, model.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


def test_exhausted_generator_stops_training_with_a_warning():
    x, y = _data(20)
    model = _model()
    with pytest.warns(UserWarning, match="ran out of data in epoch 2"):
        history = model.fit(_batches(x, y, 10), epochs=5, verbose=0)
    assert history.epoch == [0]


def test_inconsistent_batches_are_named():
    x, y = _data(20)

    def bad_shapes():
        yield x[:10], y[:10]
        yield np.ones((10, 4), "float32"), y[:10]

    with pytest.raises(
        ValueError, match=r"Batch 1: Input 'x' .* expects shape \(None, 3\).*\(10, 4\)"
    ):
        _model().fit(bad_shapes(), epochs=1, verbose=0)

    def missing_targets():
        yield x[:10]

    with pytest.raises(ValueError, match="Batch 0 has no targets"):
        _model().fit(missing_targets(), epochs=1, verbose=0)

    def bigger_later():
        yield x[:5], y[:5]
        yield x[:10], y[:10]

    with pytest.raises(ValueError, match="Batch 1, array 0: 10 samples, more than the first"):
        _model().fit(bigger_later(), epochs=1, verbose=0)


def test_bad_arguments_with_sources():
    x, y = _data(20)
    model = _model()
    with pytest.raises(ValueError, match="do not pass `y`"):
        model.fit(_batches(x, y, 10), y, verbose=0)
    with pytest.raises(ValueError, match="`workers` must be an int >= 1"):
        Batches(x, y, 10, workers=0)
    with pytest.raises(ValueError, match="produced no batches"):
        model.fit(iter([]), verbose=0)


def test_no_warning_when_source_matches_steps():
    x, y = _data(20)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _model().fit(Batches(x, y, 10), epochs=2, verbose=0)


def test_dataframes_match_inputs_by_column_name():
    import pandas

    rng = np.random.default_rng(0)
    frame = pandas.DataFrame({"b": rng.normal(size=12), "a": rng.normal(size=12), "extra": 0.0})
    target = pandas.Series(frame["a"] - frame["b"])
    a, b = strata.Input(shape=(1,), name="a"), strata.Input(shape=(1,), name="b")
    model = strata.Model([a, b], layers.Dense(1)(layers.concatenate([a, b])))
    model.compile("sgd", "mse")
    model.fit(frame, target, epochs=1, verbose=0)
    by_name = model.predict(frame, verbose=0)
    by_list = model.predict([frame["a"].to_numpy(), frame["b"].to_numpy()], verbose=0)
    np.testing.assert_allclose(by_name, by_list)
    with pytest.raises(ValueError, match=r"no column for \['b'\]"):
        model.predict(frame[["a"]], verbose=0)
    single = _model()
    features = pandas.DataFrame(rng.normal(size=(12, 3)), columns=["p", "q", "r"])
    assert single.predict(features, verbose=0).shape == (12, 1)


def test_arrays_over_the_device_limit_are_streamed_with_the_same_results():
    import resource

    x, y = _data(400)
    reference = _model()
    np.random.seed(3)
    expected = reference.fit(x, y, batch_size=10, epochs=3, verbose=0).history
    strata.config.set_max_device_data_bytes(1024)
    try:
        model = _model()
        peaks = []

        class Memory(strata.callbacks.Callback):
            def on_epoch_end(self, epoch, logs=None):
                peaks.append(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)

        np.random.seed(3)
        got = model.fit(x, y, batch_size=10, epochs=6, callbacks=[Memory()], verbose=0).history
    finally:
        strata.config.set_max_device_data_bytes(None)
    for key in expected:
        np.testing.assert_allclose(got[key][:3], expected[key], rtol=1e-6, err_msg=key)
    assert model.trace_counts["train"] == 1
    # Peak resident memory (KiB) does not grow from epoch to epoch while streaming.
    assert peaks[-1] - peaks[1] < 20 * 1024
