"""Optimizers: step-by-step parity with Keras 3, argument checks, and pure-state invariants."""

import warnings

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from strata import optimizers
from strata.state.variable import Variable

SHAPES = [(3, 4), (4,), (2, 3, 2)]
N_STEPS = 5
TOLERANCE = 1e-5

# name -> (class name, constructor kwargs shared by strata and Keras)
CASES = {
    "sgd": ("SGD", dict(learning_rate=0.1)),
    "sgd_momentum": ("SGD", dict(learning_rate=0.1, momentum=0.9)),
    "sgd_nesterov": ("SGD", dict(learning_rate=0.1, momentum=0.9, nesterov=True)),
    "rmsprop": ("RMSprop", dict(learning_rate=0.01)),
    "rmsprop_momentum": ("RMSprop", dict(learning_rate=0.01, momentum=0.5)),
    "rmsprop_centered": ("RMSprop", dict(learning_rate=0.01, centered=True)),
    "rmsprop_centered_momentum": (
        "RMSprop",
        dict(learning_rate=0.01, centered=True, momentum=0.5, rho=0.8),
    ),
    "adam": ("Adam", dict(learning_rate=0.01)),
    "adam_amsgrad": ("Adam", dict(learning_rate=0.01, amsgrad=True, beta_2=0.9)),
    "adamw": ("AdamW", dict(learning_rate=0.01, weight_decay=0.1)),
    "adagrad": ("Adagrad", dict(learning_rate=0.1)),
    "adagrad_options": (
        "Adagrad",
        dict(learning_rate=0.1, initial_accumulator_value=0.5, epsilon=1e-3),
    ),
    "adadelta": ("Adadelta", dict(learning_rate=1.0)),
    "adadelta_options": ("Adadelta", dict(learning_rate=0.5, rho=0.8, epsilon=1e-4)),
    "adamax": ("Adamax", dict(learning_rate=0.01)),
    "nadam": ("Nadam", dict(learning_rate=0.01)),
    "nadam_options": ("Nadam", dict(learning_rate=0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-4)),
    "adam_clipnorm": ("Adam", dict(learning_rate=0.01, clipnorm=1.0)),
    "adam_clipvalue": ("Adam", dict(learning_rate=0.01, clipvalue=0.5)),
    "adam_global_clipnorm": ("Adam", dict(learning_rate=0.01, global_clipnorm=1.0)),
    "adam_weight_decay": ("Adam", dict(learning_rate=0.01, weight_decay=0.05)),
    "sgd_momentum_clipnorm": ("SGD", dict(learning_rate=0.1, momentum=0.9, clipnorm=0.5)),
    "rmsprop_global_clipnorm_decay": (
        "RMSprop",
        dict(learning_rate=0.01, global_clipnorm=2.0, weight_decay=0.1),
    ),
}


def make_problem(seed=0):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=shape).astype("float32") for shape in SHAPES]
    # Gradients large enough that the clipping cases actually clip.
    grads = [
        [(2.0 * rng.normal(size=shape)).astype("float32") for shape in SHAPES]
        for _ in range(N_STEPS)
    ]
    return weights, grads


def run_strata(optimizer, weights, grads):
    variables = [Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
    for step_grads in grads:
        optimizer.apply_gradients(zip(step_grads, variables))
    return [v.numpy() for v in variables]


def run_keras(optimizer, weights, grads, keras):
    variables = [keras.Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
    for step_grads in grads:
        optimizer.apply_gradients(zip(step_grads, variables))
    return [np.asarray(v.numpy()) for v in variables]


def max_diff(a, b):
    return max(float(np.max(np.abs(np.asarray(x) - np.asarray(y)))) for x, y in zip(a, b))


@pytest.mark.parametrize("case", sorted(CASES))
def test_parity_with_keras(case, keras):
    class_name, kwargs = CASES[case]
    weights, grads = make_problem()
    ours_opt = getattr(optimizers, class_name)(**kwargs)
    theirs_opt = getattr(keras.optimizers, class_name)(**kwargs)
    ours = run_strata(ours_opt, weights, grads)
    theirs = run_keras(theirs_opt, weights, grads, keras)
    assert max_diff(ours, theirs) <= TOLERANCE
    # The weights moved, so the comparison is not vacuous.
    assert max_diff(ours, weights) > 1e-3
    # The optimizer state matches too, variable by variable, in Keras's order.
    ours_vars = ours_opt.variables
    theirs_vars = [np.asarray(v.numpy()) for v in theirs_opt.variables]
    assert [np.shape(v) for v in ours_vars] == [v.shape for v in theirs_vars]
    assert max_diff(ours_vars, theirs_vars) <= TOLERANCE
    assert ours_opt.iterations == N_STEPS


def keras_schedule(keras, fn):
    class Schedule(keras.optimizers.schedules.LearningRateSchedule):
        def __call__(self, step):
            return fn(keras.ops.cast(step, "float32"))

    return Schedule()


@pytest.mark.parametrize(
    "class_name, kwargs",
    [
        ("SGD", dict(momentum=0.9)),
        ("Adam", {}),
        ("AdamW", dict(weight_decay=0.2)),
        ("Nadam", {}),
    ],
)
def test_learning_rate_schedule_parity(class_name, kwargs, keras):
    weights, grads = make_problem(1)
    ours_opt = getattr(optimizers, class_name)(
        learning_rate=lambda step: 0.1 / (1 + step), **kwargs
    )
    theirs_opt = getattr(keras.optimizers, class_name)(
        learning_rate=keras_schedule(keras, lambda step: 0.1 / (1.0 + step)), **kwargs
    )
    ours = run_strata(ours_opt, weights, grads)
    theirs = run_keras(theirs_opt, weights, grads, keras)
    assert max_diff(ours, theirs) <= TOLERANCE
    # As in Keras, a schedule has no learning-rate variable, and the property follows the step.
    assert len(ours_opt.variables) == len(theirs_opt.variables)
    assert ours_opt.learning_rate == pytest.approx(0.1 / (1 + N_STEPS))


def test_partial_and_missing_gradients_match_keras(keras):
    weights, grads = make_problem(2)
    ours_vars = [Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
    theirs_vars = [keras.Variable(w, name=f"w{i}") for i, w in enumerate(weights)]
    ours_opt = optimizers.Adam(learning_rate=0.1)
    theirs_opt = keras.optimizers.Adam(learning_rate=0.1)
    for opt, variables in ((ours_opt, ours_vars), (theirs_opt, theirs_vars)):
        opt.apply_gradients(zip(grads[0], variables))
        # A subset, in another order: the others keep their values and slots.
        opt.apply_gradients([(grads[1][2], variables[2]), (grads[1][0], variables[0])])
        with pytest.warns(UserWarning, match="Gradients do not exist"):
            opt.apply_gradients([(None, variables[0])] + list(zip(grads[2][1:], variables[1:])))
    assert max_diff([v.numpy() for v in ours_vars], [v.numpy() for v in theirs_vars]) <= 1e-6
    theirs_state = [np.asarray(v.numpy()) for v in theirs_opt.variables]
    assert max_diff(ours_opt.variables, theirs_state) <= 1e-6


def test_apply_gradients_errors():
    opt = optimizers.SGD()
    w = Variable(np.ones(2, "float32"), name="w")
    with pytest.raises(ValueError, match="must already be built"):
        opt.apply([np.ones(2, "float32")])
    opt.apply_gradients([(np.ones(2, "float32"), w)])
    with pytest.raises(ValueError, match="unknown variable.*create a new optimizer"):
        opt.apply_gradients([(np.ones(2, "float32"), Variable(np.ones(2, "float32")))])
    with pytest.raises(ValueError, match="no gradients provided"):
        opt.apply_gradients([(None, w)])
    with pytest.raises(ValueError, match=r"gradient for variable 'w' has shape \(3,\).*\(2,\)"):
        opt.apply_gradients([(np.ones(3, "float32"), w)])
    # `apply` with no variables uses the built ones.
    assert opt.apply([np.ones(2, "float32")]) == 2
    np.testing.assert_allclose(w.numpy(), 1 - 2 * 0.01, rtol=1e-6)


def test_exclude_from_weight_decay():
    w, b = (
        Variable(np.ones(2, "float32"), name="kernel"),
        Variable(np.ones(2, "float32"), name="bias"),
    )
    opt = optimizers.AdamW(learning_rate=0.5, weight_decay=0.1)
    opt.exclude_from_weight_decay(var_names=["bias"])
    zeros = np.zeros(2, "float32")
    opt.apply_gradients([(zeros, w), (zeros, b)])
    np.testing.assert_allclose(w.numpy(), 1 - 0.1 * 0.5)
    np.testing.assert_allclose(b.numpy(), 1.0)


# ---- constructor arguments ---------------------------------------------------------------------
def test_lr_alias_warns_and_is_used():
    with pytest.warns(DeprecationWarning, match="SGD: the `lr` argument is deprecated"):
        opt = optimizers.SGD(lr=0.05)
    assert opt.learning_rate == 0.05
    w = Variable(np.ones(1, "float32"))
    opt.apply_gradients([(np.ones(1, "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [0.95], rtol=1e-6)


def test_positional_and_integer_learning_rate():
    assert optimizers.SGD(0.01).learning_rate == 0.01
    assert optimizers.Adam(0.002).learning_rate == 0.002
    # Keras rejects an int; strata takes it as a float.
    opt = optimizers.SGD(learning_rate=1)
    assert opt.learning_rate == 1.0 and isinstance(opt.learning_rate, float)
    w = Variable(np.array([3.0], "float32"))
    opt.apply_gradients([(np.array([0.5], "float32"), w)])
    np.testing.assert_allclose(w.numpy(), [2.5])


def test_default_learning_rates_and_names_match_keras(keras):
    for class_name, cls in optimizers.CLASSES.items():
        ours, theirs = cls(), getattr(keras.optimizers, class_name)()
        assert ours.learning_rate == pytest.approx(float(theirs.learning_rate))
        assert ours.name.split("_")[0] == theirs.name.split("_")[0]
        ours_config, theirs_config = ours.get_config(), theirs.get_config()
        assert list(ours_config) == list(theirs_config)
        for key, value in theirs_config.items():
            if key not in ("name", "learning_rate"):
                assert ours_config[key] == value, (class_name, key)
        assert cls.from_config(ours_config).get_config() == ours_config


def test_unknown_kwargs_raise():
    with pytest.raises(ValueError, match=r"Adam: argument\(s\) not recognized: \{'betas': 0.9\}"):
        optimizers.Adam(betas=0.9)
    with pytest.raises(ValueError, match="Nadam: argument.*amsgrad"):
        optimizers.Nadam(amsgrad=True)


def test_decay_warns():
    with pytest.warns(UserWarning, match="`decay` is no longer supported"):
        optimizers.SGD(decay=0.1)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.SGD(decay=None)


@pytest.mark.parametrize("momentum", [-0.1, 1.5, "0.9", True, float("nan")])
def test_momentum_out_of_range(momentum):
    with pytest.raises(ValueError, match=r"SGD: `momentum` must be a float in \[0, 1\]; received"):
        optimizers.SGD(momentum=momentum)


@pytest.mark.parametrize(
    "class_name, kwargs, message",
    [
        (
            "Adam",
            dict(beta_1=1.5),
            r"Adam: `beta_1` must be a float in \[0, 1\]; received beta_1=1.5",
        ),
        ("Nadam", dict(beta_2=-1.0), r"Nadam: `beta_2` .* received beta_2=-1.0"),
        ("Adamax", dict(epsilon=-1e-7), r"Adamax: `epsilon` must be a non-negative float"),
        (
            "Adadelta",
            dict(rho=2.0),
            r"Adadelta: `rho` must be a float in \[0, 1\]; received rho=2.0",
        ),
        (
            "Adagrad",
            dict(initial_accumulator_value=-0.1),
            r"Adagrad: `initial_accumulator_value` must be a non-negative float",
        ),
        ("Adagrad", dict(epsilon=None), r"Adagrad: `epsilon` must be a non-negative float"),
        ("RMSprop", dict(rho=-0.5), r"RMSprop: `rho` must be a float in \[0, 1\]"),
        ("Adam", dict(learning_rate="fast"), r"Adam: `learning_rate` must be a float, a schedule"),
        ("SGD", dict(learning_rate=-0.1), r"SGD: `learning_rate` must be >= 0"),
        ("SGD", dict(clipnorm=1.0, clipvalue=1.0), "only one of `clipnorm`, `clipvalue`"),
        ("Adam", dict(clipnorm=-1.0), r"Adam: `clipnorm` must be a non-negative float"),
    ],
)
def test_argument_validation(class_name, kwargs, message):
    with pytest.raises(ValueError, match=message):
        getattr(optimizers, class_name)(**kwargs)


def test_adamw_requires_weight_decay():
    with pytest.raises(ValueError, match="AdamW: `weight_decay` cannot be None"):
        optimizers.AdamW(weight_decay=None)


def test_get():
    for name in ("sgd", "rmsprop", "adam", "adamw", "adagrad", "adadelta", "adamax", "nadam"):
        assert type(optimizers.get(name)).__name__.lower() == name
    assert isinstance(optimizers.get("Adagrad"), optimizers.Adagrad)
    opt = optimizers.Nadam()
    assert optimizers.get(opt) is opt
    assert isinstance(optimizers.get(optimizers.Adamax), optimizers.Adamax)
    with pytest.raises(
        ValueError, match="Unknown optimizer: 'nope'.*Valid names: adadelta, adagrad"
    ):
        optimizers.get("nope")
    with pytest.raises(ValueError, match="Did you mean 'adam'"):
        optimizers.get("addam")
    with pytest.raises(ValueError, match="Could not interpret optimizer identifier: 3"):
        optimizers.get(3)


# ---- learning rate ------------------------------------------------------------------------------
def test_setting_learning_rate_after_build_changes_later_steps():
    opt = optimizers.SGD(learning_rate=0.1)
    w = Variable(np.array([1.0], "float32"))
    g = np.array([1.0], "float32")
    opt.apply_gradients([(g, w)])
    opt.learning_rate = 0.5
    assert opt.learning_rate == 0.5
    opt.apply_gradients([(g, w)])
    np.testing.assert_allclose(w.numpy(), [1.0 - 0.1 - 0.5], rtol=1e-6)
    assert opt.get_config()["learning_rate"] == 0.5


def test_learning_rate_change_does_not_retrace():
    opt = optimizers.Adam(learning_rate=0.1)
    params = [jnp.ones(3)]
    state = opt.init_state(params)
    traces = []

    @jax.jit
    def step(grads, state, params):
        traces.append(1)
        return opt.step(grads, state, params)

    params, state = step([jnp.ones(3)], state, params)
    opt.state = state
    opt.learning_rate = 0.01
    _, state2 = step([jnp.ones(3)], opt.state, params)
    assert len(traces) == 1
    assert float(state2["learning_rate"]) == pytest.approx(0.01)


def test_schedule_learning_rate_cannot_be_assigned():
    opt = optimizers.Adam(learning_rate=lambda step: 0.1)
    with pytest.raises(TypeError, match="Adam: the learning rate is a schedule"):
        opt.learning_rate = 0.5
    assert opt.get_config()["learning_rate"] is opt._schedule


# ---- pure-state invariants ---------------------------------------------------------------------
@pytest.mark.parametrize("class_name", sorted(optimizers.CLASSES))
def test_dtype_and_structure_are_stable_under_fori_loop(class_name):
    """bfloat16 weights keep bfloat16 slots, so the state can be a loop carry (as in `fit`)."""
    opt = optimizers.CLASSES[class_name](learning_rate=0.01, clipnorm=1.0)
    params = [jnp.ones((2, 3), jnp.bfloat16), jnp.ones((3,), jnp.float32)]
    grads = [jnp.full((2, 3), 0.5, jnp.bfloat16), jnp.full((3,), -0.5, jnp.float32)]
    state = opt.init_state(params)

    def body(_, carry):
        return opt.step(grads, carry[1], carry[0], [True, True])

    new_params, new_state = jax.lax.fori_loop(0, 3, body, (params, state))
    assert [p.dtype for p in new_params] == [jnp.bfloat16, jnp.float32]
    assert jax.tree_util.tree_structure(new_state) == jax.tree_util.tree_structure(state)
    assert int(new_state["iterations"]) == 3
    # Ftrl solves for the weights from its accumulated terms instead of stepping from them, so
    # its first steps may move a weight against the gradient's sign (as Keras's Ftrl does).
    if class_name != "Ftrl":
        assert bool(jnp.all(new_params[1] > 1.0))


def test_zero_clip_arguments_are_ignored_like_keras(keras):
    weights, grads = make_problem(3)
    for kwargs in (dict(clipnorm=0.0), dict(clipvalue=0.0), dict(global_clipnorm=0.0)):
        ours = run_strata(optimizers.SGD(learning_rate=0.1, **kwargs), weights, grads[:2])
        theirs = run_keras(
            keras.optimizers.SGD(learning_rate=0.1, **kwargs), weights, grads[:2], keras
        )
        assert max_diff(ours, theirs) <= TOLERANCE


@settings(max_examples=15, deadline=None)
@given(
    arrays=st.lists(
        hnp.arrays(
            np.float32,
            hnp.array_shapes(max_dims=3, max_side=4),
            elements=st.floats(-100, 100, width=32),
        ),
        min_size=1,
        max_size=3,
    ),
    learning_rate=st.floats(0.0, 10.0),
)
def test_plain_sgd_is_w_minus_lr_g(arrays, learning_rate):
    params = [jnp.asarray(a) for a in arrays]
    grads = [jnp.asarray(a[::-1]) for a in arrays]
    opt = optimizers.SGD(learning_rate=learning_rate)
    new, state = opt.step(grads, opt.init_state(params), params)
    for p, g, n in zip(params, grads, new):
        np.testing.assert_array_equal(n, p - g * np.float32(learning_rate))
    assert int(state["iterations"]) == 1
