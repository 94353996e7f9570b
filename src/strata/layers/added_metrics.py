"""tf.keras 2's ``Layer.add_metric``: a named mean of values computed inside `call`.

Keras 3 removed it; strata keeps it (with a one-time `DeprecationWarning`) because tf.keras 2
programs use it to log quantities such as an activation's mean. Inside `fit` and `evaluate` the
compiled step collects the values the way it collects `add_loss` losses, and reports their mean
in the logs and the History under `name`.
"""

from __future__ import annotations

from strata._deprecation import warn_once
from strata.state import scope as state_scope


class AddMetricMixin:
    """Gives `Layer` the ``add_metric`` method."""

    def add_metric(self, value, name=None, aggregation=None):
        """Log the mean of `value` as metric `name` (call from `call`; tf.keras 2).

        Args:
            value: a scalar, or an array whose leading axis is the batch (each real sample then
                counts once; padding of the last batch does not count).
            name: the metric's name in the logs and the History.
            aggregation: ``"mean"`` or None (the same): values are averaged over the epoch.

        Example:
            >>> import warnings
            >>> import numpy as np
            >>> import strata
            >>> class Logged(strata.layers.Layer):
            ...     def call(self, x):
            ...         self.add_metric(strata.ops.mean(x), name="mean_input")
            ...         return x
            >>> inputs = strata.Input((2,))
            >>> with warnings.catch_warnings():
            ...     warnings.simplefilter("ignore")
            ...     outputs = strata.layers.Dense(1)(Logged()(inputs))
            >>> model = strata.Model(inputs, outputs)
            >>> model.compile(loss="mse", optimizer="sgd")
            >>> logs = model.evaluate(np.ones((4, 2)), np.ones((4, 1)), verbose=0, return_dict=True)
            >>> logs["mean_input"]
            1.0
        """
        warn_once(
            "Layer.add_metric",
            "`Layer.add_metric` is tf.keras 2's API (removed in Keras 3); strata logs the mean "
            "of the value under its name. The modern way is a `strata.metrics.Mean` updated in "
            "a custom `train_step`, listed in the model's `metrics` property.",
        )
        if not isinstance(name, str) or not name:
            raise ValueError(
                f"Layer '{self.name}': add_metric needs a name for the value, e.g. "
                f"`self.add_metric(ops.mean(x), name='mean_activation')`; received name={name!r}."
            )
        if aggregation not in (None, "mean"):
            raise ValueError(
                f"Layer '{self.name}': add_metric supports only aggregation='mean' (or None); "
                f"received aggregation={aggregation!r}."
            )
        if hasattr(value, "update_state") or hasattr(value, "result_of"):
            raise TypeError(
                f"Layer '{self.name}': add_metric takes a value (an array), not a metric object "
                f"({type(value).__name__}); pass the metric's input, or compile the model with it."
            )
        names = self.__dict__.setdefault("_added_metric_names", [])
        if name not in names:
            names.append(name)
        active = state_scope.current()
        if active is not None:
            active.metrics.setdefault(name, []).append(value)
