"""VGG16 (Simonyan & Zisserman, 2015), with Keras's layer names and ImageNet weights."""

from __future__ import annotations

from strata.applications import _common, imagenet_utils
from strata.applications.imagenet_utils import decode_predictions

__all__ = ["VGG16", "decode_predictions", "preprocess_input"]

_FILES = {
    True: ("vgg16_weights_tf_dim_ordering_tf_kernels.h5", "64373286793e3c8b2b4e3219cbf3544b"),
    False: (
        "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "6d6bbae143d832006294945121d1f1fc",
    ),
}


def VGG16(  # noqa: N802 - Keras's name
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="vgg16",
):
    """The VGG16 network.

    Args:
        include_top: keep the three fully connected layers on top.
        weights: None, "imagenet" (downloaded once and cached) or a weights file's path.
        input_tensor: a `strata.Input` tensor to build on.
        input_shape: ``(height, width, channels)``, at least 32x32 (224x224x3 with the top
            and ImageNet weights).
        pooling: without the top, None (4-D output), "avg" or "max" (global pooling).
        classes: output classes (with the top).
        classifier_activation: the top's activation (None or "softmax" with weights).
        name: the model's name.

    Returns:
        A functional `Model`; feed it `preprocess_input(images)`.

    Example:
        >>> VGG16(weights=None, include_top=False, input_shape=(32, 32, 3)).output.shape
        (None, 1, 1, 512)
    """
    from strata import layers
    from strata.models.functional import Functional

    owner = "VGG16"
    _common.check_arguments(owner, weights, include_top, classes, pooling, classifier_activation)
    shape = _common.input_shape_for(owner, input_shape, 224, 32, include_top, weights)
    inputs = _common.model_input(owner, input_tensor, shape)
    x = inputs
    for block, (filters, convs) in enumerate([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)]):
        for conv in range(convs):
            x = layers.Conv2D(
                filters,
                3,
                activation="relu",
                padding="same",
                name=f"block{block + 1}_conv{conv + 1}",
            )(x)
        x = layers.MaxPooling2D(2, strides=2, name=f"block{block + 1}_pool")(x)
    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Functional(inputs, x, name=name)
    return _common.load_weights(model, weights, *_FILES[bool(include_top)], "vgg16")


def preprocess_input(x, data_format=None):
    """Images (RGB, 0...255) as VGG16 expects them: BGR minus the ImageNet mean ("caffe")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
