"""Metrics: pure (init, update, result) state carried by the compiled step.

Example:
    >>> m = get("mae")
    >>> type(m).__name__, m.name
    ('MeanAbsoluteError', 'mean_absolute_error')
"""

from strata.losses.focal import binary_focal_crossentropy, categorical_focal_crossentropy
from strata.losses.functions import (
    binary_crossentropy,
    categorical_crossentropy,
    categorical_hinge,
    hinge,
    huber,
    kl_divergence,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    poisson,
    sparse_categorical_crossentropy,
    squared_hinge,
)
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
from strata.metrics.auc import AUC
from strata.metrics.base import Mean, MeanMetricWrapper, Metric, Sum
from strata.metrics.confusion_metrics import (
    FalseNegatives,
    FalsePositives,
    Precision,
    Recall,
    TrueNegatives,
    TruePositives,
)
from strata.metrics.correlation import (
    ConcordanceCorrelation,
    PearsonCorrelation,
    concordance_correlation,
    pearson_correlation,
)
from strata.metrics.hinge_metrics import CategoricalHinge, Hinge, SquaredHinge
from strata.metrics.iou import BinaryIoU, IoU, MeanIoU, OneHotIoU, OneHotMeanIoU
from strata.metrics.probabilistic import (
    BinaryCrossentropy,
    CategoricalCrossentropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
)
from strata.metrics.rate_at_rate import (
    PrecisionAtRecall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
)
from strata.metrics.regression import (
    CosineSimilarity,
    LogCoshError,
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
        Mean,
        Sum,
        MeanSquaredError,
        RootMeanSquaredError,
        MeanAbsoluteError,
        MeanAbsolutePercentageError,
        MeanSquaredLogarithmicError,
        CosineSimilarity,
        LogCoshError,
        Hinge,
        SquaredHinge,
        CategoricalHinge,
        KLDivergence,
        Poisson,
        BinaryCrossentropy,
        CategoricalCrossentropy,
        SparseCategoricalCrossentropy,
        Accuracy,
        BinaryAccuracy,
        CategoricalAccuracy,
        SparseCategoricalAccuracy,
        TopKCategoricalAccuracy,
        SparseTopKCategoricalAccuracy,
    )
}
# Metrics over confusion counts at thresholds.
CLASSES.update(
    {
        cls.__name__: cls
        for cls in (
            TruePositives,
            FalsePositives,
            TrueNegatives,
            FalseNegatives,
            Precision,
            Recall,
            AUC,
            SensitivityAtSpecificity,
            SpecificityAtSensitivity,
            PrecisionAtRecall,
            RecallAtPrecision,
        )
    }
)
# Intersection over union, and correlations.
CLASSES.update(
    {
        cls.__name__: cls
        for cls in (IoU, MeanIoU, BinaryIoU, OneHotIoU, OneHotMeanIoU)
        + (PearsonCorrelation, ConcordanceCorrelation)
    }
)

# Keras 3's string names: class names, their snake_case forms, and a few aliases. Metric
# functions such as "log_cosh" are not names here (Keras rejects them too); "accuracy"/"acc" are
# resolved by shapes in `compile`.
NAMES = {
    **CLASSES,
    **{to_snake_case(name): cls for name, cls in CLASSES.items()},
    "bce": BinaryCrossentropy,
    "BCE": BinaryCrossentropy,
    "mse": MeanSquaredError,
    "MSE": MeanSquaredError,
    "mae": MeanAbsoluteError,
    "MAE": MeanAbsoluteError,
    "mape": MeanAbsolutePercentageError,
    "MAPE": MeanAbsolutePercentageError,
    "msle": MeanSquaredLogarithmicError,
    "MSLE": MeanSquaredLogarithmicError,
}


def get(identifier) -> Metric | None:
    """A `Metric` from a name (``"mae"``, ``"BinaryAccuracy"``), a class, a config, an instance or a
    function ``(y_true, y_pred) -> per-sample values``.

    A name gives the class's default name (``get("mae").name == "mean_absolute_error"``);
    `compile` renames it to the string given.
    """
    if identifier is None:
        return None
    if isinstance(identifier, Metric):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, dict) and "class_name" in identifier:
        cls = lookup_identifier(identifier["class_name"], CLASSES, "metric class")
        return cls.from_config(identifier.get("config", {}))
    if isinstance(identifier, str):
        return lookup_identifier(identifier, NAMES, "metric")()
    if callable(identifier):
        return MeanMetricWrapper(identifier)
    raise ValueError(
        f"Could not interpret metric identifier: {identifier!r}. Pass a name such as 'mae', a "
        "Metric instance, or a function (y_true, y_pred) -> per-sample values."
    )


def serialize(metric):
    """Keras's config dict for the object (``{"module", "class_name", "config", ...}``)."""
    from strata.saving.namespaced import serialize_metric

    return serialize_metric(metric)


def deserialize(config, custom_objects=None):
    """The object a Keras config dict (or a name) describes."""
    from strata.saving.namespaced import deserialize_metric

    return deserialize_metric(config, custom_objects)


__all__ = [
    "serialize",
    "deserialize",
    "Metric",
    "Mean",
    "Sum",
    "MeanMetricWrapper",
    "get",
    "MeanSquaredError",
    "RootMeanSquaredError",
    "MeanAbsoluteError",
    "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError",
    "CosineSimilarity",
    "LogCoshError",
    "Hinge",
    "SquaredHinge",
    "CategoricalHinge",
    "KLDivergence",
    "Poisson",
    "BinaryCrossentropy",
    "CategoricalCrossentropy",
    "SparseCategoricalCrossentropy",
    "Accuracy",
    "BinaryAccuracy",
    "CategoricalAccuracy",
    "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy",
    "SparseTopKCategoricalAccuracy",
    "binary_accuracy",
    "categorical_accuracy",
    "sparse_categorical_accuracy",
    "top_k_categorical_accuracy",
    "sparse_top_k_categorical_accuracy",
    "binary_crossentropy",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "categorical_hinge",
    "hinge",
    "squared_hinge",
    "huber",
    "kl_divergence",
    "log_cosh",
    "mean_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_error",
    "mean_squared_logarithmic_error",
    "poisson",
]
__all__ += ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"]
__all__ += ["Precision", "Recall", "AUC"]
__all__ += ["SensitivityAtSpecificity", "SpecificityAtSensitivity"]
__all__ += ["PrecisionAtRecall", "RecallAtPrecision"]
__all__ += ["IoU", "MeanIoU", "BinaryIoU", "OneHotIoU", "OneHotMeanIoU"]
__all__ += ["PearsonCorrelation", "ConcordanceCorrelation"]
__all__ += ["pearson_correlation", "concordance_correlation"]
__all__ += ["binary_focal_crossentropy", "categorical_focal_crossentropy"]
