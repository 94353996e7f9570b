"""Several devices and processes: same numbers as one device, arrays sharded as asked."""

import json
import socket
import subprocess
import sys
from pathlib import Path

import jax
import numpy as np
import pytest

import strata
from strata import distribution as dist
from strata import layers

HERE = Path(__file__).parent / "distributed"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_mesh_layout_and_errors():
    devices = len(jax.devices())
    mesh = dist.DeviceMesh((devices,), ["batch"])
    assert mesh.jax_mesh.shape == {"batch": devices}
    with pytest.raises(
        ValueError, match=r"holds 2 devices, but 1 devices were given|must have the same length"
    ):
        dist.DeviceMesh((2,), ["a", "b"])
    layout_map = dist.LayoutMap(mesh)
    layout_map[r"dense.*kernel"] = (None, "batch")
    layout_map["dense_1/bias"] = ("batch",)
    assert layout_map["dense_3/kernel"].axes == (None, "batch")
    assert layout_map["dense_1/bias"].axes == ("batch",)
    assert layout_map["conv/kernel"] is None
    layout_map[r"dense_1.*"] = (None,)
    with pytest.raises(ValueError, match="matches several LayoutMap keys"):
        layout_map["dense_1/kernel"]
    with pytest.raises(ValueError, match="mesh axes \\['model'\\]"):
        dist.TensorLayout(("model",), mesh).sharding()
    with pytest.raises(TypeError, match="set_distribution expects"):
        dist.set_distribution("data_parallel")
    with pytest.raises(ValueError, match="batch axis 'rows' is not an axis"):
        dist.ModelParallel(layout_map=layout_map, batch_dim_name="rows")


def test_data_parallel_on_one_device_matches_no_distribution():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(30, 4)).astype("float32")
    y = x.sum(axis=1)

    def run():
        strata.utils.set_random_seed(0)
        inputs = strata.Input(shape=(4,))
        model = strata.Model(inputs, layers.Dense(1)(inputs))
        model.compile("sgd", "mse")
        history = model.fit(x, y, batch_size=7, epochs=2, shuffle=False, verbose=0)
        return history.history["loss"], model.weights[0].value.sharding

    plain, plain_sharding = run()
    with dist.DataParallel().scope():
        assert dist.distribution() is not None
        parallel, sharding = run()
    assert dist.distribution() is None
    # The distributed path really ran: weights live on the distribution's one-axis mesh,
    # replicated (several devices are checked by test_four_devices_data_and_model_parallel).
    assert not isinstance(plain_sharding, jax.sharding.NamedSharding)
    assert isinstance(sharding, jax.sharding.NamedSharding)
    assert (
        dict(sharding.mesh.shape) == {"batch": 1} and sharding.spec == jax.sharding.PartitionSpec()
    )
    np.testing.assert_allclose(parallel, plain, rtol=1e-6)


def test_four_devices_data_and_model_parallel():
    result = subprocess.run(
        [sys.executable, str(HERE / "four_devices_check.py")],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    measured = json.loads(result.stdout.strip().splitlines()[-1])
    # Same numbers as one device (up to the order of float sums across devices).
    assert measured["dp_loss_diff"] < 1e-5 and measured["dp_weight_diff"] < 1e-5
    assert measured["dp_eval_diff"] < 1e-5 and measured["dp_predict_diff"] < 1e-5
    assert measured["mp_loss_diff"] < 1e-5 and measured["mp_weight_diff"] < 1e-5
    # Weights replicated on all 4 devices; every batch split along the batch axis.
    assert measured["dp_weight_specs"] == [[]] * 4
    assert measured["dp_weight_devices"] == [4] * 4
    assert measured["dp_batch_shardings"] and all(
        "spec=P('batch',)" in s.replace("PartitionSpec(", "P(")
        for s in measured["dp_batch_shardings"]
    )
    # A batch of 10 on 4 devices is padded to 12 with masked rows: no error, one trace.
    assert measured["dp_traces"]["train"] == 1
    # The layout map splits the hidden layer's kernel and bias over the model axis.
    assert measured["mp_weight_specs"] == [[None, "model"], ["model"], [], []]


def test_two_processes_train_like_one(tmp_path):
    port = _free_port()
    outs = [tmp_path / f"process_{i}.npz" for i in range(2)]
    workers = [
        subprocess.Popen(
            [sys.executable, str(HERE / "two_process_worker.py"), str(port), str(i), str(outs[i])],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(2)
    ]
    for worker in workers:
        _, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err[-3000:]
    strata.utils.set_random_seed(0)
    inputs = strata.Input(shape=(5,))
    model = strata.Model(inputs, layers.Dense(1)(layers.Dense(8, activation="relu")(inputs)))
    model.compile("adam", "mse", metrics=["mae"])
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 5)).astype("float32")
    y = x.sum(axis=1, keepdims=True)
    loss = model.fit(x, y, batch_size=8, epochs=3, shuffle=False, verbose=0).history["loss"]
    for out in outs:
        saved = np.load(out)
        np.testing.assert_allclose(saved["loss"], loss, rtol=1e-5)
        for i, weight in enumerate(model.get_weights()):
            np.testing.assert_allclose(saved[f"arr_{i}"], weight, atol=1e-5)
