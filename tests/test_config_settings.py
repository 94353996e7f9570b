"""``keras.config``'s global numeric settings against Keras 3: the values strata reports, the
setters accepting those values, and clear errors for the values strata does not support.
"""

import pytest

import strata

GETTERS = ["backend", "floatx", "epsilon", "image_data_format"]


@pytest.mark.parametrize("name", GETTERS)
def test_getters_report_keras_defaults(keras, name):
    assert getattr(strata.config, name)() == getattr(keras.config, name)()


def test_setters_accept_the_current_values(keras):
    strata.config.set_floatx("float32")
    strata.config.set_epsilon(1e-7)
    strata.config.set_image_data_format("channels_last")
    assert (strata.config.floatx(), strata.config.epsilon()) == ("float32", 1e-7)
    assert strata.config.image_data_format() == "channels_last"


def test_dtype_policy_names_are_the_global_policy(keras):
    strata.config.set_dtype_policy("mixed_bfloat16")
    try:
        assert strata.config.dtype_policy().name == "mixed_bfloat16"
        assert strata.mixed_precision.global_policy().name == "mixed_bfloat16"
    finally:
        strata.config.set_dtype_policy(None)
    assert strata.config.dtype_policy().name == keras.config.dtype_policy().name == "float32"


def test_values_keras_rejects_are_rejected_with_its_messages(keras):
    for module in (strata.config, keras.config):
        with pytest.raises(ValueError, match="Unknown `floatx` value: int32"):
            module.set_floatx("int32")
        with pytest.raises(ValueError, match="The `data_format` argument must be one of"):
            module.set_image_data_format("channels_middle")


def test_values_strata_does_not_support_are_rejected_with_a_way_out():
    with pytest.raises(ValueError, match=r"set_floatx\('float64'\): .* silently stay float32"):
        strata.config.set_floatx("float64")
    with pytest.raises(ValueError, match="Pass data_format='channels_first' to the layers"):
        strata.config.set_image_data_format("channels_first")


def test_config_and_backend_share_one_setting(keras):
    """`keras.config.set_epsilon` and `keras.backend.epsilon` are one setting, as in Keras."""
    strata.config.set_epsilon(1e-3)
    try:
        assert strata.backend.epsilon() == strata.config.epsilon() == 1e-3
    finally:
        strata.config.set_epsilon(1e-7)
    strata.config.set_floatx("bfloat16")
    try:
        assert strata.backend.floatx() == "bfloat16"
        assert strata.layers.Dense(1).dtype_policy.name == "bfloat16"
    finally:
        strata.config.set_floatx("float32")
