"""Learning-rate schedules: Keras 3's values, usable inside the compiled step, clear errors."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import strata
from strata.optimizers import schedules

CASES = [
    ("ExponentialDecay", {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.93}),
    (
        "ExponentialDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 7, "decay_rate": 0.93, "staircase": True},
    ),
    ("PiecewiseConstantDecay", {"boundaries": [10, 50, 120], "values": [0.3, 0.1, 0.01, 0.003]}),
    (
        "PolynomialDecay",
        {"initial_learning_rate": 0.2, "decay_steps": 60, "end_learning_rate": 0.001, "power": 0.5},
    ),
    (
        "PolynomialDecay",
        {
            "initial_learning_rate": 0.2,
            "decay_steps": 60,
            "end_learning_rate": 0.001,
            "power": 2.0,
            "cycle": True,
        },
    ),
    ("InverseTimeDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.7}),
    (
        "InverseTimeDecay",
        {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.7, "staircase": True},
    ),
    ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 100, "alpha": 0.1}),
    (
        "CosineDecay",
        {
            "initial_learning_rate": 0.0,
            "decay_steps": 100,
            "alpha": 0.05,
            "warmup_target": 0.2,
            "warmup_steps": 30,
        },
    ),
    (
        "CosineDecayRestarts",
        {"initial_learning_rate": 0.1, "first_decay_steps": 20, "m_mul": 0.8, "alpha": 0.01},
    ),
    (
        "CosineDecayRestarts",
        {"initial_learning_rate": 0.1, "first_decay_steps": 13, "t_mul": 1.0, "m_mul": 0.8},
    ),
    (
        "CosineDecayRestarts",
        {"initial_learning_rate": 0.1, "first_decay_steps": 17, "t_mul": 1.5, "alpha": 0.1},
    ),
]
IDS = [f"{name}-{i}" for i, (name, _) in enumerate(CASES)]
STEPS = np.array([*range(0, 200), 599, 600, 601, 4_000, 100_000], dtype=np.int32)
# Keras's CosineDecay with warmup and CosineDecayRestarts branch with `ops.cond`, which compiles
# on every eager call; they are compared eagerly on a few telling steps only.
FEW_STEPS = np.array([0, 19, 30, 31, 99, 4_000], dtype=np.int32)


def _uses_cond(name, kwargs):
    return name == "CosineDecayRestarts" or kwargs.get("warmup_target") is not None


def _eager(schedule, steps, *, one_by_one=False):
    """Eager values, from one call on the step vector or one call per step."""
    if one_by_one:
        return np.array([float(schedule(jnp.int32(step))) for step in steps])
    return np.asarray(schedule(jnp.asarray(steps)))


def _compiled_in_loop(schedule, steps=STEPS):
    """Values as the optimizer sees them: called on the traced int32 step inside a fori_loop."""
    steps = jnp.asarray(steps)

    def run():
        def body(i, values):
            return values.at[i].set(schedule(steps[i]))

        return jax.lax.fori_loop(0, len(steps), body, jnp.zeros(len(steps), jnp.float32))

    return np.asarray(jax.jit(run)())


def _assert_matches_keras(ours, theirs, theirs_schedule, steps):
    """Equal within 1e-6 relative, or, where Keras's value is an artefact of XLA's division,
    equal to Keras's value computed one scalar step at a time (the documented formula).

    XLA may divide a vector or a compiled value by a constant as a multiplication by the
    reciprocal: at exact multiples of the period Keras's staircase/cycle then turns one step early
    or late, and PolynomialDecay's fractional power of ``1 - 1.0000001`` is NaN.
    """
    assert np.all(np.isfinite(ours))
    same = np.isclose(ours, theirs, rtol=1e-6, atol=0)
    if not same.all():
        exact = np.array([float(theirs_schedule(jnp.int32(step))) for step in steps[~same]])
        np.testing.assert_allclose(ours[~same], exact, rtol=1e-6, atol=0)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_values_match_keras(name, kwargs, keras):
    ours = getattr(schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    few = _uses_cond(name, kwargs)
    steps = FEW_STEPS if few else STEPS
    values = _eager(ours, steps, one_by_one=few)
    _assert_matches_keras(values, _eager(theirs, steps, one_by_one=few), theirs, steps)


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_compiled_values_match_keras(name, kwargs, keras):
    ours = getattr(schedules, name)(**kwargs)
    theirs = getattr(keras.optimizers.schedules, name)(**kwargs)
    _assert_matches_keras(_compiled_in_loop(ours), _compiled_in_loop(theirs), theirs, STEPS)


def test_compiled_staircase_turns_exactly_at_multiples():
    # decay_steps=7 and 60 are periods where XLA's reciprocal misses the integer.
    staircase = schedules.ExponentialDecay(1.0, decay_steps=7, decay_rate=0.5, staircase=True)
    cycle = schedules.PolynomialDecay(1.0, decay_steps=60, end_learning_rate=0.0, cycle=True)
    steps = jnp.arange(0, 500, dtype=jnp.int32)
    np.testing.assert_array_equal(
        np.asarray(jax.jit(jax.vmap(staircase))(steps)), 0.5 ** (np.arange(500) // 7)
    )
    np.testing.assert_allclose(np.asarray(jax.jit(jax.vmap(cycle))(steps))[[60, 120, 180]], 0.0)


def test_end_to_end_sgd_with_exponential_decay_matches_keras(keras, rng):
    x = rng.normal(size=(64, 5)).astype("float32")
    y = rng.normal(size=(64, 1)).astype("float32")

    def build(lib):
        inputs = lib.Input(shape=(5,))
        hidden = lib.layers.Dense(8, activation="tanh")(inputs)
        return lib.Model(inputs, lib.layers.Dense(1)(hidden))

    k_model, model = build(keras), build(strata)
    model.set_weights([np.asarray(w) for w in k_model.get_weights()])
    kwargs = {"initial_learning_rate": 0.2, "decay_steps": 3, "decay_rate": 0.8}
    k_model.compile(
        optimizer=keras.optimizers.SGD(
            learning_rate=keras.optimizers.schedules.ExponentialDecay(**kwargs), momentum=0.5
        ),
        loss="mse",
    )
    model.compile(
        optimizer=strata.optimizers.SGD(
            learning_rate=schedules.ExponentialDecay(**kwargs), momentum=0.5
        ),
        loss="mse",
    )
    k_hist = k_model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    hist = model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    np.testing.assert_allclose(hist.history["loss"], k_hist.history["loss"], rtol=1e-5)
    for ours, theirs in zip(model.get_weights(), k_model.get_weights()):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert model.optimizer.iterations == 12
    np.testing.assert_allclose(
        model.optimizer.learning_rate, float(k_model.optimizer.learning_rate), rtol=1e-6
    )


def test_schedule_does_not_retrace_and_is_not_settable():
    x = np.ones((32, 2), "float32")
    inputs = strata.Input(shape=(2,))
    model = strata.Model(inputs, strata.layers.Dense(1)(inputs))
    schedule = schedules.CosineDecay(0.1, decay_steps=20, warmup_target=0.2, warmup_steps=5)
    model.compile(optimizer=strata.optimizers.Adam(learning_rate=schedule), loss="mse")
    model.fit(x, x[:, :1], batch_size=4, epochs=3, verbose=0)
    assert model.trace_counts["train"] == 1
    assert model.optimizer.learning_rate == pytest.approx(float(schedule(24)))
    with pytest.raises(TypeError, match="schedule"):
        model.optimizer.learning_rate = 0.5


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=IDS)
def test_config_round_trip_and_keras_serialization(name, kwargs, keras):
    schedule = getattr(schedules, name)(**kwargs)
    config = schedule.get_config()
    assert config == getattr(keras.optimizers.schedules, name)(**kwargs).get_config()
    rebuilt = type(schedule).from_config(config)
    np.testing.assert_array_equal(_eager(rebuilt, STEPS), _eager(schedule, STEPS))
    serialized = schedules.serialize(schedule)
    keras_serialized = keras.optimizers.schedules.serialize(
        getattr(keras.optimizers.schedules, name)(**kwargs)
    )
    assert serialized == keras_serialized
    assert schedules.deserialize(serialized).get_config() == config


def test_scalar_steps_of_any_kind_give_float32_scalars():
    schedule = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    for step in (3, np.int64(3), jnp.int32(3), jnp.float32(3.0)):
        value = schedule(step)
        assert value.shape == () and value.dtype == jnp.float32
        assert float(value) == pytest.approx(0.1 * 0.5**0.3, rel=1e-6)


def test_custom_schedule_subclass_and_deserialize_custom_objects():
    class Halving(schedules.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            return self.rate / (1.0 + jnp.asarray(step, jnp.float32))

        def get_config(self):
            return {"rate": self.rate}

    rebuilt = schedules.deserialize(
        {"class_name": "Halving", "config": {"rate": 0.4}}, custom_objects={"Halving": Halving}
    )
    assert float(rebuilt(3)) == pytest.approx(0.1)
    with pytest.raises(NotImplementedError, match="must override `__call__"):
        schedules.LearningRateSchedule()(0)


def test_exported_names():
    assert sorted(schedules.__all__) == [
        "CosineDecay",
        "CosineDecayRestarts",
        "ExponentialDecay",
        "InverseTimeDecay",
        "LearningRateSchedule",
        "PiecewiseConstantDecay",
        "PolynomialDecay",
        "deserialize",
        "serialize",
    ]
    assert strata.optimizers.schedules is schedules


@pytest.mark.parametrize(
    ("factory", "message"),
    [
        (lambda: schedules.ExponentialDecay(0.1, 0, 0.9), "decay_steps` must be > 0"),
        (lambda: schedules.InverseTimeDecay(0.1, -1, 0.9), "decay_steps` must be > 0"),
        (lambda: schedules.PolynomialDecay(0.1, 0), "decay_steps` must be > 0"),
        (lambda: schedules.CosineDecay(0.1, 0), "decay_steps` must be > 0"),
        (lambda: schedules.CosineDecayRestarts(0.1, 0), "first_decay_steps` must be > 0"),
        (lambda: schedules.CosineDecayRestarts(0.1, 10, t_mul=0.0), "t_mul` must be > 0"),
        (lambda: schedules.CosineDecay(0.1, 10, warmup_steps=-2), "warmup_steps` must be >= 0"),
        (
            lambda: schedules.ExponentialDecay("0.1", 10, 0.9),
            "initial_learning_rate` must be a num",
        ),
        (lambda: schedules.PiecewiseConstantDecay([10], [1.0]), "one element less than `values`"),
        (lambda: schedules.PiecewiseConstantDecay([10, 5], [1.0, 0.5, 0.1]), "strictly increasing"),
        (lambda: schedules.deserialize({"class_name": "Nope", "config": {}}), "Unknown learning"),
        (lambda: schedules.deserialize("ExponentialDecay"), "expected a dict"),
    ],
)
def test_bad_arguments_raise_clear_errors(factory, message):
    with pytest.raises(ValueError, match=message):
        factory()
