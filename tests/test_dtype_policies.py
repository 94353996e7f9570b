"""`strata.dtype_policies` against ``keras.dtype_policies``: policies, `get`, `serialize`,
`deserialize`, `FloatDTypePolicy`, the global policy's Keras 3 names, and errors.
"""

import pytest

import strata

NAMES = [None, "float32", "float16", "bfloat16", "mixed_float16", "mixed_bfloat16", "float64"]


@pytest.mark.parametrize("name", NAMES)
def test_policy_matches_keras(keras, name):
    ours, theirs = strata.dtype_policies.DTypePolicy(name), keras.dtype_policies.DTypePolicy(name)
    assert (ours.name, ours.compute_dtype, ours.variable_dtype, ours.quantization_mode) == (
        theirs.name,
        theirs.compute_dtype,
        theirs.variable_dtype,
        theirs.quantization_mode,
    )
    assert ours.get_config() == theirs.get_config()
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize("cls_name", ["DTypePolicy", "FloatDTypePolicy"])
def test_serialize_and_deserialize_match_keras(keras, cls_name):
    ours = getattr(strata.dtype_policies, cls_name)("mixed_bfloat16")
    theirs = getattr(keras.dtype_policies, cls_name)("mixed_bfloat16")
    assert strata.dtype_policies.serialize(ours) == keras.dtype_policies.serialize(theirs)
    back = strata.dtype_policies.deserialize(keras.dtype_policies.serialize(theirs))
    assert type(back).__name__ == cls_name and back == ours
    assert isinstance(back, strata.dtype_policies.DTypePolicy)


@pytest.mark.parametrize(
    "identifier",
    [None, "bfloat16", {"class_name": "DTypePolicy", "config": {"name": "float16"}}],
    ids=str,
)
def test_get_matches_keras(keras, identifier):
    ours, theirs = strata.dtype_policies.get(identifier), keras.dtype_policies.get(identifier)
    assert (type(ours).__name__, ours.name) == (type(theirs).__name__, theirs.name)


def test_global_policy_under_keras_3_names(keras):
    strata.mixed_precision.set_dtype_policy("mixed_float16")
    try:
        assert strata.mixed_precision.dtype_policy().name == "mixed_float16"
        assert strata.mixed_precision.global_policy().name == "mixed_float16"
        assert strata.dtype_policies.get(None).name == "mixed_float16"
    finally:
        strata.mixed_precision.set_dtype_policy(None)
    assert strata.DTypePolicy is strata.dtype_policies.DTypePolicy
    assert keras.DTypePolicy is keras.dtype_policies.DTypePolicy


def test_bad_identifiers_are_rejected(keras):
    for module in (strata.dtype_policies, keras.dtype_policies):
        with pytest.raises(ValueError, match="Cannot interpret `dtype` argument"):
            module.get(3)
    with pytest.raises(ValueError, match="Unknown dtype policy 'foo'"):
        strata.dtype_policies.DTypePolicy("foo")
    with pytest.raises(ValueError, match="Could not deserialize a dtype policy"):
        strata.dtype_policies.deserialize({"class_name": "Int8DTypePolicy", "config": {}})
    with pytest.raises(ValueError, match="serialize expects a DTypePolicy"):
        strata.dtype_policies.serialize("float32")
