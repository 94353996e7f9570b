"""One of two processes that train one model together (run by test_distribution.py).

Usage: python two_process_worker.py PORT PROCESS_ID OUT_FILE
Process p holds rows p::2 of the data; with batch 8 each process contributes 4 rows per batch.
"""

import sys

import jax
import numpy as np

port, process_id, out_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
import strata  # noqa: E402

strata.distribution.initialize(f"localhost:{port}", num_processes=2, process_id=process_id)

from strata import layers  # noqa: E402

assert jax.process_count() == 2 and len(jax.devices()) == 2
strata.distribution.set_distribution(strata.distribution.DataParallel())
strata.utils.set_random_seed(0)
inputs = strata.Input(shape=(5,))
model = strata.Model(inputs, layers.Dense(1)(layers.Dense(8, activation="relu")(inputs)))
model.compile("adam", "mse", metrics=["mae"])
rng = np.random.default_rng(0)
x = rng.normal(size=(64, 5)).astype("float32")
y = x.sum(axis=1, keepdims=True)
rows = np.concatenate([np.arange(start, start + 4) for start in range(process_id * 4, 64, 8)])
history = model.fit(x[rows], y[rows], batch_size=8, epochs=3, shuffle=False, verbose=0)
weights = {f"arr_{i}": w for i, w in enumerate(model.get_weights())}
np.savez(out_file, loss=np.array(history.history["loss"]), **weights)
