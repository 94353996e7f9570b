"""Utilities (public names only, each imported on first use)."""

from strata._lazy import lazy_names

_WHERE = {
    "PyDataset": "strata.utils.py_dataset",
    "Sequence": "strata.utils.py_dataset:PyDataset",
    "normalize": "strata.utils.normalization",
    "pad_sequences": "strata.utils.sequence_padding",
    "plot_history": "strata.utils.plotting.history_plot",
    "plot_model": "strata.utils.plotting.model_plot",
    "set_random_seed": "strata.utils.seed",
    "split_dataset": "strata.utils.dataset_split",
    "timeseries_dataset_from_array": "strata.utils.timeseries_dataset",
    "to_categorical": "strata.utils.one_hot",
}

__all__ = ["set_random_seed"]
__all__ += ["normalize", "pad_sequences", "split_dataset", "to_categorical"]
__all__ += ["timeseries_dataset_from_array"]
__all__ += ["PyDataset", "Sequence"]
__all__ += ["plot_history", "plot_model"]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
