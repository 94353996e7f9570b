"""MobileNetV2 (Sandler et al., 2018), with Keras's layer names and ImageNet weights."""

from __future__ import annotations

import warnings

from strata.applications import _common, imagenet_utils
from strata.applications.imagenet_utils import decode_predictions

__all__ = ["MobileNetV2", "decode_predictions", "preprocess_input"]

_ALPHAS = (0.35, 0.5, 0.75, 1.0, 1.3, 1.4)
_SIZES = (96, 128, 160, 192, 224)
# (filters, stride, expansion) of the 17 inverted residual blocks.
_BLOCKS = (
    [(16, 1, 1), (24, 2, 6), (24, 1, 6), (32, 2, 6), (32, 1, 6), (32, 1, 6)]
    + [(64, 2, 6)]
    + [(64, 1, 6)] * 3
    + [(96, 1, 6)] * 3
    + [(160, 2, 6)]
    + [(160, 1, 6)] * 2
    + [(320, 1, 6)]
)


def _divisible(value, divisor=8):
    """`value` rounded to a multiple of `divisor`, never more than 10% below it."""
    rounded = max(divisor, int(value + divisor / 2) // divisor * divisor)
    return rounded + divisor if rounded < 0.9 * value else rounded


def _correct_pad(size, kernel=3):
    """Keras's padding before a strided depthwise convolution (one less before on even sizes)."""
    adjust = (1, 1) if size[0] is None else (1 - size[0] % 2, 1 - size[1] % 2)
    half = kernel // 2
    return ((half - adjust[0], half), (half - adjust[1], half))


def _inverted_block(x, filters, stride, expansion, alpha, block_id):
    from strata import layers

    channels = x.shape[-1]
    pointwise = _divisible(int(filters * alpha))
    inputs = x
    prefix = f"block_{block_id}_" if block_id else "expanded_conv_"
    bn = {"epsilon": 1e-3, "momentum": 0.999}
    if block_id:
        x = layers.Conv2D(
            expansion * channels, 1, padding="same", use_bias=False, name=f"{prefix}expand"
        )(x)
        x = layers.BatchNormalization(**bn, name=f"{prefix}expand_BN")(x)
        x = layers.ReLU(6.0, name=f"{prefix}expand_relu")(x)
    if stride == 2:
        x = layers.ZeroPadding2D(padding=_correct_pad(x.shape[1:3]), name=f"{prefix}pad")(x)
    x = layers.DepthwiseConv2D(
        3,
        strides=stride,
        use_bias=False,
        padding="same" if stride == 1 else "valid",
        name=f"{prefix}depthwise",
    )(x)
    x = layers.BatchNormalization(**bn, name=f"{prefix}depthwise_BN")(x)
    x = layers.ReLU(6.0, name=f"{prefix}depthwise_relu")(x)
    x = layers.Conv2D(pointwise, 1, padding="same", use_bias=False, name=f"{prefix}project")(x)
    x = layers.BatchNormalization(**bn, name=f"{prefix}project_BN")(x)
    if channels == pointwise and stride == 1:
        return layers.Add(name=f"{prefix}add")([inputs, x])
    return x


def MobileNetV2(  # noqa: N802 - Keras's name
    input_shape=None,
    alpha=1.0,
    include_top=True,
    weights="imagenet",
    input_tensor=None,
    pooling=None,
    classes=1000,
    classifier_activation="softmax",
    name=None,
):
    """The MobileNetV2 network.

    Args:
        input_shape: ``(height, width, channels)``, at least 32x32; ImageNet weights exist for
            square 96, 128, 160, 192 and 224 inputs.
        alpha: width multiplier (0.35, 0.5, 0.75, 1.0, 1.3 or 1.4 with ImageNet weights).
        include_top: keep the classifier (global average pooling and a dense layer).
        weights: None, "imagenet" (downloaded once and cached) or a weights file's path.
        input_tensor: a `strata.Input` tensor to build on.
        pooling: without the top, None (4-D output), "avg" or "max" (global pooling).
        classes: output classes (with the top).
        classifier_activation: the top's activation (None or "softmax" with weights).
        name: the model's name (default ``mobilenetv2_{alpha:.2f}_{rows}``).

    Returns:
        A functional `Model`; feed it `preprocess_input(images)`.

    Example:
        >>> model = MobileNetV2(input_shape=(32, 32, 3), weights=None, classes=10)
        >>> model.name, model.output.shape
        ('mobilenetv2_1.00_32', (None, 10))
    """
    from strata import layers
    from strata.models.functional import Functional

    owner = "MobileNetV2"
    _common.check_arguments(owner, weights, include_top, classes, pooling, classifier_activation)
    if input_shape is None and input_tensor is not None:
        input_shape = tuple(input_tensor.shape[1:])
    default = 224
    if input_shape is not None and input_shape[0] == input_shape[1] and input_shape[0] in _SIZES:
        default = input_shape[0]
    shape = _common.input_shape_for(owner, input_shape, default, 32, include_top, weights)
    rows = shape[0]
    if weights == "imagenet":
        if alpha not in _ALPHAS:
            raise ValueError(
                f"{owner}: ImageNet weights exist for alpha in {list(_ALPHAS)}; received "
                f"alpha={alpha!r}."
            )
        if shape[0] != shape[1] or shape[0] not in _SIZES:
            rows = 224
            warnings.warn(
                f"{owner}: `input_shape` is undefined, not square or not one of {list(_SIZES)}; "
                "the weights for 224x224 inputs are loaded.",
                stacklevel=2,
            )
    inputs = _common.model_input(owner, input_tensor, shape)
    bn = {"epsilon": 1e-3, "momentum": 0.999}
    x = layers.Conv2D(
        _divisible(32 * alpha), 3, strides=2, padding="same", use_bias=False, name="Conv1"
    )(inputs)
    x = layers.BatchNormalization(**bn, name="bn_Conv1")(x)
    x = layers.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (filters, stride, expansion) in enumerate(_BLOCKS):
        x = _inverted_block(x, filters, stride, expansion, alpha, block_id)
    last = _divisible(1280 * alpha) if alpha > 1.0 else 1280
    x = layers.Conv2D(last, 1, use_bias=False, name="Conv_1")(x)
    x = layers.BatchNormalization(**bn, name="Conv_1_bn")(x)
    x = layers.ReLU(6.0, name="out_relu")(x)
    if include_top:
        x = layers.GlobalAveragePooling2D()(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)
    model = Functional(inputs, x, name=name or f"mobilenetv2_{alpha:0.2f}_{rows}")
    top = "" if include_top else "_no_top"
    file_name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{top}.h5"
    # Keras publishes no checksum for these files.
    return _common.load_weights(model, weights, file_name, None, "mobilenet_v2")


def preprocess_input(x, data_format=None):
    """Images (RGB, 0...255) as MobileNetV2 expects them: scaled to -1...1 ("tf")."""
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="tf")
