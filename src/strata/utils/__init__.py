"""Utilities (public names only, each imported on first use)."""

from strata._lazy import lazy_names

_WHERE = {
    "PyDataset": "strata.utils.py_dataset",
    "Sequence": "strata.utils.py_dataset:PyDataset",
    "array_to_img": "strata.utils.image_utils",
    "audio_dataset_from_directory": "strata.utils.audio_dataset",
    "image_dataset_from_directory": "strata.utils.image_dataset",
    "img_to_array": "strata.utils.image_utils",
    "load_img": "strata.utils.image_utils",
    "save_img": "strata.utils.image_utils",
    "text_dataset_from_directory": "strata.utils.text_dataset",
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
__all__ += ["array_to_img", "img_to_array", "load_img", "save_img"]
__all__ += [
    "audio_dataset_from_directory",
    "image_dataset_from_directory",
    "text_dataset_from_directory",
]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
