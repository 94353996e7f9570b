"""`Cropping1D`, `Cropping2D`, `Cropping3D`: elements removed from the ends of the spatial axes."""

from __future__ import annotations

from strata.layers.conv import arguments
from strata.layers.layer import Layer


class Cropping(Layer):
    """Crop the N spatial axes; `Cropping1D/2D/3D` fix N.

    Args:
        cropping: an int (every side), N ints (both ends of each axis), or N
            ``(before, after)`` pairs; for 1-D, an int or one ``(before, after)`` pair.
        data_format: ``"channels_last"`` (default) or ``"channels_first"`` (2-D and 3-D).

    Shapes: ``(batch, *spatial, channels)`` -> ``(batch, *cropped, channels)``, each axis
    shrinking by ``before + after``.
    """

    rank = 2

    def __init__(self, cropping=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        owner = arguments.owner_name(self)
        if self.rank == 1 and not isinstance(cropping, int):
            cropping = (arguments.normalize_tuple(cropping, 2, "cropping", owner, allow_zero=True),)
        self._pairs = arguments.pairs(cropping, self.rank, "cropping", owner)
        self.data_format = arguments.normalize_data_format(data_format, owner)

    @property
    def cropping(self) -> tuple:
        return self._pairs[0] if self.rank == 1 else self._pairs

    def _axes(self):
        return zip(self._pairs, arguments.spatial_axes(self.rank, self.data_format))

    def _check_input(self, inputs) -> None:
        shape = tuple(inputs.shape)
        arguments.check_rank(self, shape, self.rank, self.data_format)
        for (before, after), axis in self._axes():
            if shape[axis] is not None and before + after >= shape[axis]:
                raise ValueError(
                    f"Layer '{self.name}' ({type(self).__name__}) crops {before} + {after} "
                    f"elements from axis {axis}, which has only {shape[axis]} (input shape "
                    f"{shape}); nothing would be left. Use a smaller `cropping`."
                )

    def call(self, inputs):
        index = [slice(None)] * inputs.ndim
        for (before, after), axis in self._axes():
            index[axis] = slice(before, inputs.shape[axis] - after)
        return inputs[tuple(index)]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for (before, after), axis in self._axes():
            if shape[axis] is not None:
                shape[axis] -= before + after
        return tuple(shape)

    def get_config(self) -> dict:
        return {**super().get_config(), "cropping": self.cropping, "data_format": self.data_format}


class Cropping1D(Cropping):
    """Crop the steps of ``(batch, steps, channels)``.

    Example:
        >>> import numpy as np
        >>> x = np.arange(5.0).reshape(1, 5, 1)
        >>> Cropping1D((1, 2))(x)[0, :, 0].tolist()
        [1.0, 2.0]
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        if "data_format" in kwargs:
            raise TypeError(
                "Cropping1D got unexpected keyword argument(s) ['data_format']: it always crops "
                "axis 1 of (batch, steps, features), as in Keras."
            )
        super().__init__(cropping, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["data_format"]  # Keras's Cropping1D has no data_format.
        return config


class Cropping2D(Cropping):
    """Crop the height and width of ``(batch, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> Cropping2D(((1, 0), (2, 2)))(np.ones((2, 5, 6, 3))).shape
        (2, 4, 2, 3)
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(Cropping):
    """Crop the depth, height and width of ``(batch, depth, height, width, channels)``.

    Example:
        >>> import numpy as np
        >>> Cropping3D(1)(np.ones((1, 4, 4, 4, 2))).shape
        (1, 2, 2, 2, 2)
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)
