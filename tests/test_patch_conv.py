"""The patch convolution (the CPU's fast path) against XLA's native convolution, and the choice
between them: same values and gradients within 1e-5 over random shapes, strides, dilations,
paddings, groups, layouts."""

from __future__ import annotations

import jax
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from strata.layers.conv.base_conv import convolve
from strata.layers.conv.patch_conv import (
    choose_kernel,
    traced_in_loop,
    xla_forward_patch_gradients,
)


def native(
    x, k, *, strides, padding, dilation_rate, groups, channels_first, input_dilation, kernel_layout
):
    rank = x.ndim - 2
    spatial = "DHW"[3 - rank :]
    data = "NC" + spatial if channels_first else "N" + spatial + "C"
    if padding == "causal":
        padding = [((w - 1) * d, 0) for w, d in zip(k.shape[:rank], dilation_rate)]
    elif isinstance(padding, str):
        padding = padding.upper()
    return jax.lax.conv_general_dilated(
        x,
        k,
        strides,
        padding,
        lhs_dilation=input_dilation,
        rhs_dilation=dilation_rate,
        dimension_numbers=(data, spatial + kernel_layout, data),
        feature_group_count=groups,
    )


@st.composite
def conv_cases(draw):
    rank = draw(st.integers(1, 3))
    window = draw(st.lists(st.integers(1, 3), min_size=rank, max_size=rank))
    strides = draw(st.lists(st.integers(1, 2), min_size=rank, max_size=rank))
    dilation = draw(st.lists(st.integers(1, 2), min_size=rank, max_size=rank))
    input_dilation = draw(st.lists(st.integers(1, 2), min_size=rank, max_size=rank))
    kinds = ["valid", "same", "pairs"] + (["causal"] if rank == 1 else [])
    # XLA's op takes explicit paddings only with input dilation (transposed convolutions).
    kind = draw(st.sampled_from(kinds)) if max(input_dilation) == 1 else "pairs"
    if kind == "pairs":
        padding = [(draw(st.integers(0, 2)), draw(st.integers(0, 2))) for _ in range(rank)]
    else:
        padding = kind
    # Long enough for a non-empty output whatever the padding.
    lengths = [
        draw(st.integers((w - 1) * d + 1, (w - 1) * d + 5)) for w, d in zip(window, dilation)
    ]
    groups = draw(st.integers(1, 3))
    per_group = draw(st.integers(1, 3))
    out_per_group = draw(st.integers(1, 3))
    return dict(
        rank=rank,
        batch=draw(st.integers(1, 2)),
        lengths=lengths,
        window=window,
        channels=groups * per_group,
        filters=groups * out_per_group,
        options=dict(
            strides=tuple(strides),
            padding=padding,
            dilation_rate=tuple(dilation),
            groups=groups,
            channels_first=draw(st.booleans()),
            input_dilation=tuple(input_dilation),
            kernel_layout=draw(st.sampled_from(["IO", "OI"])),
        ),
        seed=draw(st.integers(0, 2**16)),
    )


@settings(max_examples=30, deadline=None)
@given(conv_cases())
def test_patch_convolution_matches_xla_forward_and_gradients(case):
    options = case["options"]
    rng = np.random.default_rng(case["seed"])
    channels, filters = case["channels"], case["filters"]
    spatial = tuple(case["lengths"])
    shape = (
        (case["batch"], channels, *spatial)
        if options["channels_first"]
        else (case["batch"], *spatial, channels)
    )
    per_group = channels // options["groups"]
    pair = (per_group, filters) if options["kernel_layout"] == "IO" else (filters, per_group)
    x = rng.uniform(-1, 1, shape).astype("float32")
    k = rng.uniform(-1, 1, (*case["window"], *pair)).astype("float32") / np.sqrt(
        per_group * np.prod(case["window"])
    )

    def fast(x, k):
        return convolve(x, k, looped=True, **options)  # looped: always patches on the CPU

    def reference(x, k):
        return native(x, k, **options)

    expected, expected_vjp = jax.vjp(reference, x, k)
    got, got_vjp = jax.vjp(fast, x, k)
    assert got.shape == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    cotangent = rng.uniform(-1, 1, expected.shape).astype("float32")
    for g, e in zip(got_vjp(cotangent), expected_vjp(cotangent)):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=2e-5)


def test_kernels_are_chosen_only_where_they_run_faster():
    cpu = jax.default_backend() == "cpu"
    patches = "patches" if cpu else "xla"
    assert choose_kernel((3, 3), 16, 1, looped=True) == patches
    assert choose_kernel((3, 3), 1, 32, looped=False) == patches  # depthwise
    assert choose_kernel((1, 1), 64, 1, looped=False) == patches  # pointwise
    assert choose_kernel((3, 3, 3), 8, 1, looped=False) == patches
    assert choose_kernel((3, 3), 1, 1, looped=False) == ("xla_forward" if cpu else "xla")
    assert choose_kernel((3, 3), 32, 1, looped=False) == "xla"
    assert choose_kernel((5,), 64, 1, looped=False) == "xla"
    with traced_in_loop():
        assert choose_kernel((3, 3), 32, 1, looped=False) == patches
    assert choose_kernel((3, 3), 32, 1, looped=False) == "xla"


@settings(max_examples=15, deadline=None)
@given(
    strides=st.tuples(st.integers(1, 2), st.integers(1, 2)),
    padding=st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=2, max_size=2),
    groups=st.integers(1, 2),
    seed=st.integers(0, 2**16),
)
def test_xla_forward_with_patch_derivatives_matches_xla(strides, padding, groups, seed):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (2, 7, 6, groups)).astype("float32")
    k = rng.uniform(-1, 1, (3, 2, 1, 2 * groups)).astype("float32") / 2
    options = dict(strides=strides, padding=padding, dilation_rate=(1, 1), groups=groups)

    def hybrid(x, k):
        return xla_forward_patch_gradients(x, k, input_dilation=(1, 1), **options)

    def reference(x, k):
        return native(
            x, k, channels_first=False, input_dilation=(1, 1), kernel_layout="IO", **options
        )

    expected, expected_vjp = jax.vjp(reference, x, k)
    got, got_vjp = jax.vjp(hybrid, x, k)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    cotangent = rng.uniform(-1, 1, expected.shape).astype("float32")
    for g, e in zip(got_vjp(cotangent), expected_vjp(cotangent)):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=2e-5)
    # Forward mode too, and the kernel gradient alone (the input's tangent is a symbolic zero).
    tangents = (x[::-1], k[::-1])
    got_t = jax.jvp(hybrid, (x, k), tangents)[1]
    np.testing.assert_allclose(got_t, jax.jvp(reference, (x, k), tangents)[1], atol=2e-5)
    loss = lambda f: jax.grad(lambda k: (f(x, k) ** 2).sum())(k)  # noqa: E731
    np.testing.assert_allclose(loss(hybrid), loss(reference), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("looped", [False, True])
def test_layers_give_the_same_values_on_either_kernel(looped):
    # A Conv2D whose shape takes XLA's kernel and one that takes patches agree with the raw op.
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 8, 8, 4)).astype("float32")
    k = rng.normal(size=(3, 3, 4, 5)).astype("float32")
    options = dict(strides=(1, 1), padding="same", dilation_rate=(1, 1))
    got = convolve(x, k, looped=looped, **options)
    expected = native(
        x, k, groups=1, channels_first=False, input_dilation=(1, 1), kernel_layout="IO", **options
    )
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
