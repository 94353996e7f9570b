"""`InputLayer` and `Input`: where a functional graph starts."""

from __future__ import annotations

import warnings

from strata.graph.node import Node
from strata.graph.symbolic import SymbolicTensor, is_symbolic
from strata.layers.layer import Layer


def normalize_shape(shape, owner: str = "Input") -> tuple:
    """A shape tuple from an int (tf.keras 2 allowed ``shape=10``), a list or a tuple.

    Example:
        >>> normalize_shape(10), normalize_shape([None, 3])
        ((10,), (None, 3))
    """
    if isinstance(shape, bool):
        raise TypeError(f"{owner}: `shape` must be a tuple of ints; received shape={shape!r}.")
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(
            f"{owner}: `shape` must be a tuple of ints (or None for unknown sizes), e.g. (10,); "
            f"received shape={shape!r}."
        ) from None
    for dim in shape:
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int) or dim < 0):
            raise ValueError(
                f"{owner}: every entry of `shape` must be a non-negative int or None; received "
                f"shape={shape!r}."
            )
    return shape


class InputLayer(Layer):
    """The layer behind `Input`: holds the input's shape, dtype and name; has no weights.

    Args:
        shape: shape without the batch axis (an int is accepted for tf.keras 2 code).
        batch_size: optional fixed batch size.
        dtype: input dtype, ``"float32"`` by default.
        sparse: only False (or None): strata has no sparse tensors, so a sparse input is
            refused rather than silently made dense.
        batch_shape: the full shape, batch axis included (instead of `shape`/`batch_size`).
        input_tensor: an existing symbolic tensor to use as this input (Keras's
            ``Input(tensor=...)``); its shape and dtype are taken over.
        name: layer name (``input_layer``, ``input_layer_1``, ... by default).
    """

    def __init__(
        self,
        shape=None,
        batch_size=None,
        dtype=None,
        sparse=None,
        batch_shape=None,
        input_tensor=None,
        name=None,
        input_shape=None,
        **kwargs,
    ):
        if input_shape is not None:
            warnings.warn(
                "Argument `input_shape` is deprecated. Use `shape` instead.",
                UserWarning,
                stacklevel=2,
            )
            shape = input_shape
        if input_tensor is not None and not is_symbolic(input_tensor):
            raise ValueError(
                "InputLayer: `input_tensor` (Input's `tensor`) must be a symbolic tensor (a "
                f"KerasTensor); received {type(input_tensor).__name__}. Pass data to the model "
                "when calling it instead."
            )
        if input_tensor is not None:
            batch_shape = input_tensor.shape if batch_shape is None else batch_shape
            dtype = input_tensor.dtype if dtype is None else dtype
        super().__init__(name=name, dtype=dtype, **kwargs)
        if sparse:
            raise ValueError(
                f"InputLayer '{self.name}': `sparse=True` is not supported: strata has no sparse "
                "tensors and will not make a sparse input dense silently. Feed dense arrays "
                "(e.g. `x.toarray()`) to a dense Input."
            )
        if batch_shape is not None:
            batch_shape = normalize_shape(batch_shape, f"InputLayer '{self.name}'")
        elif shape is not None:
            batch_shape = (batch_size, *normalize_shape(shape, f"InputLayer '{self.name}'"))
        else:
            raise ValueError(
                f"InputLayer '{self.name}' needs a `shape`, e.g. Input(shape=(10,)) for vectors "
                "of 10 features."
            )
        self.batch_shape = batch_shape
        self.built = True
        if input_tensor is not None and tuple(input_tensor.shape) != batch_shape:
            raise ValueError(
                f"InputLayer '{self.name}': `input_tensor` has shape {input_tensor.shape}, but "
                f"the input was declared with shape {batch_shape}."
            )
        tensor = input_tensor
        if tensor is None:
            tensor = SymbolicTensor(batch_shape, self.dtype, name=self.name)
        # As in Keras, a given tensor becomes this input: its history now starts here.
        Node(self, (), {}, tensor)
        self.output_tensor = tensor

    def call(self, inputs):
        return inputs

    def get_config(self) -> dict:
        # Keras 3's keys; its InputLayer keeps `dtype` as a plain name, not a DTypePolicy.
        return {
            "batch_shape": self.batch_shape,
            "dtype": self.dtype,
            "sparse": False,
            "ragged": False,
            "name": self.name,
            "optional": False,
        }

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        for key in ("sparse", "ragged", "optional"):
            if config.pop(key, False):
                raise ValueError(
                    f"InputLayer '{config.get('name')}': `{key}=True` inputs are not supported."
                )
        # tf.keras 2 spelled the full shape `batch_input_shape`.
        legacy_shape = config.pop("batch_input_shape", None)
        if config.get("batch_shape") is None and legacy_shape is not None:
            config["batch_shape"] = legacy_shape
        return super().from_config(config)


def Input(
    shape=None,
    batch_size=None,
    dtype=None,
    sparse=None,
    batch_shape=None,
    name=None,
    tensor=None,
):
    """A symbolic input tensor: the start of a functional model.

    Args:
        shape: shape of one sample, e.g. ``(10,)``; ``shape=10`` is accepted (tf.keras 2 style).
        batch_size: optional fixed batch size.
        dtype: ``"float32"`` by default.
        sparse: only False or None (strata refuses sparse inputs with a clear error).
        batch_shape: the full shape, batch axis included.
        name: optional unique name; the model's input name (used for dict data).
        tensor: an existing symbolic tensor to wrap as an input (it is returned, its history
            reset to the new input layer), as in Keras.

    Returns:
        A `SymbolicTensor` of shape ``(batch_size, *shape)``.

    Example:
        >>> Input(shape=10).shape
        (None, 10)
    """
    layer = InputLayer(
        shape=shape,
        batch_size=batch_size,
        dtype=dtype,
        sparse=sparse,
        batch_shape=batch_shape,
        input_tensor=tensor,
        name=name,
    )
    return layer.output_tensor
