"""Small `keras.utils` names against Keras 3: data tuples, `standardize_dtype`, `Config`,
`get_source_inputs`, `is_keras_tensor`.
"""

import jax.numpy as jnp
import numpy as np
import pytest

import strata

PACK_CASES = [(1,), (1, 2), (1, None, 3), (1, 2, 3), ((1, 2),), ([1],), ({"a": 1}, None)]
UNPACK_CASES = [1, (1,), (1, 2), [1, 2, 3], {"a": 1}, (None, 2)]
DTYPES = ["float32", "int", np.float64, "float16", jnp.bfloat16, None, "bool", np.dtype("int64")]
DTYPES += ["float64", float, int, bool, "int64", "uint8", jnp.float32, np.int32, "string"]


@pytest.mark.parametrize("args", PACK_CASES, ids=str)
def test_pack_matches_keras(keras, args):
    assert strata.utils.pack_x_y_sample_weight(*args) == keras.utils.pack_x_y_sample_weight(*args)


@pytest.mark.parametrize("data", UNPACK_CASES, ids=str)
def test_unpack_matches_keras(keras, data):
    ours = strata.utils.unpack_x_y_sample_weight(data)
    assert ours == keras.utils.unpack_x_y_sample_weight(data)


def test_unpack_rejects_four_parts(keras):
    for module in (strata.utils, keras.utils):
        with pytest.raises(ValueError, match=r"Data is expected to be in format `x`, `\(x,\)`"):
            module.unpack_x_y_sample_weight((1, 2, 3, 4))


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_standardize_dtype_matches_keras(keras, dtype):
    assert strata.utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)


@pytest.mark.parametrize("dtype", ["float", "foo", object])
def test_standardize_dtype_rejects_what_keras_rejects(keras, dtype):
    for module in (strata.utils, keras.utils):
        with pytest.raises(ValueError, match="Invalid dtype"):
            module.standardize_dtype(dtype)


def test_config_behaves_like_keras(keras):
    for module in (strata.utils, keras.utils):
        config = module.Config(a=1, b=2)
        config.c = 3
        config["d"] = 4
        assert (config.a, config["b"], config.to_json()) == (
            1,
            2,
            '{"a": 1, "b": 2, "c": 3, "d": 4}',
        )
        assert list(config.keys()) == ["a", "b", "c", "d"] and len(config) == 4
        assert config.pop("d") == 4 and "d" not in config
        config.freeze()
        assert config.frozen
        with pytest.raises(
            ValueError, match="Cannot mutate attribute\\(s\\) because the config is frozen."
        ):
            config.e = 5
        with pytest.raises(ValueError, match="frozen"):
            config.update(e=5)
        config.unfreeze()
        config.update(e=5)
        assert config.as_dict() == {"a": 1, "b": 2, "c": 3, "e": 5}
        with pytest.raises(AttributeError, match="Unknown attribute: 'zz'."):
            _ = config.zz


def test_source_inputs_and_keras_tensors_match_keras(keras):
    def graph(module):
        a, b = module.Input((3,)), module.Input((2,))
        c = module.layers.Concatenate()([module.layers.Dense(2)(b), module.layers.Dense(2)(a)])
        d = module.layers.Add()([c, module.layers.Dense(4)(a)])
        return (a, b), d

    (sa, sb), sd = graph(strata)
    (ka, kb), kd = graph(keras)
    ours = strata.utils.get_source_inputs(sd)
    theirs = keras.utils.get_source_inputs(kd)
    assert [id(t) for t in ours] == [id(sb), id(sa)]
    assert [id(t) for t in theirs] == [id(kb), id(ka)]
    assert strata.utils.get_source_inputs(sa) == [sa]
    assert strata.utils.is_keras_tensor(sd) and not strata.utils.is_keras_tensor(np.ones(2))
    assert keras.utils.is_keras_tensor(kd) and not keras.utils.is_keras_tensor(np.ones(2))


def test_get_source_inputs_rejects_arrays():
    with pytest.raises(ValueError, match="get_source_inputs expects a symbolic tensor"):
        strata.utils.get_source_inputs(np.ones(3))
