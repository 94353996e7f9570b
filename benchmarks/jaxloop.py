"""The floor: the same workloads as a hand-written `jax.jit` + optax training loop.

This is what an expert would write without a framework: parameters as a pytree, the data put on
the device once, and one jitted call per epoch that gathers each batch on the device and runs
every step in a `fori_loop` (the last batch padded and masked, so every epoch is one compiled
shape). The host shuffles with NumPy, hands the epoch's index rows to the call, and reads the
mean loss once per epoch, as `fit` must for its History. Initializers and losses follow Keras's formulas (Glorot-uniform kernels, zero
biases, clipped probabilities in the cross-entropies), so the arithmetic matches the frameworks.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np
import optax

from benchmarks import common

_EPSILON = 1e-7  # Keras's backend epsilon, used by its Adam and its probability clipping.


# ---- models as pure functions ---------------------------------------------------------------
def _glorot(rng: np.random.Generator, fan_in: int, fan_out: int) -> np.ndarray:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


def _dense_stack(rng, widths: list[int]) -> list[dict]:
    return [
        {"w": _glorot(rng, fan_in, fan_out), "b": np.zeros(fan_out, np.float32)}
        for fan_in, fan_out in zip(widths[:-1], widths[1:])
    ]


def _relu_stack(layers, x):
    for layer in layers:
        x = jax.nn.relu(x @ layer["w"] + layer["b"])
    return x


def _mlp_forward(params, x):
    hidden = _relu_stack(params[:-1], x)
    return jax.nn.softmax(hidden @ params[-1]["w"] + params[-1]["b"])


def _lstm_params(rng, features: int, units: int) -> dict:
    # Keras's layout: gates (input, forget, cell, output) side by side; orthogonal recurrent
    # kernel; forget-gate bias 1 (`unit_forget_bias=True`).
    q, _ = np.linalg.qr(rng.standard_normal((4 * units, units)))
    bias = np.zeros(4 * units, np.float32)
    bias[units : 2 * units] = 1.0
    return {
        "kernel": _glorot(rng, features, 4 * units),
        "recurrent": q.T.astype(np.float32),
        "bias": bias,
    }


def _lstm_forward(params, x):
    cell = params["lstm"]
    units = cell["recurrent"].shape[0]
    projected = jnp.einsum("btf,fg->tbg", x, cell["kernel"]) + cell["bias"]

    def step(carry, z_x):
        h, c = carry
        z = z_x + h @ cell["recurrent"]
        i, f, g, o = jnp.split(z, 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None

    zeros = jnp.zeros((x.shape[0], units), x.dtype)
    (h, _), _ = jax.lax.scan(step, (zeros, zeros), projected)
    hidden = _relu_stack(params["head"][:1], h)
    head = params["head"][1]
    return jax.nn.sigmoid(hidden @ head["w"] + head["b"])


def _two_input_forward(params, inputs):
    a = _relu_stack(params["a"], inputs[0])
    b = _relu_stack(params["b"], inputs[1])
    z = _relu_stack(params["merge"][:1], jnp.concatenate([a, b], axis=-1))
    out = params["merge"][1]
    return z @ out["w"] + out["b"]


def _linear_forward(params, x):
    return x @ params["w"] + params["b"]


# ---- per-sample losses (Keras's formulas) --------------------------------------------------------
def _mse(y, p):
    return jnp.mean(jnp.square(p - y), axis=-1)


def _sparse_categorical_crossentropy(y, p):
    p = jnp.clip(p, _EPSILON, 1.0 - _EPSILON)
    return -jnp.log(jnp.take_along_axis(p, y[:, None], axis=-1)[:, 0])


def _binary_crossentropy(y, p):
    p = jnp.clip(p, _EPSILON, 1.0 - _EPSILON)
    return jnp.mean(-(y * jnp.log(p) + (1.0 - y) * jnp.log(1.0 - p)), axis=-1)


# ---- the training loop -----------------------------------------------------------------------------
def _epoch_function(forward, per_sample_loss, optimizer):
    """Jitted ``(params, opt_state, data, indices, masks) -> (params, opt_state, mean loss)``."""

    def masked_loss(params, x, y, mask):
        losses = per_sample_loss(y, forward(params, x))
        return jnp.sum(losses * mask) / jnp.maximum(jnp.sum(mask), 1.0)

    grad_fn = jax.value_and_grad(masked_loss)

    def epoch(params, opt_state, data, indices, masks):
        x_leaves, y = data

        def body(i, carry):
            params, opt_state, total, count = carry
            idx, mask = indices[i], masks[i]
            x = [leaf[idx] for leaf in x_leaves]
            loss, grads = grad_fn(params, x if len(x) > 1 else x[0], y[idx], mask)
            updates, opt_state = optimizer.update(grads, opt_state, params)
            params = optax.apply_updates(params, updates)
            n = jnp.sum(mask)
            return params, opt_state, total + loss * n, count + n

        zero = jnp.zeros((), jnp.float32)
        carry = (params, opt_state, zero, zero)
        params, opt_state, total, count = jax.lax.fori_loop(0, indices.shape[0], body, carry)
        return params, opt_state, total / count

    return jax.jit(epoch, donate_argnums=(0, 1))


def _batches(count: int, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
    steps = -(-count // batch_size)
    padded = np.zeros(steps * batch_size, np.int32)
    padded[:count] = np.random.permutation(count)
    mask = np.zeros(steps * batch_size, np.float32)
    mask[:count] = 1.0
    return padded.reshape(steps, batch_size), mask.reshape(steps, batch_size)


def _train(params, forward, per_sample_loss, optimizer, x_leaves, y, *, batch_size, epochs):
    """Train; return `fit`-like `common.clock()` readings (start, each epoch's end), last loss."""
    np.random.seed(common.SEED)
    count = y.shape[0]
    batch_size = min(batch_size, count)
    epoch = _epoch_function(forward, per_sample_loss, optimizer)
    started = common.clock()
    params, data = jax.device_put((params, (list(x_leaves), y)))
    opt_state = optimizer.init(params)
    ends, loss = [], None
    for _ in range(epochs):
        # NumPy straight into the jitted call: its C++ dispatch copies them faster than a
        # separate `jax.device_put` (about 0.3 ms less per epoch here).
        indices, masks = _batches(count, batch_size)
        params, opt_state, loss = epoch(params, opt_state, data, indices, masks)
        loss = float(loss)
        ends.append(common.clock())
    return started, ends, loss


def _fit_figures(params, forward, loss, x_leaves, y, *, batch_size, epochs) -> dict:
    started, ends, last = _train(
        params,
        forward,
        loss,
        optax.adam(1e-3, eps=_EPSILON),
        x_leaves,
        y,
        batch_size=batch_size,
        epochs=epochs,
    )
    return {**common.epoch_figures(started, ends, y.shape[0]), "final_loss": last}


# ---- the workloads ----------------------------------------------------------------------------------
def regression(sizes: common.Sizes) -> dict:
    """The seed's linear regression with SGD(0.01): total training seconds incl. compile."""
    rng = np.random.default_rng(common.SEED)
    params = _dense_stack(rng, [1, 1])[0]
    started, ends, loss = _train(
        params,
        _linear_forward,
        _mse,
        optax.sgd(0.01),
        [common.REGRESSION_X],
        common.REGRESSION_Y,
        batch_size=32,
        epochs=sizes.regression_epochs,
    )
    return {
        "fit_s": ends[-1][0] - started[0],
        "fit_cpu_s": ends[-1][1] - started[1],
        "epochs": sizes.regression_epochs,
        "final_loss": loss,
    }


def mlp(sizes: common.Sizes) -> dict:
    """MLP 784-512-512-10, Adam, sparse categorical cross-entropy, batch 128."""
    x, y = common.mlp_data(sizes.mlp_samples)
    params = _dense_stack(np.random.default_rng(common.SEED), [784, 512, 512, 10])
    return _fit_figures(
        params,
        _mlp_forward,
        _sparse_categorical_crossentropy,
        [x],
        y,
        batch_size=common.MLP_BATCH,
        epochs=sizes.mlp_epochs,
    )


def lstm(sizes: common.Sizes) -> dict:
    """LSTM(10) -> Dense(10, relu) -> Dense(1, sigmoid), Adam, binary cross-entropy, batch 32."""
    x, y = common.lstm_data(sizes.lstm_samples)
    rng = np.random.default_rng(common.SEED)
    params = {"lstm": _lstm_params(rng, 1, 10), "head": _dense_stack(rng, [10, 10, 1])}
    return _fit_figures(
        params,
        _lstm_forward,
        _binary_crossentropy,
        [x],
        y,
        batch_size=common.LSTM_BATCH,
        epochs=sizes.lstm_epochs,
    )


def two_input(sizes: common.Sizes) -> dict:
    """The seed's two-input model, Adam, MSE, batch 32."""
    x, y = common.two_input_data(sizes.two_input_samples)
    rng = np.random.default_rng(common.SEED)
    params = {
        "a": _dense_stack(rng, [64, 16, 8]),
        "b": _dense_stack(rng, [128, 64, 32, 8]),
        "merge": _dense_stack(rng, [16, 2, 1]),
    }
    return _fit_figures(
        params,
        _two_input_forward,
        _mse,
        x,
        y,
        batch_size=common.TWO_INPUT_BATCH,
        epochs=sizes.two_input_epochs,
    )


def predict(sizes: common.Sizes) -> dict:
    """One MLP row through a jitted forward pass, read back to the host (both columns)."""
    params = jax.device_put(_dense_stack(np.random.default_rng(common.SEED), [784, 512, 512, 10]))
    forward = jax.jit(_mlp_forward)
    row = common.mlp_data(1)[0]
    seconds = common.median_call_seconds(
        lambda: np.asarray(forward(params, row)), sizes.latency_calls
    )
    return {"predict_ms": 1e3 * seconds, "call_ms": 1e3 * seconds, "calls": sizes.latency_calls}


def matmul(sizes: common.Sizes) -> dict:
    """The machine's float32 matmul rate: an n x n product with `jax.numpy`, best of 5.

    The best, not the median: this is the machine's capacity, and other processes only ever
    make a product slower. The rate per CPU-second (all threads) is the load-independent twin.
    """
    n = sizes.matmul_n
    keys = jax.random.split(jax.random.key(common.SEED))
    a = jax.random.normal(keys[0], (n, n), jnp.float32)
    b = jax.random.normal(keys[1], (n, n), jnp.float32)
    product = jax.jit(jnp.matmul)
    product(a, b).block_until_ready()
    walls, cpus = [], []
    for _ in range(5):
        started = common.clock()
        product(a, b).block_until_ready()
        ended = common.clock()
        walls.append(ended[0] - started[0])
        cpus.append(ended[1] - started[1])
    flops = 2.0 * n**3
    return {
        "n": n,
        "device": jax.devices()[0].device_kind,
        "seconds": min(walls),
        "cpu_seconds": min(cpus),
        "gflops": flops / min(walls) / 1e9,
        "gflops_per_cpu_s": flops / min(cpus) / 1e9,
    }
