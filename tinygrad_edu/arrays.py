"""What a tensor may hold: float32 or float64 numpy arrays, made from what users give.

>>> to_array([1, 2]).dtype          # integers (and bools) become float64
dtype('float64')
>>> to_array(np.zeros(2, dtype=np.float32)).dtype   # float32 stays float32
dtype('float32')
"""

from __future__ import annotations

from typing import Any

import numpy as np

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def to_array(data: Any, dtype: Any = None, *, copy: bool = True, what: str = "Tensor"
             ) -> np.ndarray:
    """``data`` as a float32/float64 array (ints and bools -> float64), or a clear TypeError.

    Anything with an ``__array__`` method (a Tensor too) is read through it. ``copy``: copy
    an array (or tensor) given as data, so later changes to it cannot reach the tensor.
    """
    if data is None or isinstance(data, (str, bytes, complex)):
        raise TypeError(
            f"{what}: cannot make a tensor from {type(data).__name__} {data!r}; give a number, "
            "a (nested) list of numbers or a numpy array"
        )
    try:
        arr = np.array(data) if copy else np.asarray(data)
    except (ValueError, TypeError) as e:
        raise TypeError(
            f"{what}: cannot make a tensor from this {type(data).__name__} ({e}); nested lists "
            "must be rectangular (every row the same length) and hold only numbers"
        ) from None
    if arr.dtype.kind not in "fiub":
        raise TypeError(
            f"{what}: data of dtype {arr.dtype} ({type(data).__name__}) is not numeric; "
            "tensors hold real numbers (bools and integers become float64)"
        )
    if dtype is not None:
        target = np.dtype(dtype)
        if target not in FLOATS:
            raise TypeError(f"{what}: dtype must be float32 or float64, got {target}")
    else:
        target = arr.dtype if arr.dtype in FLOATS else np.dtype(np.float64)
    return arr.astype(target, copy=False)
