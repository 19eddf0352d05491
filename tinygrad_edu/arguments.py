"""Checks of what users pass in: seeds, counts, hyper-parameters and data arrays.

Each kind of argument is checked here, once, and every function that takes one imports the
check, so the same mistake gets the same message wherever it is made. Only numpy is
imported: ``tinygrad_edu.datasets`` uses these checks and stays usable on its own.

>>> int(as_generator(0, "demo").integers(10)) == int(as_generator(0, "demo").integers(10))
True
>>> whole_number(0, "epochs", "fit")
Traceback (most recent call last):
...
ValueError: fit: epochs must be a positive int, got 0
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

RngLike = int | np.integer | np.random.Generator | None


def as_generator(rng: RngLike, where: str) -> np.random.Generator:
    """``rng`` as a numpy Generator: an int seed >= 0 (the same seed gives the same numbers),
    a Generator (used and advanced), or None (fresh, unpredictable randomness)."""
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, (int, np.integer)) and not isinstance(rng, (bool, np.bool_)):
        if rng < 0:
            raise ValueError(f"{where}: rng seed must be a non-negative integer, got {rng}")
        return np.random.default_rng(int(rng))
    raise TypeError(f"{where}: rng must be an int seed, a numpy.random.Generator or None, "
                    f"got {type(rng).__name__} {rng!r}")


def whole_number(value: Any, name: str, where: str, *, minimum: int = 1) -> int:
    """``value`` as an int of at least ``minimum``; anything else (a bool, a float such as
    3.0, a string, a smaller int) is a ValueError naming ``name``."""
    kind = {1: "a positive int", 0: "a non-negative int"}.get(minimum, f"an int >= {minimum}")
    is_int = isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))
    if not is_int or value < minimum:
        raise ValueError(f"{where}: {name} must be {kind}, got {value!r}")
    return int(value)


def check_real(value: object, name: str, where: str) -> None:
    """TypeError unless ``value`` is a real number (bools are not numbers here)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{where}: {name} must be a real number, got {type(value).__name__} {value!r}"
        )


def real_number(value: Any, name: str, where: str, *, low: float,
                high: float | None = None, low_inclusive: bool = True) -> float:
    """``value`` as a finite float with ``low <= value`` (``low < value`` when
    ``low_inclusive`` is False) and ``value < high`` when ``high`` is given.

    A non-number is a TypeError; NaN, an infinity or a value out of range a ValueError.
    """
    check_real(value, name, where)
    v = float(value)
    above = v >= low if low_inclusive else v > low
    if not (math.isfinite(v) and above and (high is None or v < high)):
        if high is not None:
            bound = f"in {'[' if low_inclusive else '('}{low:g}, {high:g})"
        else:
            bound = f"{'>=' if low_inclusive else '>'} {low:g}"
        raise ValueError(f"{where}: {name} must be a finite number {bound}, got {value!r}")
    return v


def as_float(value: Any, name: str, where: str) -> float:
    """One number (a float, a numpy scalar, a one-element array or Tensor) as a Python float:
    what training records keep, so that no Tensor, and no graph behind it, stays alive."""
    arr = np.asarray(value)
    if arr.size != 1 or arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must be one real number, got {type(value).__name__} "
                        f"of shape {arr.shape} and dtype {arr.dtype}")
    return float(arr.reshape(()))


def data_array(data: Any, what: str, where: str) -> np.ndarray:
    """``data`` as a numpy array of real numbers with at least one row, all finite.

    The errors say what to do: complex or non-numeric values are a TypeError; a scalar, an
    empty array, a ragged list or a NaN / infinity (named by its row and column) a
    ValueError. The array is returned as numpy made it (dtype kept, nothing copied).
    """
    try:
        arr = np.asarray(data)
    except ValueError as e:  # a ragged nested list
        raise ValueError(f"{where}: {what} is not a rectangular array of numbers ({e})") from None
    if arr.dtype.kind == "c":
        raise TypeError(f"{where}: {what} holds complex numbers; give real values (for "
                        f"example {what}.real or abs({what}))")
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {what} must hold numbers, got an array of {arr.dtype}")
    if arr.ndim == 0:
        raise ValueError(f"{where}: {what} must have one row per sample, got a scalar")
    if arr.shape[0] == 0:
        raise ValueError(f"{where}: {what} has no rows (shape {arr.shape}); there is nothing "
                         "to train on")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr)
        if bad.any():
            index = tuple(int(i) for i in np.argwhere(bad)[0])
            place = f"row {index[0]}" + (f", column {index[1]}" if len(index) == 2 else "")
            if len(index) > 2:
                place += f", index {index[1:]}"
            more = int(bad.sum()) - 1
            also = f" (and {more} more non-finite value{'s' * (more > 1)})" if more else ""
            raise ValueError(f"{where}: {what} holds {arr[index]} at {place}{also}; remove or "
                             "fill those rows before training")
    return arr


def numpy_or_torch(where: str, numpy_name: str, numpy_value: Any, numpy_default: Any,
                   torch_name: str, torch_value: Any) -> Any:
    """The value of a keyword numpy and PyTorch spell differently (``axis``/``dim``,
    ``keepdims``/``keepdim``): numpy's spelling is the project's own, PyTorch's is accepted
    too (``torch_value`` None means it was not given). Both given: a TypeError.

    >>> numpy_or_torch("sum", "axis", None, None, "dim", 1)
    1
    """
    if torch_value is None:
        return numpy_value
    if numpy_value is not numpy_default:
        raise TypeError(f"{where}: got both {numpy_name}={numpy_value!r} and "
                        f"{torch_name}={torch_value!r}, two spellings of one argument (numpy's "
                        f"and PyTorch's); give only one, preferably {numpy_name}=")
    return torch_value
