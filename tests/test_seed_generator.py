"""`strata.random.SeedGenerator`'s Keras 3 arguments: `name` and the config."""

import pytest

import strata


def test_name_and_config_match_keras(keras):
    ours = strata.random.SeedGenerator(3, name="abc")
    theirs = keras.random.SeedGenerator(3, name="abc")
    assert ours.get_config() == theirs.get_config() == {"seed": 3, "name": "abc"}
    assert strata.random.SeedGenerator(1).name == "seed_generator"
    rebuilt = strata.random.SeedGenerator.from_config(ours.get_config())
    assert (rebuilt.seed, rebuilt.name) == (3, "abc")
    assert [int(k[1]) for k in (rebuilt.next(), rebuilt.next())] == [0, 1]


def test_a_name_that_is_not_a_string_is_rejected():
    with pytest.raises(TypeError, match="SeedGenerator: `name` must be a string; received name=3"):
        strata.random.SeedGenerator(1, name=3)
