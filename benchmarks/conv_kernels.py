"""Time XLA's convolution against strata's patch convolution, shape by shape, on CPU.

Run from the repository root::

    python benchmarks/conv_kernels.py               # every shape below
    python benchmarks/conv_kernels.py mnist2 dw     # some of them

For each shape: CPU milliseconds of one training-style iteration (forward, input gradient and
kernel gradient), called once per step and run 4 times inside a `jax.lax.scan`; the smallest
of 3 repeats, both kernels interleaved in one process. CPU time, not wall time: on a machine
shared with other jobs it is the steadier figure. This table is what
`strata.layers.conv.patch_conv.choose_kernel` encodes.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402

from strata.layers.conv.patch_conv import patch_convolve  # noqa: E402

LOOP = 4


def _same(window):
    return tuple(((k - 1) // 2, k // 2) for k in window)


# name: (input shape, kernel shape, strides, padding pairs, input dilation, groups)
SHAPES = {
    "mnist1": ((128, 28, 28, 1), (3, 3, 1, 32), (1, 1), ((0, 0),) * 2, (1, 1), 1),
    "mnist2": ((128, 13, 13, 32), (3, 3, 32, 64), (1, 1), ((0, 0),) * 2, (1, 1), 1),
    "res16": ((128, 32, 32, 16), (3, 3, 16, 16), (1, 1), _same((3, 3)), (1, 1), 1),
    "res64": ((128, 8, 8, 64), (3, 3, 64, 64), (1, 1), _same((3, 3)), (1, 1), 1),
    "res_s2": ((128, 32, 32, 16), (3, 3, 16, 32), (2, 2), ((0, 1),) * 2, (1, 1), 1),
    "conv1d": ((32, 100, 64), (5, 64, 64), (1,), _same((5,)), (1,), 1),
    "depthwise": ((32, 48, 48, 32), (3, 3, 1, 32), (1, 1), _same((3, 3)), (1, 1), 32),
    "pointwise": ((32, 48, 48, 32), (1, 1, 32, 16), (1, 1), ((0, 0),) * 2, (1, 1), 1),
    "lstm_rec": ((5, 16, 16, 64), (3, 3, 64, 256), (1, 1), _same((3, 3)), (1, 1), 1),
    "transposed": ((32, 16, 16, 32), (3, 3, 32, 16), (1, 1), ((1, 2),) * 2, (2, 2), 1),
    "conv3d": ((8, 16, 16, 16, 4), (3, 3, 3, 4, 8), (1, 1, 1), _same((3, 3, 3)), (1,) * 3, 1),
}


def _kernels(strides, padding, input_dilation, groups):
    rank = len(strides)
    spatial = "DHW"[3 - rank :]
    spec = ("N" + spatial + "C", spatial + "IO", "N" + spatial + "C")
    ones = (1,) * rank

    def xla(x, k):
        return jax.lax.conv_general_dilated(
            x, k, strides, padding, input_dilation, ones, spec, feature_group_count=groups
        )

    def patches(x, k):
        return patch_convolve(
            x,
            k,
            strides=strides,
            padding=padding,
            dilation_rate=ones,
            input_dilation=input_dilation,
            groups=groups,
        )

    return {"xla": xla, "patches": patches}


def _programs(conv):
    def step(k, x):
        y, vjp = jax.vjp(conv, x, k)
        dx, dk = vjp(jnp.tanh(y))
        return k - 1e-6 * dk - 1e-9 * dx.sum(), None

    return jax.jit(step), jax.jit(lambda k, xs: jax.lax.scan(step, k, xs)[0])


def time_shape(name: str) -> dict:
    """``{(kernel, "step" | "scan"): CPU ms per iteration}`` for one shape."""
    x_shape, k_shape, *options = SHAPES[name]
    rng = np.random.default_rng(0)
    xs = jnp.asarray(rng.normal(size=(LOOP, *x_shape)), jnp.float32)
    k0 = jnp.asarray(rng.normal(size=k_shape), jnp.float32)
    runs = {}
    for label, conv in _kernels(*options).items():
        step, scan = _programs(conv)

        def by_step(step=step):
            k = k0
            for i in range(LOOP):
                k, _ = step(k, xs[i])
            return k

        runs[(label, "step")] = by_step
        runs[(label, "scan")] = lambda scan=scan: scan(k0, xs)
    times = {key: [] for key in runs}
    for repeat in range(4):  # the first round compiles
        for key, fn in runs.items():
            started = time.process_time()
            jax.block_until_ready(fn())
            if repeat:
                times[key].append((time.process_time() - started) * 1000 / LOOP)
    return {key: min(values) for key, values in times.items()}


def main(argv=None) -> None:
    names = (argv if argv is not None else sys.argv[1:]) or list(SHAPES)
    print(
        f"{'CPU ms per iteration':22}{'xla step':>10}{'patches':>10}{'xla scan':>10}{'patches':>10}"
    )
    for name in names:
        t = time_shape(name)
        cells = [t[("xla", "step")], t[("patches", "step")], t[("xla", "scan")]]
        cells.append(t[("patches", "scan")])
        print(f"{name:22}" + "".join(f"{c:>10.1f}" for c in cells), flush=True)


if __name__ == "__main__":
    main()
