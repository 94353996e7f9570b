"""Data- and model-parallel training on 4 fake CPU devices (run by test_distribution.py).

XLA_FLAGS must be set before JAX starts, so this runs in its own process. It prints one JSON
line with what it measured; the test asserts on it.
"""

import json
import os

os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"

import jax  # noqa: E402
import numpy as np  # noqa: E402

import strata  # noqa: E402
from strata import distribution as dist  # noqa: E402
from strata import layers  # noqa: E402

assert len(jax.devices()) == 4
seen_batch_shardings = []


class Probe(layers.Layer):
    """Records how the batch reaching it is sharded (at trace time)."""

    def call(self, x):
        jax.debug.inspect_array_sharding(x, callback=lambda s: seen_batch_shardings.append(str(s)))
        return x


def model():
    strata.utils.set_random_seed(0)
    inputs = strata.Input(shape=(6,))
    hidden = layers.Dense(8, activation="relu", name="hidden")(Probe()(inputs))
    out = strata.Model(inputs, layers.Dense(1, name="out")(hidden))
    out.compile("adam", "mse", metrics=["mae"])
    return out


rng = np.random.default_rng(0)
x = rng.normal(size=(70, 6)).astype("float32")
y = x.sum(axis=1, keepdims=True)
results = {}

dist.set_distribution(None)
reference = model()
ref_loss = reference.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0).history["loss"]
ref_weights = reference.get_weights()

dist.set_distribution(dist.DataParallel())
data_parallel = model()
seen_batch_shardings.clear()
loss = data_parallel.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0).history["loss"]
results["dp_loss_diff"] = float(np.max(np.abs(np.array(loss) - ref_loss)))
results["dp_weight_diff"] = max(
    float(np.max(np.abs(a - b))) for a, b in zip(data_parallel.get_weights(), ref_weights)
)
# As lists: the text of a PartitionSpec changed across JAX releases ("PartitionSpec()", "P()").
results["dp_weight_specs"] = [list(w.value.sharding.spec) for w in data_parallel.weights]
results["dp_weight_devices"] = [len(w.value.sharding.device_set) for w in data_parallel.weights]
results["dp_batch_shardings"] = sorted(set(seen_batch_shardings))
results["dp_traces"] = data_parallel.trace_counts
results["dp_eval_diff"] = float(
    np.max(
        np.abs(
            np.array(data_parallel.evaluate(x, y, verbose=0)) - reference.evaluate(x, y, verbose=0)
        )
    )
)
results["dp_predict_diff"] = float(
    np.max(np.abs(data_parallel.predict(x[:3], verbose=0) - reference.predict(x[:3], verbose=0)))
)

mesh = dist.DeviceMesh((2, 2), ["batch", "model"])
layout_map = dist.LayoutMap(mesh)
layout_map["hidden/kernel"] = (None, "model")
layout_map["hidden/bias"] = ("model",)
dist.set_distribution(dist.ModelParallel(layout_map=layout_map, batch_dim_name="batch"))
model_parallel = model()
loss = model_parallel.fit(x, y, batch_size=10, epochs=3, shuffle=False, verbose=0).history["loss"]
results["mp_loss_diff"] = float(np.max(np.abs(np.array(loss) - ref_loss)))
results["mp_weight_diff"] = max(
    float(np.max(np.abs(a - b))) for a, b in zip(model_parallel.get_weights(), ref_weights)
)
results["mp_weight_specs"] = [list(w.value.sharding.spec) for w in model_parallel.weights]
print(json.dumps(results))
