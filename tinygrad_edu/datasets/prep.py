"""Preparing data: seeded generators, a train/test split, standardising, one-hot labels."""

from __future__ import annotations

import math
from typing import overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..arguments import RngLike, as_generator, check_real

FloatArray = NDArray[np.float64]


def train_test_split(
    X: ArrayLike,
    t: ArrayLike,
    *,
    test_fraction: float = 0.2,
    rng: RngLike = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Shuffle the rows of ``X`` and ``t`` together and split off a test set.

    The test set has ``round(test_fraction * n)`` rows (rounding halves up),
    clamped so that both parts get at least one row; the split is not
    stratified. Returns new arrays ``(X_train, X_test, t_train, t_test)``
    (same order as scikit-learn); dtypes are kept.

    >>> X = np.arange(20.0).reshape(10, 2)
    >>> t = np.arange(10.0)
    >>> X_tr, X_te, t_tr, t_te = train_test_split(X, t, test_fraction=0.3, rng=0)
    >>> X_tr.shape, X_te.shape, t_tr.shape, t_te.shape
    ((7, 2), (3, 2), (7,), (3,))
    >>> bool(np.all(X_te[:, 0] == 2 * t_te))  # rows stay paired with their labels
    True
    """
    X_arr = np.asarray(X)
    t_arr = np.asarray(t)
    if X_arr.ndim == 0 or t_arr.ndim == 0:
        raise ValueError(
            f"train_test_split: X and t must have at least one dimension, got shapes "
            f"{X_arr.shape} and {t_arr.shape}"
        )
    n = X_arr.shape[0]
    if t_arr.shape[0] != n:
        raise ValueError(
            f"train_test_split: X and t must have the same number of rows, got len(X)={n} "
            f"and len(t)={t_arr.shape[0]}"
        )
    if n < 2:
        raise ValueError(f"train_test_split: need at least 2 rows to split, got {n}")
    check_real(test_fraction, "test_fraction", "train_test_split")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(
            f"train_test_split: test_fraction must satisfy 0 < test_fraction < 1, "
            f"got {test_fraction}"
        )
    gen = as_generator(rng, "train_test_split")
    n_test = min(max(math.floor(float(test_fraction) * n + 0.5), 1), n - 1)
    order = gen.permutation(n)
    test_idx, train_idx = order[:n_test], order[n_test:]
    return X_arr[train_idx], X_arr[test_idx], t_arr[train_idx], t_arr[test_idx]


def _train_stats(X_train: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Column means and stds of ``X_train``; (near-)constant columns get std 1."""
    mean = X_train.mean(axis=0)
    std = X_train.std(axis=0)
    # A constant column can have a tiny nonzero std from rounding (e.g. 1e-17 for
    # a column of 0.1s); dividing by it would turn the column into +-1 noise.
    scale = np.max(np.abs(X_train), axis=0)
    constant = std <= 1e-12 * scale
    std = np.where(constant, 1.0, std)
    # Centre constant columns on their actual value so they become exactly 0.
    mean = np.where(constant, X_train[0], mean)
    return mean, std


@overload
def standardize(X_train: ArrayLike, X_test: None = None) -> FloatArray: ...


@overload
def standardize(X_train: ArrayLike, X_test: ArrayLike) -> tuple[FloatArray, FloatArray]: ...


def standardize(
    X_train: ArrayLike, X_test: ArrayLike | None = None
) -> FloatArray | tuple[FloatArray, FloatArray]:
    """Z-score each column using the mean and standard deviation of ``X_train``.

    The same train statistics are applied to ``X_test`` (never its own), so no
    information leaks from the test set. Columns that are constant in
    ``X_train`` (std zero, up to rounding) are divided by 1 instead of 0, so
    they become 0 on the train set. Inputs are never modified; results are new
    float64 arrays. Returns ``X_train_std`` alone if ``X_test`` is None,
    otherwise ``(X_train_std, X_test_std)``.

    >>> X_tr = np.array([[1.0, 5.0], [3.0, 5.0]])
    >>> standardize(X_tr).tolist()
    [[-1.0, 0.0], [1.0, 0.0]]
    >>> standardize(X_tr, np.array([[2.0, 6.0]]))[1].tolist()
    [[0.0, 1.0]]
    """
    Xtr = np.asarray(X_train, dtype=np.float64)
    if Xtr.ndim == 0 or Xtr.shape[0] == 0:
        raise ValueError(f"standardize: X_train must have at least one row, got shape {Xtr.shape}")
    mean, std = _train_stats(Xtr)
    Xtr_std = (Xtr - mean) / std
    if X_test is None:
        return Xtr_std
    Xte = np.asarray(X_test, dtype=np.float64)
    if Xte.ndim != Xtr.ndim or Xte.shape[1:] != Xtr.shape[1:]:
        raise ValueError(
            f"standardize: X_test rows must have the same shape as X_train rows, got "
            f"X_train shape {Xtr.shape} and X_test shape {Xte.shape}"
        )
    return Xtr_std, (Xte - mean) / std


def one_hot(labels: ArrayLike, num_classes: int | None = None) -> FloatArray:
    """Encode integer class labels as rows of a one-hot float64 matrix.

    ``labels`` is a 1-D sequence of non-negative integer values (floats such
    as 2.0 are accepted, 2.5 is not). The result has shape (N, K) with
    ``K = num_classes`` or, when that is None, ``max(labels) + 1``; row ``i``
    has a 1 in column ``labels[i]`` and 0 elsewhere. ``result.argmax(axis=1)``
    recovers the labels.

    >>> one_hot([0, 2, 1]).tolist()
    [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    >>> one_hot(np.array([1.0, 0.0]), num_classes=3).tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    """
    arr = np.asarray(labels)
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"one_hot: labels must be integer-valued numbers, got dtype {arr.dtype}")
    if arr.ndim != 1:
        raise ValueError(f"one_hot: labels must be 1-D, got shape {arr.shape}")
    if num_classes is not None:
        if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)):
            raise TypeError(
                f"one_hot: num_classes must be an int or None, got "
                f"{type(num_classes).__name__} {num_classes!r}"
            )
        if num_classes < 1:
            raise ValueError(f"one_hot: num_classes must be >= 1, got {num_classes}")
    if arr.dtype.kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if np.any(bad):
            i = int(np.argmax(bad))
            raise ValueError(
                f"one_hot: labels must be integer-valued, got {arr[i].item()!r} at index {i}"
            )
    if arr.size and np.any(arr < 0):
        i = int(np.argmax(arr < 0))
        raise ValueError(f"one_hot: labels must be >= 0, got {arr[i].item()!r} at index {i}")
    # Range checks happen before casting to int64, so huge values cannot wrap around.
    if num_classes is not None:
        k = int(num_classes)
        too_big = arr >= k
        if np.any(too_big):
            i = int(np.argmax(too_big))
            raise ValueError(
                f"one_hot: label {arr[i].item()!r} at index {i} is out of range for "
                f"num_classes={k} (labels must be < num_classes)"
            )
    else:
        k = int(arr.max()) + 1 if arr.size else 0
    idx = arr.astype(np.int64)
    out = np.zeros((idx.size, k), dtype=np.float64)
    out[np.arange(idx.size), idx] = 1.0
    return out
