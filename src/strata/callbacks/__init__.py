"""Callbacks (public names only)."""

from strata.callbacks.backup_and_restore import BackupAndRestore
from strata.callbacks.callback import Callback
from strata.callbacks.callback_list import CallbackList
from strata.callbacks.history import History
from strata.callbacks.model_checkpoint import ModelCheckpoint
from strata.callbacks.progbar_logger import ProgbarLogger

__all__ = [
    "BackupAndRestore",
    "Callback",
    "CallbackList",
    "History",
    "ModelCheckpoint",
    "ProgbarLogger",
]
