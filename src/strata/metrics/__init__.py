"""Metrics: pure (init, update, result) state carried by the compiled step.

Example:
    >>> m = get("mae")
    >>> m.name
    'mae'
"""

from strata.losses import functions as _loss_fns
from strata.metrics.accuracy import (
    Accuracy,
    BinaryAccuracy,
    CategoricalAccuracy,
    SparseCategoricalAccuracy,
    SparseTopKCategoricalAccuracy,
    TopKCategoricalAccuracy,
    binary_accuracy,
    categorical_accuracy,
    sparse_categorical_accuracy,
    sparse_top_k_categorical_accuracy,
    top_k_categorical_accuracy,
)
from strata.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from strata.metrics.regression import (
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    RootMeanSquaredError,
)
from strata.utils.naming import to_snake_case
from strata.utils.registry import lookup_identifier

CLASSES = {
    cls.__name__: cls
    for cls in (
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy,
        MeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        RootMeanSquaredError,
        Mean,
        Sum,
    )
}

FUNCTIONS = {
    "binary_accuracy": binary_accuracy,
    "categorical_accuracy": categorical_accuracy,
    "sparse_categorical_accuracy": sparse_categorical_accuracy,
    "top_k_categorical_accuracy": top_k_categorical_accuracy,
    "sparse_top_k_categorical_accuracy": sparse_top_k_categorical_accuracy,
    "mean_squared_error": _loss_fns.mean_squared_error,
    "mse": _loss_fns.mean_squared_error,
    "mean_absolute_error": _loss_fns.mean_absolute_error,
    "mae": _loss_fns.mean_absolute_error,
    "mean_absolute_percentage_error": _loss_fns.mean_absolute_percentage_error,
    "mape": _loss_fns.mean_absolute_percentage_error,
    "mean_squared_logarithmic_error": _loss_fns.mean_squared_logarithmic_error,
    "msle": _loss_fns.mean_squared_logarithmic_error,
    "binary_crossentropy": _loss_fns.binary_crossentropy,
    "categorical_crossentropy": _loss_fns.categorical_crossentropy,
    "sparse_categorical_crossentropy": _loss_fns.sparse_categorical_crossentropy,
    "kl_divergence": _loss_fns.kl_divergence,
    "poisson": _loss_fns.poisson,
    "hinge": _loss_fns.hinge,
    "squared_hinge": _loss_fns.squared_hinge,
    "categorical_hinge": _loss_fns.categorical_hinge,
    "log_cosh": _loss_fns.log_cosh,
}
_SNAKE_CLASSES = {to_snake_case(name): cls for name, cls in CLASSES.items()}
_SNAKE_CLASSES["root_mean_squared_error"] = RootMeanSquaredError
_SNAKE_CLASSES["rmse"] = RootMeanSquaredError


def get(identifier) -> Metric:
    """A `Metric` from a name (``"mae"``, ``"binary_accuracy"``), a class, an instance or a function.

    ``"accuracy"``/``"acc"`` are resolved by `compile`, which knows the output and target shapes.
    """
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, str):
        if identifier in CLASSES:
            return CLASSES[identifier]()
        if identifier in FUNCTIONS:
            return MeanMetricWrapper(FUNCTIONS[identifier], name=identifier)
        if identifier in _SNAKE_CLASSES and identifier not in ("accuracy",):
            return _SNAKE_CLASSES[identifier](name=identifier)
        lookup_identifier(identifier, {**FUNCTIONS, **CLASSES, "accuracy": 0, "acc": 0}, "metric")
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=getattr(identifier, "__name__", "metric"))
    raise ValueError(
        f"Could not interpret metric identifier: {identifier!r}. Pass a name such as 'mae', a "
        "Metric instance, or a function (y_true, y_pred) -> per-sample values."
    )


__all__ = [
    "Metric",
    "Mean",
    "Sum",
    "MeanMetricWrapper",
    "get",
    *CLASSES,
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
]
