"""ResNet50 (He et al., 2015), with Keras's layer names and ImageNet weights."""

from __future__ import annotations

from strata.applications import _common, imagenet_utils
from strata.applications.imagenet_utils import decode_predictions

__all__ = ["ResNet50", "decode_predictions", "preprocess_input"]

_FILES = {
    True: ("resnet50_weights_tf_dim_ordering_tf_kernels.h5", "2cb95161c43110f7111970584f804107"),
    False: (
        "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
        "4d473c1dd8becc155b73f8504c6f6626",
    ),
}
_EPSILON = 1.001e-5


def _block(x, filters, name, stride=1, conv_shortcut=True):
    """A bottleneck residual block (1x1, 3x3, 1x1 convolutions), as Keras's v1 block."""
    from strata import layers

    if conv_shortcut:
        shortcut = layers.Conv2D(4 * filters, 1, strides=stride, name=f"{name}_0_conv")(x)
        shortcut = layers.BatchNormalization(epsilon=_EPSILON, name=f"{name}_0_bn")(shortcut)
    else:
        shortcut = x
    x = layers.Conv2D(filters, 1, strides=stride, name=f"{name}_1_conv")(x)
    x = layers.BatchNormalization(epsilon=_EPSILON, name=f"{name}_1_bn")(x)
    x = layers.Activation("relu", name=f"{name}_1_relu")(x)
    x = layers.Conv2D(filters, 3, padding="same", name=f"{name}_2_conv")(x)
    x = layers.BatchNormalization(epsilon=_EPSILON, name=f"{name}_2_bn")(x)
    x = layers.Activation("relu", name=f"{name}_2_relu")(x)
    x = layers.Conv2D(4 * filters, 1, name=f"{name}_3_conv")(x)
    x = layers.BatchNormalization(epsilon=_EPSILON, name=f"{name}_3_bn")(x)
    x = layers.Add(name=f"{name}_add")([shortcut, x])
    return layers.Activation("relu", name=f"{name}_out")(x)


def _stack(x, filters, blocks, name, stride=2):
    x = _block(x, filters, f"{name}_block1", stride=stride)
    for i in range(2, blocks + 1):
        x = _block(x, filters, f"{name}_block{i}", conv_shortcut=False)
    return x


def ResNet50(  # noqa: N802 - Keras's name
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    input_shape=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name="resnet50",
):
    """The ResNet50 network.

    Args:
        include_top: keep the classifier (global average pooling and a dense layer).
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
        >>> ResNet50(weights=None, include_top=False, input_shape=(32, 32, 3)).output.shape
        (None, 1, 1, 2048)
    """
    from strata import layers
    from strata.models.functional import Functional

    owner = "ResNet50"
    _common.check_arguments(owner, weights, include_top, classes, pooling, classifier_activation)
    shape = _common.input_shape_for(owner, input_shape, 224, 32, include_top, weights)
    inputs = _common.model_input(owner, input_tensor, shape)
    x = layers.ZeroPadding2D(padding=((3, 3), (3, 3)), name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, name="conv1_conv")(x)
    x = layers.BatchNormalization(epsilon=_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(padding=((1, 1), (1, 1)), name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    x = _stack(x, 64, 3, "conv2", stride=1)
    x = _stack(x, 128, 4, "conv3")
    x = _stack(x, 256, 6, "conv4")
    x = _stack(x, 512, 3, "conv5")
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D(name="max_pool")(x)
    model = Functional(inputs, x, name=name)
    return _common.load_weights(model, weights, *_FILES[bool(include_top)], "resnet")


def preprocess_input(x, data_format=None):
    """Images (RGB, 0...255) as ResNet50 expects them: BGR minus the ImageNet mean ("caffe")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")
