"""`Callback`: hooks that `fit`/`evaluate`/`predict` call, with Keras's names.

A callback that overrides a *batch-level* hook (``on_train_batch_end`` and friends) makes `fit`
run one step per compiled call so the hook sees every batch; callbacks with only epoch-level hooks
leave the engine free to run many steps per call.
"""

from __future__ import annotations

# Batch-level hooks by the loop that calls them.
BATCH_HOOKS_BY_KIND = {
    "train": ("on_batch_begin", "on_batch_end", "on_train_batch_begin", "on_train_batch_end"),
    "test": ("on_test_batch_begin", "on_test_batch_end"),
    "predict": ("on_predict_batch_begin", "on_predict_batch_end"),
}
_BATCH_HOOKS = tuple(hook for hooks in BATCH_HOOKS_BY_KIND.values() for hook in hooks)


class Callback:
    """Base class for callbacks.

    Attributes:
        model: the model being trained (set by `fit`).
        params: ``{"verbose", "epochs", "steps"}``.

    Example:
        >>> class Count(Callback):
        ...     def on_epoch_end(self, epoch, logs=None):
        ...         self.last = epoch
        >>> Count().uses_batch_hooks()
        False
    """

    def __init__(self):
        self.model = None
        self.params = {}

    def set_model(self, model) -> None:
        self.model = model

    def set_params(self, params) -> None:
        self.params = params

    def uses_batch_hooks(self) -> bool:
        """True when this callback overrides a batch-level hook."""
        return bool(self.batch_hook_kinds())

    def batch_hook_kinds(self) -> set[str]:
        """The loops (``"train"``, ``"test"``, ``"predict"``) whose every batch this callback
        must see: those whose batch-level hooks its class overrides."""
        return {
            kind
            for kind, hooks in BATCH_HOOKS_BY_KIND.items()
            if any(getattr(type(self), hook) is not getattr(Callback, hook) for hook in hooks)
        }

    def on_train_begin(self, logs=None): ...
    def on_train_end(self, logs=None): ...
    def on_epoch_begin(self, epoch, logs=None): ...
    def on_epoch_end(self, epoch, logs=None): ...
    def on_test_begin(self, logs=None): ...
    def on_test_end(self, logs=None): ...
    def on_predict_begin(self, logs=None): ...
    def on_predict_end(self, logs=None): ...
    def on_batch_begin(self, batch, logs=None): ...
    def on_batch_end(self, batch, logs=None): ...

    def on_train_batch_begin(self, batch, logs=None):
        self.on_batch_begin(batch, logs)

    def on_train_batch_end(self, batch, logs=None):
        self.on_batch_end(batch, logs)

    def on_test_batch_begin(self, batch, logs=None): ...
    def on_test_batch_end(self, batch, logs=None): ...
    def on_predict_batch_begin(self, batch, logs=None): ...
    def on_predict_batch_end(self, batch, logs=None): ...
