"""`Merge`: the shared checks of layers that combine a list of tensors."""

from __future__ import annotations

from strata.layers.layer import Layer


class Merge(Layer):
    """Base of the merging layers: takes a list of at least two tensors."""

    min_inputs = 2
    max_inputs: int | None = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def _check_input(self, inputs) -> None:
        kind = type(self).__name__
        if not isinstance(inputs, list | tuple):
            raise ValueError(
                f"Layer '{self.name}' ({kind}) must be called on a list of tensors; received "
                f"{type(inputs).__name__}."
            )
        count = len(inputs)
        if count < self.min_inputs or (self.max_inputs is not None and count > self.max_inputs):
            expected = (
                f"exactly {self.max_inputs}"
                if self.max_inputs == self.min_inputs
                else f"at least {self.min_inputs}"
            )
            raise ValueError(
                f"Layer '{self.name}' ({kind}) expects {expected} inputs; received {count}."
            )
        self._check_shapes([tuple(x.shape) for x in inputs])

    def _check_shapes(self, shapes) -> None:
        """Elementwise merges: shapes must agree axis by axis (None and 1 broadcast)."""
        ranks = {len(s) for s in shapes}
        if len(ranks) > 1:
            raise ValueError(
                f"Layer '{self.name}' ({type(self).__name__}) needs inputs of the same rank; "
                f"received shapes {shapes}."
            )
        for axis in range(len(shapes[0])):
            sizes = {s[axis] for s in shapes} - {None, 1}
            if len(sizes) > 1:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) needs inputs of compatible "
                    f"shapes; received shapes {shapes} (axis {axis} differs)."
                )

    def compute_output_shape(self, input_shape):
        out = []
        for dims in zip(*input_shape):
            known = [d for d in dims if d is not None]
            out.append(None if len(known) < len(dims) and not known else max(known, default=None))
        return tuple(out)

    def compute_mask(self, inputs, mask=None):
        if mask is None or all(m is None for m in mask):
            return None
        import jax.numpy as jnp

        masks = [
            jnp.ones(x.shape[:-1], dtype=bool) if m is None else m for x, m in zip(inputs, mask)
        ]
        combined = masks[0]
        for m in masks[1:]:
            combined = combined & m
        return combined
