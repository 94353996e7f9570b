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

# Keras exports the serialization registry from keras.utils as well as keras.saving.
_WHERE.update(
    {
        name: "strata.saving.registry"
        for name in (
            "CustomObjectScope",
            "custom_object_scope",
            "get_custom_objects",
            "get_registered_name",
            "get_registered_object",
            "register_keras_serializable",
        )
    }
)
_WHERE.update(
    {
        "deserialize_keras_object": "strata.saving.serialization",
        "serialize_keras_object": "strata.saving.serialization",
    }
)

_WHERE.update(
    {
        "Config": "strata.utils.config_object",
        "get_source_inputs": "strata.utils.source_inputs",
        "is_keras_tensor": "strata.graph.symbolic",
        "pack_x_y_sample_weight": "strata.utils.data_tuples",
        "standardize_dtype": "strata.utils.dtypes",
        "unpack_x_y_sample_weight": "strata.utils.data_tuples",
    }
)

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
__all__ += ["CustomObjectScope", "custom_object_scope", "get_custom_objects"]
__all__ += ["get_registered_name", "get_registered_object", "register_keras_serializable"]
__all__ += ["deserialize_keras_object", "serialize_keras_object"]
__all__ += ["Config", "get_source_inputs", "is_keras_tensor", "standardize_dtype"]
__all__ += ["pack_x_y_sample_weight", "unpack_x_y_sample_weight"]

__getattr__, __dir__ = lazy_names(__name__, _WHERE)
