"""`Hashing`: map strings or integers to a fixed number of bins by a stable hash."""

from __future__ import annotations

import numpy as np

from strata.layers.preprocessing.encoding import OUTPUT_MODES, check_rank, encode_numpy
from strata.layers.preprocessing.hash_functions import hash_bucket
from strata.layers.preprocessing.host_layer import HostLayer, decode_text, is_text


def check_salt(owner: str, salt):
    """`salt` as None or a list of two non-negative ints (one int means ``[salt, salt]``)."""
    if salt is None:
        return None
    if isinstance(salt, int) and not isinstance(salt, bool):
        salt = [salt, salt]
    if (
        isinstance(salt, list | tuple)
        and len(salt) == 2
        and all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in salt)
    ):
        return [int(s) for s in salt]
    raise ValueError(
        f"{owner}: `salt` must be a non-negative int or a pair of them; received salt={salt!r}."
    )


class Hashing(HostLayer):
    """Hash each input (a string, or an integer's decimal text) into one of `num_bins` bins.

    The hash is TensorFlow's and so Keras's: FarmHash64 by default, SipHash64 keyed by `salt`
    when one is given, so bins agree with Keras for the same inputs. Runs on the host (NumPy);
    apply it to the data before the model.

    Args:
        num_bins: number of bins, including the mask bin when `mask_value` is set.
        mask_value: inputs equal to it go to bin 0; the others are hashed into bins
            ``1 .. num_bins - 1``.
        salt: an int or a pair of ints keying SipHash (None: FarmHash).
        output_mode: ``"int"`` (bin ids, int64), ``"one_hot"``, ``"multi_hot"`` or ``"count"``.
        sparse: only False is supported.

    Shapes: ``(...)`` -> ``(...)`` for ``"int"``; the encoded modes as in `CategoryEncoding`
    with depth `num_bins`.

    Example:
        >>> Hashing(num_bins=3)([["A"], ["B"], ["C"], ["D"], ["E"]]).ravel().tolist()
        [1, 0, 1, 1, 2]
    """

    def __init__(
        self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False, **kwargs
    ):
        super().__init__(**kwargs)
        where = f"Hashing '{self.name}'"
        if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins <= 0:
            raise ValueError(
                f"{where}: `num_bins` must be a positive int; received num_bins={num_bins!r}."
            )
        modes = ("int", *OUTPUT_MODES)
        if output_mode not in modes:
            raise ValueError(
                f"{where}: `output_mode` must be one of {modes}; received "
                f"output_mode={output_mode!r}."
            )
        if sparse:
            raise ValueError(f"{where}: `sparse=True` is not supported; outputs are dense.")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.salt = check_salt(where, salt)
        self.output_mode = output_mode
        self.sparse = False

    def call(self, inputs):
        values = inputs
        if values.dtype.kind == "O" and not is_text(values) and values.size:
            values = values.astype(np.int64)
        text = is_text(values)
        if text:
            values = decode_text(values)
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            mask_value = self.mask_value
            if text and isinstance(mask_value, bytes):
                mask_value = mask_value.decode("utf-8")
            mask = values == mask_value
        ids = hash_bucket(values, bins, self.salt)
        if mask is not None:
            ids = np.where(mask, 0, ids + 1)
        if self.output_mode == "int":
            return ids
        check_rank(f"Layer '{self.name}' (Hashing)", self.output_mode, ids.shape)
        return encode_numpy(ids, self.num_bins, self.output_mode)

    def get_config(self) -> dict:
        return {
            **super().get_config(),
            "num_bins": self.num_bins,
            "salt": self.salt,
            "mask_value": self.mask_value,
            "output_mode": self.output_mode,
            "sparse": self.sparse,
        }
