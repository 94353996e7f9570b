"""`Loss` classes: a formula from `functions.py`, its arguments, and a reduction.

Example:
    >>> import numpy as np
    >>> float(MeanSquaredError()(np.array([[0.0], [2.0]]), np.array([[1.0], [1.0]])))
    1.0
"""

from __future__ import annotations

import inspect

import jax
import jax.numpy as jnp

from strata.losses import functions as F
from strata.losses.ranks import pad_rank
from strata.losses.reduction import check_reduction, reduce_values
from strata.state import carried_masks
from strata.utils.naming import to_snake_case


class Loss:
    """Base class: subclasses define `call(y_true, y_pred)` returning per-sample values.

    Args:
        name: the loss name (default: the class name in snake_case).
        reduction: ``"sum_over_batch_size"`` (default), ``"sum"``, ``"none"``/None, ``"mean"``
            or ``"mean_with_sample_weight"``.
        dtype: the dtype inputs are cast to and the loss is computed in (default float32).

    Example:
        >>> class Squares(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return jnp.square(y_pred - y_true)
        >>> float(Squares()(jnp.array([0.0, 0.0]), jnp.array([1.0, 3.0])))
        5.0
    """

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = check_reduction(reduction, f"Loss '{self.name}'")
        self.dtype = dtype or "float32"

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def value_mask(self, y_true, y_pred):
        """0/1 marks of the per-sample values that count (None: all); see `ignore_class`."""
        return None

    def __call__(self, y_true, y_pred, sample_weight=None, *, mask=None):
        """The reduced loss.

        Args:
            y_true, y_pred: targets and predictions, cast to the loss dtype.
            sample_weight: optional weights, ``(batch,)`` or the shape of the per-sample values.
            mask: keyword-only; optional ``(batch,)`` 0/1 marks of real samples (the engine uses
                it for the padded rows of a last batch, which then count for nothing).
        """
        # As in Keras, a mask the predictions carry (an `Embedding(mask_zero=True)` upstream)
        # leaves the masked steps out of the loss.
        carried = carried_masks.mask_of(y_pred)
        y_true = jax.tree_util.tree_map(lambda x: jnp.asarray(x, self.dtype), y_true)
        y_pred = jax.tree_util.tree_map(lambda x: jnp.asarray(x, self.dtype), y_pred)
        values = self.call(y_true, y_pred)
        for extra in (self.value_mask(y_true, y_pred), carried):
            if extra is not None:
                extra = jnp.asarray(extra, values.dtype)
                mask = (
                    extra
                    if mask is None
                    else pad_rank(jnp.asarray(mask, extra.dtype), extra.ndim) * extra
                )
        return reduce_values(values, sample_weight, self.reduction, mask)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} name={self.name}>"


class LossFunctionWrapper(Loss):
    """A `Loss` around a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    Example:
        >>> loss = LossFunctionWrapper(F.huber, delta=2.0)
        >>> loss.name, float(loss(jnp.array([[0.0]]), jnp.array([[3.0]])))
        ('huber', 4.0)
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name or fn.__name__, reduction=reduction, dtype=dtype)
        self.fn = fn
        self.fn_kwargs = kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), **self.fn_kwargs}


def keras_signature(order, defaults) -> inspect.Signature:
    """A constructor signature with Keras's positional order (`order`) and `defaults`.

    Example:
        >>> str(keras_signature(("delta", "name"), {"delta": 1.0, "name": "huber_loss"}))
        "(self, delta=1.0, name='huber_loss')"
    """
    params = [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    params += [
        inspect.Parameter(n, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=defaults[n])
        for n in order
    ]
    return inspect.Signature(params)


def _loss_class(class_name, fn, default_name, options=None, order=None):
    """A `LossFunctionWrapper` subclass whose constructor takes `fn`'s options.

    `order` is Keras's positional order; by default the options, then reduction, name, dtype.
    """
    options = dict(options or {})
    order = tuple(order or (*options, "reduction", "name", "dtype"))
    defaults = {**options, "reduction": "sum_over_batch_size", "name": default_name, "dtype": None}
    signature = keras_signature(order, defaults)

    def __init__(self, *args, **kwargs):
        bound = signature.bind(self, *args, **kwargs)
        bound.apply_defaults()
        values = dict(bound.arguments)
        del values["self"]
        reduction, name, dtype = values.pop("reduction"), values.pop("name"), values.pop("dtype")
        LossFunctionWrapper.__init__(
            self, fn, reduction=reduction, name=name, dtype=dtype, **values
        )

    __init__.__signature__ = signature
    doc = (
        f"Class form of `{fn.__name__}`: ``{class_name}({', '.join(order)})``.\n\n"
        f"    Example:\n"
        f"        >>> {class_name}().name\n"
        f"        '{default_name}'\n"
    )
    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc})


_CROSSENTROPY = {"from_logits": False, "label_smoothing": 0.0, "axis": -1}

MeanSquaredError = _loss_class("MeanSquaredError", F.mean_squared_error, "mean_squared_error")
MeanAbsoluteError = _loss_class("MeanAbsoluteError", F.mean_absolute_error, "mean_absolute_error")
MeanAbsolutePercentageError = _loss_class(
    "MeanAbsolutePercentageError",
    F.mean_absolute_percentage_error,
    "mean_absolute_percentage_error",
)
MeanSquaredLogarithmicError = _loss_class(
    "MeanSquaredLogarithmicError",
    F.mean_squared_logarithmic_error,
    "mean_squared_logarithmic_error",
)
Huber = _loss_class("Huber", F.huber, "huber_loss", {"delta": 1.0})
LogCosh = _loss_class("LogCosh", F.log_cosh, "log_cosh")
BinaryCrossentropy = _loss_class(
    "BinaryCrossentropy", F.binary_crossentropy, "binary_crossentropy", _CROSSENTROPY
)
CategoricalCrossentropy = _loss_class(
    "CategoricalCrossentropy", F.categorical_crossentropy, "categorical_crossentropy", _CROSSENTROPY
)


class SparseCategoricalCrossentropy(
    _loss_class(
        "SparseCategoricalCrossentropy",
        F.sparse_categorical_crossentropy,
        "sparse_categorical_crossentropy",
        {"from_logits": False, "ignore_class": None, "axis": -1},
        # Keras's positional order puts `reduction` before `axis` here.
        order=("from_logits", "ignore_class", "reduction", "axis", "name", "dtype"),
    )
):
    """Class form of `sparse_categorical_crossentropy`.

    With `ignore_class`, the ignored samples count for nothing: a ``"sum_over_batch_size"`` mean
    is over the other samples only (as in Keras 3).

    Example:
        >>> loss = SparseCategoricalCrossentropy(ignore_class=0)
        >>> round(float(loss(jnp.array([1, 0]), jnp.array([[0.5, 0.5], [0.5, 0.5]]))), 4)
        0.6931
    """

    def value_mask(self, y_true, y_pred):
        return F.ignore_class_mask(y_true, y_pred, self.fn_kwargs["ignore_class"])


Hinge = _loss_class("Hinge", F.hinge, "hinge")
SquaredHinge = _loss_class("SquaredHinge", F.squared_hinge, "squared_hinge")
CategoricalHinge = _loss_class("CategoricalHinge", F.categorical_hinge, "categorical_hinge")
KLDivergence = _loss_class("KLDivergence", F.kl_divergence, "kl_divergence")
Poisson = _loss_class("Poisson", F.poisson, "poisson")
CosineSimilarity = _loss_class(
    "CosineSimilarity", F.cosine_similarity, "cosine_similarity", {"axis": -1}
)

CLASSES = {
    cls.__name__: cls
    for cls in (
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        Huber,
        LogCosh,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        KLDivergence,
        Poisson,
        CosineSimilarity,
    )
}

# Keras 3's string names for the functions: their own names plus these aliases.
FUNCTIONS = {name: getattr(F, name) for name in F.__all__}
FUNCTIONS.update(
    {
        "bce": F.binary_crossentropy,
        "BCE": F.binary_crossentropy,
        "kld": F.kl_divergence,
        "KLD": F.kl_divergence,
        "mae": F.mean_absolute_error,
        "MAE": F.mean_absolute_error,
        "mse": F.mean_squared_error,
        "MSE": F.mean_squared_error,
        "mape": F.mean_absolute_percentage_error,
        "MAPE": F.mean_absolute_percentage_error,
        "msle": F.mean_squared_logarithmic_error,
        "MSLE": F.mean_squared_logarithmic_error,
    }
)
