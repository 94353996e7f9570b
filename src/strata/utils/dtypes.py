"""`standardize_dtype`: any dtype spelling (a name, a NumPy or JAX type, a Python type) as
Keras's canonical name.
"""

from __future__ import annotations

import numpy as np

_PYTHON_TYPES = {float: "float32", int: "int32", bool: "bool", str: "string"}
_NAMES = {"int": "int32", "string": "string", "str": "string", "bfloat16": "bfloat16"}


def standardize_dtype(dtype) -> str:
    """The canonical name of `dtype` (None means `floatx()`; ``int`` and ``"int"`` mean int32).

    Example:
        >>> standardize_dtype(None), standardize_dtype(int), standardize_dtype(np.float64)
        ('float32', 'int32', 'float64')
    """
    if dtype is None:
        from strata.backend.settings import floatx

        return floatx()
    if dtype in _PYTHON_TYPES:
        return _PYTHON_TYPES[dtype]
    if isinstance(dtype, str) and dtype in _NAMES:
        return _NAMES[dtype]
    name = getattr(dtype, "name", None) if not isinstance(dtype, str) else dtype
    if name is None and hasattr(dtype, "dtype"):
        name = getattr(dtype.dtype, "name", None)
    try:
        canonical = np.dtype(name if name is not None else dtype).name
    except TypeError:
        canonical = None
    # Only canonical names are accepted as strings: NumPy reads "float" as float64, Keras refuses.
    if canonical in (None, "object") or (isinstance(dtype, str) and canonical != dtype):
        raise ValueError(f"Invalid dtype: {dtype}")
    return canonical
