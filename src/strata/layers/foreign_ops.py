"""A clear error for layers whose `call` uses TensorFlow (or PyTorch) operations.

strata runs `call` on JAX arrays, traced inside compiled functions; ``tf.nn.relu(x)`` then asks
for the array's values, and JAX's own message ("__array__() was called on traced array with
shape float32[83,3]") names a probe size the program never used. This module recognises the
case from the traceback and says what to do instead.
"""

from __future__ import annotations

import linecache

_FOREIGN = {"tensorflow": "TensorFlow", "tf_keras": "tf.keras", "torch": "PyTorch"}


def foreign_function(err: BaseException) -> tuple[str, str] | None:
    """``(framework, where)`` for the first TensorFlow/PyTorch frame in `err`'s traceback;
    `where` is the line of user code that called into it.

    Example:
        >>> foreign_function(ValueError("not from TensorFlow")) is None
        True
    """
    tb, caller = err.__traceback__, None
    while tb is not None:
        frame = tb.tb_frame
        root = frame.f_globals.get("__name__", "").partition(".")[0]
        if root in _FOREIGN:
            if caller is None:
                return _FOREIGN[root], "inside it"
            line = linecache.getline(caller.f_code.co_filename, caller.f_lineno).strip()
            return _FOREIGN[root], f"at {caller.f_code.co_filename}:{caller.f_lineno}: {line}"
        caller, tb = frame, tb.tb_next
    return None


def explain(layer, err: BaseException) -> TypeError | None:
    """A TypeError naming `layer` when `err` came from TensorFlow/PyTorch code in its `call`."""
    found = foreign_function(err)
    if found is None:
        return None
    framework, where = found
    return TypeError(
        f"Layer '{layer.name}' ({type(layer).__name__}) calls {framework} in its `call` "
        f"({where}). strata runs layers on JAX arrays, traced inside "
        f"compiled functions, where {framework} operations cannot work. Use `strata.ops` instead: "
        "it has the same names for most of them (`strata.ops.relu`, `strata.ops.concatenate`, "
        "`strata.ops.matmul`, ...), or `jax.numpy`."
    )
