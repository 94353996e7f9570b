"""Callbacks (public names only)."""

from strata.callbacks.backup_and_restore import BackupAndRestore
from strata.callbacks.callback import Callback
from strata.callbacks.callback_list import CallbackList
from strata.callbacks.csv_logger import CSVLogger
from strata.callbacks.early_stopping import EarlyStopping
from strata.callbacks.history import History
from strata.callbacks.lambda_callback import LambdaCallback
from strata.callbacks.learning_rate_scheduler import LearningRateScheduler
from strata.callbacks.model_checkpoint import ModelCheckpoint
from strata.callbacks.progbar_logger import ProgbarLogger
from strata.callbacks.reduce_lr_on_plateau import ReduceLROnPlateau
from strata.callbacks.tensorboard import TensorBoard
from strata.callbacks.terminate_on_nan import TerminateOnNaN

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
