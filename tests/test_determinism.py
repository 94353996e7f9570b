"""The same script gives bit-identical results run after run, on one device and on four."""

import os
import subprocess
import sys

import pytest

SCRIPT = """
import os, sys
if sys.argv[1] == "4":
    os.environ["XLA_FLAGS"] = "--xla_force_host_platform_device_count=4"
import numpy as np
import strata
strata.config.enable_deterministic(seed=7)
if sys.argv[1] == "4":
    strata.distribution.set_distribution(strata.distribution.DataParallel())
from strata import layers
inputs = strata.Input(shape=(6,))
x = layers.Dropout(0.3)(layers.Dense(16, activation="relu")(inputs))
model = strata.Model(inputs, layers.Dense(1)(x))
model.compile("adam", "mse")
data = np.random.default_rng(0).normal(size=(100, 6)).astype("float32")
model.fit(data, data.sum(axis=1), batch_size=12, epochs=3, verbose=0)
print(np.concatenate([w.ravel() for w in model.get_weights()]).tobytes().hex())
"""


@pytest.mark.parametrize("devices", ["1", "4"])
def test_two_runs_are_bit_identical(devices):
    env = {k: v for k, v in os.environ.items() if k != "XLA_FLAGS"}
    runs = [
        subprocess.run(
            [sys.executable, "-c", SCRIPT, devices],
            capture_output=True,
            text=True,
            timeout=300,
            env=env,
            check=False,
        )
        for _ in range(2)
    ]
    for run in runs:
        assert run.returncode == 0, run.stderr[-2000:]
    first, second = (run.stdout.strip().splitlines()[-1] for run in runs)
    assert first == second and len(first) > 100
