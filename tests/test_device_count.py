"""`strata.distribution.get_device_count` against Keras 3."""

import pytest

import strata


def test_device_count_matches_keras(keras):
    for device_type in (None, "cpu"):
        ours = strata.distribution.get_device_count(device_type)
        assert ours == keras.distribution.get_device_count(device_type)
    assert strata.distribution.get_device_count() == len(strata.distribution.list_devices())


def test_absent_device_kind_fails_like_keras(keras):
    # JAX's own error, for strata as for Keras, for a kind of device the machine lacks.
    import jax

    present = {d.platform for d in jax.devices()}
    absent = next(kind for kind in ("tpu", "gpu") if kind not in present)
    for module in (strata.distribution, keras.distribution):
        with pytest.raises(RuntimeError, match=f"Unknown backend:? '?{absent}"):
            module.get_device_count(absent)


def test_device_type_must_be_a_name():
    with pytest.raises(TypeError, match="get_device_count: `device_type` must be 'cpu'"):
        strata.distribution.get_device_count(3)
