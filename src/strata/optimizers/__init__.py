"""Optimizers: Keras 3's update formulas as optax transformations.

Example:
    >>> get("adam").learning_rate
    0.001
    >>> type(get("nadam")).__name__
    'Nadam'
"""

from strata.optimizers import schedules as schedules
from strata.optimizers.adadelta import Adadelta
from strata.optimizers.adagrad import Adagrad
from strata.optimizers.adam import Adam, AdamW
from strata.optimizers.adamax import Adamax
from strata.optimizers.base import Optimizer
from strata.optimizers.ftrl import Ftrl
from strata.optimizers.lamb import Lamb
from strata.optimizers.lion import Lion
from strata.optimizers.loss_scale_optimizer import LossScaleOptimizer
from strata.optimizers.nadam import Nadam
from strata.optimizers.rmsprop import RMSprop
from strata.optimizers.sgd import SGD
from strata.utils.registry import lookup_identifier

CLASSES = {
    cls.__name__: cls for cls in (SGD, RMSprop, Adam, AdamW, Adagrad, Adadelta, Adamax, Nadam)
}
CLASSES.update({"Lion": Lion, "Lamb": Lamb, "Ftrl": Ftrl})
# Keras's `get` does not know "lamb" by name; neither does strata's.
_BY_NAME = {name.lower(): cls for name, cls in CLASSES.items() if cls is not Lamb}


def get(identifier) -> Optimizer:
    """An optimizer from a name (``"adam"``, default settings) or an `Optimizer` instance.

    Args:
        identifier: a name such as ``"adam"`` (case-insensitive), an `Optimizer` instance
            (returned as is) or an `Optimizer` subclass (default-constructed).

    Example:
        >>> get("SGD").learning_rate
        0.01
    """
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return lookup_identifier(identifier.lower(), _BY_NAME, "optimizer")()
    if isinstance(identifier, type) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(
        f"Could not interpret optimizer identifier: {identifier!r}. Pass a name such as 'adam' "
        "or an Optimizer instance."
    )


def serialize(optimizer):
    """Keras's config dict for the object (``{"module", "class_name", "config", ...}``)."""
    from strata.saving.namespaced import serialize_optimizer

    return serialize_optimizer(optimizer)


def deserialize(config, custom_objects=None):
    """The object a Keras config dict (or a name) describes."""
    from strata.saving.namespaced import deserialize_optimizer

    return deserialize_optimizer(config, custom_objects)


__all__ = [
    "serialize",
    "deserialize",
    "Optimizer",
    "LossScaleOptimizer",
    "get",
    "legacy",
    "schedules",
    *CLASSES,
]

# Last: `legacy` builds the classes above.
from strata.optimizers import legacy as legacy  # noqa: E402
