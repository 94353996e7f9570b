"""`CallbackList`: calls a hook on every callback in order, with Keras's arguments.

As in Keras, every hook receives a dict as `logs` (empty where there is nothing to report).
Callbacks written against Keras's protocol by other packages (any object with Keras's hook
methods, e.g. a subclass of `keras.callbacks.Callback`) are called the same way as strata's own.
"""

from __future__ import annotations

from strata.callbacks.callback import BATCH_HOOKS_BY_KIND, Callback

_HOOKS_WITH_INDEX = {hook for hooks in BATCH_HOOKS_BY_KIND.values() for hook in hooks} | {
    "on_epoch_begin",
    "on_epoch_end",
}
_LOG_HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)


class CallbackList(Callback):
    """A list of callbacks that behaves like one.

    Example:
        >>> CallbackList([]).uses_batch_hooks()
        False
    """

    def __init__(self, callbacks=None, model=None, **params):
        super().__init__()
        self.callbacks = list(callbacks or [])
        for callback in self.callbacks:
            _check_protocol(callback)
        if model is not None:
            self.set_model(model)
        if params:
            self.set_params(params)

    def append(self, callback) -> None:
        self.callbacks.append(callback)

    def set_model(self, model) -> None:
        super().set_model(model)
        for callback in self.callbacks:
            if hasattr(callback, "set_model"):
                callback.set_model(model)

    def set_params(self, params) -> None:
        super().set_params(params)
        for callback in self.callbacks:
            if hasattr(callback, "set_params"):
                callback.set_params(params)

    def batch_hook_kinds(self) -> set[str]:
        kinds = set()
        for callback in self.callbacks:
            kinds |= hook_kinds_of(callback)
        return kinds

    def _each(self, hook, *args):
        for callback in self.callbacks:
            method = getattr(callback, hook, None)
            if method is not None:
                method(*args)

    def on_train_begin(self, logs=None):
        self._each("on_train_begin", _dict(logs))

    def on_train_end(self, logs=None):
        self._each("on_train_end", _dict(logs))

    def on_epoch_begin(self, epoch, logs=None):
        self._each("on_epoch_begin", epoch, _dict(logs))

    def on_epoch_end(self, epoch, logs=None):
        self._each("on_epoch_end", epoch, _dict(logs))

    def on_test_begin(self, logs=None):
        self._each("on_test_begin", _dict(logs))

    def on_test_end(self, logs=None):
        self._each("on_test_end", _dict(logs))

    def on_predict_begin(self, logs=None):
        self._each("on_predict_begin", _dict(logs))

    def on_predict_end(self, logs=None):
        self._each("on_predict_end", _dict(logs))

    def on_train_batch_begin(self, batch, logs=None):
        self._each("on_train_batch_begin", batch, _dict(logs))

    def on_train_batch_end(self, batch, logs=None):
        self._each("on_train_batch_end", batch, _dict(logs))

    def on_test_batch_begin(self, batch, logs=None):
        self._each("on_test_batch_begin", batch, _dict(logs))

    def on_test_batch_end(self, batch, logs=None):
        self._each("on_test_batch_end", batch, _dict(logs))

    def on_predict_batch_begin(self, batch, logs=None):
        self._each("on_predict_batch_begin", batch, _dict(logs))

    def on_predict_batch_end(self, batch, logs=None):
        self._each("on_predict_batch_end", batch, _dict(logs))


def hook_kinds_of(callback) -> set[str]:
    """The loops whose every batch `callback` must see.

    strata's callbacks say so themselves. For another package's callback, a batch hook counts
    unless the class that defines it is a base class called ``Callback`` (whose hooks do nothing,
    as in Keras and its peers).
    """
    if isinstance(callback, Callback):
        if type(callback).uses_batch_hooks is not Callback.uses_batch_hooks:
            return {"train"} if callback.uses_batch_hooks() else set()
        return callback.batch_hook_kinds()
    kinds = set()
    for kind, hooks in BATCH_HOOKS_BY_KIND.items():
        for hook in hooks:
            owner = next((c for c in type(callback).__mro__ if hook in vars(c)), None)
            if owner is not None and owner.__name__ != "Callback":
                kinds.add(kind)
    return kinds


def _check_protocol(callback) -> None:
    if isinstance(callback, Callback):
        return
    known = _HOOKS_WITH_INDEX | set(_LOG_HOOKS)
    if not any(callable(getattr(callback, hook, None)) for hook in known):
        raise TypeError(
            "Each entry of `callbacks` must be a callback: a strata.callbacks.Callback, or an "
            "object with Keras's hook methods (on_epoch_end, on_train_batch_end, ...); received "
            f"{type(callback).__name__}."
        )


def _dict(logs) -> dict:
    return {} if logs is None else logs
