"""Losses: functions (``mean_squared_error(y_true, y_pred)``) and classes (``MeanSquaredError()``).

Example:
    >>> loss = get("mse")
    >>> loss.name
    'mean_squared_error'
"""

from strata.losses import functions
from strata.losses.classes import (
    CLASSES,
    FUNCTIONS,
    BinaryCrossentropy,
    CategoricalCrossentropy,
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    KLDivergence,
    LogCosh,
    Loss,
    LossFunctionWrapper,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    Poisson,
    SparseCategoricalCrossentropy,
    SquaredHinge,
)
from strata.losses.focal import (
    BinaryFocalCrossentropy,
    CategoricalFocalCrossentropy,
    binary_focal_crossentropy,
    categorical_focal_crossentropy,
)

# The functions' names are listed once, in `functions.__all__`.
from strata.losses.functions import *  # noqa: F403
from strata.losses.generalized_cross_entropy import (
    CategoricalGeneralizedCrossEntropy,
    categorical_generalized_cross_entropy,
)
from strata.losses.overlap import Dice, Tversky, dice, tversky
from strata.losses.reduction import reduce_values
from strata.utils.registry import lookup_identifier

mse = MSE = functions.mean_squared_error
mae = MAE = functions.mean_absolute_error
mape = MAPE = functions.mean_absolute_percentage_error
msle = MSLE = functions.mean_squared_logarithmic_error
kld = KLD = functions.kl_divergence

# Focal and overlap losses, known to `get` by their names too (Keras's `get` does not know
# the generalized cross-entropy).
CLASSES.update(
    {
        cls.__name__: cls
        for cls in (
            BinaryFocalCrossentropy,
            CategoricalFocalCrossentropy,
            Dice,
            Tversky,
        )
    }
)
FUNCTIONS.update(
    {
        fn.__name__: fn
        for fn in (
            binary_focal_crossentropy,
            categorical_focal_crossentropy,
            dice,
            tversky,
        )
    }
)


def get(identifier) -> Loss | None:
    """A `Loss` from a name, a class, a config dict, a `Loss`, or a ``(y_true, y_pred)`` function.

    Names are Keras 3's: class names (``"MeanSquaredError"``), function names
    (``"mean_squared_error"``) and the aliases ``mse mae mape msle kld bce`` (also upper-case).
    ``"crossentropy"``/``"ce"`` are resolved by `compile`, which knows the shapes.

    Example:
        >>> get("Huber").name, get("mae").name
        ('huber_loss', 'mean_absolute_error')
    """
    if identifier is None:
        return None
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = lookup_identifier(identifier["class_name"], CLASSES, "loss class")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        if identifier in CLASSES:
            return CLASSES[identifier]()
        fn = lookup_identifier(identifier, {**FUNCTIONS, **CLASSES}, "loss")
        return LossFunctionWrapper(fn, name=fn.__name__)
    if isinstance(identifier, type) and issubclass(identifier, Loss):
        return identifier()
    if callable(identifier):
        return LossFunctionWrapper(identifier, name=getattr(identifier, "__name__", "loss"))
    raise ValueError(
        f"Could not interpret loss identifier: {identifier!r}. Pass a name such as 'mse', a "
        "Loss instance, or a function (y_true, y_pred) -> per-sample values."
    )


def serialize(loss):
    """Keras's config dict for the object (``{"module", "class_name", "config", ...}``)."""
    from strata.saving.namespaced import serialize_loss

    return serialize_loss(loss)


def deserialize(name, custom_objects=None):
    """The object a Keras config dict (or a name) describes."""
    from strata.saving.namespaced import deserialize_loss

    return deserialize_loss(name, custom_objects)


# The classes, the functions (listed once, in ``functions.__all__``) and the aliases Keras exports.
__all__ = [
    "serialize",
    "deserialize",
    "Loss",
    "LossFunctionWrapper",
    "get",
    "reduce_values",
    "MeanSquaredError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError",
    "Huber",
    "LogCosh",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "Hinge",
    "SquaredHinge",
    "CategoricalHinge",
    "KLDivergence",
    "Poisson",
    "CosineSimilarity",
]
__all__ += functions.__all__
__all__ += ["mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD"]
__all__ += ["BinaryFocalCrossentropy", "CategoricalFocalCrossentropy", "Dice", "Tversky"]
__all__ += ["CategoricalGeneralizedCrossEntropy"]
__all__ += ["binary_focal_crossentropy", "categorical_focal_crossentropy", "dice", "tversky"]
__all__ += ["categorical_generalized_cross_entropy"]
