"""`patch_convolve`: a convolution computed as window patches times the kernel, one matmul;
`xla_forward_patch_gradients`: XLA's forward with the patch convolution's derivatives;
`choose_kernel`: which of them (or XLA's own) runs fastest; `traced_in_loop`: mark a loop body.

XLA's CPU convolution is fast forward but slow for gradients, and tens of times slower still
inside a loop (jax-ml/jax#12868). Gathering the window patches with strided slices and
multiplying them by the kernel gives the same numbers through ops XLA's CPU backend runs well
everywhere: the forward is one matmul, and the gradients (which JAX derives) are two matmuls and
a sum of padded slices. A depthwise convolution (one input channel per group) multiplies and
adds the shifted inputs instead, since its "matmul" would have a contraction of a few taps.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import math

import jax
import jax.numpy as jnp

_IN_LOOP = contextvars.ContextVar("strata_convolutions_in_loop", default=False)


@contextlib.contextmanager
def traced_in_loop():
    """Within this block, convolutions being traced count as running inside a loop.

    For code that traces a step into a loop body (several training steps in one compiled
    call), so that every convolution in it takes the kernel that is fast in loops.

    Example:
        >>> import jax
        >>> with traced_in_loop():
        ...     chosen = choose_kernel((3, 3), 32, 1, looped=False)
        >>> chosen == ("patches" if jax.default_backend() == "cpu" else "xla")
        True
    """
    token = _IN_LOOP.set(True)
    try:
        yield
    finally:
        _IN_LOOP.reset(token)


def choose_kernel(window, channels_per_group: int, groups: int, *, looped: bool) -> str:
    """The fastest way to run (and differentiate) a convolution of this shape.

    ``"xla"`` (XLA's convolution), ``"patches"`` (`patch_convolve`) or ``"xla_forward"``
    (`xla_forward_patch_gradients`). Only the CPU ever leaves XLA's convolution. Measured on a
    2-core x86 CPU (CPU milliseconds for forward and both gradients;
    ``benchmarks/conv_kernels.py``), patches win inside a loop, where XLA's convolution
    gradients run 10-60x slower than outside one (jax-ml/jax#12868), and anywhere for
    depthwise convolutions (one input channel per group, 2.6x), 1x1 windows (a plain matmul,
    1.9x) and 3-d windows (2.9x). With a single input channel (an image's first layer) XLA's
    forward is 3x faster but its gradients up to 4x slower, hence ``"xla_forward"``. Elsewhere
    XLA's convolution is up to 2x faster outside a loop (patches spend memory traffic on copies
    of the input).

    Example:
        >>> choose_kernel((3, 3), 32, 1, looped=False)
        'xla'
    """
    if jax.default_backend() != "cpu":
        return "xla"
    depthwise = groups > 1 and channels_per_group == 1
    if looped or _IN_LOOP.get() or depthwise or math.prod(window) == 1 or len(window) == 3:
        return "patches"
    return "xla_forward" if channels_per_group == 1 else "xla"


def xla_forward_patch_gradients(inputs, kernel, **options):
    """`patch_convolve`'s result computed by XLA's convolution, differentiated as patches.

    The derivatives (forward and reverse mode) are `patch_convolve`'s, which is linear in each
    argument; the value is XLA's convolution, faster forward. Same arguments as
    `patch_convolve`.

    Example:
        >>> import numpy as np
        >>> x = np.arange(5.0, dtype="float32").reshape(1, 5, 1)
        >>> k = np.ones((2, 1, 1), "float32")
        >>> y = xla_forward_patch_gradients(x, k, strides=(1,), padding=[(0, 0)],
        ...     dilation_rate=(1,), input_dilation=(1,), groups=1)
        >>> y[0, :, 0].tolist()
        [1.0, 3.0, 5.0, 7.0]
    """

    @jax.custom_jvp
    def convolve(x, k):
        rank = x.ndim - 2
        spatial = "DHW"[3 - rank :]
        return jax.lax.conv_general_dilated(
            x,
            k,
            window_strides=options["strides"],
            padding=options["padding"],
            lhs_dilation=options["input_dilation"],
            rhs_dilation=options["dilation_rate"],
            dimension_numbers=("N" + spatial + "C", spatial + "IO", "N" + spatial + "C"),
            feature_group_count=options["groups"],
        )

    def derivative(primals, tangents):
        (x, k), (dx, dk) = primals, tangents
        value = convolve(x, k)
        # Linear in (dx, dk), so reverse mode transposes it into the patch gradients. A zero
        # tangent (an input not differentiated) is skipped rather than convolved.
        terms = [
            patch_convolve(a, b, **options)
            for a, b in ((dx, k), (x, dk))
            if not isinstance(a if a is dx else b, jax.custom_derivatives.SymbolicZero)
        ]
        return value, sum(terms[1:], terms[0]) if terms else jnp.zeros_like(value)

    convolve.defjvp(derivative, symbolic_zeros=True)

    return convolve(inputs, kernel)


def patch_convolve(inputs, kernel, *, strides, padding, dilation_rate, input_dilation, groups):
    """Convolve channels-last ``inputs`` with a ``(*window, in / groups, out)`` kernel.

    Args:
        inputs: ``(batch, *spatial, channels)``.
        kernel: ``(*window, channels / groups, out)``.
        strides, dilation_rate, input_dilation: N ints each.
        padding: N ``(before, after)`` pairs (negative values crop).
        groups: number of independent channel groups.

    Returns:
        ``(batch, *out_spatial, out)``, equal to `jax.lax.conv_general_dilated`'s result up to
        float rounding.

    Example:
        >>> import numpy as np
        >>> x = np.arange(5.0, dtype="float32").reshape(1, 5, 1)
        >>> k = np.ones((2, 1, 1), "float32")
        >>> y = patch_convolve(x, k, strides=(1,), padding=[(0, 0)], dilation_rate=(1,),
        ...                    input_dilation=(1,), groups=1)
        >>> y[0, :, 0].tolist()
        [1.0, 3.0, 5.0, 7.0]
    """
    rank = inputs.ndim - 2
    window = kernel.shape[:rank]
    config = [(0, 0, 0)] + [(lo, hi, d - 1) for (lo, hi), d in zip(padding, input_dilation)]
    padded = jax.lax.pad(inputs, jnp.zeros((), inputs.dtype), config + [(0, 0, 0)])
    out = [
        (n - (k - 1) * d - 1) // s + 1
        for n, k, d, s in zip(padded.shape[1:-1], window, dilation_rate, strides)
    ]
    shifted = [
        _window_slice(padded, offsets, dilation_rate, strides, out)
        for offsets in itertools.product(*(range(k) for k in window))
    ]
    channels, filters = kernel.shape[-2], kernel.shape[-1]
    if channels == 1 and groups > 1:
        return _depthwise(shifted, kernel, groups)
    patches = jnp.concatenate(shifted, axis=-1)  # (batch, *out, taps * channels)
    batch_shape = patches.shape[:-1]
    taps = math.prod(window)
    if groups == 1:
        rows = patches.reshape(-1, taps * channels)
        result = rows @ kernel.reshape(taps * channels, filters)
        return result.reshape(*batch_shape, filters)
    rows = patches.reshape(-1, taps, groups, channels)
    grouped = kernel.reshape(taps, channels, groups, filters // groups)
    result = jnp.einsum("mtgc,tcgo->mgo", rows, grouped)
    return result.reshape(*batch_shape, filters)


def _window_slice(padded, offsets, dilation_rate, strides, out):
    """The inputs one kernel tap sees at every output position."""
    starts = [0] + [o * d for o, d in zip(offsets, dilation_rate)] + [0]
    limits = [padded.shape[0]]
    limits += [st + (n - 1) * s + 1 for st, n, s in zip(starts[1:], out, strides)]
    limits += [padded.shape[-1]]
    return jax.lax.slice(padded, starts, limits, [1, *strides, 1])


def _depthwise(shifted, kernel, groups):
    """Sum over taps of shifted inputs times their per-channel weights (one channel a group)."""
    multiplier = kernel.shape[-1] // groups
    weights = kernel.reshape(len(shifted), groups, multiplier)
    total = None
    for tap, x in enumerate(shifted):
        term = x[..., :, None] * weights[tap]
        total = term if total is None else total + term
    return total.reshape(*total.shape[:-2], groups * multiplier)
