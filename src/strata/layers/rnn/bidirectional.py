"""`Bidirectional`: run a recurrent layer forwards and a copy of it backwards, then merge."""

from __future__ import annotations

import jax.numpy as jnp

from strata.layers.layer import Layer
from strata.layers.rnn.base_rnn import serialize_sublayer

MERGE_MODES = ("concat", "sum", "mul", "ave", None)


class Bidirectional(Layer):
    """A recurrent layer run over the sequence in both directions, outputs merged.

    The forward layer is a fresh copy of `layer` named ``forward_<name>``; the backward layer is
    `backward_layer` or another copy with ``go_backwards=True`` named ``backward_<name>``. Both
    are rebuilt from `layer`'s config (as Keras does), so under `set_random_seed` their initial
    weights match Keras's. The backward sequence output is flipped back into time order before
    merging; with `return_sequences`, masked steps output zeros in both directions.

    Args:
        layer: a recurrent layer (`LSTM`, `GRU`, `SimpleRNN`, `RNN`, ...).
        merge_mode: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"``, or None to return
            both outputs as a list.
        backward_layer: optional layer for the backward direction; it must have
            ``go_backwards=True`` and the same `return_sequences`/`return_state` as `layer`.

    Call arguments: ``sequences``; optional ``initial_state`` (the forward states followed by
    the backward states); optional boolean ``mask`` ``(batch, time)``; ``training``.

    Shapes: ``(batch, time, features)`` -> ``(batch, [time,] 2 * units)`` for ``"concat"``, else
    ``(batch, [time,] units)``; with `return_state`, ``[output, *forward_states,
    *backward_states]``. Weights: the forward layer's, then the backward layer's.

    Example:
        >>> import numpy as np
        >>> from strata.layers.rnn.gru import GRU
        >>> Bidirectional(GRU(3))(np.ones((2, 5, 4))).shape
        (2, 6)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        super().__init__(**kwargs)
        where = f"Bidirectional '{self.name}'"
        _check_recurrent(where, "layer", layer)
        if backward_layer is not None:
            _check_recurrent(where, "backward_layer", backward_layer)
        if merge_mode not in MERGE_MODES:
            raise ValueError(
                f"{where}: invalid `merge_mode` {merge_mode!r}; expected one of "
                "'concat', 'sum', 'mul', 'ave' or None."
            )
        self.forward_layer = _copy(layer, f"forward_{_strip(layer.name, 'forward_')}")
        if backward_layer is None:
            backward_layer = _copy(
                layer, f"backward_{_strip(layer.name, 'backward_')}", go_backwards=True
            )
        self.backward_layer = backward_layer
        if self.forward_layer.go_backwards == self.backward_layer.go_backwards:
            raise ValueError(
                f"{where}: the forward and backward layers must have different `go_backwards`; "
                f"both have go_backwards={self.forward_layer.go_backwards}."
            )
        for attr in ("return_sequences", "return_state"):
            ours, theirs = getattr(self.forward_layer, attr), getattr(self.backward_layer, attr)
            if ours != theirs:
                raise ValueError(
                    f"{where}: the forward and backward layers must agree on `{attr}`; received "
                    f"{ours} for the forward layer and {theirs} for the backward layer."
                )
        # As in Keras: with sequence outputs, masked steps are zeros in both directions, so the
        # flipped backward outputs line up with the forward ones.
        for direction in (self.forward_layer, self.backward_layer):
            if hasattr(direction, "zero_output_for_mask"):
                direction.zero_output_for_mask = direction.return_sequences
        self.merge_mode = merge_mode
        self.return_sequences = self.forward_layer.return_sequences
        self.return_state = self.forward_layer.return_state
        self.stateful = False
        self.supports_masking = True
        self._initial_weights = weights

    def _check_input(self, inputs) -> None:
        self.forward_layer._check_input(inputs)

    def build(self, input_shape) -> None:
        self.forward_layer._maybe_build(tuple(input_shape))
        self.backward_layer._maybe_build(tuple(input_shape))
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def compute_output_shape(self, input_shape, initial_state_shape=None):
        shape = self.forward_layer.compute_output_shape(input_shape)
        states = []
        if self.return_state:
            shape, states = shape[0], list(shape[1:])
        if self.merge_mode == "concat":
            output = [(*shape[:-1], 2 * shape[-1])]
        elif self.merge_mode is None:
            output = [shape, shape]
        else:
            output = [shape]
        if not self.return_state and len(output) == 1:
            return output[0]
        return output + states + states

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, list | tuple):
            mask = mask[0]
        output_mask = mask if self.return_sequences else None
        masks = [output_mask, output_mask] if self.merge_mode is None else [output_mask]
        if self.return_state:
            states = self.forward_layer.compute_output_shape(tuple(inputs.shape))[1:]
            masks += [None] * (2 * len(states))
        return masks if len(masks) > 1 else masks[0]

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            states = list(initial_state)
            half = len(states) // 2
            forward_state, backward_state = states[:half], states[half:]
        forward = self.forward_layer(
            sequences, initial_state=forward_state, mask=mask, training=training
        )
        backward = self.backward_layer(
            sequences, initial_state=backward_state, mask=mask, training=training
        )
        states = []
        if self.return_state:
            states = list(forward[1:]) + list(backward[1:])
            forward, backward = forward[0], backward[0]
        if self.return_sequences:
            backward = jnp.flip(backward, axis=1)
        if self.merge_mode == "concat":
            output = [jnp.concatenate([forward, backward], axis=-1)]
        elif self.merge_mode == "sum":
            output = [forward + backward]
        elif self.merge_mode == "ave":
            output = [(forward + backward) / 2]
        elif self.merge_mode == "mul":
            output = [forward * backward]
        else:
            output = [forward, backward]
        if not self.return_state and len(output) == 1:
            return output[0]
        return output + states

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "merge_mode": self.merge_mode,
            "layer": serialize_sublayer(self.forward_layer),
            "backward_layer": serialize_sublayer(self.backward_layer),
        }


def _check_recurrent(where: str, arg: str, layer) -> None:
    if not isinstance(layer, Layer):
        raise ValueError(
            f"{where}: `{arg}` must be a strata layer (e.g. `LSTM(...)`); received "
            f"{type(layer).__name__}."
        )
    missing = [a for a in ("go_backwards", "return_sequences") if not hasattr(layer, a)]
    if missing:
        raise ValueError(
            f"{where}: `{arg}` must be a recurrent layer with `go_backwards` and "
            f"`return_sequences` (LSTM, GRU, SimpleRNN, RNN ...); {type(layer).__name__} "
            f"'{layer.name}' has no {', '.join(f'`{m}`' for m in missing)}."
        )


def _copy(layer, name: str, **changes):
    """A new layer of the same class from `layer`'s config: fresh weights, new name."""
    config = {**layer.get_config(), "name": name, **changes}
    return type(layer).from_config(config)


def _strip(name: str, prefix: str) -> str:
    return name[len(prefix) :] if name.startswith(prefix) else name
