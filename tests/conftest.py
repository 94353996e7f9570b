"""Shared test setup: Keras 3 (the oracle) runs on the JAX backend, on the CPU."""

import os

os.environ.setdefault("KERAS_BACKEND", "jax")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def keras():
    """Keras 3 with the JAX backend, imported lazily so strata-only tests stay fast."""
    import keras as keras_module

    assert keras_module.backend.backend() == "jax"
    keras_module.utils.clear_session()
    return keras_module


@pytest.fixture
def rng():
    return np.random.default_rng(0)


# Scripts run in their own processes by the tests (and data generators), not test modules.
collect_ignore_glob = ["distributed/*", "data/*"]
