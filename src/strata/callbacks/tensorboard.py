"""`TensorBoard`: write training curves, weight histograms and profiles for TensorBoard.

Event files are written with tensorboardX (an optional dependency: ``pip install
strata[tensorboard]``) in the layout Keras uses, so TensorBoard shows strata runs like Keras runs:
``<log_dir>/train`` and ``<log_dir>/validation`` hold ``epoch_<name>`` scalars (the validation
ones without their ``val_`` prefix), ``batch_<name>`` scalars when batches are logged,
``evaluation_<name>_vs_iterations`` in ``validation``, and ``<weight path>/histogram``.
"""

from __future__ import annotations

import itertools
import numbers
import os
import time
import warnings

import numpy as np

from strata.callbacks.callback import Callback

# Event files are named by the second they were opened; a per-process counter in the suffix keeps
# two writers opened within one second (two quick `fit` calls) from sharing a file name.
_WRITER_IDS = itertools.count()


def _summary_writer_class():
    try:
        from tensorboardX import SummaryWriter
    except ImportError as error:
        raise ImportError(
            "strata.callbacks.TensorBoard writes event files with the `tensorboardX` package, "
            "which is not installed. Install it with `pip install tensorboardX` (or `pip install "
            "strata[tensorboard]`)."
        ) from error
    return SummaryWriter


class TensorBoard(Callback):
    """Log metrics, the learning rate, weight histograms and profiles for TensorBoard.

    With ``update_freq="epoch"`` (the default) everything is written at epoch ends, and the
    compiled loop keeps running many steps per call. Logging batches (``update_freq="batch"`` or
    an int) or profiling batches needs the logs of every batch, so `fit` then runs one step per
    call.

    Args:
        log_dir: the directory for the event files (``train`` and ``validation`` sub-folders).
        histogram_freq: write a histogram of every weight each `histogram_freq` epochs (0: never).
        write_graph: write the model's JSON configuration (TensorBoard's "Graph" tab draws it as
            a Keras model), for models that `to_json` can describe.
        write_images: not supported (must be False).
        write_steps_per_second: also log training steps per second.
        update_freq: ``"epoch"``; ``"batch"`` to log every batch's running metrics as
            ``batch_<name>`` at the global batch number; or an int N to log every N batches.
        profile_batch: 0 (off), a batch number, a pair ``(start, stop)`` or a string
            ``"start,stop"`` of global batch numbers (from 1) to trace with `jax.profiler`; the
            trace goes to ``<log_dir>/train/plugins/profile`` (TensorBoard's "Profile" tab).
        embeddings_freq: not supported (must be 0).
        embeddings_metadata: not supported (must be None).

    Example:
        >>> import os, tempfile, numpy as np, strata
        >>> x = strata.Input(shape=(2,))
        >>> model = strata.Model(x, strata.layers.Dense(1)(x))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> log_dir = tempfile.mkdtemp()
        >>> _ = model.fit(np.ones((8, 2)), np.ones((8, 1)), epochs=2, verbose=0,
        ...               validation_split=0.25, callbacks=[TensorBoard(log_dir)])
        >>> sorted(os.listdir(log_dir))
        ['train', 'validation']
    """

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
    ):
        super().__init__()
        try:
            self.log_dir = os.fspath(log_dir)
        except TypeError:
            raise ValueError(
                f"TensorBoard: `log_dir` must be a path (str or os.PathLike); received {log_dir!r}."
            ) from None
        if write_images:
            raise NotImplementedError(
                "TensorBoard: `write_images=True` is not supported; use histogram_freq to follow "
                "the weights."
            )
        if embeddings_freq or embeddings_metadata is not None:
            raise NotImplementedError(
                "TensorBoard: embedding visualization (`embeddings_freq`, "
                "`embeddings_metadata`) is not supported; leave them at 0 and None."
            )
        if (
            isinstance(histogram_freq, bool)
            or not isinstance(histogram_freq, numbers.Integral)
            or histogram_freq < 0
        ):
            raise ValueError(
                "TensorBoard: `histogram_freq` must be an int >= 0 (epochs between weight "
                f"histograms; 0 disables them); received histogram_freq={histogram_freq!r}."
            )
        self.histogram_freq = int(histogram_freq)
        self.write_graph = bool(write_graph)
        self.write_images = False
        self.write_steps_per_second = bool(write_steps_per_second)
        self.update_freq = _check_update_freq(update_freq)
        self.profile_batch = profile_batch
        self._profile_range = _check_profile_batch(profile_batch)
        self.embeddings_freq = 0
        self.embeddings_metadata = None
        self._writer_class = _summary_writer_class()
        self._writers = {}
        self._training = False
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start_time = 0.0
        self._epoch_start_iterations = 0
        self._tested_this_epoch = False
        self._tracing = False

    # ---- configuration ------------------------------------------------------------------------
    def batch_hook_kinds(self) -> set[str]:
        return (
            {"train"} if self.update_freq != "epoch" or self._profile_range is not None else set()
        )

    def set_model(self, model) -> None:
        super().set_model(model)
        # As Keras, each new model binding starts new event files.
        self._close_writers()

    @property
    def _train_dir(self) -> str:
        return os.path.join(self.log_dir, "train")

    @property
    def _val_dir(self) -> str:
        return os.path.join(self.log_dir, "validation")

    def _writer(self, which: str):
        if which not in self._writers:
            directory = self._train_dir if which == "train" else self._val_dir
            self._writers[which] = self._writer_class(
                directory, filename_suffix=f".{os.getpid()}.{next(_WRITER_IDS)}.v2"
            )
        return self._writers[which]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ---- training -------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        self._training = True
        self._global_train_batch = 0
        if self.write_graph:
            self._write_model_config()

    def on_train_end(self, logs=None):
        self._training = False
        if self._tracing:
            self._stop_trace()
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        self._tested_this_epoch = False
        if self.write_steps_per_second:
            self._epoch_start_iterations = self._iterations()
            self._epoch_start_time = time.time()

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()
        if self._profile_range is not None and self._global_train_batch == self._profile_range[0]:
            self._start_trace()

    def on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq != "epoch" and step % self.update_freq == 0:
            writer = self._writer("train")
            if self.write_steps_per_second:
                elapsed = time.time() - self._batch_start_time
                writer.add_scalar("batch_steps_per_second", 1.0 / max(elapsed, 1e-9), step)
            for name, value in (logs or {}).items():
                writer.add_scalar(f"batch_{name}", value, step)
        if self._tracing and step >= self._profile_range[1]:
            self._stop_trace()

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        train_logs = {k: v for k, v in logs.items() if not k.startswith("val_")}
        val_logs = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        learning_rate = getattr(getattr(self.model, "optimizer", None), "learning_rate", None)
        if learning_rate is not None:
            train_logs["learning_rate"] = float(learning_rate)
        if self.write_steps_per_second:
            elapsed = max(time.time() - self._epoch_start_time, 1e-9)
            train_logs["steps_per_second"] = (
                self._iterations() - self._epoch_start_iterations
            ) / elapsed
        if train_logs:
            writer = self._writer("train")
            for name, value in train_logs.items():
                writer.add_scalar(f"epoch_{name}", value, epoch)
        if val_logs:
            writer = self._writer("validation")
            for name, value in val_logs.items():
                writer.add_scalar(f"epoch_{name}", value, epoch)
            if not self._tested_this_epoch:
                # Keras writes these from `on_test_end` of the validation pass; strata's `fit`
                # validates without calling test hooks, so they are written from the epoch logs.
                self._write_evaluation(val_logs)
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._write_histograms(epoch)
        for writer in self._writers.values():
            writer.flush()

    # ---- evaluation -----------------------------------------------------------------------------
    def on_test_end(self, logs=None):
        self._tested_this_epoch = True
        self._write_evaluation(logs or {})
        if not self._training:
            self._writers.pop("validation").close()

    # ---- writing --------------------------------------------------------------------------------
    def _iterations(self) -> int:
        optimizer = getattr(self.model, "optimizer", None)
        return int(getattr(optimizer, "iterations", 0) or 0)

    def _write_evaluation(self, logs) -> None:
        writer = self._writer("validation")
        step = self._iterations()
        for name, value in logs.items():
            writer.add_scalar(f"evaluation_{name}_vs_iterations", value, step)

    def _write_histograms(self, epoch: int) -> None:
        writer = self._writer("train")
        seen = set()
        for layer in getattr(self.model, "layers", []):
            for weight in layer.weights:
                if id(weight) in seen:
                    continue
                seen.add(id(weight))
                name = weight.path.replace(":", "_")
                writer.add_histogram(f"{name}/histogram", np.asarray(weight.numpy()), epoch)

    def _write_model_config(self) -> None:
        """The model's JSON config as TensorBoard's Keras-graph summary (tag ``keras``, step 0)."""
        text = _model_json(self.model)
        if text is None:
            return
        from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata
        from tensorboardX.proto.tensor_pb2 import TensorProto
        from tensorboardX.proto.tensor_shape_pb2 import TensorShapeProto

        metadata = SummaryMetadata(
            plugin_data=SummaryMetadata.PluginData(plugin_name="graph_keras_model", content=b"1")
        )
        tensor = TensorProto(
            dtype="DT_STRING", string_val=[text.encode()], tensor_shape=TensorShapeProto()
        )
        summary = Summary(value=[Summary.Value(tag="keras", metadata=metadata, tensor=tensor)])
        self._writer("train").file_writer.add_summary(summary, global_step=0)

    # ---- profiling --------------------------------------------------------------------------------
    def _start_trace(self) -> None:
        import jax

        try:
            jax.profiler.start_trace(self._train_dir)
        except RuntimeError as error:  # another trace is running: training goes on untraced
            warnings.warn(f"TensorBoard: could not start the profiler: {error}", stacklevel=2)
            return
        self._tracing = True

    def _stop_trace(self) -> None:
        import jax

        self._tracing = False
        jax.profiler.stop_trace()


def _model_json(model):
    """The model's Keras JSON for TensorBoard's graph plugin, or None if it cannot describe itself.

    As Keras, a model that cannot be serialized (a subclassed model without a config) simply gets
    no graph.
    """
    to_json = getattr(model, "to_json", None)
    if to_json is None:
        return None
    try:
        return to_json()
    except (NotImplementedError, TypeError, ValueError):
        return None


def _check_update_freq(update_freq):
    if update_freq == "batch":
        return 1
    if update_freq == "epoch":
        return "epoch"
    if (
        isinstance(update_freq, bool)
        or not isinstance(update_freq, numbers.Integral)
        or update_freq < 1
    ):
        raise ValueError(
            "TensorBoard: `update_freq` must be 'epoch', 'batch' or an int >= 1 (log every N "
            f"batches); received update_freq={update_freq!r}."
        )
    return int(update_freq)


def _check_profile_batch(profile_batch):
    """``(start, stop)`` global batch numbers (from 1) to profile, or None for no profiling."""
    value = profile_batch
    if isinstance(value, str):
        try:
            value = tuple(int(part) for part in value.split(","))
        except ValueError:
            value = None
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (int(value), int(value))
    ok = (
        isinstance(value, tuple | list)
        and len(value) == 2
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
        and 0 <= value[0] <= value[1]
    )
    if not ok:
        raise ValueError(
            "TensorBoard: `profile_batch` must be 0, a batch number >= 1, a pair (start, stop) "
            "of batch numbers with start <= stop, or a string 'start,stop'; received "
            f"profile_batch={profile_batch!r}."
        )
    if value[0] == 0:
        if value[1] != 0:
            raise ValueError(
                "TensorBoard: batch numbers in `profile_batch` count from 1; received "
                f"profile_batch={profile_batch!r}."
            )
        return None
    return int(value[0]), int(value[1])
