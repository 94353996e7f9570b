"""Callbacks (public names only, each imported on first use)."""

from strata._lazy import lazy_names

_WHERE = {
    "BackupAndRestore": "strata.callbacks.backup_and_restore",
    "CSVLogger": "strata.callbacks.csv_logger",
    "Callback": "strata.callbacks.callback",
    "CallbackList": "strata.callbacks.callback_list",
    "EarlyStopping": "strata.callbacks.early_stopping",
    "History": "strata.callbacks.history",
    "LambdaCallback": "strata.callbacks.lambda_callback",
    "LearningRateScheduler": "strata.callbacks.learning_rate_scheduler",
    "ModelCheckpoint": "strata.callbacks.model_checkpoint",
    "ProgbarLogger": "strata.callbacks.progbar_logger",
    "ReduceLROnPlateau": "strata.callbacks.reduce_lr_on_plateau",
    "TensorBoard": "strata.callbacks.tensorboard",
    "TerminateOnNaN": "strata.callbacks.terminate_on_nan",
}

__all__ = [
    "BackupAndRestore",
    "Callback",
    "CallbackList",
    "History",
    "ModelCheckpoint",
    "ProgbarLogger",
    "CSVLogger",
    "EarlyStopping",
    "LambdaCallback",
    "LearningRateScheduler",
    "ReduceLROnPlateau",
    "TensorBoard",
    "TerminateOnNaN",
]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
