"""tf.keras 2's ``fit_generator``, ``evaluate_generator`` and ``predict_generator``.

They are `fit`, `evaluate` and `predict` given a generator or `PyDataset`, as they already were
in tf.keras 2.1+; each warns once that the plain method takes the same data.

Example:
    >>> import warnings
    >>> import numpy as np
    >>> import strata
    >>> model = strata.Sequential([strata.Input((2,)), strata.layers.Dense(1)])
    >>> model.compile(loss="mse", optimizer="sgd")
    >>> batches = ((np.ones((4, 2)), np.ones((4, 1))) for _ in range(6))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     history = model.fit_generator(batches, steps_per_epoch=3, epochs=2, verbose=0)
    >>> len(history.history["loss"])
    2
"""

from __future__ import annotations

from strata._deprecation import warn_once
from strata.utils.py_dataset import PyDataset


class LegacyGeneratorMethods:
    """The ``*_generator`` methods of tf.keras 2 models, mixed into `Model`."""

    def fit_generator(
        self,
        generator,
        steps_per_epoch=None,
        epochs=1,
        verbose=1,
        callbacks=None,
        validation_data=None,
        validation_steps=None,
        validation_freq=1,
        class_weight=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        shuffle=True,
        initial_epoch=0,
    ):
        """`fit` on a generator or `PyDataset` (tf.keras 2's spelling; warns once)."""
        _warn("fit_generator", "fit")
        _loading(generator, "fit_generator", max_queue_size, workers, use_multiprocessing)
        return self.fit(
            generator,
            steps_per_epoch=steps_per_epoch,
            epochs=epochs,
            verbose=verbose,
            callbacks=callbacks,
            validation_data=validation_data,
            validation_steps=validation_steps,
            validation_freq=validation_freq,
            class_weight=class_weight,
            shuffle=shuffle,
            initial_epoch=initial_epoch,
        )

    def evaluate_generator(
        self,
        generator,
        steps=None,
        callbacks=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        verbose=0,
    ):
        """`evaluate` on a generator or `PyDataset` (tf.keras 2's spelling; warns once)."""
        _warn("evaluate_generator", "evaluate")
        _loading(generator, "evaluate_generator", max_queue_size, workers, use_multiprocessing)
        return self.evaluate(generator, steps=steps, callbacks=callbacks, verbose=verbose)

    def predict_generator(
        self,
        generator,
        steps=None,
        callbacks=None,
        max_queue_size=10,
        workers=1,
        use_multiprocessing=False,
        verbose=0,
    ):
        """`predict` on a generator or `PyDataset` (tf.keras 2's spelling; warns once)."""
        _warn("predict_generator", "predict")
        _loading(generator, "predict_generator", max_queue_size, workers, use_multiprocessing)
        return self.predict(generator, steps=steps, callbacks=callbacks, verbose=verbose)


def _warn(old: str, new: str) -> None:
    warn_once(
        f"Model.{old}",
        f"`Model.{old}` is deprecated; use `Model.{new}`, which accepts generators and "
        "`PyDataset`s (`strata.utils.Sequence`) directly.",
        stacklevel=4,
    )


def _loading(generator, method: str, max_queue_size, workers, use_multiprocessing) -> None:
    """Honour tf.keras 2's loading arguments: a `PyDataset` takes them as its own settings (as
    Keras 3 does); a plain generator is read on the calling thread, so only the defaults fit."""
    if isinstance(generator, PyDataset):
        checked = PyDataset(workers, use_multiprocessing, max_queue_size)
        generator.workers = checked.workers
        generator.use_multiprocessing = checked.use_multiprocessing
        generator.max_queue_size = checked.max_queue_size
    elif workers != 1 or use_multiprocessing:
        raise ValueError(
            f"{method}: workers={workers!r} and use_multiprocessing={use_multiprocessing!r} "
            "need a `strata.utils.PyDataset` (or `Sequence`); a plain generator is read one batch "
            "at a time on the training thread. Wrap the data in a PyDataset, or leave these out."
        )
