"""`BackupAndRestore`: resume an interrupted `fit` from its last backup, Keras 3's callback."""

from __future__ import annotations

import io
import json
import os
import shutil

from strata.callbacks.callback import Callback

_WEIGHTS = "latest.weights.h5"
_METADATA_ATTR = "training_metadata"


class BackupAndRestore(Callback):
    """Back up the training state during `fit`; a restarted `fit` continues from the backup.

    The backup holds the weights, the optimizer state and the number of finished epochs (and
    batches). At `on_train_begin` an existing backup is restored and `fit` resumes at the next
    epoch, so a process killed mid-epoch and started again with the same code ends with the
    weights an uninterrupted run gives (for data whose order does not depend on the run, e.g.
    ``shuffle=False``). The backup is one file replaced atomically: state and epoch count can
    never disagree, and a crash during a backup leaves the previous one.

    Args:
        backup_dir: a folder for this run's backup only.
        save_freq: ``"epoch"`` (at each epoch end) or an int: every that many batches.
        double_checkpoint: keep the previous backup too, used if the latest cannot be read.
        delete_checkpoint: delete the backup when `fit` finishes (default True).

    Example:
        >>> import tempfile, numpy as np, strata
        >>> x = strata.Input(shape=(2,))
        >>> model = strata.Model(x, strata.layers.Dense(1)(x))
        >>> model.compile(optimizer="sgd", loss="mse")
        >>> backup = BackupAndRestore(tempfile.mkdtemp())
        >>> model.fit(np.ones((4, 2)), np.ones((4, 1)), epochs=2, verbose=0,
        ...           callbacks=[backup]).epoch
        [0, 1]
    """

    def __init__(
        self, backup_dir, save_freq="epoch", double_checkpoint=False, delete_checkpoint=True
    ):
        super().__init__()
        if not backup_dir:
            raise ValueError(
                "BackupAndRestore: `backup_dir` must be a folder path; received an empty value."
            )
        if save_freq != "epoch" and (
            isinstance(save_freq, bool) or not isinstance(save_freq, int) or save_freq < 1
        ):
            raise ValueError(
                "BackupAndRestore: `save_freq` must be 'epoch' or a positive int (a number of "
                f"batches); received save_freq={save_freq!r}."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = bool(double_checkpoint)
        self.delete_checkpoint = bool(delete_checkpoint)
        self._weights_path = os.path.join(self.backup_dir, _WEIGHTS)
        self._previous_path = f"{self._weights_path}.bkp"
        self._epoch = 0
        self._batches_since_save = 0
        self._last_batch = None

    def batch_hook_kinds(self) -> set[str]:
        return {"train"} if self.save_freq != "epoch" else set()

    # ---- restore ------------------------------------------------------------------------------
    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError(
                "BackupAndRestore needs a built model before `fit` starts; model "
                f"'{self.model.name}' is not built. Call it on a batch of data first."
            )
        for path in (self._weights_path, self._previous_path):
            if not os.path.exists(path):
                continue
            try:
                metadata = self._restore(path)
            except (ValueError, OSError):
                if path == self._previous_path or not os.path.exists(self._previous_path):
                    raise
                continue
            self._epoch = metadata["epoch"]
            # Keras's hook: `fit` starts at `model._initial_epoch` when a callback sets it.
            self.model._initial_epoch = metadata["epoch"]
            return

    def _restore(self, path: str) -> dict:
        import h5py

        self.model.load_weights(path)
        with h5py.File(path, "r") as h5file:
            raw = h5file.attrs.get(_METADATA_ATTR)
        try:
            metadata = json.loads(raw.decode() if isinstance(raw, bytes) else raw)
            epoch = metadata["epoch"]
        except (TypeError, ValueError, KeyError):
            raise ValueError(f"{path}: the backup holds no valid training metadata.") from None
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise ValueError(f"{path}: invalid epoch {epoch!r} in the backup metadata.")
        return metadata

    # ---- back up ------------------------------------------------------------------------------
    def on_epoch_end(self, epoch, logs=None):
        self._epoch = epoch + 1
        self._last_batch = None
        if self.save_freq == "epoch":
            self._backup(batch=0)

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        if self._last_batch is None or batch <= self._last_batch:
            self._batches_since_save += batch + 1
        else:
            self._batches_since_save += batch - self._last_batch
        self._last_batch = batch
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._backup(batch=batch + 1)

    def _backup(self, batch: int) -> None:
        import h5py

        from strata.saving import h5_weights
        from strata.saving.atomic import atomic_write

        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._weights_path):
            with atomic_write(self._previous_path) as handle, open(self._weights_path, "rb") as src:
                shutil.copyfileobj(src, handle)
        buffer = io.BytesIO()
        with h5py.File(buffer, "w") as h5file:
            h5_weights.write_weights(self.model, h5file)
            # Epoch count and weights live in one file, replaced in one rename.
            h5file.attrs[_METADATA_ATTR] = json.dumps({"epoch": self._epoch, "batch": batch})
        with atomic_write(self._weights_path) as handle:
            handle.write(buffer.getvalue())

    def on_train_end(self, logs=None):
        if self.delete_checkpoint and os.path.isdir(self.backup_dir):
            shutil.rmtree(self.backup_dir)
