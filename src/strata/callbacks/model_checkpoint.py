"""`ModelCheckpoint`: save the model (or its weights) during training, Keras 3's callback."""

from __future__ import annotations

import operator
import os
import warnings

from strata.callbacks.callback import Callback
from strata.saving import folder_format

# Metric names whose larger values are better; everything that reads as an error or a loss is
# minimized (Keras decides from each metric's direction).
_HIGHER_IS_BETTER = (
    "acc",
    "auc",
    "precision",
    "recall",
    "f1",
    "fbeta",
    "iou",
    "r2",
    "cosine_similarity",
    "true_positives",
    "true_negatives",
    "specificity",
    "sensitivity",
)
_LOWER_IS_BETTER = (
    "loss",
    "error",
    "crossentropy",
    "hinge",
    "divergence",
    "poisson",
    "cosh",
    "false_positives",
    "false_negatives",
)


def monitor_direction(monitor: str, mode: str, owner: str):
    """``operator.lt`` (lower is better) or ``operator.gt`` for `monitor` under `mode`.

    Example:
        >>> monitor_direction("val_accuracy", "auto", "ModelCheckpoint") is operator.gt
        True
    """
    if mode == "min":
        return operator.lt
    if mode == "max":
        return operator.gt
    name = monitor.removeprefix("val_")
    if name == "loss" or name.endswith("_loss"):
        return operator.lt
    if any(word in name for word in _HIGHER_IS_BETTER):
        return operator.gt
    if any(word in name for word in _LOWER_IS_BETTER) or name in ("mse", "mae", "mape", "msle"):
        return operator.lt
    raise ValueError(
        f"{owner} received monitor={monitor!r}, but cannot tell whether that metric should be "
        "maximized or minimized. Pass mode='max' to keep the highest value, or mode='min' to "
        "keep the lowest."
    )


class ModelCheckpoint(Callback):
    """Save the model or its weights during training.

    Args:
        filepath: where to save. May hold ``{epoch}`` (1-based), ``{batch}`` and any log
            name, with format specs: ``"ckpt-{epoch:02d}-{val_loss:.2f}.keras"``. It must end
            in ``.keras`` (or ``.h5``), or in ``.weights.h5`` with `save_weights_only`. A
            path without an extension (tf.keras 2's SavedModel folders) saves a ``.keras``
            model in that folder and warns once.
        monitor: the log value `save_best_only` compares (default ``"val_loss"``).
        verbose: 1 prints a line for each save.
        save_best_only: save only when `monitor` improves on the best value so far.
        save_weights_only: save ``model.save_weights`` instead of the full model.
        mode: ``"auto"`` (from the monitor's name), ``"min"`` or ``"max"``.
        save_freq: ``"epoch"`` (at each epoch end), or an int: every that many batches.
        initial_value_threshold: a best value to beat before the first save.

    Every save is atomic (a temporary file renamed over the target), so a run killed during a
    save keeps the previous checkpoint.

    Example:
        >>> import os, tempfile, numpy as np, strata
        >>> x = strata.Input(shape=(2,))
        >>> model = strata.Model(x, strata.layers.Dense(1)(x))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> folder = tempfile.mkdtemp()
        >>> checkpoint = ModelCheckpoint(os.path.join(folder, "m-{epoch}.keras"), monitor="loss")
        >>> _ = model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0,
        ...               callbacks=[checkpoint])
        >>> sorted(os.listdir(folder))
        ['m-1.keras', 'm-2.keras']
    """

    def __init__(
        self,
        filepath,
        monitor="val_loss",
        verbose=0,
        save_best_only=False,
        save_weights_only=False,
        mode="auto",
        save_freq="epoch",
        initial_value_threshold=None,
    ):
        super().__init__()
        self.filepath = os.fspath(filepath)
        self.monitor = monitor
        self.verbose = verbose
        self.save_best_only = bool(save_best_only)
        self.save_weights_only = bool(save_weights_only)
        if mode not in ("auto", "min", "max"):
            warnings.warn(
                f"ModelCheckpoint mode {mode!r} is unknown; using 'auto'.",
                UserWarning,
                stacklevel=2,
            )
            mode = "auto"
        self.mode = mode
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1
        ):
            raise ValueError(
                f"ModelCheckpoint: `save_freq` must be 'epoch' or a positive int (a number of "
                f"batches); received save_freq={save_freq!r}."
            )
        self.save_freq = save_freq
        if self.save_weights_only and not self.filepath.endswith(".weights.h5"):
            raise ValueError(
                "ModelCheckpoint: with `save_weights_only=True` the filepath must end in "
                f"`.weights.h5`; received filepath={self.filepath}."
            )
        # tf.keras 2 saved paths without an extension as SavedModel folders; so does strata.
        self._folder = (
            not self.save_weights_only
            and not self.filepath.endswith((".keras", ".h5"))
            and folder_format.is_folder_target(self.filepath)
        )
        if self._folder:
            folder_format.warn_folder(self.filepath)
        elif not self.save_weights_only and not self.filepath.endswith((".keras", ".h5")):
            raise ValueError(
                "ModelCheckpoint: the filepath must end in `.keras` (or `.h5` for the legacy "
                f"format); received filepath={self.filepath}. To save weights only, pass "
                "save_weights_only=True and a `.weights.h5` name."
            )
        self.best = initial_value_threshold
        self._better = None
        self._epoch = 0
        self._batches_since_save = 0
        self._last_batch = None

    def batch_hook_kinds(self) -> set[str]:
        # Per-epoch saving leaves `fit` free to run many steps per compiled call.
        return {"train"} if self.save_freq != "epoch" else set()

    def on_train_begin(self, logs=None):
        if self.save_best_only:
            self._better = monitor_direction(self.monitor, self.mode, "ModelCheckpoint")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        # A step index at or below the last one starts a new epoch.
        if self._last_batch is None or batch <= self._last_batch:
            self._batches_since_save += batch + 1
        else:
            self._batches_since_save += batch - self._last_batch
        self._last_batch = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._epoch, batch, logs or {})

    def on_epoch_end(self, epoch, logs=None):
        self._last_batch = None
        if self.save_freq == "epoch":
            self._save(epoch, None, logs or {})

    def _file_path(self, epoch, batch, logs) -> str:
        fields = dict(logs)
        fields["epoch"] = epoch + 1
        if batch is not None and "batch" not in logs:
            fields["batch"] = batch + 1
        try:
            return self.filepath.format(**fields)
        except (KeyError, IndexError) as err:
            raise ValueError(
                f"ModelCheckpoint: cannot fill the filepath {self.filepath!r}: the field {err} is "
                f"not available. Available fields: {sorted(fields)}."
            ) from None

    def _should_save(self, epoch, logs, filepath) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(
                f"ModelCheckpoint: can save the best model only with {self.monitor!r} in the "
                f"logs (available: {sorted(logs)}); saving this checkpoint.",
                UserWarning,
                stacklevel=3,
            )
            return True
        previous = "None" if self.best is None else f"{self.best:.5f}"
        if self.best is None or self._better(current, self.best):
            if self.verbose > 0:
                print(
                    f"\nEpoch {epoch + 1}: {self.monitor} improved from {previous} to "
                    f"{current:.5f}, saving model to {filepath}"
                )
            self.best = current
            return True
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {previous}")
        return False

    def _save(self, epoch, batch, logs) -> None:
        filepath = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        if os.path.isdir(filepath) and not self._folder:
            raise ValueError(
                f"ModelCheckpoint: the filepath {filepath} is an existing directory; give a "
                "file name."
            )
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        elif self._folder:
            self.model.save(folder_format.prepare_save(filepath), overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
