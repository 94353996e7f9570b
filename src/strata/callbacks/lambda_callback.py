"""`LambdaCallback`: a callback made of plain functions."""

from __future__ import annotations

from strata.callbacks.callback import _BATCH_HOOKS, BATCH_HOOKS_BY_KIND, Callback

_EPOCH_HOOKS = ("on_epoch_begin", "on_epoch_end")
_LOGS_ONLY_HOOKS = (
    "on_train_begin",
    "on_train_end",
    "on_test_begin",
    "on_test_end",
    "on_predict_begin",
    "on_predict_end",
)
_HOOKS = _EPOCH_HOOKS + _LOGS_ONLY_HOOKS + _BATCH_HOOKS


class LambdaCallback(Callback):
    """Run the given functions at the matching points of `fit`, `evaluate` and `predict`.

    Functions are called as Keras calls them: ``on_epoch_begin(epoch, logs)``,
    ``on_train_begin(logs)``, and batch hooks as ``on_train_batch_end(batch, logs=logs)``.
    Only a batch-level function makes `fit` report every batch; epoch-level ones leave the
    compiled loop free to run many steps per call.

    Args:
        on_epoch_begin / on_epoch_end: called with ``(epoch, logs)``.
        on_train_begin / on_train_end: called with ``(logs)``.
        on_train_batch_begin / on_train_batch_end: called with ``(batch, logs=logs)``.
        **kwargs: any other hook of `Callback` by name (``on_test_end=...``,
            ``on_batch_end=...``).

    Example:
        >>> seen = []
        >>> callback = LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))
        >>> callback.on_epoch_end(3, {})
        >>> seen, callback.uses_batch_hooks()
        ([3], False)
        >>> LambdaCallback(on_train_batch_end=lambda batch, logs: None).uses_batch_hooks()
        True
    """

    def __init__(
        self,
        on_epoch_begin=None,
        on_epoch_end=None,
        on_train_begin=None,
        on_train_end=None,
        on_train_batch_begin=None,
        on_train_batch_end=None,
        **kwargs,
    ):
        super().__init__()
        unknown = sorted(set(kwargs) - set(_HOOKS))
        if unknown:
            raise ValueError(
                f"LambdaCallback: unknown hook name(s) {unknown}. Valid names: {', '.join(_HOOKS)}."
            )
        given = {
            "on_epoch_begin": on_epoch_begin,
            "on_epoch_end": on_epoch_end,
            "on_train_begin": on_train_begin,
            "on_train_end": on_train_end,
            "on_train_batch_begin": on_train_batch_begin,
            "on_train_batch_end": on_train_batch_end,
            **kwargs,
        }
        self._functions = {}
        for hook, function in given.items():
            if function is None:
                continue
            if not callable(function):
                raise ValueError(
                    f"LambdaCallback: `{hook}` must be a function; received {function!r}."
                )
            self._functions[hook] = function

    def batch_hook_kinds(self) -> set[str]:
        return {
            kind
            for kind, hooks in BATCH_HOOKS_BY_KIND.items()
            if any(hook in self._functions for hook in hooks)
        }

    def _call_epoch(self, hook, epoch, logs):
        if hook in self._functions:
            self._functions[hook](epoch, logs)

    def _call_logs(self, hook, logs):
        if hook in self._functions:
            self._functions[hook](logs)

    def _call_batch(self, hook, batch, logs, fallback=None):
        function = self._functions.get(hook) or self._functions.get(fallback)
        if function is not None:
            function(batch, logs=logs)

    def on_epoch_begin(self, epoch, logs=None):
        self._call_epoch("on_epoch_begin", epoch, logs)

    def on_epoch_end(self, epoch, logs=None):
        self._call_epoch("on_epoch_end", epoch, logs)

    def on_train_begin(self, logs=None):
        self._call_logs("on_train_begin", logs)

    def on_train_end(self, logs=None):
        self._call_logs("on_train_end", logs)

    def on_test_begin(self, logs=None):
        self._call_logs("on_test_begin", logs)

    def on_test_end(self, logs=None):
        self._call_logs("on_test_end", logs)

    def on_predict_begin(self, logs=None):
        self._call_logs("on_predict_begin", logs)

    def on_predict_end(self, logs=None):
        self._call_logs("on_predict_end", logs)

    def on_batch_begin(self, batch, logs=None):
        self._call_batch("on_batch_begin", batch, logs)

    def on_batch_end(self, batch, logs=None):
        self._call_batch("on_batch_end", batch, logs)

    def on_train_batch_begin(self, batch, logs=None):
        # As in Keras, `on_batch_begin` stands in for the training hook when that is not given.
        self._call_batch("on_train_batch_begin", batch, logs, fallback="on_batch_begin")

    def on_train_batch_end(self, batch, logs=None):
        self._call_batch("on_train_batch_end", batch, logs, fallback="on_batch_end")

    def on_test_batch_begin(self, batch, logs=None):
        self._call_batch("on_test_batch_begin", batch, logs)

    def on_test_batch_end(self, batch, logs=None):
        self._call_batch("on_test_batch_end", batch, logs)

    def on_predict_batch_begin(self, batch, logs=None):
        self._call_batch("on_predict_batch_begin", batch, logs)

    def on_predict_batch_end(self, batch, logs=None):
        self._call_batch("on_predict_batch_end", batch, logs)
