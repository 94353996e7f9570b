"""`ImageLayer`: what every image preprocessing layer shares (data format, rank check, config)."""

from __future__ import annotations

from strata.layers.conv.arguments import normalize_data_format
from strata.layers.layer import Layer
from strata.utils.validation import check_choice, check_int, check_number  # noqa: F401

INTERPOLATIONS = ("nearest", "bilinear")
FILL_MODES = ("reflect", "wrap", "constant", "nearest")


class ImageLayer(Layer):
    """Base of the image layers: takes one image ``(height, width, channels)`` or a batch
    ``(batch, height, width, channels)`` (channels first with ``data_format="channels_first"``).

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Shapes: the output has the input's shape unless a subclass says otherwise.

    Example:
        >>> ImageLayer(data_format="channels_first").height_width_axes(4)
        (2, 3)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = normalize_data_format(data_format, self.owner)

    @property
    def owner(self) -> str:
        """How errors name this layer: ``ClassName 'layer_name'``."""
        return f"{type(self).__name__} '{self.name}'"

    def output_shape_of_size(self, input_shape) -> tuple:
        """`input_shape` with its height and width replaced by the layer's `height`/`width`."""
        shape = list(input_shape)
        axes = self.height_width_axes(len(shape))
        shape[axes[0]], shape[axes[1]] = self.height, self.width
        return tuple(shape)

    def height_width_axes(self, rank: int) -> tuple[int, int]:
        """The (height, width) axes of an input of `rank` 3 or 4."""
        first = rank - 3 if self.data_format == "channels_last" else rank - 2
        return first, first + 1

    def _check_input(self, inputs) -> None:
        shape = tuple(getattr(inputs, "shape", ()))
        if len(shape) not in (3, 4):
            raise ValueError(
                f"{self.owner} expects one image of rank 3 or a batch of images of rank 4 "
                f"(data_format='{self.data_format}'); received an input of shape {shape}. "
                "Add or remove the batch axis."
            )

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "data_format": self.data_format}


def check_size(owner: str, arg: str, value) -> int:
    """`value` as a positive int (a height, a width)."""
    return check_int(owner, arg, value, minimum=1)
