"""`Loss` classes: a formula from `functions.py`, its arguments, and a reduction.

Example:
    >>> import numpy as np
    >>> float(MeanSquaredError()(np.array([[0.0], [2.0]]), np.array([[1.0], [1.0]])))
    1.0
"""

from __future__ import annotations

from strata.losses import functions as F
from strata.losses.reduction import check_reduction, reduce_values
from strata.utils.naming import to_snake_case


class Loss:
    """Base class: subclasses define `call(y_true, y_pred)` returning per-sample values."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or to_snake_case(type(self).__name__)
        self.reduction = check_reduction(reduction, f"Loss '{self.name}'")
        self.dtype = dtype

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        return reduce_values(self.call(y_true, y_pred), sample_weight, self.reduction)

    def get_config(self) -> dict:
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class LossFunctionWrapper(Loss):
    """A `Loss` around a per-sample function and its keyword arguments."""

    def __init__(self, fn, name=None, reduction="sum_over_batch_size", dtype=None, **fn_kwargs):
        super().__init__(name=name or fn.__name__, reduction=reduction, dtype=dtype)
        self.fn = fn
        self.fn_kwargs = fn_kwargs

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred, **self.fn_kwargs)

    def get_config(self) -> dict:
        return {**super().get_config(), **self.fn_kwargs}


def _loss_class(class_name, fn, default_name, **defaults):
    """A Loss subclass whose constructor takes `defaults` as keyword arguments."""

    def __init__(self, reduction="sum_over_batch_size", name=default_name, dtype=None, **kwargs):
        unknown = set(kwargs) - set(defaults)
        if unknown:
            raise TypeError(
                f"{class_name} got unexpected keyword argument(s) {sorted(unknown)}; it accepts "
                f"{sorted(defaults)} besides reduction, name and dtype."
            )
        options = {**defaults, **kwargs}
        LossFunctionWrapper.__init__(
            self, fn, name=name, reduction=reduction, dtype=dtype, **options
        )

    doc = f"Class form of `{fn.__name__}` (arguments: {defaults or 'none'})."
    return type(class_name, (LossFunctionWrapper,), {"__init__": __init__, "__doc__": doc})


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
Huber = _loss_class("Huber", F.huber, "huber_loss", delta=1.0)
LogCosh = _loss_class("LogCosh", F.log_cosh, "log_cosh")
BinaryCrossentropy = _loss_class(
    "BinaryCrossentropy",
    F.binary_crossentropy,
    "binary_crossentropy",
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
)
CategoricalCrossentropy = _loss_class(
    "CategoricalCrossentropy",
    F.categorical_crossentropy,
    "categorical_crossentropy",
    from_logits=False,
    label_smoothing=0.0,
    axis=-1,
)
SparseCategoricalCrossentropy = _loss_class(
    "SparseCategoricalCrossentropy",
    F.sparse_categorical_crossentropy,
    "sparse_categorical_crossentropy",
    from_logits=False,
    ignore_class=None,
    axis=-1,
)
Hinge = _loss_class("Hinge", F.hinge, "hinge")
SquaredHinge = _loss_class("SquaredHinge", F.squared_hinge, "squared_hinge")
CategoricalHinge = _loss_class("CategoricalHinge", F.categorical_hinge, "categorical_hinge")
KLDivergence = _loss_class("KLDivergence", F.kl_divergence, "kl_divergence")
Poisson = _loss_class("Poisson", F.poisson, "poisson")
CosineSimilarity = _loss_class(
    "CosineSimilarity", F.cosine_similarity, "cosine_similarity", axis=-1
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

FUNCTIONS = {
    "mean_squared_error": F.mean_squared_error,
    "mse": F.mean_squared_error,
    "MSE": F.mean_squared_error,
    "mean_absolute_error": F.mean_absolute_error,
    "mae": F.mean_absolute_error,
    "MAE": F.mean_absolute_error,
    "mean_absolute_percentage_error": F.mean_absolute_percentage_error,
    "mape": F.mean_absolute_percentage_error,
    "MAPE": F.mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": F.mean_squared_logarithmic_error,
    "msle": F.mean_squared_logarithmic_error,
    "MSLE": F.mean_squared_logarithmic_error,
    "huber": F.huber,
    "huber_loss": F.huber,
    "log_cosh": F.log_cosh,
    "logcosh": F.log_cosh,
    "binary_crossentropy": F.binary_crossentropy,
    "categorical_crossentropy": F.categorical_crossentropy,
    "sparse_categorical_crossentropy": F.sparse_categorical_crossentropy,
    "hinge": F.hinge,
    "squared_hinge": F.squared_hinge,
    "categorical_hinge": F.categorical_hinge,
    "kl_divergence": F.kl_divergence,
    "kld": F.kl_divergence,
    "KLD": F.kl_divergence,
    "kullback_leibler_divergence": F.kl_divergence,
    "poisson": F.poisson,
    "cosine_similarity": F.cosine_similarity,
}

