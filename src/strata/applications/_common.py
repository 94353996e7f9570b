"""What every application shares: checking its arguments, its input, and loading its weights."""

from __future__ import annotations

import os
import warnings

from strata.datasets._download import get_file

WEIGHTS_BASE = "https://storage.googleapis.com/tensorflow/keras-applications/"


def check_arguments(owner, weights, include_top, classes, pooling, classifier_activation):
    """Reject `weights`/`classes`/`pooling`/`classifier_activation` values Keras rejects."""
    from strata import activations

    if not (
        weights in ("imagenet", None)
        or (isinstance(weights, str | os.PathLike) and os.path.exists(weights))
    ):
        raise ValueError(
            f"{owner}: `weights` must be None (random initialization), 'imagenet' (pre-trained "
            f"on ImageNet) or the path of an existing weights file; received weights={weights!r}."
        )
    if weights == "imagenet" and include_top and classes != 1000:
        raise ValueError(
            f"{owner}: with weights='imagenet' and include_top=True, `classes` must be 1000; "
            f"received classes={classes!r}."
        )
    if pooling not in (None, "avg", "max"):
        raise ValueError(
            f"{owner}: `pooling` must be None, 'avg' or 'max'; received pooling={pooling!r}."
        )
    if include_top and weights is not None:
        if activations.get(classifier_activation) not in (
            activations.get("softmax"),
            activations.get(None),
        ):
            raise ValueError(
                f"{owner}: with pre-trained weights and include_top=True, "
                "`classifier_activation` must be None or 'softmax'; received "
                f"classifier_activation={classifier_activation!r}."
            )


def input_shape_for(owner, input_shape, default_size, min_size, include_top, weights):
    """The ``(height, width, channels)`` the model is built for (Keras's `obtain_input_shape`,
    channels last)."""
    if weights != "imagenet" and input_shape and len(input_shape) == 3:
        if input_shape[-1] not in (1, 3):
            warnings.warn(
                f"{owner}: this model usually expects 1 or 3 input channels; received "
                f"input_shape={input_shape} with {input_shape[-1]}.",
                stacklevel=3,
            )
        default_shape = (default_size, default_size, input_shape[-1])
    else:
        default_shape = (default_size, default_size, 3)
    if weights == "imagenet" and include_top:
        if input_shape is not None and tuple(input_shape) != default_shape:
            raise ValueError(
                f"{owner}: with include_top=True and weights='imagenet', `input_shape` must be "
                f"{default_shape}; received input_shape={tuple(input_shape)}."
            )
        return default_shape
    if input_shape:
        input_shape = tuple(input_shape)
        if len(input_shape) != 3:
            raise ValueError(
                f"{owner}: `input_shape` must be (height, width, channels); received "
                f"input_shape={input_shape}."
            )
        if input_shape[-1] != 3 and weights == "imagenet":
            raise ValueError(
                f"{owner}: ImageNet weights need 3 input channels; received "
                f"input_shape={input_shape}."
            )
        if any(d is not None and d < min_size for d in input_shape[:2]):
            raise ValueError(
                f"{owner}: the input must be at least {min_size}x{min_size}; received "
                f"input_shape={input_shape}."
            )
    else:
        input_shape = default_shape if include_top else (None, None, 3)
    if include_top and None in input_shape:
        raise ValueError(
            f"{owner}: with include_top=True the `input_shape` must be fully known; received "
            f"input_shape={input_shape}."
        )
    return input_shape


def model_input(owner, input_tensor, input_shape):
    """The model's `Input`: `input_tensor` when given (it must come from `strata.Input`)."""
    from strata.graph.symbolic import is_symbolic
    from strata.layers.input_layer import Input

    if input_tensor is None:
        return Input(shape=input_shape)
    if not is_symbolic(input_tensor) or type(input_tensor.history.layer).__name__ != "InputLayer":
        raise ValueError(
            f"{owner}: `input_tensor` must be a tensor made by `strata.Input(...)`; received "
            f"{input_tensor!r}."
        )
    return input_tensor


def load_weights(model, weights, file_name, file_hash, subfolder):
    """Load 'imagenet' weights (Keras's published file, downloaded once and checked) or a file."""
    if weights == "imagenet":
        weights = get_file(
            file_name,
            f"{WEIGHTS_BASE}{subfolder}/{file_name}",
            file_hash=file_hash,
            cache_subdir="models",
        )
    if weights is not None:
        model.load_weights(weights)
    return model
