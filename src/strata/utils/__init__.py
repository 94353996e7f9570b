"""Utilities (public names only)."""

from strata.utils.dataset_split import split_dataset
from strata.utils.normalization import normalize
from strata.utils.one_hot import to_categorical
from strata.utils.seed import set_random_seed
from strata.utils.sequence_padding import pad_sequences
from strata.utils.timeseries_dataset import timeseries_dataset_from_array

__all__ = ["set_random_seed"]
__all__ += ["normalize", "pad_sequences", "split_dataset", "to_categorical"]
__all__ += ["timeseries_dataset_from_array"]
from strata.engine.feeds import PyDataset  # noqa: E402

__all__ += ["PyDataset"]
from strata.utils.plotting.history_plot import plot_history  # noqa: E402
from strata.utils.plotting.model_plot import plot_model  # noqa: E402

__all__ += ["plot_history", "plot_model"]
