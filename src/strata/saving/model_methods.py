"""Saving-related methods of `Model` (save, save_weights, load_weights, to_json, configs)."""


class SavingMixin:
    """Mixed into `Model`; the saving package fills it in."""
