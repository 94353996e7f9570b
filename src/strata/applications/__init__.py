"""Image classification architectures with ImageNet weights, as `keras.applications` (public
names only, each imported on first use; the family modules `vgg16`, `resnet50`, `mobilenet_v2`
and `imagenet_utils` hold each family's `preprocess_input` and `decode_predictions`)."""

from strata._lazy import lazy_names

_WHERE = {
    "MobileNetV2": "strata.applications.mobilenet_v2",
    "ResNet50": "strata.applications.resnet50",
    "VGG16": "strata.applications.vgg16",
}

__all__ = ["MobileNetV2", "ResNet50", "VGG16"]
__all__ += ["imagenet_utils", "mobilenet_v2", "resnet50", "vgg16"]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
